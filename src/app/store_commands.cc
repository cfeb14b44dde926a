// Verbs that work on the store directly (also while a hub runs: SQLite in WAL mode lets another
// process read and take its turn to write).
#include <cstdio>
#include <iostream>

#include <boost/json/serialize.hpp>

#include "app_support.h"
#include "commands.h"
#include "plantbridge/common/logging.h"
#include "plantbridge/store/store.h"
#include "progress.h"

namespace pb {
namespace {

void printEntryLine(const OutboxEntry& e) {
  std::printf("%-48s %-12s %-20s attempts=%d  %s\n", e.tx.id.c_str(), e.tx.target.c_str(),
              formatRfc3339(e.tx.created_at).c_str(), e.attempts, e.last_error.c_str());
}

void printEntry(Outbox& outbox, const OutboxEntry& e) {
  std::printf(
      "transaction   %s\nstate         %s\nevent         %s\ncorrelation   %s\n"
      "route         %s\ntarget        %s\nordering key  %s\ncreated       %s\n"
      "attempts      %d\nlast error    %s\nbody          %s\n",
      e.tx.id.c_str(), transactionStateName(e.state), e.tx.event_id.c_str(),
      e.tx.correlation_id.c_str(), e.tx.route.c_str(), e.tx.target.c_str(),
      e.tx.ordering_key.c_str(), formatRfc3339(e.tx.created_at).c_str(), e.attempts,
      e.last_error.c_str(), e.tx.body.c_str());
  auto attempts = outbox.attempts(e.tx.id);
  if (!attempts) return;
  for (const auto& a : *attempts) {
    std::printf("  attempt %d at %s: %s http=%d %.1f ms: %s\n", a.number,
                formatRfc3339(a.started_at).c_str(), attemptOutcomeName(a.outcome), a.http_status,
                static_cast<double>(a.duration.count()) / 1000.0, a.message.c_str());
  }
}

}  // namespace

int auditVerifyCommand(const CommonOptions& options) {
  SystemClock clock;
  auto opened = openStoreFor(options, clock);
  if (!opened) return kExitUsage;
  auto& [config, store] = *opened;
  auto total = store->journal().headSeq();
  ProgressBar progress("verifying journal");
  auto report = store->journal().verifyChain(
      [&](int64_t checked, int64_t all) { progress.update(checked, all); });
  progress.finish();
  store->close();
  if (!report) {
    std::fprintf(stderr, "plantbridge: audit verify failed: %s\n",
                 report.status().toString().c_str());
    return kExitProblem;
  }
  if (report->intact) {
    std::printf("journal intact: %lld records, hash chain verified (head seq %lld)\n",
                static_cast<long long>(report->records_checked), static_cast<long long>(total));
    return kExitOk;
  }
  std::printf("journal BROKEN at record %lld: %s (%lld records checked)\n",
              static_cast<long long>(report->first_bad_seq), report->problem.c_str(),
              static_cast<long long>(report->records_checked));
  return kExitProblem;
}

int dlqCommand(const DlqCommandOptions& options) {
  SystemClock clock;
  auto opened = openStoreFor(options.common, clock);
  if (!opened) return kExitUsage;
  // Not a structured binding: the lambda below captures it (clang 14 cannot capture bindings).
  auto& store = opened->second;
  Outbox& outbox = store->outbox();
  int code = kExitOk;
  auto audit = [&](const std::string& action, bool accepted, const std::string& detail) {
    AuditRecord record{
        clock.now(), "cli:" + currentUser(), action, options.transaction_id, accepted, detail};
    if (auto s = store->audit().record(record); !s) {
      std::fprintf(stderr, "plantbridge: could not write the audit record: %s\n",
                   s.toString().c_str());
    }
  };
  if (options.action == "list") {
    auto dead = outbox.deadLetters(0, options.limit);
    if (!dead) {
      std::fprintf(stderr, "plantbridge: %s\n", dead.status().toString().c_str());
      code = kExitProblem;
    } else if (dead->empty()) {
      std::printf("no dead letters\n");
    } else {
      for (const auto& e : *dead) printEntryLine(e);
    }
  } else if (options.action == "show") {
    auto entry = outbox.get(options.transaction_id);
    if (!entry || !entry->has_value()) {
      std::fprintf(stderr, "plantbridge: no transaction '%s'\n", options.transaction_id.c_str());
      code = kExitProblem;
    } else {
      printEntry(outbox, **entry);
    }
  } else if (options.action == "retry" || options.action == "discard") {
    bool retry = options.action == "retry";
    Status s = retry ? outbox.retryDead(options.transaction_id, clock.now())
                     : outbox.discardDead(options.transaction_id);
    audit(retry ? "dlq.retry" : "dlq.discard", s.isOk(), s.isOk() ? "" : s.message());
    if (!s) {
      std::fprintf(stderr, "plantbridge: %s %s: %s\n", options.action.c_str(),
                   options.transaction_id.c_str(), s.toString().c_str());
      code = kExitProblem;
    } else {
      std::printf("%s %s\n", retry ? "requeued" : "discarded", options.transaction_id.c_str());
    }
  }
  store->close();
  return code;
}

}  // namespace pb
