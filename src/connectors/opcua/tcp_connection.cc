#include "tcp_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace pb::opcua {
namespace {

int remainingMs(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

std::string errnoText(int error) { return std::strerror(error); }

}  // namespace

TcpConnection& TcpConnection::operator=(TcpConnection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    wake_fd_ = other.wake_fd_;
    peer_ = std::move(other.peer_);
    other.fd_ = -1;
  }
  return *this;
}

void TcpConnection::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Status TcpConnection::waitFor(short events, Deadline deadline, const char* what) {
  for (;;) {
    pollfd p[2] = {{fd_, events, 0}, {wake_fd_, POLLIN, 0}};
    const int n = ::poll(p, wake_fd_ >= 0 ? 2 : 1, remainingMs(deadline));
    if (n > 0 && p[1].revents != 0) {
      return Status::unavailable(std::string(what) + " " + peer_ + ": interrupted");
    }
    if (n > 0) return Status::ok();
    if (n == 0) return Status::unavailable(std::string(what) + " " + peer_ + ": timed out");
    if (errno != EINTR)
      return Status::unavailable(std::string(what) + " " + peer_ + ": " + errnoText(errno));
  }
}

Result<bool> TcpConnection::waitReadable(Deadline deadline) {
  if (fd_ < 0) return Status::unavailable("read from " + peer_ + ": not connected");
  for (;;) {
    pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int n = ::poll(p, wake_fd_ >= 0 ? 2 : 1, remainingMs(deadline));
    if (n > 0 && p[1].revents != 0)
      return Status::unavailable("read from " + peer_ + ": interrupted");
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return Status::unavailable("read from " + peer_ + ": " + errnoText(errno));
  }
}

Result<TcpConnection> TcpConnection::connect(const std::string& host, uint16_t port,
                                             Deadline deadline, int wake_fd) {
  const std::string peer = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return Status::unavailable("cannot resolve " + host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, &freeaddrinfo);
  Status last = Status::unavailable("no address for " + host);
  for (addrinfo* a = addresses.get(); a != nullptr; a = a->ai_next) {
    TcpConnection c;
    c.peer_ = peer;
    c.wake_fd_ = wake_fd;
    c.fd_ = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (c.fd_ < 0) {
      last = Status::unavailable("socket: " + errnoText(errno));
      continue;
    }
    if (::connect(c.fd_, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last = Status::unavailable("connect to " + peer + ": " + errnoText(errno));
        continue;
      }
      Status ready = c.waitFor(POLLOUT, deadline, "connect to");
      if (!ready.isOk()) {
        last = ready;
        continue;
      }
      int error = 0;
      socklen_t len = sizeof error;
      ::getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) {
        last = Status::unavailable("connect to " + peer + ": " + errnoText(error));
        continue;
      }
    }
    int one = 1;
    ::setsockopt(c.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
  }
  return last;
}

Status TcpConnection::writeAll(std::string_view bytes, Deadline deadline) {
  if (fd_ < 0) return Status::unavailable("write to " + peer_ + ": not connected");
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      PB_RETURN_IF_ERROR(waitFor(POLLOUT, deadline, "write to"));
      continue;
    }
    return Status::unavailable("write to " + peer_ + ": " + errnoText(errno));
  }
  return Status::ok();
}

Status TcpConnection::readExact(size_t n, std::string& out, Deadline deadline) {
  if (fd_ < 0) return Status::unavailable("read from " + peer_ + ": not connected");
  char buffer[16384];
  while (n > 0) {
    const ssize_t got = ::recv(fd_, buffer, std::min(n, sizeof buffer), 0);
    if (got > 0) {
      out.append(buffer, static_cast<size_t>(got));
      n -= static_cast<size_t>(got);
      continue;
    }
    if (got == 0)
      return Status::unavailable("read from " + peer_ + ": the server closed the connection");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      PB_RETURN_IF_ERROR(waitFor(POLLIN, deadline, "read from"));
      continue;
    }
    return Status::unavailable("read from " + peer_ + ": " + errnoText(errno));
  }
  return Status::ok();
}

}  // namespace pb::opcua
