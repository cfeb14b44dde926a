#include "tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace pb::test {
namespace {

constexpr size_t kChunkHeaderSize = 8;  // "MSG" + chunk type + UInt32 size

struct Pair {
  int client = -1;
  int server = -1;
  std::string from_server;  // bytes of an incomplete chunk
};

void closePair(Pair& pair) {
  if (pair.client >= 0) ::close(pair.client);
  if (pair.server >= 0) ::close(pair.server);
  pair.client = pair.server = -1;
}

bool sendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

int connectTo(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

Status UaTcpProxy::start(int target_port) {
  target_port_ = target_port;
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return Status::ioError("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return Status::ioError(std::string("bind/listen: ") + std::strerror(errno));
  }
  port_ = ntohs(address.sin_port);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
  return Status::ok();
}

void UaTcpProxy::stop() {
  if (thread_.joinable()) {
    stopping_ = true;
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (listen_fd_ >= 0) ::close(listen_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  listen_fd_ = wake_fd_ = -1;
}

void UaTcpProxy::run() {
  std::vector<Pair> pairs;
  char buffer[65536];
  // Bounded by stop(): the wake fd ends the poll.
  while (!stopping_) {
    std::vector<pollfd> fds = {{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}};
    for (const auto& pair : pairs) {
      fds.push_back({pair.client, POLLIN, 0});
      fds.push_back({pair.server, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), 1000) <= 0) continue;
    if (fds[0].revents != 0) break;
    if (fds[1].revents != 0) {
      const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) {
        const int server = connectTo(target_port_);
        if (server < 0) {
          ::close(client);
        } else {
          pairs.push_back({client, server, {}});
        }
      }
      continue;  // the pair list changed: poll again
    }
    bool drop_all = false;
    for (size_t i = 0; i < pairs.size(); ++i) {
      Pair& pair = pairs[i];
      const short from_client = fds[2 + 2 * i].revents;
      const short from_server = fds[3 + 2 * i].revents;
      if (from_client != 0) {
        const ssize_t n = ::recv(pair.client, buffer, sizeof buffer, 0);
        if (n <= 0 || !sendAll(pair.server, buffer, static_cast<size_t>(n))) {
          closePair(pair);
          continue;
        }
      }
      if (from_server != 0) {
        const ssize_t n = ::recv(pair.server, buffer, sizeof buffer, 0);
        if (n <= 0) {
          closePair(pair);
          continue;
        }
        pair.from_server.append(buffer, static_cast<size_t>(n));
        // Whole chunks only, so one can be left out.
        while (pair.from_server.size() >= kChunkHeaderSize) {
          uint32_t size = 0;
          std::memcpy(&size, pair.from_server.data() + 4, sizeof size);  // little-endian host
          if (size < kChunkHeaderSize || pair.from_server.size() < size) break;
          if (armed_ && pair.from_server.compare(0, 3, "MSG") == 0) {
            armed_ = false;
            ++swallowed_;
            drop_all = true;
            break;
          }
          if (!sendAll(pair.client, pair.from_server.data(), size)) {
            closePair(pair);
            break;
          }
          pair.from_server.erase(0, size);
        }
      }
    }
    if (drop_all) {
      for (auto& pair : pairs) closePair(pair);
    }
    std::erase_if(pairs, [](const Pair& p) { return p.client < 0; });
  }
  for (auto& pair : pairs) closePair(pair);
}

}  // namespace pb::test
