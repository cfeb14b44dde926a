// Prints the embedded store's figures: journal appends per second through appendAsync (several
// threads, batches, durable group commit), verifyChain speed, outbox due() with a deep backlog,
// and peak RSS. A measurement, not a test: run it from a release build.
//
//   store_throughput [--events N] [--threads T] [--batch B] [--inflight F] [--durable 0|1]
//                    [--window-us W] [--dir DIR] [--outbox N] [--verify 0|1]
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "plantbridge/common/ids.h"
#include "store/sqlite_store.h"

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long peakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// CPU seconds (user + system) of this process's threads named `name`.
double threadCpuSeconds(const std::string& name) {
  double total = 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string n;
    std::getline(comm, n);
    if (n != name) continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // Fields after the ")" that closes the name: state is field 3, utime 14, stime 15.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::atof(field.c_str());
      if (i == 15) stime = std::atof(field.c_str());
    }
    total += (utime + stime) / ticks;
  }
  return total;
}

// Bytes this process has caused to be written to storage (/proc/self/io write_bytes).
long long writeBytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long long value = 0;
  while (io >> key >> value) {
    if (key == "write_bytes:") return value;
  }
  return -1;
}

double processCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

pb::Event makeEvent(const std::string& id, pb::TimePoint at, int i) {
  pb::Event e;
  e.id = id;
  e.type = "production.count";
  e.occurred_at = at;
  e.site = "plant-1";
  e.source = "line-3/opcua";
  e.asset = "CNC-" + std::to_string(i % 40);
  e.context["work_center"] = "WC-" + std::to_string(i % 40);
  e.context["order"] = "MO/2026/00042";
  e.payload["quantity"] = i % 17;
  e.payload["unit"] = "pcs";
  e.correlation_id = id;
  return e;
}

// Lets each producer have at most `limit` batches waiting for their commit.
class InFlight {
 public:
  explicit InFlight(int limit) : limit_(limit) {}
  void acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return count_ < limit_; });
    ++count_;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      --count_;
    }
    cv_.notify_all();
  }
  void drain() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return count_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
  const int limit_;
};

}  // namespace

