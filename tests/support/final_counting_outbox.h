// An Outbox decorator for tests: forwards every call to the real outbox and counts the
// entries that reached a final state (delivered, dead), so that a test can wait for them
// without polling. Header-only: the tests that use it link the store already.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plantbridge/store/outbox.h"

namespace pb::test {

class FinalCountingOutbox final : public Outbox {
 public:
  explicit FinalCountingOutbox(Outbox& inner) : inner_(inner) {}
  Result<std::vector<OutboxEntry>> due(const std::string& target, TimePoint now,
                                       const std::set<std::string>& busy, size_t limit) override {
    return inner_.due(target, now, busy, limit);
  }
  Result<std::optional<TimePoint>> nextDueAt(const std::string& target) override {
    return inner_.nextDueAt(target);
  }
  Status recordAttempt(const AttemptRecord& record) override {
    Status st = inner_.recordAttempt(record);
    if (st.isOk() && record.new_state != TransactionState::kPending) {
      std::lock_guard<std::mutex> lock(mu_);
      ++final_;
      cv_.notify_all();
    }
    return st;
  }
  Result<std::optional<OutboxEntry>> get(const std::string& id) override { return inner_.get(id); }
  Result<std::vector<OutboxEntry>> byEvent(const std::string& id) override {
    return inner_.byEvent(id);
  }
  Result<std::vector<Attempt>> attempts(const std::string& id) override {
    return inner_.attempts(id);
  }
  Result<std::vector<OutboxEntry>> deadLetters(int64_t before, size_t limit) override {
    return inner_.deadLetters(before, limit);
  }
  Status retryDead(const std::string& id, TimePoint now) override {
    return inner_.retryDead(id, now);
  }
  Status discardDead(const std::string& id) override { return inner_.discardDead(id); }
  Result<std::map<std::string, int64_t>> pendingByTarget() override {
    return inner_.pendingByTarget();
  }
  Result<int64_t> deadCount() override { return inner_.deadCount(); }

  bool waitForFinal(size_t n, std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return final_ >= n; });
  }

 private:
  Outbox& inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t final_ = 0;
};

}  // namespace pb::test
