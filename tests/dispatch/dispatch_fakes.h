// Test doubles for the dispatcher: an in-memory Outbox that follows the Outbox contract, a
// Target whose deliveries the test completes (or answers at once), and a scripted random
// source. All thread-safe; waits are bounded condition-variable waits, never sleeps.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plantbridge/dispatch/random.h"
#include "plantbridge/dispatch/target.h"
#include "plantbridge/store/outbox.h"

namespace pb::test {

inline constexpr auto kWaitLimit = std::chrono::seconds(20);

class MemoryOutbox final : public Outbox {
 public:
  void add(Transaction tx, TimePoint next_attempt_at = TimePoint{}) {
    std::lock_guard<std::mutex> lock(mu_);
    OutboxEntry e;
    e.seq = ++seq_;
    e.tx = std::move(tx);
    e.next_attempt_at = next_attempt_at;
    entries_.push_back(std::move(e));
  }

  Result<std::vector<OutboxEntry>> due(const std::string& target, TimePoint now,
                                       const std::set<std::string>& busy_keys,
                                       size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++due_calls_;
    changed_.notify_all();
    if (fail_reads_) return Status::ioError("injected read failure");
    std::vector<OutboxEntry> out;
    std::set<std::string> seen;
    for (const OutboxEntry& e : entries_) {
      if (e.tx.target != target || e.state != TransactionState::kPending) continue;
      if (!seen.insert(e.tx.ordering_key).second) continue;  // not the head of its key
      if (busy_keys.count(e.tx.ordering_key) != 0 || e.next_attempt_at > now) continue;
      if (out.size() < limit) out.push_back(e);
    }
    return out;
  }

  Result<std::optional<TimePoint>> nextDueAt(const std::string& target) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::optional<TimePoint> next;
    std::set<std::string> seen;
    for (const OutboxEntry& e : entries_) {
      if (e.tx.target != target || e.state != TransactionState::kPending) continue;
      if (!seen.insert(e.tx.ordering_key).second) continue;
      if (!next || e.next_attempt_at < *next) next = e.next_attempt_at;
    }
    return next;
  }

  Status recordAttempt(const AttemptRecord& record) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (fail_writes_ > 0) {
      --fail_writes_;
      return Status::ioError("injected write failure");
    }
    OutboxEntry* e = find(record.attempt.transaction_id);
    if (e == nullptr) return Status::notFound(record.attempt.transaction_id);
    e->attempts = record.attempt.number;
    e->state = record.new_state;
    e->next_attempt_at = record.next_attempt_at;
    if (record.attempt.outcome != AttemptOutcome::kDelivered)
      e->last_error = record.attempt.message;
    attempts_.push_back(record);
    changed_.notify_all();
    return Status::ok();
  }

  Result<std::optional<OutboxEntry>> get(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    const OutboxEntry* e = find(id);
    if (e == nullptr) return std::optional<OutboxEntry>{};
    return std::optional<OutboxEntry>{*e};
  }
  Result<std::vector<OutboxEntry>> byEvent(const std::string&) override {
    return Status::internal("not used");
  }
  Result<std::vector<Attempt>> attempts(const std::string& id) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Attempt> out;
    for (const auto& r : attempts_) {
      if (r.attempt.transaction_id == id) out.push_back(r.attempt);
    }
    return out;
  }
  Result<std::vector<OutboxEntry>> deadLetters(int64_t, size_t) override {
    return Status::internal("not used");
  }
  Status retryDead(const std::string&, TimePoint) override { return Status::internal("not used"); }
  Status discardDead(const std::string&) override { return Status::internal("not used"); }
  Result<std::map<std::string, int64_t>> pendingByTarget() override {
    return Status::internal("not used");
  }
  Result<int64_t> deadCount() override { return Status::internal("not used"); }

  // --- test helpers
  OutboxEntry entry(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return *find(id);
  }
  std::vector<AttemptRecord> allAttempts() {
    std::lock_guard<std::mutex> lock(mu_);
    return attempts_;
  }
  size_t countInState(TransactionState state) {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<size_t>(std::count_if(
        entries_.begin(), entries_.end(), [&](const OutboxEntry& e) { return e.state == state; }));
  }
  // Waits until `n` entries are in `state`; false on timeout.
  bool waitForState(TransactionState state, size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kWaitLimit, [&] {
      return static_cast<size_t>(std::count_if(entries_.begin(), entries_.end(),
                                               [&](auto& e) { return e.state == state; })) >= n;
    });
  }
  bool waitForAttempts(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kWaitLimit, [&] { return attempts_.size() >= n; });
  }
  void failWrites(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_writes_ = n;
  }
  void failReads(bool fail) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_reads_ = fail;
  }
  bool waitForDueCalls(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kWaitLimit, [&] { return due_calls_ >= n; });
  }
  size_t dueCalls() {
    std::lock_guard<std::mutex> lock(mu_);
    return due_calls_;
  }

 private:
  OutboxEntry* find(const std::string& id) {
    for (auto& e : entries_) {
      if (e.tx.id == id) return &e;
    }
    return nullptr;
  }

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<OutboxEntry> entries_;
  std::vector<AttemptRecord> attempts_;
  int64_t seq_ = 0;
  int fail_writes_ = 0;
  bool fail_reads_ = false;
  size_t due_calls_ = 0;
};

