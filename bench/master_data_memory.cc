// Memory and lookup cost of the master-data cache (StoredMasterData): 10,000 products and 500
// work centers, each work center with a history of 20 manufacturing orders (one after the
// other), each order with its product. The facts are written to a fresh store through
// replaceFrom (as the Odoo sync writes them), the store is reopened, and the cache is loaded
// from disk as the hub does at start-up. Prints the heap and RSS growth of that load and the
// latency of factsAt (one subject, a random time in the history), as the enrich stage calls it.
//
//   master_data_memory [--products 10000] [--work-centers 500] [--orders 20] [--lookups 1000000]
//                      [--dir /tmp/...]
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "plantbridge/pipeline/stored_master_data.h"
#include "plantbridge/store/store.h"

namespace {

using pb::FactHistory;
using pb::FactInterval;
using pb::Subject;
using pb::TimePoint;

long rssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

size_t heapBytes() { return mallinfo2().uordblks; }

int fail(const pb::Status& s) {
  std::fprintf(stderr, "master_data_memory: %s\n", s.toString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Memory and factsAt latency of the master-data cache"};
  int products = 10000;
  int work_centers = 500;
  int orders = 20;
  long lookups = 1'000'000;
  std::string dir = (std::filesystem::temp_directory_path() / "pb_master_data_bench").string();
  app.add_option("--products", products);
  app.add_option("--work-centers", work_centers);
  app.add_option("--orders", orders, "orders per work center");
  app.add_option("--lookups", lookups);
  app.add_option("--dir", dir);
  CLI11_PARSE(app, argc, argv);

  std::filesystem::remove_all(dir);
  pb::SystemClock clock;
  pb::SqliteStoreOptions options;
  options.path = dir + "/plantbridge.db";
  options.durable = false;
  const TimePoint t0 = pb::fromUnixMicros(1'790'000'000'000'000);  // 2026-09
  const auto hour = std::chrono::hours(1);
  const int64_t order_hours = 8;
  size_t records = 0;
  {
    auto store = pb::openSqliteStore(options, clock);
    if (!store) return fail(store.status());
    auto md = pb::StoredMasterData::open((*store)->masterFacts());
    if (!md) return fail(md.status());
    std::vector<FactHistory> batch;
    auto flush = [&]() -> pb::Status {
      auto n = (*md)->replaceFrom(batch);
      batch.clear();
      return n.isOk() ? pb::Status::ok() : n.status();
    };
    for (int p = 1; p <= products; ++p) {
      const Subject s{"product", std::to_string(p)};
      batch.push_back({s, "product_code", t0, {{"P-" + std::to_string(100000 + p), t0, {}}}});
      batch.push_back({s, "product_name", t0, {{"Product " + std::to_string(p), t0, {}}}});
      if (batch.size() >= 2000) {
        if (auto st = flush(); !st.isOk()) return fail(st);
      }
    }
    std::mt19937_64 rng(1);
    int mo = 0;
    for (int w = 1; w <= work_centers; ++w) {
      const Subject s{"work_center", std::to_string(w)};
      batch.push_back({s, "work_center_name", t0, {{"Work center " + std::to_string(w), t0, {}}}});
      batch.push_back({s, "work_center_code", t0, {{"WC" + std::to_string(w), t0, {}}}});
      FactHistory order_history{s, "order", t0, {}};
      FactHistory wo_history{s, "work_order", t0, {}};
      for (int o = 0; o < orders; ++o) {
        ++mo;
        const std::string name = "WH/MO/" + std::to_string(100000 + mo);
        const TimePoint from = t0 + o * order_hours * hour;
        const std::optional<TimePoint> until =
            o + 1 == orders ? std::optional<TimePoint>() : from + (order_hours - 1) * hour;
        order_history.intervals.push_back({name, from, until});
        wo_history.intervals.push_back({std::to_string(mo * 3), from, until});
        const Subject order{"order", name};
        batch.push_back({order, "production_id", t0, {{std::to_string(mo), t0, {}}}});
        batch.push_back({order, "product", t0, {{std::to_string(1 + rng() % products), t0, {}}}});
      }
      batch.push_back(std::move(order_history));
      batch.push_back(std::move(wo_history));
      if (batch.size() >= 2000) {
        if (auto st = flush(); !st.isOk()) return fail(st);
      }
    }
    if (auto st = flush(); !st.isOk()) return fail(st);
    records = (*md)->size();
    (*store)->close();
  }

  // Start-up: open the store, load the cache.
  auto store = pb::openSqliteStore(options, clock);
  if (!store) return fail(store.status());
  malloc_trim(0);
  const long rss_before = rssKib();
  const size_t heap_before = heapBytes();
  const auto load_start = std::chrono::steady_clock::now();
  auto md = pb::StoredMasterData::open((*store)->masterFacts());
  if (!md) return fail(md.status());
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load_start)
          .count();
  malloc_trim(0);
  const long rss_after = rssKib();
  const size_t heap_after = heapBytes();

  // factsAt as the enrich stage calls it: one subject, a time somewhere in the history.
  std::mt19937_64 rng(2);
  const int64_t span_us = static_cast<int64_t>(orders) * order_hours * 3'600'000'000LL;
  std::vector<std::pair<Subject, TimePoint>> queries;
  queries.reserve(4096);
  for (int i = 0; i < 4096; ++i) {
    const bool wc = i % 2 == 0;
    Subject s = wc ? Subject{"work_center", std::to_string(1 + rng() % work_centers)}
                   : Subject{"product", std::to_string(1 + rng() % products)};
    queries.emplace_back(std::move(s), t0 + pb::Micros(static_cast<int64_t>(rng() % span_us)));
  }
  size_t found = 0;
  std::vector<Subject> one(1);
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < lookups; ++i) {
    const auto& [subject, at] = queries[static_cast<size_t>(i) % queries.size()];
    one[0] = subject;
    auto facts = (*md)->factsAt(one, at);
    if (facts.isOk()) found += facts->size();
  }
  const double ns =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
      static_cast<double>(lookups);

  std::printf("products %d, work centers %d, orders per work center %d\n", products, work_centers,
              orders);
  std::printf("facts (records, all versions): %zu\n", records);
  std::printf("cache load from the store: %.1f ms\n", load_ms);
  std::printf("heap growth: %.1f MiB (%.0f bytes per record)\n",
              static_cast<double>(heap_after - heap_before) / (1024.0 * 1024.0),
              static_cast<double>(heap_after - heap_before) / static_cast<double>(records));
  std::printf("RSS growth (VmRSS): %.1f MiB (%ld -> %ld KiB)\n",
              static_cast<double>(rss_after - rss_before) / 1024.0, rss_before, rss_after);
  std::printf("factsAt, one subject: %.0f ns per lookup (%ld lookups, %.2f facts each)\n", ns,
              lookups, static_cast<double>(found) / static_cast<double>(lookups));
  (*store)->close();
  std::filesystem::remove_all(dir);
  return 0;
}
