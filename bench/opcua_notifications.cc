// One OPC UA subscription with many monitored items through SubscriptionKeeper, against the
// node-opcua simulator (tools/opcua_sim) serving Objects/Load/Item0000.. that all change every
// --interval-ms. Prints notifications/s decoded and handed over, the CPU time of this process
// (getrusage, user + sys) per 10,000 notifications, and, --restarts times, the time from a
// server restart to data flowing again: the simulator is killed by its pid (SIGKILL), started
// again on the same port, and the clock runs from its "ready" line (and from the kill) to the
// first sample after the gap. The driver starts and stops the simulator itself, by pid.
//
//   opcua_notifications --node /usr/bin/node --sim tools/opcua_sim/cnc_server.js
//                       [--items 1000] [--interval-ms 100] [--seconds 10] [--restarts 3]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "plantbridge/connectors/opcua/subscription_keeper.h"

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX

namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

double secondsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

double cpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return sec(usage.ru_utime) + sec(usage.ru_stime);
}

// The simulator as a child: started with posix_spawn, its stdout read for the ready line,
// stopped by its pid.
class Simulator {
 public:
  ~Simulator() { kill(); }
  // Returns the endpoint URL from the "ready opc.tcp://..." line ("" on failure).
  std::string start(const std::vector<std::string>& argv, milliseconds timeout) {
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return "";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0) {
      ::close(out[0]);
      pid_ = -1;
      return "";
    }
    std::string buffered;
    const auto deadline = SteadyClock::now() + timeout;
    while (SteadyClock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now()).count();
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 1))) <= 0) continue;
      char chunk[512];
      const ssize_t n = ::read(out[0], chunk, sizeof chunk);
      if (n <= 0) break;
      buffered.append(chunk, static_cast<size_t>(n));
      const size_t at = buffered.find("ready opc.tcp://");
      const size_t end = buffered.find('\n', at);
      if (at != std::string::npos && end != std::string::npos) {
        ::close(out[0]);
        return buffered.substr(at + 6, end - at - 6);
      }
    }
    ::close(out[0]);
    return "";
  }
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Counts what the keeper hands over; remembers when the first sample after a gap came.
class Counter {
 public:
  void add(std::vector<pb::opcua::NodeSample>&& samples) {
    std::lock_guard lock(mutex_);
    count_ += samples.size();
    for (const auto& s : samples) {
      if (s.after_gap && armed_ && !first_after_gap_) first_after_gap_ = SteadyClock::now();
    }
    cv_.notify_all();
  }
  uint64_t count() {
    std::lock_guard lock(mutex_);
    return count_;
  }
  void armGap() {
    std::lock_guard lock(mutex_);
    armed_ = true;
    first_after_gap_.reset();
  }
  std::optional<SteadyClock::time_point> waitGap(milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [this] { return first_after_gap_.has_value(); });
    armed_ = false;
    return first_after_gap_;
  }
  void connected() {
    std::lock_guard lock(mutex_);
    connected_at_ = SteadyClock::now();
  }
  SteadyClock::time_point connectedAt() {
    std::lock_guard lock(mutex_);
    return connected_at_;
  }
  bool waitCount(uint64_t n, milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  uint64_t count_ = 0;
  bool armed_ = false;
  std::optional<SteadyClock::time_point> first_after_gap_;
  SteadyClock::time_point connected_at_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Notifications/s through SubscriptionKeeper and its recovery after a restart"};
  std::string node = "/usr/bin/node";
  std::string sim;
  int items = 1000;
  int interval_ms = 100;
  int seconds = 10;
  int restarts = 3;
  int reconnect_max_ms = 30'000;
  app.add_option("--node", node, "the Node.js binary");
  app.add_option("--sim", sim, "tools/opcua_sim/cnc_server.js")->required();
  app.add_option("--items", items, "monitored items in the one subscription");
  app.add_option("--interval-ms", interval_ms, "how often every item changes");
  app.add_option("--seconds", seconds, "measuring time");
  app.add_option("--restarts", restarts, "server restarts to time");
  app.add_option("--reconnect-max-ms", reconnect_max_ms, "the keeper's backoff cap");
  CLI11_PARSE(app, argc, argv);

  const std::string pki = "/tmp/pb-opcua-bench-pki-" + std::to_string(getpid());
  auto sim_args = [&](const std::string& port) {
    return std::vector<std::string>{node,
                                    sim,
                                    "--port",
                                    port,
                                    "--pki-dir",
                                    pki,
                                    "--bulk-items",
                                    std::to_string(items),
                                    "--bulk-interval-ms",
                                    std::to_string(interval_ms)};
  };
  Simulator server;
  const std::string endpoint = server.start(sim_args("0"), std::chrono::seconds(60));
  if (endpoint.empty()) {
    std::fprintf(stderr, "the simulator did not start\n");
    return 1;
  }
  const std::string port = endpoint.substr(endpoint.rfind(':') + 1);

  pb::opcua::KeeperOptions options;
  options.client.endpoint_url = endpoint;
  options.subscription.publishing_interval_ms = interval_ms;
  options.subscription.max_keep_alive_count = 10;
  options.subscription.lifetime_count = 100;
  options.reconnect_max = milliseconds(reconnect_max_ms);
  for (int i = 0; i < items; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "Item%04d", i);
    pb::opcua::MonitoredNode n;
    n.name = name;
    n.browse_path = std::string("/2:Load/2:") + name;
    n.sampling_interval_ms = interval_ms;
    options.nodes.push_back(std::move(n));
  }
  Counter counter;
  pb::opcua::SubscriptionKeeper keeper(
      options, [&counter](std::vector<pb::opcua::NodeSample>&& s) { counter.add(std::move(s)); },
      [&counter](pb::opcua::KeeperState state, const pb::Status&) {
        if (state == pb::opcua::KeeperState::kConnected) counter.connected();
      });
  const auto started = SteadyClock::now();
  keeper.start();
  if (!counter.waitCount(static_cast<uint64_t>(items) * 3, std::chrono::seconds(60))) {
    std::fprintf(stderr, "no data: %s\n", keeper.counters().last_error.c_str());
    return 1;
  }

  std::printf(
      "first start: start() -> subscribed %.0f ms (connect, session, %d browse paths, "
      "%d monitored items)\n",
      std::chrono::duration<double, std::milli>(counter.connectedAt() - started).count(), items,
      items);
  const uint64_t n0 = counter.count();
  const double cpu0 = cpuSeconds();
  const auto t0 = SteadyClock::now();
  // The main thread only waits; the keeper's thread does the work measured.
  (void)counter.waitCount(UINT64_MAX, std::chrono::seconds(seconds));
  const double elapsed = secondsSince(t0);
  const double cpu = cpuSeconds() - cpu0;
  const uint64_t n = counter.count() - n0;
  const auto c = keeper.counters();
  std::printf(
      "items %d changing every %d ms, one subscription, publishing interval %d ms, reconnect "
      "backoff 500 ms doubling up to %d ms, full jitter\n",
      items, interval_ms, interval_ms, reconnect_max_ms);
  std::printf("notifications: %llu in %.1f s = %.0f/s (offered %.0f/s)\n",
              static_cast<unsigned long long>(n), elapsed, static_cast<double>(n) / elapsed,
              1000.0 * items / interval_ms);
  std::printf("CPU (user+sys of this process): %.3f s = %.1f ms per 10,000 notifications\n", cpu,
              n > 0 ? cpu * 1000.0 * 10'000.0 / static_cast<double>(n) : 0.0);
  std::printf("bad quality %llu, lost messages %llu\n",
              static_cast<unsigned long long>(c.bad_quality_samples),
              static_cast<unsigned long long>(c.lost_messages));

  for (int r = 1; r <= restarts; ++r) {
    counter.armGap();
    const auto killed = SteadyClock::now();
    server.kill();
    const std::string again = server.start(sim_args(port), std::chrono::seconds(60));
    const auto ready = SteadyClock::now();
    if (again.empty()) {
      std::fprintf(stderr, "the simulator did not start again\n");
      return 1;
    }
    const auto first = counter.waitGap(std::chrono::seconds(120));
    if (!first) {
      std::fprintf(stderr, "no data after restart %d: %s\n", r,
                   keeper.counters().last_error.c_str());
      return 1;
    }
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    const auto subscribed = counter.connectedAt();
    std::printf(
        "restart %d: server ready -> first sample %.0f ms (ready -> subscribed %.0f ms, "
        "subscribed -> first sample %.0f ms); kill -> first sample %.0f ms (server start %.0f "
        "ms)\n",
        r, ms(*first - ready), ms(subscribed - ready), ms(*first - subscribed), ms(*first - killed),
        ms(ready - killed));
    // Let it settle into the stream before the next kill.
    (void)counter.waitCount(counter.count() + static_cast<uint64_t>(items) * 5,
                            std::chrono::seconds(30));
  }
  const auto end = keeper.counters();
  std::printf("connects %llu, reconnects %llu, recreations %llu, transfers %llu\n",
              static_cast<unsigned long long>(end.connects),
              static_cast<unsigned long long>(end.reconnects),
              static_cast<unsigned long long>(end.recreations),
              static_cast<unsigned long long>(end.transfers));
  const auto stop_start = SteadyClock::now();
  keeper.stop();
  std::printf("stop(): %.0f ms\n", secondsSince(stop_start) * 1000);
  server.kill();
  std::error_code ignored;
  std::filesystem::remove_all(pki, ignored);
  return 0;
}
