// A TCP proxy on 127.0.0.1 between an OPC UA client and a server, for recovery tests: it passes
// UA TCP chunks on whole, and on request swallows the next MSG chunk from the server (say, a
// Publish response carrying notifications) and then cuts every connection — a network drop that
// loses a message in flight, which only Republish can bring back.
// Thread-safety: all methods from any thread; one thread of its own forwards.
#pragma once

#include <atomic>
#include <thread>

#include "plantbridge/common/status.h"

namespace pb::test {

class UaTcpProxy {
 public:
  UaTcpProxy() = default;
  ~UaTcpProxy() { stop(); }
  UaTcpProxy(const UaTcpProxy&) = delete;
  UaTcpProxy& operator=(const UaTcpProxy&) = delete;

  // Listens on 127.0.0.1:0 and forwards each connection to 127.0.0.1:`target_port`.
  Status start(int target_port);
  void stop();
  int port() const { return port_; }
  // The next MSG chunk from the server is dropped, then every connection is closed.
  void loseNextServerMessageAndDrop() { armed_ = true; }
  int swallowed() const { return swallowed_; }

 private:
  void run();

  int target_port_ = 0;
  int port_ = 0;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> armed_{false};
  std::atomic<int> swallowed_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace pb::test
