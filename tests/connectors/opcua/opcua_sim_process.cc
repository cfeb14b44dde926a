#include "opcua_sim_process.h"

#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <variant>

#include "plantbridge/connectors/opcua/client.h"

namespace pb::test {

Status OpcUaSimProcess::start(const OpcUaSimOptions& options) {
  const std::string node = PB_NODE_EXECUTABLE;
  if (node.empty()) {
    return Status::unavailable("node (Node.js) not found; run scripts/install-deps.sh --test");
  }
  const std::string sim_dir = sourceDir() + "/tools/opcua_sim";
  std::ifstream marker(sim_dir + "/node_modules/node-opcua/package.json");
  if (!marker) {
    return Status::unavailable(sim_dir +
                               "/node_modules is missing; run scripts/install-deps.sh "
                               "--test");
  }
  std::vector<std::string> argv = {node,
                                   sim_dir + "/cnc_server.js",
                                   "--port",
                                   std::to_string(options.port),
                                   "--pki-dir",
                                   dir_.file("pki"),
                                   "--simulate-ms",
                                   std::to_string(options.simulate_ms)};
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  PB_RETURN_IF_ERROR(process_.start(argv, dir_.file("server.log")));
  auto line = process_.waitForLine("ready opc.tcp://", std::chrono::seconds(60));
  if (!line.isOk()) {
    return Status(line.status().code(), line.status().message() + "; server log:\n" + log());
  }
  endpoint_url_ = line->substr(line->find("opc.tcp://"));
  return Status::ok();
}

void OpcUaSimProcess::stop() {
  if (process_.running()) (void)process_.stop(SIGTERM, std::chrono::seconds(10));
}

void OpcUaSimProcess::kill() {
  if (process_.running()) (void)process_.stop(SIGKILL, std::chrono::seconds(10));
}

Status OpcUaSimProcess::dropConnections() {
  if (!process_.running()) return Status::unavailable("the simulator is not running");
  if (::kill(process_.pid(), SIGUSR1) != 0) return Status::unavailable("kill(SIGUSR1) failed");
  auto line = process_.waitForLine("dropped ", std::chrono::seconds(10));
  return line.isOk() ? Status::ok() : line.status();
}

int OpcUaSimProcess::port() const {
  const size_t colon = endpoint_url_.rfind(':');
  if (colon == std::string::npos) return 0;
  return std::atoi(endpoint_url_.c_str() + colon + 1);
}

std::string OpcUaSimProcess::log() const {
  std::ifstream in(dir_.file("server.log"));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Result<uint16_t> simNamespaceIndex(const std::string& endpoint_url) {
  opcua::ClientOptions options;
  options.endpoint_url = endpoint_url;
  opcua::Client client(options);
  PB_RETURN_IF_ERROR(client.connect());
  PB_RETURN_IF_ERROR(client.openSession(opcua::UserIdentity::anonymous()));
  opcua::ReadValueId namespace_array;
  namespace_array.node_id = opcua::NodeId(0, 2255U);  // Server.NamespaceArray
  auto values = client.read({namespace_array});
  client.disconnect();
  if (!values) return values.status();
  if (values->empty() || !values->front().value) {
    return Status::notFound("the server answered no NamespaceArray");
  }
  const opcua::Variant& array = *values->front().value;
  for (size_t i = 0; i < array.values.size(); ++i) {
    const auto* uri = std::get_if<std::string>(&array.values[i]);
    if (uri != nullptr && *uri == kSimNamespaceUri) return static_cast<uint16_t>(i);
  }
  return Status::notFound(std::string(kSimNamespaceUri) + " is not in the NamespaceArray");
}

}  // namespace pb::test
