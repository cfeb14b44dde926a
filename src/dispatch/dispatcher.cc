#include "plantbridge/dispatch/dispatcher.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "plantbridge/common/logging.h"
#include "plantbridge/common/token_bucket.h"
#include "plantbridge/dispatch/retry_policy.h"

namespace pb {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// Every metric the dispatcher updates, declared in one place.
struct DispatchMetrics {
  DispatchMetrics(MetricsRegistry& r, const std::string& target)
      : delivered(r.counter("pb_dispatch_attempts_total", "Delivery attempts by outcome",
                            {{"target", target}, {"outcome", "delivered"}})),
        retry(r.counter("pb_dispatch_attempts_total", "Delivery attempts by outcome",
                        {{"target", target}, {"outcome", "retry"}})),
        rejected(r.counter("pb_dispatch_attempts_total", "Delivery attempts by outcome",
                           {{"target", target}, {"outcome", "rejected"}})),
        retries(r.counter("pb_dispatch_retries_total",
                          "Failed attempts after which another attempt was scheduled",
                          {{"target", target}})),
        dead_letters(r.counter("pb_dispatch_dead_letters_total",
                               "Transactions moved to the dead letters", {{"target", target}})),
        store_errors(r.counter("pb_dispatch_store_errors_total",
                               "Outbox reads or writes that failed in the dispatcher",
                               {{"target", target}})),
        circuit_opened(r.counter("pb_dispatch_circuit_opened_total",
                                 "Times the target's circuit breaker opened",
                                 {{"target", target}})),
        latency(r.histogram("pb_dispatch_attempt_duration_seconds",
                            "Duration of delivery attempts, all outcomes", {{"target", target}})),
        in_flight(r.gauge("pb_dispatch_in_flight", "Deliveries in flight", {{"target", target}})),
        circuit(r.gauge("pb_dispatch_circuit_state",
                        "Circuit breaker state: 0 closed, 1 open, 2 half-open",
                        {{"target", target}})) {}

  Counter& delivered;
  Counter& retry;
  Counter& rejected;
  Counter& retries;
  Counter& dead_letters;
  Counter& store_errors;
  Counter& circuit_opened;
  Histogram& latency;
  Gauge& in_flight;
  Gauge& circuit;
};

struct Completion {
  OutboxEntry entry;
  bool probe = false;
  TimePoint started_at{};
  SteadyTime started_steady{};
  TimePoint finished_at{};
  SteadyTime finished_steady{};
  DeliveryResult result;
};

struct PassResult {
  size_t launched = 0;
  // Wait at most this long before the next pass (rate limit, open circuit, store trouble).
  std::optional<Micros> wait;
  // Nothing can start until a delivery finishes or `wait` passes: skip the nextDueAt query.
  bool blocked = false;
};

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
void cutUtf8(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
}

DispatcherOptions sanitize(DispatcherOptions o) {
  o.poll_interval = std::max(o.poll_interval, std::chrono::milliseconds(1));
  o.max_message_bytes = std::max<size_t>(o.max_message_bytes, 64);
  return o;
}

}  // namespace

struct Dispatcher::Core : std::enable_shared_from_this<Dispatcher::Core> {
  Core(TargetConfig cfg, Target& t, Outbox& o, const Clock& c, RandomSource& r, MetricsRegistry& m,
       DispatcherOptions opts)
      : config(std::move(cfg)),
        concurrency(std::max(1, config.in_flight > 0 ? config.in_flight : config.concurrency)),
        target(t),
        outbox(o),
        clock(c),
        random(r),
        options(sanitize(opts)),
        metrics(m, config.name),
        breaker(config.circuit_breaker),
        bucket(config.rate_limit.per_second, config.rate_limit.burst) {}

  // --- immutable after construction
  const TargetConfig config;
  const int concurrency;
  Target& target;
  Outbox& outbox;
  const Clock& clock;
  RandomSource& random;
  const DispatcherOptions options;
  DispatchMetrics metrics;

