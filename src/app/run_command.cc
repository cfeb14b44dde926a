// `plantbridge run`: the hub until SIGTERM/SIGINT; SIGHUP reloads tokens and certificates.
#include <signal.h>

#include <cstdio>

#include <spdlog/spdlog.h>

#include "app_support.h"
#include "commands.h"
#include "hub_runtime.h"
#include "plantbridge/common/logging.h"

namespace pb {

int runHubCommand(const CommonOptions& options) {
  // Block the signals before any thread starts so that every thread inherits the mask and
  // only the sigwait() below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto config = loadConfigOrReport(options.config_path);
  if (!config) return kExitUsage;
  if (!options.store_path.empty()) config->store.path = options.store_path;
  if (auto s = setUpLogging(config->log.level, config->log.json); !s) {
    std::fprintf(stderr, "plantbridge: %s\n", s.message().c_str());
    return kExitUsage;
  }
  static SystemClock clock;
  auto hub = HubRuntime::create(std::move(*config), clock);
  if (!hub) {
    std::fprintf(stderr, "plantbridge: %s\n", hub.status().message().c_str());
    return kExitUsage;
  }
  if (auto s = (*hub)->start(); !s) {
    spdlog::error("start-up failed: {}", s.toString());
    std::fprintf(stderr, "plantbridge: start-up failed: %s\n", s.toString().c_str());
    return kExitProblem;
  }
  for (;;) {
    int received = 0;
    if (sigwait(&signals, &received) != 0) continue;
    if (received == SIGHUP) {
      spdlog::info("SIGHUP: reloading tokens and certificates");
      (*hub)->reload();
      continue;
    }
    spdlog::info("{}: draining", received == SIGTERM ? "SIGTERM" : "SIGINT");
    (*hub)->drain(std::chrono::seconds(10));
    spdlog::info("stopped cleanly");
    return kExitOk;
  }
}

}  // namespace pb
