#include "plantbridge/pipeline/pipeline_runner.h"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

namespace pb {

PipelineRunnerMetrics::PipelineRunnerMetrics(MetricsRegistry& registry)
    : batches(registry.counter("plantbridge_pipeline_batches_total",
                               "Pipeline batches committed with a cursor move")),
      errors(registry.counter("plantbridge_pipeline_batch_errors_total",
                              "Pipeline batches that failed on a store error and were retried")),
      batch_seconds(registry.histogram("plantbridge_pipeline_batch_seconds",
                                       "Time to process and commit one pipeline batch")),
      cursor(registry.gauge("plantbridge_pipeline_cursor",
                            "The journal seq the pipeline has processed up to")) {}

PipelineRunner::PipelineRunner(const Pipeline& pipeline, Journal& journal, PipelineStore& store,
                               MetricsRegistry& metrics, PipelineRunnerOptions options)
    : pipeline_(pipeline),
      journal_(journal),
      store_(store),
      options_(std::move(options)),
      metrics_(metrics) {
  options_.batch_size = std::max<size_t>(options_.batch_size, 1);
}

PipelineRunner::~PipelineRunner() { stop(); }

Status PipelineRunner::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return Status::internal("pipeline runner already started");
  if (!cursor_loaded_) {
    auto cursor = store_.cursor();
    if (!cursor.isOk()) return cursor.status();
    cursor_ = *cursor;
    cursor_loaded_ = true;
    metrics_.cursor.set(static_cast<double>(cursor_));
  }
  stop_requested_ = false;
  wake_pending_ = true;  // look at the journal at once
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "pb-pipeline");
    // Acknowledging ingest comes first: on two cores a flood's processing competes with the
    // writer and the HTTP threads, and every ingest request waits for the writer while only
    // the backlog waits for this thread (bounded by store.high_water_mark). This thread holds
    // no lock the ingest path waits for (its commits queue at the writer like any other job).
    // Raising one's own nice value needs no privilege; a failure changes nothing but speed.
    // (Not the checkpointer: it holds the WAL's checkpoint lock that the writer needs to
    // rewind the WAL, and niced it was preempted holding it.)
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 5);
    loop();
  });
  return Status::ok();
}

void PipelineRunner::wake() {
  {
    std::lock_guard lock(mutex_);
    wake_pending_ = true;
  }
  wake_cv_.notify_one();
}

void PipelineRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  wake_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t PipelineRunner::cursor() const {
  std::lock_guard lock(mutex_);
  return cursor_;
}

bool PipelineRunner::waitForCursor(int64_t seq, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cursor_cv_.wait_for(lock, timeout, [&] { return cursor_ >= seq; });
}

Result<BatchReport> PipelineRunner::runOnce() {
  {
    std::lock_guard lock(mutex_);
    if (!cursor_loaded_) {
      auto cursor = store_.cursor();
      if (!cursor.isOk()) return cursor.status();
      cursor_ = *cursor;
      cursor_loaded_ = true;
    }
  }
  return runBatch();
}

Result<BatchReport> PipelineRunner::runBatch() {
  const Clock& clock = pipeline_.clock();
  auto started = clock.steadyNow();
  int64_t after = cursor();
  auto records = journal_.readAfter(after, options_.batch_size);
  if (!records.isOk()) return records.status();
  BatchReport report;
  report.cursor = after;
  if (records->empty()) return report;

  // The overlay lets record N see the state records 1..N-1 of this batch changed; it is
  // dropped once the batch is committed (or failed, and will be redone from the store).
  BatchState state(&store_, PipelineMode::kLive);
  std::vector<StepResult> steps;
  steps.reserve(records->size());
  for (const auto& record : *records) {
    auto step = pipeline_.process(record, state);
    if (!step.isOk()) return step.status();
    if (step->exception) ++report.exceptions;
    report.derived_events += step->derived_events.size();
    steps.push_back(std::move(*step));
  }
  const int64_t new_cursor = records->back().seq;
  auto committed = store_.commitSteps(steps, new_cursor);
  if (!committed.isOk()) return committed.status();

  report.records = records->size();
  report.cursor = new_cursor;
  report.new_transactions = *committed;
  {
    std::lock_guard lock(mutex_);
    cursor_ = new_cursor;
  }
  cursor_cv_.notify_all();
  metrics_.cursor.set(static_cast<double>(new_cursor));
  metrics_.batches.inc();
  metrics_.batch_seconds.observe(
      std::chrono::duration<double>(clock.steadyNow() - started).count());
  if (report.new_transactions > 0 && options_.on_transactions) {
    options_.on_transactions(report.new_transactions);
  }
  return report;
}

void PipelineRunner::loop() {
  std::chrono::milliseconds backoff = options_.error_backoff;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stop_requested_) return;
      // Cleared before reading: a wake() from here on means records we may not see, and
      // keeps the wait below from sleeping through them.
      wake_pending_ = false;
    }
    auto report = runBatch();
    if (!report.isOk()) {
      metrics_.errors.inc();
      spdlog::warn("pipeline: batch after seq {} failed, retrying in {} ms: {}", cursor(),
                   backoff.count(), report.status().toString());
      std::unique_lock lock(mutex_);
      wake_cv_.wait_for(lock, backoff, [&] { return stop_requested_; });
      backoff = std::min(backoff * 2, options_.max_error_backoff);
      continue;
    }
    backoff = options_.error_backoff;
    if (report->records == 0) {
      // Caught up: sleep until ingest says there is more (or the fallback timeout).
      std::unique_lock lock(mutex_);
      wake_cv_.wait_for(lock, options_.idle_recheck,
                        [&] { return stop_requested_ || wake_pending_; });
    }
  }
}

}  // namespace pb