  // --- guarded by mu
  mutable std::mutex mu;
  std::condition_variable loop_cv;    // the loop: wake(), a delivery recorded, stop()
  std::condition_variable record_cv;  // recorders: a delivery finished, stop()
  std::condition_variable idle_cv;    // stop(): nothing in flight
  bool wake_requested = false;
  bool threaded = false;
  bool stopping = false;  // start no more deliveries
  bool stopped = false;   // stop() has run
  bool recorders_exit = false;
  bool abandoned = false;  // late results are dropped: the entries stay pending
  std::set<std::string> busy_keys;
  std::set<std::string> in_flight_ids;
  int in_flight = 0;
  std::deque<Completion> completions;
  CircuitBreaker breaker;
  TokenBucket bucket;
  SteadyTime store_pause_until{};
  DispatcherStats counters;

  std::thread loop_thread;
  std::vector<std::thread> recorder_threads;

  void updateCircuitGauge(SteadyTime now) {
    metrics.circuit.set(static_cast<double>(breaker.state(now)));
  }

  PassResult pass();
  void launch(std::shared_ptr<Completion> c);
  void onFinished(Completion c, DeliveryResult result);
  void record(Completion c);
  bool popCompletion(Completion& out);
  void loop();
  void recorderLoop();
};

PassResult Dispatcher::Core::pass() {
  PassResult r;
  const TimePoint now = clock.now();
  const SteadyTime steady = clock.steadyNow();
  std::set<std::string> busy;
  size_t slots = 0;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (stopping) return r;
    updateCircuitGauge(steady);
    if (steady < store_pause_until) {
      r.wait = std::chrono::duration_cast<Micros>(store_pause_until - steady);
      r.blocked = true;
      return r;
    }
    int free = concurrency - in_flight;
    if (free <= 0) {
      r.blocked = true;
      return r;
    }
    switch (breaker.state(steady)) {
      case CircuitBreaker::State::kOpen:
        r.wait = std::chrono::duration_cast<Micros>(breaker.reopensAt() - steady);
        r.blocked = true;
        return r;
      case CircuitBreaker::State::kHalfOpen:
        free = 1;  // the probe (if it is not in flight already)
        break;
      case CircuitBreaker::State::kClosed:
        break;
    }
    if (!bucket.unlimited()) {
      const Micros w = bucket.waitTime(1, steady);
      if (w.count() > 0) {
        r.wait = w;
        r.blocked = true;
        return r;
      }
    }
    slots = static_cast<size_t>(free);
    busy = busy_keys;
  }

  auto due = outbox.due(config.name, now, busy, slots);
  if (!due.isOk()) {
    spdlog::warn("dispatch {}: reading the outbox failed: {}", config.name,
                 due.status().toString());
    std::lock_guard<std::mutex> lock(mu);
    ++counters.store_errors;
    metrics.store_errors.inc();
    r.wait = std::chrono::duration_cast<Micros>(options.poll_interval);
    r.blocked = true;
    return r;
  }

  std::vector<std::shared_ptr<Completion>> launches;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (OutboxEntry& entry : *due) {
      if (stopping || in_flight >= concurrency) break;
      // The outbox never returns a busy key; this guards against a stale snapshot.
      if (in_flight_ids.count(entry.tx.id) != 0 || busy_keys.count(entry.tx.ordering_key) != 0) {
        continue;
      }
      if (!bucket.unlimited()) {
        const Micros w = bucket.waitTime(1, steady);
        if (w.count() > 0) {
          r.wait = w;
          break;
        }
      }
      const CircuitBreaker::Permit permit = breaker.tryAcquire(steady);
      if (!permit.allowed) break;
      (void)bucket.tryTake(1, steady);
      busy_keys.insert(entry.tx.ordering_key);
      in_flight_ids.insert(entry.tx.id);
      ++in_flight;
      ++counters.launched;
      auto c = std::make_shared<Completion>();
      c->entry = std::move(entry);
      c->probe = permit.probe;
      launches.push_back(std::move(c));
    }
    metrics.in_flight.set(in_flight);
    updateCircuitGauge(steady);
  }
  for (auto& c : launches) launch(std::move(c));
  r.launched = launches.size();
  return r;
}

void Dispatcher::Core::launch(std::shared_ptr<Completion> c) {
  c->started_at = clock.now();
  c->started_steady = clock.steadyNow();
  const Transaction& tx = c->entry.tx;  // lives in *c until the callback has run
  target.deliverAsync(tx, [core = shared_from_this(), c = std::move(c)](DeliveryResult result) {
    core->onFinished(std::move(*c), std::move(result));
  });
}

