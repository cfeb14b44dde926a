// The operation executor (odoo_operation_executor.h).
#include "odoo_operation_executor.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace pb {

OdooOperationExecutor::OdooOperationExecutor(OdooClient& client, size_t max_concurrency,
                                             const std::string& target, MetricsRegistry* metrics)
    : client_(client),
      limit_(ConcurrencyLimitOptions{.min_limit = 1,
                                     .max_limit = std::max<size_t>(max_concurrency, 1),
                                     .initial_limit = std::min<size_t>(max_concurrency, 2)}) {
  if (metrics != nullptr) {
    operations_metric_ = &metrics->counter("plantbridge_odoo_operations_total",
                                           "Business operations answered, coalesced ones included.",
                                           {{"target", target}});
    coalesced_metric_ = &metrics->counter(
        "plantbridge_odoo_operations_coalesced_total",
        "Business operations answered by a later operation's write (absolute quantities).",
        {{"target", target}});
    calls_metric_ = &metrics->counter("plantbridge_odoo_operation_calls_total",
                                      "Odoo calls made by business operations; operations per "
                                      "call is business events per Odoo call.",
                                      {{"target", target}});
    limit_metric_ = &metrics->gauge(
        "plantbridge_odoo_concurrency_limit",
        "Business operations allowed at once, adapted to Odoo's latency.", {{"target", target}});
    limit_metric_->set(static_cast<double>(limit_.limit()));
  }
  for (size_t i = 0; i < std::max<size_t>(max_concurrency, 1); ++i) {
    threads_.emplace_back([this] { work(); });
  }
}

void OdooOperationExecutor::submit(OdooOperation op, OdooCallMeta meta, DeliveryCallback done) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    done(DeliveryResult::retry("the Odoo target is shutting down"));
    return;
  }
  auto [waiting, first] = busy_.try_emplace(op.serial_key);
  if (first) {
    ready_.push_back(Job{std::move(op), std::move(meta), std::move(done), {}});
    ready_cv_.notify_one();
  } else {
    waiting->second.push_back(Job{std::move(op), std::move(meta), std::move(done), {}});
  }
}

void OdooOperationExecutor::coalesce(Job& job) {
  if (job.op.coalesce_key.empty()) return;
  std::deque<Job>& behind = busy_[job.op.serial_key];
  // Only the operations right behind it: one of another kind in between (a completion) must
  // see the quantity as it was posted before it.
  while (!behind.empty() && behind.front().op.coalesce_key == job.op.coalesce_key) {
    Job later = std::move(behind.front());
    behind.pop_front();
    later.superseded = std::move(job.superseded);
    job.superseded.clear();
    later.superseded.push_back(std::move(job));
    job = std::move(later);
  }
}

void OdooOperationExecutor::finish(Job& job, const DeliveryResult& outcome) {
  const uint64_t answered = 1 + job.superseded.size();
  operations_ += answered;
  coalesced_ += job.superseded.size();
  if (operations_metric_ != nullptr) {
    operations_metric_->inc(answered);
    coalesced_metric_->inc(job.superseded.size());
  }
  for (Job& earlier : job.superseded) {
    DeliveryResult theirs = outcome;
    theirs.message =
        fmt::format("coalesced into {}: {}", job.meta.idempotency_key, outcome.message);
    earlier.done(std::move(theirs));
  }
  job.done(outcome);
}

void OdooOperationExecutor::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    ready_cv_.wait(lock,
                   [this] { return stopping_ || (!ready_.empty() && running_ < limit_.limit()); });
    if (stopping_) return;
    Job job = std::move(ready_.front());
    ready_.pop_front();
    coalesce(job);
    ++running_;
    lock.unlock();
    OdooOrm orm(client_, job.meta,
                [this](std::chrono::microseconds latency, bool read_only, bool overloaded) {
                  // Writes teach the latency; a read only tells of an overload.
                  if (!read_only || overloaded) limit_.onCall(latency, overloaded);
                  call_latency_us_ += latency.count();
                });
    const DeliveryResult outcome = job.op.run(orm);
    calls_ += orm.calls();
    if (calls_metric_ != nullptr) {
      calls_metric_->inc(orm.calls());
      limit_metric_->set(static_cast<double>(limit_.limit()));
    }
    if (outcome.kind == DeliveryResult::Kind::kDelivered) {
      spdlog::debug("odoo operation {} ({}): {}", job.op.name, job.meta.idempotency_key,
                    outcome.message);
    }
    finish(job, outcome);
    lock.lock();
    --running_;
    // The next operation on the same record may start now.
    auto waiting = busy_.find(job.op.serial_key);
    if (waiting->second.empty()) {
      busy_.erase(waiting);
    } else {
      ready_.push_back(std::move(waiting->second.front()));
      waiting->second.pop_front();
    }
    // The limit may have grown: wake every worker that waits for room.
    ready_cv_.notify_all();
  }
}

void OdooOperationExecutor::shutdown() {
  std::vector<Job> unstarted;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (Job& job : ready_) unstarted.push_back(std::move(job));
    ready_.clear();
    for (auto& [key, jobs] : busy_) {
      for (Job& job : jobs) unstarted.push_back(std::move(job));
      jobs.clear();
    }
  }
  ready_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
  for (Job& job : unstarted) job.done(DeliveryResult::retry("the Odoo target is shutting down"));
}

OdooOperationStats OdooOperationExecutor::stats() const {
  OdooOperationStats s;
  s.operations = operations_.load();
  s.coalesced = coalesced_.load();
  s.calls = calls_.load();
  s.call_latency_us = call_latency_us_.load();
  s.concurrency_limit = limit_.limit();
  s.baseline_latency_us = limit_.baseline().count();
  return s;
}

}  // namespace pb
