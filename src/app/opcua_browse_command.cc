// plantbridge opcua browse ENDPOINT [PATH]: walks a server's address space from a node (the
// Objects folder by default) so an engineer can find the nodes to put in a connector's config.
// It is a one-shot tool on the blocking client: connect, session, resolve, browse level by
// level, one Read per level for the variables, close, then print (text or JSON).
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app_support.h"
#include "commands.h"
#include "plantbridge/common/time.h"
#include "plantbridge/connectors/opcua/client.h"
#include "plantbridge/connectors/opcua/secure_channel_services.h"
#include "plantbridge/connectors/opcua/value_text.h"

namespace pb {
namespace {

namespace json = boost::json;
using opcua::BuiltinType;
using opcua::DataValue;
using opcua::NodeId;
using opcua::qualifiedNameText;
using opcua::ReadValueId;
using opcua::Scalar;
using opcua::statusName;
using opcua::Variant;
using opcua::variantJson;

constexpr uint32_t kNodeClassObject = 1;
constexpr uint32_t kNodeClassVariable = 2;
// Servers cap the nodes of one Read (MaxNodesPerRead, node-opcua's default is 1000); a level
// with more variables than this is read in several calls rather than refused.
constexpr size_t kMaxReadValueIds = 1000;
// Array values are cut in the text output so one line stays one line.
constexpr size_t kMaxArrayElementsShown = 8;

struct BrowsedNode {
  opcua::QualifiedName browse_name;
  NodeId node_id;
  uint32_t node_class = 0;
  std::optional<std::string> path;  // relative path from Objects; unknown above a NodeId start
  // Variables only: the Value and DataType attributes as read.
  std::optional<DataValue> value;
  std::optional<NodeId> data_type;
  bool browsed = false;       // children were asked for (`children` may still be empty)
  bool repeated = false;      // reached a second time (a non-tree reference); not expanded again
  uint32_t server_index = 0;  // != 0: a node of another server, never expanded
  std::vector<BrowsedNode> children;
};

// A one-line failure: what went wrong, for the engineer; exit code 1.
struct Failure {
  std::string message;
};

const char* nodeClassName(uint32_t node_class) {
  switch (node_class) {
    case 1:
      return "Object";
    case 2:
      return "Variable";
    case 4:
      return "Method";
    case 8:
      return "ObjectType";
    case 16:
      return "VariableType";
    case 32:
      return "ReferenceType";
    case 64:
      return "DataType";
    case 128:
      return "View";
    default:
      return "Unspecified";
  }
}

// One element of a relative path (OPC 10000-4, A.2) with the reserved characters escaped.
std::string pathElement(const opcua::QualifiedName& name) {
  std::string out = "/" + std::to_string(name.namespace_index) + ":";
  for (char c : name.name) {
    if (std::string_view("/.&:<>!#").find(c) != std::string_view::npos) out += '&';
    out += c;
  }
  return out;
}

std::string dataTypeText(const std::optional<NodeId>& type) {
  if (!type) return "?";
  // The built-in types are i=1..25 in namespace 0 and have a name we already know.
  if (type->namespace_index == 0) {
    if (const auto* n = std::get_if<uint32_t>(&type->identifier)) {
      if (*n >= 1 && *n <= 25) return opcua::builtinTypeName(static_cast<BuiltinType>(*n));
      if (*n == 290) return "Duration";
      if (*n == 294) return "UtcTime";
      if (*n == 884) return "Range";
      if (*n == 887) return "EUInformation";
    }
  }
  return type->toString();
}

class Browser {
 public:
  Browser(opcua::Client& client, const OpcUaBrowseOptions& options)
      : client_(client), options_(options) {}

