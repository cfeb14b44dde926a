// The Dispatcher moves one target's outbox entries to the target.
//
// It pulls due entries from the Outbox and hands them to Target::deliverAsync, with
//  - never more than `concurrency` deliveries in flight,
//  - a token-bucket rate limit (deliveries per second),
//  - order per (target, ordering key): never two in flight for one key, and a later entry
//    never before an earlier one (Outbox::due() returns only the oldest pending entry of
//    each key; the dispatcher keeps the keys in flight),
//  - retries with capped exponential backoff and full jitter, at least the target's
//    Retry-After; dead letters after max_attempts or max_age, or at once on a rejection,
//  - a circuit breaker (see circuit_breaker.h).
// Every attempt is recorded in the outbox (when, how long, outcome, HTTP status, message)
// before the entry's key is free again, so a crash at any point repeats a delivery rather
// than losing it (at-least-once; targets de-duplicate by the transaction id).
//
// Threads: start() runs the scheduling loop on a thread of its own, and records finished
// attempts on a few recorder threads (so that several recordAttempt() calls share one store
// commit). Without start(), a test or tool drives it by calling pumpOnce().
// wake(), stop() and stats() may be called from any thread.
//
// Lifetimes: the Target, Outbox, Clock, RandomSource and MetricsRegistry must outlive the
// Dispatcher. Deliveries that finish after stop() has returned are ignored (the entry stays
// pending and is delivered again later): call Target::shutdown() after stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/dispatch/circuit_breaker.h"
#include "plantbridge/dispatch/random.h"
#include "plantbridge/dispatch/target.h"
#include "plantbridge/store/outbox.h"

namespace pb {

struct DispatcherOptions {
  // The longest the loop waits without being woken (new work committed, a delivery
  // finished) before it looks at the outbox again.
  std::chrono::milliseconds poll_interval{1000};
  // Threads that record finished attempts; 0: min(concurrency, 16). One per delivery in
  // flight lets all of them share one store commit (group commit).
  int recorder_threads = 0;
  // Attempt messages are cut to this many bytes.
  size_t max_message_bytes = 4096;
};

struct DispatcherStats {
  int in_flight = 0;
  CircuitBreaker::State circuit = CircuitBreaker::State::kClosed;
  uint64_t launched = 0;  // deliveries started
  uint64_t recorded = 0;  // attempts recorded
  uint64_t delivered = 0;
  uint64_t retried = 0;  // attempts that scheduled another attempt
  uint64_t dead = 0;     // entries moved to the dead letters
  uint64_t store_errors = 0;
};

class Dispatcher {
 public:
  // `config.name` is the target name used with the outbox and in metric labels.
  Dispatcher(TargetConfig config, Target& target, Outbox& outbox, const Clock& clock,
             RandomSource& random, MetricsRegistry& metrics, DispatcherOptions options = {});
  ~Dispatcher();  // stop(0) if still running
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the scheduling loop and the recorder threads.
  void start();
  // New entries may be due (the pipeline committed transactions for this target); cheap.
  void wake();
  // Starts no more deliveries, waits up to `timeout` for those in flight to finish and be
  // recorded, then stops the threads. Returns true when nothing was left in flight.
  // Deliveries still in flight stay pending in the outbox (they will be delivered again).
  bool stop(std::chrono::microseconds timeout);

  // Manual driving, for tests and single-threaded tools (not together with start()):
  // records the attempts that have finished, then starts the deliveries that may start now.
  // Returns the number of deliveries started.
  size_t pumpOnce();
  // Records the attempts that have finished; returns how many were recorded.
  size_t recordFinished();

  DispatcherStats stats() const;
  const std::string& targetName() const;

  struct Core;  // shared with in-flight delivery callbacks

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace pb