void Dispatcher::Core::onFinished(Completion c, DeliveryResult result) {
  std::lock_guard<std::mutex> lock(mu);
  if (abandoned) return;  // stop() has given up on it: the entry stays pending
  c.finished_at = clock.now();
  c.finished_steady = clock.steadyNow();
  CircuitBreaker::Outcome outcome = CircuitBreaker::Outcome::kFailure;
  if (result.kind == DeliveryResult::Kind::kDelivered) outcome = CircuitBreaker::Outcome::kSuccess;
  if (result.kind == DeliveryResult::Kind::kReject) outcome = CircuitBreaker::Outcome::kRejected;
  const uint64_t opened_before = breaker.timesOpened();
  breaker.onResult(c.probe, outcome, c.finished_steady);
  if (breaker.timesOpened() != opened_before) {
    metrics.circuit_opened.inc();
    spdlog::warn("dispatch {}: circuit opened after {}: {}", config.name,
                 c.probe ? "a failed probe" : "consecutive failures", result.message);
  }
  updateCircuitGauge(c.finished_steady);
  c.result = std::move(result);
  completions.push_back(std::move(c));
  record_cv.notify_one();
}

bool Dispatcher::Core::popCompletion(Completion& out) {
  std::lock_guard<std::mutex> lock(mu);
  if (completions.empty() || abandoned) return false;
  out = std::move(completions.front());
  completions.pop_front();
  return true;
}

void Dispatcher::Core::record(Completion c) {
  const int number = c.entry.attempts + 1;
  const double u = c.result.kind == DeliveryResult::Kind::kRetry ? random.uniform() : 0.0;
  RetryDecision decision =
      decideAfterAttempt(config.retry, c.entry.tx.created_at, number, c.result, c.finished_at, u);
  AttemptRecord rec;
  rec.attempt.transaction_id = c.entry.tx.id;
  rec.attempt.number = number;
  rec.attempt.started_at = c.started_at;
  rec.attempt.duration = std::chrono::duration_cast<Micros>(c.finished_steady - c.started_steady);
  rec.attempt.outcome = decision.outcome;
  rec.attempt.http_status = c.result.http_status;
  rec.attempt.message = std::move(decision.message);
  cutUtf8(rec.attempt.message, options.max_message_bytes);
  rec.new_state = decision.new_state;
  rec.next_attempt_at =
      decision.new_state == TransactionState::kPending ? decision.next_attempt_at : c.finished_at;
  const Status st = outbox.recordAttempt(rec);

  metrics.latency.observe(std::chrono::duration<double>(rec.attempt.duration).count());
  // The lines below are about this transaction: they carry its event's correlation id.
  const LogCorrelation correlation(c.entry.tx.correlation_id);
  if (decision.new_state == TransactionState::kPending && st.isOk()) {
    spdlog::debug("dispatch {}: attempt {} of {} will be retried: {}", config.name, number,
                  c.entry.tx.id, rec.attempt.message);
  }
  std::lock_guard<std::mutex> lock(mu);
  busy_keys.erase(c.entry.tx.ordering_key);
  in_flight_ids.erase(c.entry.tx.id);
  --in_flight;
  metrics.in_flight.set(in_flight);
  if (!st.isOk()) {
    // The entry stays pending as it was and is delivered again; pause a little so a broken
    // store does not turn into a delivery storm.
    spdlog::error("dispatch {}: recording attempt {} of {} failed: {}", config.name, number,
                  c.entry.tx.id, st.toString());
    ++counters.store_errors;
    metrics.store_errors.inc();
    store_pause_until = clock.steadyNow() + options.poll_interval;
  } else {
    ++counters.recorded;
    switch (decision.outcome) {
      case AttemptOutcome::kDelivered:
        ++counters.delivered;
        metrics.delivered.inc();
        break;
      case AttemptOutcome::kRetry:
        metrics.retry.inc();
        break;
      case AttemptOutcome::kRejected:
        metrics.rejected.inc();
        break;
    }
    if (decision.new_state == TransactionState::kPending) {
      ++counters.retried;
      metrics.retries.inc();
    } else if (decision.new_state == TransactionState::kDead) {
      ++counters.dead;
      metrics.dead_letters.inc();
      spdlog::warn("dispatch {}: {} is a dead letter after attempt {}: {}", config.name,
                   c.entry.tx.id, number, rec.attempt.message);
    }
  }
  wake_requested = true;
  loop_cv.notify_one();
  if (in_flight == 0) idle_cv.notify_all();
}