  // The start node: PATH as a relative path from Objects, a NodeId, or the Objects folder.
  Result<BrowsedNode> resolveStart() {
    BrowsedNode start;
    const std::string& path = options_.path;
    if (path.empty()) {
      start.node_id = NodeId(0, opcua::node_ids::kObjectsFolder);
      start.path = "";
    } else if (path.front() == '/' || path.front() == '.') {
      auto node = client_.resolvePath(path);
      if (!node) return Status(node.status().code(), where(path, node.status()));
      start.node_id = *node;
      start.path = path;
    } else {
      auto node = NodeId::parse(path);
      if (!node) {
        return Status::invalidArgument("'" + path +
                                       "' is neither a browse path (/2:CNC07) nor a NodeId "
                                       "(ns=2;s=CNC07.PartCounter): " +
                                       node.status().message());
      }
      start.node_id = *node;
      // Only from the Objects folder do we know the path text that config accepts.
      if (start.node_id == NodeId(0, opcua::node_ids::kObjectsFolder)) start.path = "";
    }
    auto attributes = client_.read({attribute(start.node_id, opcua::attribute_ids::kBrowseName),
                                    attribute(start.node_id, opcua::attribute_ids::kNodeClass),
                                    attribute(start.node_id, opcua::attribute_ids::kValue),
                                    attribute(start.node_id, opcua::attribute_ids::kDataType)});
    if (!attributes) {
      return Status(attributes.status().code(), "reading " + start.node_id.toString() + " on " +
                                                    options_.endpoint + ": " +
                                                    attributes.status().message());
    }
    if (attributes->size() != 4) return Status::invalidArgument("Read: wrong number of results");
    const DataValue& node_class = (*attributes)[1];
    if (node_class.statusOrGood().isBad()) {
      return Status::notFound("node '" + path + "' not found on " + options_.endpoint + " (" +
                              statusName(node_class.statusOrGood()) + ")");
    }
    if (const auto* name = valueAs<opcua::QualifiedName>((*attributes)[0])) {
      start.browse_name = *name;
    }
    if (const auto* cls = valueAs<int32_t>(node_class))
      start.node_class = static_cast<uint32_t>(*cls);
    if (start.node_class == kNodeClassVariable) {
      start.value = (*attributes)[2];
      if (const auto* type = valueAs<NodeId>((*attributes)[3])) start.data_type = *type;
    }
    return start;
  }

  // Browses `depth` levels below `root`, one level at a time so each level's variables are
  // read with one Read.
  Status expand(BrowsedNode& root, int depth) {
    seen_.insert(root.node_id.toString());
    std::vector<BrowsedNode*> level{&root};
    for (int d = 0; d < depth && !level.empty(); ++d) {
      std::vector<BrowsedNode*> next;
      for (BrowsedNode* node : level) {
        PB_RETURN_IF_ERROR(browseChildren(*node));
        for (auto& child : node->children) {
          if (!child.repeated && child.server_index == 0) next.push_back(&child);
        }
      }
      PB_RETURN_IF_ERROR(readVariables(next));
      level = std::move(next);
    }
    return Status::ok();
  }

 private:
  static ReadValueId attribute(const NodeId& node, uint32_t attribute_id) {
    ReadValueId id;
    id.node_id = node;
    id.attribute_id = attribute_id;
    return id;
  }

  template <typename T>
  static const T* valueAs(const DataValue& v) {
    if (v.statusOrGood().isBad() || !v.value) return nullptr;
    return v.value->get<T>();
  }

  // NotFound keeps its line short: the server's BadNoMatch adds nothing the engineer needs.
  std::string where(const std::string& path, const Status& status) const {
    if (status.code() == StatusCode::kNotFound) {
      return "path '" + path + "' not found on " + options_.endpoint;
    }
    return "cannot resolve path '" + path + "' on " + options_.endpoint + ": " + status.message();
  }

  Status browseChildren(BrowsedNode& node) {
    opcua::BrowseDescription description;
    description.node_id = node.node_id;
    auto references = client_.browseAll(description);
    if (!references) {
      return Status(references.status().code(), "browsing " + node.node_id.toString() + " on " +
                                                    options_.endpoint + ": " +
                                                    references.status().message());
    }
    node.browsed = true;
    for (auto& reference : *references) {
      BrowsedNode child;
      child.browse_name = reference.browse_name;
      child.node_id = reference.node_id.node_id;
      child.node_class = reference.node_class;
      child.server_index = reference.node_id.server_index;
      if (node.path) child.path = *node.path + pathElement(child.browse_name);
      // The same node can hang below several parents (Organizes, HasNotifier); showing it
      // once and marking the others keeps a cycle from running away.
      child.repeated = !seen_.insert(child.node_id.toString()).second;
      node.children.push_back(std::move(child));
    }
    return Status::ok();
  }

  Status readVariables(const std::vector<BrowsedNode*>& level) {
    std::vector<BrowsedNode*> variables;
    for (BrowsedNode* node : level) {
      if (node->node_class == kNodeClassVariable) variables.push_back(node);
    }
    const size_t per_call = kMaxReadValueIds / 2;  // Value and DataType of each variable
    for (size_t first = 0; first < variables.size(); first += per_call) {
      const size_t last = std::min(variables.size(), first + per_call);
      std::vector<ReadValueId> ids;
      for (size_t i = first; i < last; ++i) {
        ids.push_back(attribute(variables[i]->node_id, opcua::attribute_ids::kValue));
        ids.push_back(attribute(variables[i]->node_id, opcua::attribute_ids::kDataType));
      }
      auto values = client_.read(ids);
      if (!values) {
        return Status(values.status().code(), "reading the variables on " + options_.endpoint +
                                                  ": " + values.status().message());
      }
      if (values->size() != ids.size()) {
        return Status::invalidArgument("Read: " + std::to_string(values->size()) + " results for " +
                                       std::to_string(ids.size()) + " nodes");
      }
      for (size_t i = first; i < last; ++i) {
        BrowsedNode& node = *variables[i];
        node.value = std::move((*values)[2 * (i - first)]);
        if (const auto* type = valueAs<NodeId>((*values)[2 * (i - first) + 1])) {
          node.data_type = *type;
        }
      }
    }
    return Status::ok();
  }

