// Starts tools/opcua_sim/cnc_server.js (node-opcua) as a child process for a test, reads its
// endpoint from its "ready opc.tcp://..." line, and stops it by pid.
#pragma once

#include <string>

#include "plantbridge/common/status.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace pb::test {

struct OpcUaSimOptions {
  int simulate_ms = 0;  // 0: values stay put
};

class OpcUaSimProcess {
 public:
  OpcUaSimProcess() = default;
  ~OpcUaSimProcess() { stop(); }
  OpcUaSimProcess(const OpcUaSimProcess&) = delete;
  OpcUaSimProcess& operator=(const OpcUaSimProcess&) = delete;

  // Starts the server on a free port; waits (bounded) for its ready line.
  Status start(const OpcUaSimOptions& options = {});
  // SIGTERM, then waits for the exit.
  void stop();
  // SIGKILL: the server vanishes without closing anything, as a crashed machine would.
  void kill();
  bool running() const { return process_.running(); }
  const std::string& endpointUrl() const { return endpoint_url_; }
  // The server's stderr (node-opcua's log), for failure messages.
  std::string log() const;

 private:
  ChildProcess process_;
  TempDir dir_;
  std::string endpoint_url_;
};

}  // namespace pb::test
