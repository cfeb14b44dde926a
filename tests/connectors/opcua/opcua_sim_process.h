// Starts tools/opcua_sim/cnc_server.js (node-opcua) as a child process for a test, reads its
// endpoint from its "ready opc.tcp://..." line, and stops it by pid.
#pragma once

#include <string>
#include <vector>

#include "plantbridge/common/status.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace pb::test {

struct OpcUaSimOptions {
  int simulate_ms = 0;  // 0: values stay put
  int port = 0;         // 0: a free one; a restarted server takes its old port again
  std::vector<std::string> extra_args;  // more cnc_server.js options, e.g. {"--alarm-every", "5"}
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
  // SIGUSR1: the server cuts every client connection (sessions stay), as a network drop would;
  // waits (bounded) for its "dropped N" line.
  Status dropConnections();
  int port() const;  // from the endpoint URL; 0 before start()
  int pid() const { return process_.pid(); }
  bool running() const { return process_.running(); }
  const std::string& endpointUrl() const { return endpoint_url_; }
  // The server's certificate (DER), written by the server before its ready line: a test puts
  // it into its client's trust list (<pki_dir>/trusted/certs).
  std::string certificatePath() const { return dir_.file("pki/server_certificate.der"); }
  // The server's stderr (node-opcua's log), for failure messages.
  std::string log() const;

 private:
  ChildProcess process_;
  TempDir dir_;
  std::string endpoint_url_;
};

// The namespace the simulator's machine lives in.
inline constexpr char kSimNamespaceUri[] = "urn:plantbridge:opcua-sim:cnc";

// The index of kSimNamespaceUri in the server's NamespaceArray, asked with our client over an
// anonymous session, so tests do not assume node-opcua's numbering.
Result<uint16_t> simNamespaceIndex(const std::string& endpoint_url);

}  // namespace pb::test
