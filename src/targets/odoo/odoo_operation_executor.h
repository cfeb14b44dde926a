// Runs business operations on threads of their own (an operation is a blocking sequence of
// Odoo calls, odoo_orm.h):
//   - at most as many at once as the adaptive concurrency limit allows (at most the target's
//     `concurrency`), so Odoo's latency stays near its unloaded value;
//   - never two with the same serial key at once: operations on one work center, order or
//     equipment run one after another in the order they were submitted, so they neither
//     collide in Odoo nor overtake each other;
//   - consecutive waiting operations with the same coalesce key (absolute quantities of one
//     order) become one: the latest runs, and the ones it supersedes get its outcome.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "odoo_concurrency_limit.h"
#include "odoo_operations.h"
#include "plantbridge/common/metrics.h"

namespace pb {

class OdooOperationExecutor {
 public:
  // `metrics` may be null.
  OdooOperationExecutor(OdooClient& client, size_t max_concurrency, const std::string& target,
                        MetricsRegistry* metrics);
  ~OdooOperationExecutor() { shutdown(); }
  OdooOperationExecutor(const OdooOperationExecutor&) = delete;
  OdooOperationExecutor& operator=(const OdooOperationExecutor&) = delete;

  // `done` is called exactly once, on an executor thread (or here, after shutdown).
  void submit(OdooOperation op, OdooCallMeta meta, DeliveryCallback done);
  // Operations not started yet are answered Retry; running ones finish (shut the client down
  // first so their calls end at once). Joins the threads.
  void shutdown();

  OdooOperationStats stats() const;

 private:
  struct Job {
    OdooOperation op;
    OdooCallMeta meta;
    DeliveryCallback done;
    std::vector<Job> superseded;  // coalesced into this one: answered with its outcome
  };
  void work();
  // Takes the jobs behind `job` that it supersedes (mutex_ held).
  void coalesce(Job& job);
  void finish(Job& job, const DeliveryResult& outcome);

  OdooClient& client_;
  ConcurrencyLimit limit_;
  std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::deque<Job> ready_;                        // their serial key is in busy_
  std::map<std::string, std::deque<Job>> busy_;  // key -> jobs waiting behind the running one
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;

  std::atomic<uint64_t> operations_{0};
  std::atomic<uint64_t> coalesced_{0};
  std::atomic<uint64_t> calls_{0};
  std::atomic<int64_t> call_latency_us_{0};
  Counter* operations_metric_ = nullptr;
  Counter* coalesced_metric_ = nullptr;
  Counter* calls_metric_ = nullptr;
  Gauge* limit_metric_ = nullptr;
};

}  // namespace pb
