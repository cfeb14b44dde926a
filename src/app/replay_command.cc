#include <cstdio>

#include "app_support.h"
#include "commands.h"
#include "plantbridge/common/metrics.h"
#include "plantbridge/pipeline/pipeline.h"
#include "plantbridge/pipeline/replayer.h"
#include "progress.h"

namespace pb {
namespace {

bool parseTimeOption(const std::string& text, const char* name, std::optional<TimePoint>& out) {
  if (text.empty()) return true;
  auto parsed = parseRfc3339(text);
  if (!parsed) {
    std::fprintf(stderr, "plantbridge: --%s: %s\n", name, parsed.status().message().c_str());
    return false;
  }
  out = *parsed;
  return true;
}

}  // namespace

int replayCommand(const ReplayCommandOptions& options) {
  ReplayFilter filter;
  if (!parseTimeOption(options.since, "since", filter.since) ||
      !parseTimeOption(options.until, "until", filter.until)) {
    return kExitUsage;
  }
  filter.types = options.types;
  SystemClock clock;
  auto opened = openStoreFor(options.common, clock);
  if (!opened) return kExitUsage;
  auto& [config, store] = *opened;
  MetricsRegistry metrics;
  std::vector<ConfigError> errors;
  auto pipeline = Pipeline::create(config, nullptr, clock, metrics, &errors);
  if (!pipeline) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.toString().c_str());
    store->close();
    return kExitUsage;
  }
  auto total = store->journal().countMatching(filter);
  if (!total) {
    std::fprintf(stderr, "plantbridge: %s\n", total.status().toString().c_str());
    store->close();
    return kExitProblem;
  }
  if (options.dry_run) {
    std::printf("%lld journal records match; nothing replayed (--dry-run)\n",
                static_cast<long long>(*total));
    store->close();
    return kExitOk;
  }
  ProgressBar progress("replaying");
  pb::ReplayOptions replay_options;
  replay_options.progress = [&](int64_t done, int64_t all) { progress.update(done, all); };
  Replayer replayer(**pipeline, store->journal(), store->pipeline());
  auto summary = replayer.run(filter, replay_options);
  progress.finish();
  AuditRecord audit{clock.now(),    "cli:" + currentUser(),
                    "replay",       "since=" + options.since + " until=" + options.until,
                    summary.isOk(), summary ? "" : summary.status().message()};
  (void)store->audit().record(audit);
  store->close();
  if (!summary) {
    std::fprintf(stderr, "plantbridge: replay failed: %s\n", summary.status().toString().c_str());
    return kExitProblem;
  }
  std::printf(
      "replayed %lld events (%lld derived followed): %lld new transactions, %lld already in the "
      "outbox (not sent again), %lld exceptions, %lld suppressed\n",
      static_cast<long long>(summary->events_replayed),
      static_cast<long long>(summary->derived_followed),
      static_cast<long long>(summary->new_transactions),
      static_cast<long long>(summary->existing_transactions),
      static_cast<long long>(summary->exceptions), static_cast<long long>(summary->suppressed));
  if (summary->new_transactions > 0) {
    std::printf("a running hub delivers the new transactions within its poll interval\n");
  }
  return kExitOk;
}

}  // namespace pb
