// A blocking TCP connection with a deadline on every operation (poll(2) on a non-blocking
// socket). Private to the OPC UA client.
//
// Why plain sockets rather than Asio: the client sends one request and waits for its answer
// (a connector runs it on a thread of its own), so there is no event loop to share, and poll()
// with a deadline gives every connect, write and read its timeout in a few lines. Asio would
// add a second thread or an io_context per client for nothing this design needs.
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "plantbridge/common/status.h"

namespace pb::opcua {

using Deadline = std::chrono::steady_clock::time_point;

class TcpConnection {
 public:
  TcpConnection() = default;
  ~TcpConnection() { close(); }
  TcpConnection(TcpConnection&& other) noexcept
      : fd_(other.fd_), wake_fd_(other.wake_fd_), peer_(std::move(other.peer_)) {
    other.fd_ = -1;
  }
  TcpConnection& operator=(TcpConnection&& other) noexcept;
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Resolves `host` and connects to the first address that answers before `deadline`.
  // kUnavailable names host:port and the reason (refused, unreachable, timed out).
  // `wake_fd` (optional, not owned): while it is readable every wait of this connection, the
  // connect included, ends at once with kUnavailable "interrupted" (see Client::interrupt).
  static Result<TcpConnection> connect(const std::string& host, uint16_t port, Deadline deadline,
                                       int wake_fd = -1);

  Status writeAll(std::string_view bytes, Deadline deadline);
  // Appends exactly `n` bytes to `out`. kUnavailable when the peer closes first or on timeout.
  Status readExact(size_t n, std::string& out, Deadline deadline);
  // True when bytes (or the peer's close) wait to be read, false at the deadline; consumes
  // nothing, so a caller can wait in short slices without disturbing the stream.
  Result<bool> waitReadable(Deadline deadline);
  void close();
  bool isOpen() const { return fd_ >= 0; }
  const std::string& peer() const { return peer_; }

 private:
  // Waits until the socket is ready for `events`; an error at the deadline.
  Status waitFor(short events, Deadline deadline, const char* what);

  int fd_ = -1;
  int wake_fd_ = -1;
  std::string peer_;  // "host:port", for messages
};

}  // namespace pb::opcua