  opcua::Client& client_;
  const OpcUaBrowseOptions& options_;
  std::set<std::string> seen_;
};

std::string valueSummary(const BrowsedNode& node) {
  if (node.node_class != kNodeClassVariable || !node.value) return "";
  const DataValue& v = *node.value;
  std::string value = v.value ? opcua::variantText(*v.value, kMaxArrayElementsShown) : "-";
  return value + "  (" + dataTypeText(node.data_type) + ", " + statusName(v.statusOrGood()) + ")";
}

struct TextLine {
  std::string name;  // indented browse name
  std::string node_id;
  std::string rest;
};

void collectLines(const BrowsedNode& node, int indent, std::vector<TextLine>& lines) {
  TextLine line;
  line.name =
      std::string(static_cast<size_t>(indent) * 2, ' ') + qualifiedNameText(node.browse_name);
  line.node_id = node.node_id.toString();
  line.rest = nodeClassName(node.node_class);
  const std::string value = valueSummary(node);
  if (!value.empty()) line.rest += "  " + value;
  if (node.repeated) line.rest += "  (shown above)";
  if (node.server_index != 0)
    line.rest += "  (on server " + std::to_string(node.server_index) + ")";
  lines.push_back(std::move(line));
  for (const auto& child : node.children) collectLines(child, indent + 1, lines);
}

const BrowsedNode* firstVariable(const BrowsedNode& node) {
  if (node.node_class == kNodeClassVariable) return &node;
  for (const auto& child : node.children) {
    if (const auto* found = firstVariable(child)) return found;
  }
  return nullptr;
}

// "SpindleSpeed" -> "spindle_speed": the shape of the signal names in the config example.
std::string signalName(const std::string& browse_name) {
  std::string out;
  for (size_t i = 0; i < browse_name.size(); ++i) {
    const char c = browse_name[i];
    if (std::isupper(static_cast<unsigned char>(c)) != 0) {
      if (i > 0 && out.back() != '_') out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  return out.empty() ? "signal" : out;
}

void printText(const std::string& url, int depth, const BrowsedNode& root) {
  std::vector<TextLine> lines;
  collectLines(root, 0, lines);
  size_t name_width = 0;
  size_t id_width = 0;
  for (const auto& l : lines) {
    name_width = std::max(name_width, l.name.size());
    id_width = std::max(id_width, l.node_id.size());
  }
  for (const auto& l : lines) {
    std::printf("%-*s  %-*s  %s\n", static_cast<int>(name_width), l.name.c_str(),
                static_cast<int>(id_width), l.node_id.c_str(), l.rest.c_str());
  }
  // How to name what was found in a connector's config (docs/connectors/opcua.md).
  if (const BrowsedNode* v = firstVariable(root)) {
    const std::string name = signalName(v->browse_name.name);
    // The shape of connectors.<name>.signals[] (docs/connectors/opcua.md).
    std::string hint = "\nhint: in a connector's signals: - {name: " + name;
    if (v->path && !v->path->empty()) hint += ", path: \"" + *v->path + "\"} or - {name: " + name;
    std::printf("%s\n", (hint + ", node: \"" + v->node_id.toString() + "\"}").c_str());
    return;
  }
  // Point at an Object of the server's own namespaces: namespace 0 is the standard's.
  const BrowsedNode* next = nullptr;
  for (const auto& child : root.children) {
    if (child.node_class != kNodeClassObject || child.repeated) continue;
    if (next == nullptr ||
        (next->node_id.namespace_index == 0 && child.node_id.namespace_index != 0)) {
      next = &child;
    }
  }
  if (next != nullptr) {
    const std::string start =
        next->path && !next->path->empty() ? *next->path : next->node_id.toString();
    std::printf(
        "\nhint: no variables here; look deeper with --depth %d, or: plantbridge opcua "
        "browse %s %s\n",
        depth + 1, url.c_str(), start.c_str());
  }
}

json::object nodeJson(const BrowsedNode& node) {
  json::object out;
  out["browse_name"] = qualifiedNameText(node.browse_name);
  out["node_id"] = node.node_id.toString();
  out["node_class"] = nodeClassName(node.node_class);
  out["path"] = node.path ? json::value(json::string(*node.path)) : json::value(nullptr);
  if (node.node_class == kNodeClassVariable && node.value) {
    out["value"] = node.value->value ? variantJson(*node.value->value) : json::value(nullptr);
    out["data_type"] = dataTypeText(node.data_type);
    out["status"] = statusName(node.value->statusOrGood());
  }
  if (node.repeated) out["repeated"] = true;
  if (node.server_index != 0) out["server_index"] = node.server_index;
  if (node.browsed) {
    json::array children;
    for (const auto& child : node.children) children.push_back(nodeJson(child));
    out["children"] = std::move(children);
  }
  return out;
}

void printJson(const std::string& endpoint, const BrowsedNode& root) {
  json::object doc;
  doc["endpoint"] = endpoint;
  doc["root"] = nodeJson(root);
  std::printf("%s\n", json::serialize(doc).c_str());
}

// One line for the engineer; the Status code name is noise here, the message says it all.
int fail(const std::string& message, int code = kExitProblem) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "plantbridge opcua browse: %s\n", line.c_str());
  return code;
}

}  // namespace

int opcuaBrowseCommand(const OpcUaBrowseOptions& options) {
  // Usage first, before any network: these are the engineer's typing, not the server's fault.
  if (options.depth < 0) return fail("--depth must be 0 or more", kExitUsage);
  auto timeout = parseDuration(options.timeout);
  if (!timeout || timeout->count() <= 0) {
    return fail("--timeout '" + options.timeout + "': expected a duration such as 10s or 500ms",
                kExitUsage);
  }
  if (options.user.empty() != options.password_env.empty()) {
    return fail(
        "--user and --password-env go together (the password is read from the "
        "environment variable, never from the command line)",
        kExitUsage);
  }
  opcua::UserIdentity identity = opcua::UserIdentity::anonymous();
  if (!options.user.empty()) {
    const char* password = std::getenv(options.password_env.c_str());
    if (password == nullptr) {
      return fail("environment variable " + options.password_env + " (--password-env) is not set",
                  kExitUsage);
    }
    identity = opcua::UserIdentity::userName(options.user, password);
  }
  const std::string& url = options.endpoint;
  if (auto address = opcua::parseEndpointUrl(url); !address) {
    return fail("bad endpoint URL '" + url + "': " + address.status().message());
  }

  auto policy = opcua::parseSecurityPolicy(options.security_policy);
  auto mode = opcua::parseMessageSecurityMode(options.security_mode);
  if (!policy || !mode) {
    return fail("--security-policy/--security-mode: " +
                    (policy ? mode.status() : policy.status()).message(),
                kExitUsage);
  }
  if ((*policy == opcua::SecurityPolicy::kNone) != (*mode == opcua::MessageSecurityMode::kNone)) {
    return fail(
        "--security-policy None goes with --security-mode None, and Basic256Sha256 with Sign or "
        "SignAndEncrypt",
        kExitUsage);
  }
  if (*policy != opcua::SecurityPolicy::kNone && options.pki_dir.empty()) {
    return fail("--security-policy " + options.security_policy +
                    " needs --pki-dir: where our certificate is kept and the servers we trust",
                kExitUsage);
  }

  opcua::ClientOptions client_options;
  client_options.endpoint_url = url;
  client_options.connect_timeout = *timeout;
  client_options.request_timeout = *timeout;
  client_options.security_policy = *policy;
  client_options.security_mode = *mode;
  client_options.pki_dir = options.pki_dir;
  opcua::Client client(client_options);
  if (Status connected = client.connect(); !connected) {
    return fail("cannot connect to " + url + ": " + connected.message());
  }
  if (Status session = client.openSession(identity, "plantbridge opcua browse"); !session) {
    client.disconnect();
    if (session.code() == StatusCode::kUnauthenticated) {
      const std::string who =
          options.user.empty() ? "anonymous login" : "user '" + options.user + "'";
      return fail(url + " refused the " + who + ": " + session.message());
    }
    return fail("cannot open a session on " + url + ": " + session.message());
  }

  Browser browser(client, options);
  auto root = browser.resolveStart();
  Status expanded = root ? browser.expand(*root, options.depth) : root.status();
  (void)client.closeSession();
  client.disconnect();
  if (!expanded) return fail(expanded.message());

  if (options.json) {
    printJson(url, *root);
  } else {
    printText(url, options.depth, *root);
  }
  return kExitOk;
}

}  // namespace pb