void Dispatcher::Core::loop() {
  while (true) {
    const PassResult r = pass();
    Micros wait = std::chrono::duration_cast<Micros>(options.poll_interval);
    if (r.wait) wait = std::min(wait, *r.wait);
    if (!r.blocked) {
      // Sleep until the next retry is due; an entry due now that was not started waits for
      // its key (or a slot) to free up, which notifies the loop.
      auto next = outbox.nextDueAt(config.name);
      if (next.isOk() && next->has_value()) {
        const Micros until = **next - clock.now();
        if (until.count() > 0) wait = std::min(wait, until);
      }
    }
    std::unique_lock<std::mutex> lock(mu);
    loop_cv.wait_for(lock, std::max(wait, Micros{1}),
                     [this] { return wake_requested || stopping; });
    if (stopping) return;
    wake_requested = false;
  }
}

void Dispatcher::Core::recorderLoop() {
  while (true) {
    Completion c;
    {
      std::unique_lock<std::mutex> lock(mu);
      record_cv.wait(lock, [this] { return !completions.empty() || recorders_exit; });
      if (abandoned) return;
      if (completions.empty()) return;  // recorders_exit
      c = std::move(completions.front());
      completions.pop_front();
    }
    record(std::move(c));
  }
}

Dispatcher::Dispatcher(TargetConfig config, Target& target, Outbox& outbox, const Clock& clock,
                       RandomSource& random, MetricsRegistry& metrics, DispatcherOptions options)
    : core_(std::make_shared<Core>(std::move(config), target, outbox, clock, random, metrics,
                                   options)) {}

Dispatcher::~Dispatcher() { (void)stop(Micros{0}); }

void Dispatcher::start() {
  std::lock_guard<std::mutex> lock(core_->mu);
  if (core_->threaded || core_->stopped) return;
  core_->threaded = true;
  int recorders = core_->options.recorder_threads;
  if (recorders <= 0) recorders = std::min(core_->concurrency, 16);
  for (int i = 0; i < recorders; ++i) {
    core_->recorder_threads.emplace_back([core = core_.get()] {
      pthread_setname_np(pthread_self(), "pb-dispatch-rec");
      core->recorderLoop();
    });
  }
  core_->loop_thread = std::thread([core = core_.get()] {
    pthread_setname_np(pthread_self(), "pb-dispatch");
    core->loop();
  });
}

void Dispatcher::wake() {
  std::lock_guard<std::mutex> lock(core_->mu);
  core_->wake_requested = true;
  core_->loop_cv.notify_one();
}

bool Dispatcher::stop(std::chrono::microseconds timeout) {
  Core& core = *core_;
  {
    std::lock_guard<std::mutex> lock(core.mu);
    if (core.stopped) return core.in_flight == 0;
    core.stopping = true;
    core.loop_cv.notify_all();
  }
  if (core.loop_thread.joinable()) core.loop_thread.join();
  bool drained = false;
  {
    std::unique_lock<std::mutex> lock(core.mu);
    if (core.threaded) {
      drained = core.idle_cv.wait_for(lock, timeout, [&core] { return core.in_flight == 0; });
    }
  }
  if (!core.threaded) {
    (void)recordFinished();
    std::lock_guard<std::mutex> lock(core.mu);
    drained = core.in_flight == 0;
  }
  {
    std::lock_guard<std::mutex> lock(core.mu);
    core.stopped = true;
    core.abandoned = true;
    core.recorders_exit = true;
    core.record_cv.notify_all();
  }
  for (auto& t : core.recorder_threads) t.join();
  core.recorder_threads.clear();
  if (!drained) {
    spdlog::warn("dispatch {}: stopped with {} deliveries in flight; they stay pending",
                 core.config.name, stats().in_flight);
  }
  return drained;
}

size_t Dispatcher::recordFinished() {
  size_t n = 0;
  Completion c;
  while (core_->popCompletion(c)) {
    core_->record(std::move(c));
    ++n;
  }
  return n;
}

size_t Dispatcher::pumpOnce() {
  (void)recordFinished();
  return core_->pass().launched;
}

DispatcherStats Dispatcher::stats() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  DispatcherStats s = core_->counters;
  s.in_flight = core_->in_flight;
  s.circuit = core_->breaker.state(core_->clock.steadyNow());
  return s;
}

const std::string& Dispatcher::targetName() const { return core_->config.name; }

}  // namespace pb