// A target whose deliveries wait until the test completes them — or, with an `answer`
// function set, are answered at once (inline, on the dispatcher's thread).
class FakeTarget final : public Target {
 public:
  explicit FakeTarget(std::string name = "t") : name_(std::move(name)) {}

  const std::string& name() const override { return name_; }

  void deliverAsync(const Transaction& tx, DeliveryCallback done) override {
    std::function<DeliveryResult(const Transaction&)> answer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      delivered_ids_.push_back(tx.id);
      ++in_flight_;
      max_in_flight_ = std::max(max_in_flight_, in_flight_);
      if (!answer_) {
        pending_.push_back({tx, std::move(done)});
        changed_.notify_all();
        return;
      }
      answer = answer_;
    }
    DeliveryResult r = answer(tx);
    {
      std::lock_guard<std::mutex> lock(mu_);
      --in_flight_;
    }
    done(std::move(r));
  }

  void shutdown() override {}

  void setAnswer(std::function<DeliveryResult(const Transaction&)> answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(answer);
  }

  // Completes the oldest pending delivery (or the one with `id`); false if there is none.
  bool complete(DeliveryResult result, const std::string& id = {}) {
    DeliveryCallback done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = std::find_if(pending_.begin(), pending_.end(),
                             [&](const Pending& p) { return id.empty() || p.tx.id == id; });
      if (it == pending_.end()) return false;
      done = std::move(it->done);
      pending_.erase(it);
      --in_flight_;
    }
    done(std::move(result));
    return true;
  }

  bool waitForPending(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return changed_.wait_for(lock, kWaitLimit, [&] { return pending_.size() >= n; });
  }
  std::vector<std::string> pendingIds() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const auto& p : pending_) out.push_back(p.tx.id);
    return out;
  }
  std::vector<std::string> deliveredIds() {
    std::lock_guard<std::mutex> lock(mu_);
    return delivered_ids_;
  }
  int maxInFlight() {
    std::lock_guard<std::mutex> lock(mu_);
    return max_in_flight_;
  }

 private:
  struct Pending {
    Transaction tx;
    DeliveryCallback done;
  };
  std::string name_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Pending> pending_;
  std::vector<std::string> delivered_ids_;
  std::function<DeliveryResult(const Transaction&)> answer_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

// Returns the scripted values in turn, then the last one forever.
class ScriptedRandom final : public RandomSource {
 public:
  explicit ScriptedRandom(std::vector<double> values) : values_(std::move(values)) {}
  double uniform() override {
    std::lock_guard<std::mutex> lock(mu_);
    const double v = values_.at(std::min(next_, values_.size() - 1));
    ++next_;
    return v;
  }

 private:
  std::mutex mu_;
  std::vector<double> values_;
  size_t next_ = 0;
};

// The manual clock's start in the dispatcher tests (January 2027).
inline constexpr TimePoint kTestEpoch = fromUnixMicros(1'800'000'000'000'000);

inline Transaction makeTx(const std::string& id, const std::string& key,
                          const std::string& target = "t", TimePoint created_at = kTestEpoch) {
  Transaction tx;
  tx.id = id;
  tx.event_id = "ev-" + id;
  tx.correlation_id = "corr-" + id;
  tx.route = "route";
  tx.target = target;
  tx.ordering_key = key;
  tx.body = R"({"id":")" + id + R"("})";
  tx.created_at = created_at;
  return tx;
}

}  // namespace pb::test