int main(int argc, char** argv) {
  int64_t total = 1'000'000;
  int threads = 8;
  int batch = 100;
  int inflight = 4;
  bool durable = true;
  int64_t window_us = 0;
  int64_t outbox_rows = 100'000;
  bool verify = true;
  std::string dir = std::filesystem::temp_directory_path() / "pb-store-throughput";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--events")
      total = std::atoll(v.c_str());
    else if (k == "--threads")
      threads = std::atoi(v.c_str());
    else if (k == "--batch")
      batch = std::atoi(v.c_str());
    else if (k == "--inflight")
      inflight = std::atoi(v.c_str());
    else if (k == "--durable")
      durable = v != "0";
    else if (k == "--window-us")
      window_us = std::atoll(v.c_str());
    else if (k == "--dir")
      dir = v;
    else if (k == "--outbox")
      outbox_rows = std::atoll(v.c_str());
    else if (k == "--verify")
      verify = v != "0";
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  std::filesystem::remove_all(dir);
  pb::SystemClock clock;
  pb::SqliteStoreOptions options;
  options.path = dir + "/plantbridge.db";
  options.durable = durable;
  options.group_commit_window = pb::Micros(window_us);
  auto opened = pb::SqliteStore::open(options, clock);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.status().toString().c_str());
    return 1;
  }
  auto& store = **opened;

  // --- journal appends -------------------------------------------------------------------
  const int64_t per_thread = total / threads;
  std::atomic<int64_t> failures{0};
  const auto start = Clock::now();
  const double cpu_start = processCpuSeconds();
  const long long bytes_start = writeBytes();
  std::vector<std::thread> producers;
  producers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    producers.emplace_back([&, t] {
      InFlight window(inflight);
      for (int64_t i = 0; i < per_thread; i += batch) {
        std::vector<pb::Event> events;
        events.reserve(batch);
        // Ids are ULIDs and events arrive about when they occur, as in production: the id and
        // occurred_at indexes grow at their ends.
        const pb::TimePoint now = clock.now();
        for (int j = 0; j < batch && i + j < per_thread; ++j) {
          events.push_back(makeEvent(pb::makeUlid(now, static_cast<uint64_t>(t), i + j), now,
                                     static_cast<int>(i + j)));
        }
        window.acquire();
        store.journal().appendAsync(std::move(events),
                                    [&](const pb::Status& s, const std::vector<pb::AppendResult>&) {
                                      if (!s.isOk()) ++failures;
                                      window.release();
                                    });
      }
      window.drain();
    });
  }
  for (auto& p : producers) p.join();
  const double append_s = secondsSince(start);
  const double append_cpu = processCpuSeconds() - cpu_start;
  const long long bytes_written = writeBytes() - bytes_start;
  const double writer_cpu = threadCpuSeconds("pb-store-writer");
  const double syncer_cpu = threadCpuSeconds("pb-store-sync");
  const int64_t appended = per_thread * threads;
  pb::WriterStats stats = store.writerStats();
  std::printf(
      "append: %lld events in %.2f s = %.0f events/s (threads %d, batch %d, in flight %d per "
      "thread, durable %d, window %lld us)\n",
      static_cast<long long>(appended), append_s, appended / append_s, threads, batch, inflight,
      durable ? 1 : 0, static_cast<long long>(window_us));
  std::printf(
      "        %lld commits, %lld fsyncs, %.0f records/commit, largest batch %lld jobs, %lld "
      "failures\n",
      static_cast<long long>(stats.commits), static_cast<long long>(stats.syncs),
      static_cast<double>(stats.journal_records) / std::max<int64_t>(1, stats.commits),
      static_cast<long long>(stats.largest_batch_jobs), static_cast<long long>(failures.load()));
  std::printf(
      "        CPU per event: %.2f us in all (writer thread %.2f us, syncer %.2f us, producers "
      "%.2f us)\n",
      append_cpu * 1e6 / appended, writer_cpu * 1e6 / appended, syncer_cpu * 1e6 / appended,
      (append_cpu - writer_cpu - syncer_cpu) * 1e6 / appended);
  std::error_code ec;
  const auto db_bytes = std::filesystem::file_size(options.path, ec);
  std::printf(
      "        %.0f bytes written to storage per event (WAL and checkpoints); database file "
      "%.0f bytes per event\n",
      static_cast<double>(bytes_written) / appended, static_cast<double>(db_bytes) / appended);
  std::printf("        peak RSS so far %ld KiB\n", peakRssKib());

  // --- verify ------------------------------------------------------------------------------
  if (verify) {
    auto verify_start = Clock::now();
    auto report = store.journal().verifyChain();
    const double verify_s = secondsSince(verify_start);
    if (!report) {
      std::fprintf(stderr, "verify: %s\n", report.status().toString().c_str());
      return 1;
    }
    std::printf("verify: %lld records in %.2f s = %.0f records/s, intact %d\n",
                static_cast<long long>(report->records_checked), verify_s,
                report->records_checked / verify_s, report->intact ? 1 : 0);
  }

  // --- outbox due() with a deep backlog -------------------------------------------------------
  for (int keys : {50, 5000}) {
    if (outbox_rows == 0) break;
    const std::string target = "odoo-" + std::to_string(keys);
    std::vector<pb::StepResult> steps(1);
    steps[0].event_id = "bulk";
    auto fill_start = Clock::now();
    for (int64_t i = 0; i < outbox_rows; ++i) {
      pb::Transaction tx;
      tx.id = target + "/" + std::to_string(i);
      tx.event_id = "e" + std::to_string(i);
      tx.route = "r";
      tx.target = target;
      tx.ordering_key = "WC-" + std::to_string(i % keys);
      tx.body = "{\"qty\":1}";
      steps[0].transactions.push_back(std::move(tx));
      if (steps[0].transactions.size() == 10000 || i + 1 == outbox_rows) {
        auto r = store.pipeline().commitSteps(steps, std::nullopt);
        if (!r) {
          std::fprintf(stderr, "outbox fill: %s\n", r.status().toString().c_str());
          return 1;
        }
        steps[0].transactions.clear();
      }
    }
    const double fill_s = secondsSince(fill_start);
    constexpr int kCalls = 50;
    auto due_start = Clock::now();
    size_t got = 0;
    for (int c = 0; c < kCalls; ++c) {
      auto due = store.outbox().due(target, clock.now(), {"WC-1"}, 100);
      if (!due) {
        std::fprintf(stderr, "due: %s\n", due.status().toString().c_str());
        return 1;
      }
      got = due->size();
    }
    const double due_ms = secondsSince(due_start) * 1000 / kCalls;
    auto next_start = Clock::now();
    auto next = store.outbox().nextDueAt(target);
    const double next_ms = secondsSince(next_start) * 1000;
    auto pending_start = Clock::now();
    auto pending = store.outbox().pendingByTarget();
    const double pending_ms = secondsSince(pending_start) * 1000;
    std::printf(
        "outbox: %lld pending over %d keys (filled at %.0f tx/s): due() %.2f ms (%zu entries), "
        "nextDueAt() %.2f ms, pendingByTarget() %.2f ms\n",
        static_cast<long long>(outbox_rows), keys, outbox_rows / fill_s, due_ms, got, next_ms,
        pending_ms);
    (void)next;
    (void)pending;
  }
  store.close();
  std::printf("peak RSS %ld KiB\n", peakRssKib());
  opened->reset();
  std::filesystem::remove_all(dir);
  return failures.load() == 0 ? 0 : 1;
}
