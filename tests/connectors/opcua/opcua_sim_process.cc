#include "opcua_sim_process.h"

#include <signal.h>

#include <fstream>
#include <iterator>

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
  PB_RETURN_IF_ERROR(
      process_.start({node, sim_dir + "/cnc_server.js", "--port", "0", "--pki-dir",
                      dir_.file("pki"), "--simulate-ms", std::to_string(options.simulate_ms)},
                     dir_.file("server.log")));
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

std::string OpcUaSimProcess::log() const {
  std::ifstream in(dir_.file("server.log"));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace pb::test
