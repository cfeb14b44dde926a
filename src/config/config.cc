// The config loader: YAML in, a validated Config or every problem out.
//
// Reading is one pass per section that fills what is valid and records what is not; the
// cross-references (route targets, event types, qualifier fields, duplicate tokens) are
// checked at the end, once every section has been read, because YAML does not order them.
#include "plantbridge/config/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <span>
#include <sstream>

#include <yaml-cpp/eventhandler.h>

#include "config_keys.h"
#include "connector_config_reader.h"
#include "csv.h"
#include "mappings_config_reader.h"
#include "master_data_config_reader.h"
#include "odoo_references_config_reader.h"
#include "plantbridge/common/crypto.h"
#include "validators.h"
#include "yaml_reader.h"

namespace pb {

const char* scopeName(Scope s) {
  switch (s) {
    case Scope::kIngest:
      return "ingest";
    case Scope::kRead:
      return "read";
    case Scope::kOperate:
      return "operate";
    case Scope::kAdmin:
      return "admin";
  }
  return "unknown";
}

std::string ConfigError::toString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

namespace {

using config_internal::Diagnostics;
using config_internal::Loc;
using config_internal::readTextFile;
using config_internal::RefusedKey;
using config_internal::Section;
using config_internal::YamlReader;
namespace keys = config_keys;

constexpr std::string_view kHashHint = "printf %s 'THE-TOKEN' | sha256sum";

constexpr RefusedKey kTokenRefusals[] = {
    {"token",
     "clear-text tokens are not accepted: put the token's SHA-256 in `sha256` (printf %s "
     "'THE-TOKEN' | sha256sum) or the token itself in a file named by `token_file`"},
};

// Webhook keys that mean nothing to an Odoo target.
constexpr std::string_view kOnlyForWebhook = "applies only to targets of kind webhook";
constexpr RefusedKey kOdooTargetRefusals[] = {
    {"method", kOnlyForWebhook},           {"headers", kOnlyForWebhook},
    {"hmac_secret_file", kOnlyForWebhook}, {"hmac_secret_env", kOnlyForWebhook},
    {"signature_header", kOnlyForWebhook},
};

// Headers the HTTP client owns; setting them by hand breaks framing or routing.
constexpr std::string_view kReservedHeaders[] = {"host", "content-length", "transfer-encoding",
                                                 "connection"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<Scope> scopeFromName(std::string_view name) {
  if (name == "ingest") return Scope::kIngest;
  if (name == "read") return Scope::kRead;
  if (name == "operate") return Scope::kOperate;
  if (name == "admin") return Scope::kAdmin;
  return std::nullopt;
}

// The directory relative paths in `file` resolve against; empty for "<string>" sources.
std::filesystem::path baseDirOf(const std::string& file) {
  const std::filesystem::path parent = std::filesystem::path(file).parent_path();
  std::error_code ec;
  if (parent.empty()) {
    if (file.empty() || file.front() == '<') return {};
    return std::filesystem::current_path(ec);
  }
  return std::filesystem::absolute(parent, ec);
}

// Records where each document starts; everything else is ignored.
class DocumentProbe final : public YAML::EventHandler {
 public:
  YAML::Mark start;
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Parses one YAML document; a syntax error is reported once, with its line.
//
// YAML::LoadAll is not used: yaml-cpp 0.7 loops forever, allocating, on a stray ',' outside a
// flow collection (jbeder/yaml-cpp#1040, fixed upstream only in 2024). Its parser then answers
// the same empty document again and again without moving on, so the documents are counted
// here with a bounded probe that notices when the parser stops advancing.
std::optional<YAML::Node> parseYaml(YamlReader& reader, const std::string& text) {
  const auto syntax_error = [&](const YAML::Exception& e) {
    reader.error({"", e.mark.line >= 0 ? e.mark.line + 1 : 0}, "YAML syntax error: " + e.msg);
  };
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    std::vector<YAML::Mark> starts;
    for (int i = 0; i < 3; ++i) {
      DocumentProbe probe;
      if (!parser.HandleNextDocument(probe)) break;
      if (!starts.empty() && probe.start.pos == starts.back().pos) {
        const size_t pos = static_cast<size_t>(std::max(probe.start.pos, 0));
        const std::string found = pos < text.size() ? "'" + text.substr(pos, 1) + "'" : "text";
        reader.error({"", probe.start.line + 1}, "YAML syntax error: unexpected " + found);
        return std::nullopt;
      }
      starts.push_back(probe.start);
    }
    if (starts.size() > 1) {
      reader.error({"", starts[1].line + 1}, "only one YAML document is allowed per file");
      return std::nullopt;
    }
    if (starts.empty()) return YAML::Node(YAML::NodeType::Null);
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    syntax_error(e);
    return std::nullopt;
  }
}

void readRateLimit(YamlReader& r, const YAML::Node& node, const Loc& at, RateLimitConfig& out) {
  Section s(r, node, at, keys::kRateLimit);
  s.readDouble("per_second", out.per_second, 0, 1e9);
  if (s.readDouble("burst", out.burst, 0, 1e9)) {
    if (out.per_second > 0 && out.burst < 1) {
      r.error(s.loc("burst"), "must be at least 1 when per_second is set, or nothing ever passes");
    }
  } else if (!s.has("burst")) {
    out.burst = out.per_second > 0 ? std::max(1.0, out.per_second) : 0;
  }
}

struct LocatedToken {
  TokenConfig token;
  std::string file;
  Loc loc;
};

std::optional<TokenConfig> readToken(YamlReader& r, const YAML::Node& node, const Loc& at) {
  Section s(r, node, at, keys::kToken, kTokenRefusals);
  if (!s.isMap() || node.IsNull()) {
    if (node.IsNull()) r.error(at, "empty token entry");
    return std::nullopt;
  }
  TokenConfig token;
  if (s.require("name") && s.read("name", token.name) && !config_internal::isName(token.name)) {
    r.error(s.loc("name"),
            "'" + token.name + "' is not a valid name (letters, digits, '.', '_', '-')");
  }

  const bool has_hash = s.has("sha256");
  const bool has_file = s.has("token_file");
  if (has_hash && has_file) {
    r.error(s.loc("token_file"), "give either sha256 or token_file, not both");
  } else if (!has_hash && !has_file && !s.sawRefused()) {
    r.error(s.at().child("sha256", s.at().line),
            "missing: give the token's SHA-256 in `sha256` (" + std::string(kHashHint) +
                ") or a file holding the token in `token_file`");
  } else if (has_hash) {
    std::string hash;
    if (s.read("sha256", hash)) {
      if (config_internal::isSha256Hex(hash)) {
        token.sha256_hex = lower(hash);
      } else {
        r.error(s.loc("sha256"),
                "must be 64 hex digits, the SHA-256 of the token (" + std::string(kHashHint) + ")");
      }
    }
  } else if (has_file) {
    if (const auto path = r.existingFile(*s.node("token_file"), s.loc("token_file"))) {
      auto secret = config_internal::readSecretFile(*path);
      if (secret) {
        // Hash at once: the clear token never outlives this scope.
        token.sha256_hex = toHex(sha256(*secret));
        std::fill(secret->begin(), secret->end(), '\0');
      } else {
        r.error(s.loc("token_file"), secret.status().message());
      }
    }
  }

  if (s.require("scopes")) {
    if (const auto scopes = r.stringList(*s.node("scopes"), s.loc("scopes"))) {
      if (scopes->empty()) r.error(s.loc("scopes"), "must list at least one scope");
      for (const auto& [name, loc] : *scopes) {
        const auto scope = scopeFromName(name);
        if (!scope) {
          r.error(loc, "unknown scope '" + name + "' (scopes are ingest, read, operate, admin)" +
                           config_internal::didYouMean(name, keys::kScopes));
        } else if (std::find(token.scopes.begin(), token.scopes.end(), *scope) !=
                   token.scopes.end()) {
          r.error(loc, "scope '" + name + "' is listed twice");
        } else {
          token.scopes.push_back(*scope);
        }
      }
    }
  }
  if (const YAML::Node* rl = s.node("rate_limit")) {
    readRateLimit(r, *rl, s.loc("rate_limit"), token.rate_limit);
  }
  return token;
}

// Tokens of one list (auth.tokens or a token file), with duplicate names and hashes reported.
std::vector<LocatedToken> readTokenList(YamlReader& r, const YAML::Node& node, const Loc& at) {
  std::vector<LocatedToken> out;
  r.forEachItem(node, at, [&](const YAML::Node& item, const Loc& loc, size_t) {
    auto token = readToken(r, item, loc);
    if (!token) return;
    for (const LocatedToken& seen : out) {
      if (!token->name.empty() && seen.token.name == token->name) {
        r.error(loc.child("name", loc.line), "duplicate token name '" + token->name +
                                                 "' (first on line " +
                                                 std::to_string(seen.loc.line) + ")");
      } else if (!token->sha256_hex.empty() && seen.token.sha256_hex == token->sha256_hex) {
        r.error(loc, "same token as '" + seen.token.name + "' (line " +
                         std::to_string(seen.loc.line) +
                         "); one token must map to one set of scopes");
      }
    }
    out.push_back({std::move(*token), r.file(), loc});
  });
  return out;
}

// A token file is a bare list, the same shape as auth.tokens.
std::vector<LocatedToken> readTokenFileRoot(YamlReader& r, const YAML::Node& root) {
  if (!root.IsNull() && !root.IsSequence()) {
    r.error({"", config_internal::lineOf(root)},
            "a token file is a YAML list of tokens shaped like auth.tokens "
            "(- {name: ..., sha256: ..., scopes: [...]}), not " +
                config_internal::describe(root));
    return {};
  }
  return readTokenList(r, root, Loc{"", 1});
}

struct NameRef {
  std::string type;
  Loc loc;
};

class Loader {
 public:
  Loader(Diagnostics& diagnostics, const std::string& file)
      : diagnostics_(diagnostics), reader_(diagnostics, file, baseDirOf(file)) {}

  void load(const YAML::Node& root, Config& config) {
    config.source_file = reader_.file();
    if (root.IsNull()) {
      reader_.error({"", 1}, "the file is empty");
      return;
    }
    Section top(reader_, root, Loc{"", 1}, keys::kTop);
    if (!top.isMap()) return;

    top.readOneOf("environment", config.environment, keys::kEnvironments);
    if (top.read("site", config.site) && !config_internal::isName(config.site)) {
      reader_.error(
          top.loc("site"),
          "'" + config.site + "' is not a valid site name (letters, digits, '.', '_', '-')");
    }
    // Sections absent from the file keep their defaults; paths in defaults resolve too.
    config.store.path = reader_.resolvePath(config.store.path);
    if (const YAML::Node* n = top.node("server")) readServer(*n, top.loc("server"), config.server);
    if (const YAML::Node* n = top.node("store")) readStore(*n, top.loc("store"), config.store);
    if (const YAML::Node* n = top.node("auth")) readAuth(*n, top.loc("auth"), config.auth);
    if (const YAML::Node* n = top.node("log")) readLog(*n, top.loc("log"), config.log);
    if (const YAML::Node* n = top.node("schemas")) {
      readSchemas(*n, top.loc("schemas"), config.schemas);
    }
    if (const YAML::Node* n = top.node("qualifiers")) {
      readQualifiers(*n, top.loc("qualifiers"), config.counter_qualifiers);
    }
    if (const YAML::Node* n = top.node("mappings")) {
      config_internal::readMappings(reader_, *n, top.loc("mappings"), config.asset_mappings,
                                    config.code_mappings);
    }
    if (const YAML::Node* n = top.node("dedupe")) {
      readDedupe(*n, top.loc("dedupe"), config.dedupe_rules);
    }
    if (const YAML::Node* n = top.node("routes")) readRoutes(*n, top.loc("routes"), config.routes);
    if (const YAML::Node* n = top.node("targets")) {
      readTargets(*n, top.loc("targets"), config.targets);
    }
    if (const YAML::Node* n = top.node("connectors")) {
      config_internal::readConnectors(
          reader_, *n, top.loc("connectors"),
          [this](const Loc& loc, const std::string& type) { return checkEventType(loc, type); },
          config.connectors);
    }
    if (const YAML::Node* n = top.node("master_data")) {
      config.master_data.emplace();
      config_internal::readMasterData(reader_, *n, top.loc("master_data"), config.targets,
                                      config.schemas, *config.master_data);
    }
    checkReferences(config);
  }

 private:
  struct QualifierCheck {
    CounterQualifierConfig config;
    Loc input_loc;
    Loc output_loc;
    Loc value_loc;
    Loc key_loc;
  };

  void readServer(const YAML::Node& node, const Loc& at, ServerConfig& out) {
    Section s(reader_, node, at, keys::kServer);
    std::string listen;
    if (s.read("listen", listen)) {
      auto hp = config_internal::parseListen(listen);
      if (hp) {
        out.host = hp->host;
        out.port = hp->port;
      } else {
        reader_.error(s.loc("listen"), hp.status().message());
      }
    }
    if (const YAML::Node* n = s.node("tls")) {
      Section tls(reader_, *n, s.loc("tls"), keys::kTls);
      TlsConfig t;
      const auto read_file = [&](std::string_view key, std::string& field) {
        if (!tls.require(key)) return false;
        auto path = reader_.existingFile(*tls.node(key), tls.loc(key));
        if (path) field = std::move(*path);
        return path.has_value();
      };
      const bool cert_ok = read_file("cert", t.cert_file);
      const bool key_ok = read_file("key", t.key_file);
      if (tls.isMap() && cert_ok && key_ok) out.tls = std::move(t);
    }
    if (const YAML::Node* n = s.node("max_body_bytes")) {
      constexpr size_t kMin = 1024;
      constexpr size_t kMax = size_t{1} << 30;
      if (auto v = reader_.byteSize(*n, s.loc("max_body_bytes"), kMin, kMax)) {
        out.max_body_bytes = *v;
      }
    }
    s.readInt("max_records_per_request", out.max_records_per_request, 1, 1'000'000);
    s.readInt("threads", out.threads, 1, 256);
  }

  void readStore(const YAML::Node& node, const Loc& at, StoreConfig& out) {
    Section s(reader_, node, at, keys::kStore);
    s.readPath("path", out.path);
    s.readInt("high_water_mark", out.high_water_mark, 1);
    s.read("group_commit_window", out.group_commit_window, Millis(0), Millis(1000));
  }

  void readAuth(const YAML::Node& node, const Loc& at, AuthConfig& out) {
    Section s(reader_, node, at, keys::kAuth);
    if (const YAML::Node* n = s.node("tokens")) {
      tokens_ = readTokenList(reader_, *n, s.loc("tokens"));
      for (const LocatedToken& t : tokens_) out.tokens.push_back(t.token);
    }
    if (const YAML::Node* n = s.node("token_file")) {
      if (auto path = reader_.existingFile(*n, s.loc("token_file"))) {
        out.token_file = *path;
        checkTokenFile(*path);
      }
    }
  }

  // The token file is read again on SIGHUP; checking it now means a broken one stops start-up
  // instead of surfacing at the first reload.
  void checkTokenFile(const std::string& path) {
    YamlReader token_reader(diagnostics_, path, std::filesystem::path(path).parent_path());
    auto text = readTextFile(path);
    if (!text) {
      token_reader.error({"", 0}, text.status().message());
      return;
    }
    const auto root = parseYaml(token_reader, *text);
    if (!root) return;
    const std::vector<LocatedToken> file_tokens = readTokenFileRoot(token_reader, *root);
    for (const LocatedToken& ft : file_tokens) {
      for (const LocatedToken& ct : tokens_) {
        const std::string where = reader_.file() + ":" + std::to_string(ct.loc.line);
        if (!ft.token.name.empty() && ft.token.name == ct.token.name) {
          token_reader.error(ft.loc, "token name '" + ft.token.name + "' is also used in " + where);
        } else if (!ft.token.sha256_hex.empty() && ft.token.sha256_hex == ct.token.sha256_hex) {
          token_reader.error(ft.loc, "same token as '" + ct.token.name + "' in " + where);
        }
      }
    }
  }

  void readLog(const YAML::Node& node, const Loc& at, LogConfig& out) {
    Section s(reader_, node, at, keys::kLog);
    s.readOneOf("level", out.level, keys::kLogLevels);
    s.read("json", out.json);
  }

  void readSchemas(const YAML::Node& node, const Loc& at, std::map<std::string, EventSchema>& out) {
    reader_.forEachEntry(
        node, at, [&](const std::string& type, const YAML::Node& value, const Loc& loc) {
          if (!config_internal::isEventType(type)) {
            reader_.error(loc,
                          "'" + type +
                              "' is not a valid event type (lower-case words separated by dots, "
                              "e.g. production.count)");
          }
          EventSchema schema;
          schema.type = type;
          Section s(reader_, value, loc, keys::kSchema);
          if (const YAML::Node* payload = s.node("payload")) {
            reader_.forEachEntry(
                *payload, s.loc("payload"),
                [&](const std::string& name, const YAML::Node& field_node, const Loc& field_loc) {
                  if (!config_internal::isIdentifier(name)) {
                    reader_.error(field_loc, "'" + name +
                                                 "' is not a valid field name "
                                                 "(letters, digits, '_')");
                  }
                  schema.payload.push_back(readField(name, field_node, field_loc));
                });
          }
          if (const YAML::Node* ctx = s.node("required_context")) {
            if (const auto keys = reader_.stringList(*ctx, s.loc("required_context"))) {
              for (const auto& [key, key_loc] : *keys) {
                if (!config_internal::isIdentifier(key)) {
                  reader_.error(key_loc,
                                "'" + key + "' is not a valid context key (letters, digits, '_')");
                } else if (std::find(schema.required_context.begin(), schema.required_context.end(),
                                     key) != schema.required_context.end()) {
                  reader_.error(key_loc, "'" + key + "' is listed twice");
                } else {
                  schema.required_context.push_back(key);
                }
              }
            }
          }
          s.read("max_future_skew", schema.max_future_skew, Millis(0), std::chrono::days(30));
          out[type] = std::move(schema);
        });
  }

  FieldSchema readField(const std::string& name, const YAML::Node& node, const Loc& at) {
    FieldSchema field;
    field.name = name;
    Section s(reader_, node, at, keys::kField);
    std::string type = "any";
    s.readOneOf("type", type, keys::kFieldTypes);
    static constexpr std::pair<std::string_view, FieldSchema::Type> kTypes[] = {
        {"number", FieldSchema::Type::kNumber}, {"integer", FieldSchema::Type::kInteger},
        {"string", FieldSchema::Type::kString}, {"boolean", FieldSchema::Type::kBoolean},
        {"object", FieldSchema::Type::kObject}, {"array", FieldSchema::Type::kArray},
        {"any", FieldSchema::Type::kAny}};
    for (const auto& [name_of_type, value] : kTypes) {
      if (name_of_type == type) field.type = value;
    }
    const bool numeric =
        field.type == FieldSchema::Type::kNumber || field.type == FieldSchema::Type::kInteger;
    s.read("required", field.required);

    for (const char* bound : {"min", "max"}) {
      double v = 0;
      if (!s.readDouble(bound, v, std::numeric_limits<double>::lowest())) continue;
      if (!numeric) {
        reader_.error(s.loc(bound),
                      std::string(bound) + " applies to number and integer fields (set type)");
        continue;
      }
      (std::string_view(bound) == "min" ? field.min : field.max) = v;
    }
    if (field.min && field.max && *field.min > *field.max) {
      reader_.error(s.loc("max"), "must not be less than min");
    }
    if (const YAML::Node* n = s.node("enum")) {
      // The registry compares a value's text with each entry, so entries must be written the
      // way values print: plain strings, or integers in canonical form ("7", not "07").
      const bool integer = field.type == FieldSchema::Type::kInteger;
      if (field.type != FieldSchema::Type::kString && !integer) {
        reader_.error(s.loc("enum"), "enum applies to string and integer fields (set type)");
      } else if (const auto values = reader_.stringList(*n, s.loc("enum"))) {
        if (values->empty()) reader_.error(s.loc("enum"), "must list at least one value");
        for (const auto& [value, value_loc] : *values) {
          int64_t parsed = 0;
          const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
          if (integer && (ec != std::errc() || end != value.data() + value.size() ||
                          std::to_string(parsed) != value)) {
            reader_.error(value_loc, "'" + value + "' is not an integer written plainly (e.g. 7)");
          } else if (std::find(field.allowed.begin(), field.allowed.end(), value) !=
                     field.allowed.end()) {
            reader_.error(value_loc, "'" + value + "' is listed twice");
          } else {
            field.allowed.push_back(value);
          }
        }
      }
    }
    if (s.read("unit", field.unit) && !numeric) {
      reader_.error(s.loc("unit"), "unit applies to number and integer fields (set type)");
    }
    return field;
  }

  void readQualifiers(const YAML::Node& node, const Loc& at,
                      std::vector<CounterQualifierConfig>& out) {
    std::map<std::string, int> names;
    reader_.forEachItem(node, at, [&](const YAML::Node& item, const Loc& loc, size_t) {
      Section s(reader_, item, loc, keys::kQualifier);
      if (!s.isMap()) return;
      CounterQualifierConfig q;
      readUniqueName(s, "qualifier", names, q.name);
      std::string kind;
      if (s.require("kind")) s.readOneOf("kind", kind, keys::kQualifierKinds);
      readEventType(s, "input_type", q.input_type);
      readEventType(s, "output_type", q.output_type);
      if (q.input_type == q.output_type) {
        reader_.error(s.loc("output_type"), "must differ from input_type");
      }
      readFieldName(s, "value_field", q.value_field);
      readFieldName(s, "key_field", q.key_field);
      s.readInt("rollover_at", q.rollover_at, 0);
      if (s.readDouble("reset_threshold", q.reset_threshold, 0, 1) && q.reset_threshold <= 0) {
        reader_.error(s.loc("reset_threshold"), "must be greater than 0 (got 0)");
      }
      qualifier_checks_.push_back(
          {q, s.loc("input_type"), s.loc("output_type"), s.loc("value_field"), s.loc("key_field")});
      out.push_back(std::move(q));
    });
  }

  void readDedupe(const YAML::Node& node, const Loc& at, std::vector<DedupeRuleConfig>& out) {
    std::map<std::string, int> names;
    reader_.forEachItem(node, at, [&](const YAML::Node& item, const Loc& loc, size_t) {
      Section s(reader_, item, loc, keys::kDedupe);
      if (!s.isMap()) return;
      DedupeRuleConfig rule;
      readUniqueName(s, "dedupe rule", names, rule.name);
      if (s.require("types")) rule.types = readTypeList(*s.node("types"), s.loc("types"));
      if (s.require("key") && s.read("key", rule.key_template)) {
        checkTemplate(s.loc("key"), rule.key_template);
      }
      s.read("window", rule.window, Millis(1), std::chrono::days(30));
      out.push_back(std::move(rule));
    });
  }

  void readRoutes(const YAML::Node& node, const Loc& at, std::vector<RouteConfig>& out) {
    std::map<std::string, int> names;
    reader_.forEachItem(node, at, [&](const YAML::Node& item, const Loc& loc, size_t) {
      Section s(reader_, item, loc, keys::kRoute);
      if (!s.isMap()) return;
      RouteConfig route;
      readUniqueName(s, "route", names, route.name);
      if (s.require("when")) readWhen(*s.node("when"), s.loc("when"), route);
      if (s.require("target") && s.read("target", route.target)) {
        target_refs_.push_back({route.target, s.loc("target")});
      }
      route.ordering_key_template = "{{context.work_center}}";
      if (s.read("ordering_key", route.ordering_key_template)) {
        checkTemplate(s.loc("ordering_key"), route.ordering_key_template);
      }
      if (const YAML::Node* n = s.node("require")) {
        if (const auto fields = reader_.stringList(*n, s.loc("require"))) {
          for (const auto& [field, field_loc] : *fields) {
            const Status st = config_internal::checkEventFieldPath(field);
            if (!st.isOk()) {
              reader_.error(field_loc, st.message());
            } else if (std::find(route.require.begin(), route.require.end(), field) !=
                       route.require.end()) {
              reader_.error(field_loc, "'" + field + "' is listed twice");
            } else {
              route.require.push_back(field);
            }
          }
        }
      }
      if (s.read("body", route.body_template)) {
        const Status st = config_internal::checkJsonTemplate(route.body_template);
        if (!st.isOk()) reader_.error(s.loc("body"), st.message());
      }
      if (const YAML::Node* n = s.node("running_total")) {
        route.running_total = readRunningTotal(*n, s.loc("running_total"));
      }
      out.push_back(std::move(route));
    });
  }

  RunningTotalConfig readRunningTotal(const YAML::Node& node, const Loc& at) {
    RunningTotalConfig total;
    Section s(reader_, node, at, keys::kRouteRunningTotal);
    if (!s.isMap()) return total;
    if (s.require("of") && s.read("of", total.of)) {
      if (!total.of.starts_with("payload.")) {
        reader_.error(s.loc("of"),
                      "must be a payload field such as payload.quantity, not '" + total.of + "'");
      } else if (const Status st = config_internal::checkEventFieldPath(total.of); !st.isOk()) {
        reader_.error(s.loc("of"), st.message());
      }
    }
    if (s.require("per") && s.read("per", total.per_template)) {
      checkTemplate(s.loc("per"), total.per_template);
    }
    return total;
  }

  void readWhen(const YAML::Node& node, const Loc& at, RouteConfig& route) {
    if (!node.IsMap()) {
      reader_.error(at, "must be a mapping such as {type: production.count}, not " +
                            config_internal::describe(node));
      return;
    }
    bool has_type = false;
    bool has_types = false;
    reader_.forEachEntry(
        node, at, [&](const std::string& key, const YAML::Node& value, const Loc& loc) {
          if (key == "type") {
            has_type = true;
            if (auto v = reader_.string(value, loc)) {
              if (checkEventType(loc, *v)) route.types.push_back(*v);
            }
            return;
          }
          if (key == "types") {
            has_types = true;
            auto types = readTypeList(value, loc);
            route.types.insert(route.types.end(), types.begin(), types.end());
            return;
          }
          const Status st =
              config_internal::checkEventFieldPath(key, config_internal::FieldUse::kMatch);
          if (!st.isOk()) {
            reader_.error(loc, st.message());
            return;
          }
          if (auto v = reader_.string(value, loc)) route.match[key] = std::move(*v);
        });
    if (has_type && has_types) {
      reader_.error(at, "give either type or types, not both");
    } else if (!has_type && !has_types) {
      reader_.error(at, "missing: give the event type to match in `type` (or a list in `types`)");
    }
  }

  void readTargets(const YAML::Node& node, const Loc& at, std::vector<TargetConfig>& out) {
    reader_.forEachEntry(
        node, at, [&](const std::string& name, const YAML::Node& value, const Loc& loc) {
          if (!config_internal::isName(name)) {
            reader_.error(
                loc, "'" + name + "' is not a valid target name (letters, digits, '.', '_', '-')");
          }
          if (value.IsMap()) {
            const YAML::Node kind = value["kind"];
            if (kind && kind.IsScalar() && kind.Scalar() == "odoo") {
              readOdooTarget(name, value, loc, out);
              return;
            }
          }
          Section s(reader_, value, loc, keys::kTarget);
          if (!s.isMap()) return;
          TargetConfig target;
          target.name = name;
          if (s.require("kind")) s.readOneOf("kind", target.kind, keys::kTargetKinds);
          WebhookTargetConfig& hook = target.webhook;
          if (s.require("url") && s.read("url", hook.url)) {
            const Status st = config_internal::checkHttpUrl(hook.url);
            if (!st.isOk()) reader_.error(s.loc("url"), st.message());
          }
          s.readOneOf("method", hook.method, keys::kMethods);
          if (s.read("signature_header", hook.signature_header) &&
              !config_internal::isHeaderName(hook.signature_header)) {
            reader_.error(s.loc("signature_header"),
                          "'" + hook.signature_header + "' is not a valid HTTP header name");
          }
          readHmacSecret(s, hook);
          if (const YAML::Node* n = s.node("headers")) {
            const auto seen = readHeaders(*n, s.loc("headers"), hook);
            const auto clash = seen.find(lower(hook.signature_header));
            if (clash != seen.end() && (s.has("hmac_secret_file") || s.has("hmac_secret_env"))) {
              reader_.error(clash->second,
                            "conflicts with signature_header, which carries the HMAC "
                            "signature");
            }
          }
          s.read("timeout", hook.timeout, Millis(1), std::chrono::hours(1));
          readCaFile(s, hook.url, hook.ca_file);
          readDispatchKeys(s, target);
          target_names_.push_back(name);
          out.push_back(std::move(target));
        });
  }

  // kind: odoo. The keys shared with the webhook kind (url, timeout, ca_file and the common
  // ones) mean the same; the webhook-only keys are refused by name.
  void readOdooTarget(const std::string& name, const YAML::Node& value, const Loc& loc,
                      std::vector<TargetConfig>& out) {
    Section s(reader_, value, loc, keys::kOdooTarget, kOdooTargetRefusals);
    if (!s.isMap()) return;
    TargetConfig target;
    target.name = name;
    s.readOneOf("kind", target.kind, keys::kTargetKinds);
    OdooTargetConfig& odoo = target.odoo;
    if (s.require("url") && s.read("url", odoo.url)) {
      const Status st = config_internal::checkHttpUrl(odoo.url);
      if (!st.isOk()) reader_.error(s.loc("url"), st.message());
    }
    if (s.require("db")) s.read("db", odoo.db);
    if (s.require("user")) s.read("user", odoo.user);
    readOdooApiKey(s, odoo);
    s.read("timeout", odoo.timeout, Millis(1), std::chrono::hours(1));
    readCaFile(s, odoo.url, odoo.ca_file);
    if (const YAML::Node* n = s.node("version")) {
      if (auto text = reader_.string(*n, s.loc("version"))) {
        const auto major = odooMajorVersion(*text);
        if (major) {
          odoo.version = *major;
        } else {
          reader_.error(s.loc("version"), "'" + *text +
                                              "' is not an Odoo version: give the major "
                                              "version, 16 or later (e.g. 18 or 19.0)");
        }
      }
    }
    config_internal::readOdooReferences(reader_, s, odoo);
    readDispatchKeys(s, target);
    // Business operations wait in the target, not in the outbox, so that quantities of one
    // order can be coalesced and the adaptive limit decides how many run: the dispatcher hands
    // over more than `concurrency`.
    target.in_flight = std::max(kOdooDefaultInFlight, target.concurrency);
    s.readInt("in_flight", target.in_flight, 1, 100'000);
    target_names_.push_back(name);
    out.push_back(std::move(target));
  }

  // ca_file, which only an https URL can use.
  void readCaFile(Section& s, const std::string& url, std::string& ca_file) {
    const YAML::Node* n = s.node("ca_file");
    if (n == nullptr) return;
    if (auto path = reader_.existingFile(*n, s.loc("ca_file"))) {
      ca_file = *path;
      if (!url.empty() && !config_internal::isHttpsUrl(url)) {
        reader_.error(s.loc("ca_file"), "applies only to https URLs");
      }
    }
  }

  // The keys every target kind shares: how the dispatcher treats it.
  void readDispatchKeys(Section& s, TargetConfig& target) {
    s.readInt("concurrency", target.concurrency, 1, 1024);
    if (const YAML::Node* n = s.node("rate_limit")) {
      readRateLimit(reader_, *n, s.loc("rate_limit"), target.rate_limit);
    }
    if (const YAML::Node* n = s.node("retry")) readRetry(*n, s.loc("retry"), target.retry);
    if (const YAML::Node* n = s.node("circuit_breaker")) {
      Section cb(reader_, *n, s.loc("circuit_breaker"), keys::kCircuitBreaker);
      cb.readInt("failure_threshold", target.circuit_breaker.failure_threshold, 1, 1'000'000);
      cb.read("open_for", target.circuit_breaker.open_for, Millis(1), std::chrono::days(1));
    }
  }

  // "18", "18.0", "19.0" -> the major version, 16..99.
  static std::optional<int> odooMajorVersion(const std::string& text) {
    int major = 0;
    size_t i = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i < 3) {
      major = major * 10 + (text[i] - '0');
      ++i;
    }
    if (i == 0) return std::nullopt;
    if (i < text.size()) {
      if (text[i] != '.' || i + 1 == text.size()) return std::nullopt;
      for (size_t j = i + 1; j < text.size(); ++j) {
        if (!std::isdigit(static_cast<unsigned char>(text[j]))) return std::nullopt;
      }
    }
    if (major < 16 || major > 99) return std::nullopt;
    return major;
  }

  void readOdooApiKey(Section& s, OdooTargetConfig& odoo) {
    config_internal::SecretValue key;
    if (!config_internal::readSecretKeys(
            reader_, s,
            {"api_key_file", "api_key_env",
             "missing: give the integration user's API key in a file (api_key_file) or an "
             "environment variable (api_key_env)"},
            key)) {
      return;
    }
    odoo.api_key = std::move(key.value);
    odoo.api_key_file = std::move(key.file);  // kept so the target can re-read it after a rotation
    odoo.api_key_env = std::move(key.env);
  }

  // Answers the headers seen, lower-cased (HTTP header names ignore case), with locations.
  std::map<std::string, Loc> readHeaders(const YAML::Node& node, const Loc& at,
                                         WebhookTargetConfig& hook) {
    std::map<std::string, Loc> seen;
    reader_.forEachEntry(
        node, at, [&](const std::string& name, const YAML::Node& value, const Loc& loc) {
          if (!config_internal::isHeaderName(name)) {
            reader_.error(loc, "'" + name + "' is not a valid HTTP header name");
            return;
          }
          const std::string key = lower(name);
          if (std::find(std::begin(kReservedHeaders), std::end(kReservedHeaders), key) !=
              std::end(kReservedHeaders)) {
            reader_.error(loc, "'" + name + "' is set by the HTTP client and cannot be configured");
            return;
          }
          if (const auto it = seen.find(key); it != seen.end()) {
            reader_.error(loc, "header '" + name + "' is set twice (first on line " +
                                   std::to_string(it->second.line) + "; header names ignore case)");
            return;
          }
          seen[key] = loc;
          auto v = reader_.string(value, loc);
          if (!v) return;
          if (!config_internal::isHeaderValue(*v)) {
            reader_.error(loc, "header values must not contain line breaks or control characters");
            return;
          }
          hook.headers[name] = std::move(*v);
        });
    return seen;
  }

  void readHmacSecret(Section& s, WebhookTargetConfig& hook) {
    config_internal::SecretValue secret;
    if (!config_internal::readSecretKeys(reader_, s, {"hmac_secret_file", "hmac_secret_env", ""},
                                         secret)) {
      return;
    }
    hook.hmac_secret = std::move(secret.value);
    hook.hmac_secret_file = std::move(secret.file);  // kept so SIGHUP can re-read it
    hook.hmac_secret_env = std::move(secret.env);
  }

  void readRetry(const YAML::Node& node, const Loc& at, RetryConfig& out) {
    Section s(reader_, node, at, keys::kRetry);
    s.read("initial_backoff", out.initial_backoff, Millis(1), std::chrono::days(1));
    s.read("max_backoff", out.max_backoff, Millis(1), std::chrono::days(7));
    s.readInt("max_attempts", out.max_attempts, 1, 1'000'000);
    s.read("max_age", out.max_age, std::chrono::seconds(1), std::chrono::days(365));
    if (out.max_backoff < out.initial_backoff) {
      reader_.error(s.has("max_backoff") ? s.loc("max_backoff") : s.loc("initial_backoff"),
                    "max_backoff must not be less than initial_backoff");
    }
  }

  // ---- helpers shared by the list sections ----

  void readUniqueName(Section& s, std::string_view what, std::map<std::string, int>& names,
                      std::string& out) {
    if (!s.require("name") || !s.read("name", out)) return;
    const Loc loc = s.loc("name");
    if (!config_internal::isName(out)) {
      reader_.error(loc, "'" + out + "' is not a valid name (letters, digits, '.', '_', '-')");
      return;
    }
    if (const auto it = names.find(out); it != names.end()) {
      reader_.error(loc, "duplicate " + std::string(what) + " name '" + out + "' (first on line " +
                             std::to_string(it->second) + ")");
      return;
    }
    names[out] = loc.line;
  }

  bool checkEventType(const Loc& loc, const std::string& type) {
    if (!config_internal::isEventType(type)) {
      reader_.error(
          loc, "'" + type + "' is not a valid event type (lower-case words separated by dots)");
      return false;
    }
    type_refs_.push_back({type, loc});
    return true;
  }

  void readEventType(Section& s, std::string_view key, std::string& out) {
    if (s.read(key, out) && !config_internal::isEventType(out)) {
      reader_.error(s.loc(key), "'" + out +
                                    "' is not a valid event type (lower-case words separated by "
                                    "dots)");
    }
  }

  void readFieldName(Section& s, std::string_view key, std::string& out) {
    if (s.read(key, out) && !config_internal::isName(out)) {
      reader_.error(s.loc(key), "'" + out + "' is not a valid payload field name");
    }
  }

  std::vector<std::string> readTypeList(const YAML::Node& node, const Loc& at) {
    std::vector<std::string> out;
    const auto types = reader_.stringList(node, at);
    if (!types) return out;
    if (types->empty()) reader_.error(at, "must list at least one event type");
    for (const auto& [type, loc] : *types) {
      if (std::find(out.begin(), out.end(), type) != out.end()) {
        reader_.error(loc, "'" + type + "' is listed twice");
      } else if (checkEventType(loc, type)) {
        out.push_back(type);
      }
    }
    return out;
  }

  void checkTemplate(const Loc& loc, const std::string& text) {
    const Status st = config_internal::checkTemplate(text, /*allow_stray_close=*/false);
    if (!st.isOk()) reader_.error(loc, st.message());
  }

  // ---- cross-references, once everything is read ----

  void checkReferences(const Config& config) {
    std::vector<std::string_view> schema_types;
    for (const auto& [type, schema] : config.schemas) schema_types.push_back(type);

    // Every event passes the validate stage, which parks types without a schema; so a route or
    // dedupe rule on such a type could never see an event.
    for (const NameRef& ref : type_refs_) {
      if (config.schemas.count(ref.type) > 0) continue;
      reader_.error(ref.loc, "unknown event type '" + ref.type + "': no schema defines it" +
                                 config_internal::didYouMean(ref.type, schema_types));
    }

    std::vector<std::string_view> targets(target_names_.begin(), target_names_.end());
    for (const NameRef& ref : target_refs_) {
      if (std::find(targets.begin(), targets.end(), ref.type) != targets.end()) continue;
      reader_.error(ref.loc, "unknown target '" + ref.type + "'" +
                                 config_internal::didYouMean(ref.type, targets));
    }

    for (const QualifierCheck& q : qualifier_checks_) checkQualifier(config, q, schema_types);
  }

  // A qualifier's input arrives validated, so it needs a schema. Its output events go through
  // every stage too, validate included (pipeline/counter_qualifier.h), so the output type needs
  // a schema that the derived payload can meet.
  void checkQualifier(const Config& config, const QualifierCheck& q,
                      std::span<const std::string_view> schema_types) {
    const CounterQualifierConfig& c = q.config;
    const auto in = config.schemas.find(c.input_type);
    if (in == config.schemas.end()) {
      reader_.error(q.input_loc, "no schema for input type '" + c.input_type +
                                     "': add one under schemas, or its events are rejected" +
                                     config_internal::didYouMean(c.input_type, schema_types));
    } else {
      checkQualifierInput(in->second, q);
    }
    const auto out = config.schemas.find(c.output_type);
    if (out == config.schemas.end()) {
      reader_.error(q.output_loc,
                    "no schema for output type '" + c.output_type +
                        "': the events this qualifier derives are validated like any other "
                        "and would all be parked; add one under schemas" +
                        config_internal::didYouMean(c.output_type, schema_types));
      return;
    }
    // The payload a counter_delta qualifier derives (pipeline/counter_qualifier.h); rollover
    // and reset appear only sometimes, so they cannot be required.
    std::vector<std::string_view> derived = {"quantity", "counter", "previous_counter",
                                             "previous_at", "qualifier"};
    if (!c.key_field.empty()) derived.emplace_back("key");
    for (const FieldSchema& f : out->second.payload) {
      if (!f.required || std::find(derived.begin(), derived.end(), f.name) != derived.end()) {
        continue;
      }
      reader_.error(q.output_loc, "schema '" + c.output_type + "' requires payload field '" +
                                      f.name +
                                      "', which the derived events do not carry (they carry "
                                      "quantity, counter, previous_counter, previous_at, "
                                      "qualifier" +
                                      (c.key_field.empty() ? "" : ", key") + ")");
    }
  }

  void checkQualifierInput(const EventSchema& schema, const QualifierCheck& q) {
    const CounterQualifierConfig& c = q.config;
    if (schema.payload.empty()) return;  // an open schema: any field may carry the counter
    const auto field = [&](const std::string& name) -> const FieldSchema* {
      for (const FieldSchema& f : schema.payload) {
        if (f.name == name) return &f;
      }
      return nullptr;
    };
    std::vector<std::string_view> field_names;
    for (const FieldSchema& f : schema.payload) field_names.push_back(f.name);
    if (const FieldSchema* f = field(c.value_field); f == nullptr) {
      reader_.error(q.value_loc, "schema '" + c.input_type + "' has no payload field '" +
                                     c.value_field + "'" +
                                     config_internal::didYouMean(c.value_field, field_names));
    } else if (f->type != FieldSchema::Type::kInteger && f->type != FieldSchema::Type::kAny) {
      // The qualifier parks any reading that is not a non-negative integer.
      reader_.error(q.value_loc, "payload field '" + c.value_field + "' of schema '" +
                                     c.input_type + "' must be typed integer to be counted");
    }
    if (!c.key_field.empty() && field(c.key_field) == nullptr) {
      reader_.error(q.key_loc, "schema '" + c.input_type + "' has no payload field '" +
                                   c.key_field + "'" +
                                   config_internal::didYouMean(c.key_field, field_names));
    }
  }

  Diagnostics& diagnostics_;
  YamlReader reader_;
  std::vector<LocatedToken> tokens_;
  std::vector<NameRef> type_refs_;    // event types named by routes and dedupe rules
  std::vector<NameRef> target_refs_;  // target names named by routes
  std::vector<std::string> target_names_;
  std::vector<QualifierCheck> qualifier_checks_;
};

ConfigLoadResult finish(Diagnostics& diagnostics, Config config, const std::string& file) {
  ConfigLoadResult result;
  if (diagnostics.empty()) {
    result.config = std::move(config);
  } else {
    result.errors = diagnostics.sorted(file);
  }
  return result;
}

}  // namespace

ConfigLoadResult loadConfigFromString(const std::string& yaml_text, const std::string& file_name) {
  Diagnostics diagnostics;
  Config config;
  Loader loader(diagnostics, file_name);
  YamlReader reader(diagnostics, file_name, {});
  if (const auto root = parseYaml(reader, yaml_text)) loader.load(*root, config);
  return finish(diagnostics, std::move(config), file_name);
}

ConfigLoadResult loadConfig(const std::string& path) {
  auto text = readTextFile(path);
  if (!text) {
    ConfigLoadResult result;
    result.errors.push_back({path, 0, "", text.status().message()});
    return result;
  }
  return loadConfigFromString(*text, path);
}

Result<std::vector<TokenConfig>> loadTokenFile(const std::string& path) {
  Diagnostics diagnostics;
  YamlReader reader(diagnostics, path, baseDirOf(path));
  auto text = readTextFile(path);
  if (!text) return Status(text.status().code(), path + ": " + text.status().message());
  std::vector<TokenConfig> tokens;
  if (const auto root = parseYaml(reader, *text)) {
    for (LocatedToken& t : readTokenFileRoot(reader, *root)) {
      tokens.push_back(std::move(t.token));
    }
  }
  if (!diagnostics.empty()) {
    std::string message;
    for (const ConfigError& e : diagnostics.sorted(path)) {
      if (!message.empty()) message += "\n";
      message += e.toString();
    }
    return Status::invalidArgument(message);
  }
  return tokens;
}

}  // namespace pb
