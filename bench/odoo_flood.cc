// A flood of production counts from many machines through the Odoo target's business
// operations, against a running Odoo (the test double with Odoo's measured latency, see
// bench/run_odoo_bench.sh). Each machine has a manufacturing order; every count is a
// production.quantity operation with the order's running total (absolute, so counts waiting
// behind each other coalesce into one write). Prints events/s answered, business events per
// Odoo call, the adaptive concurrency limit reached and Odoo's call latency under the flood
// against its unloaded value.
//
//   odoo_flood --url http://127.0.0.1:PORT --db mfg --user admin --key-file FILE
//              [--machines 50] [--rate 20] [--seconds 10] [--concurrency 8] [--in-flight 1000]
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "plantbridge/targets/odoo.h"

namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// One low-level call, waited for.
pb::OdooCallResult call(pb::OdooClient& client, const std::string& model, const std::string& method,
                        const std::string& args) {
  pb::OdooCall c{model, method, args, "{}"};
  std::promise<pb::OdooCallResult> p;
  auto f = p.get_future();
  client.callAsync(c, {}, [&p](pb::OdooCallResult r) { p.set_value(std::move(r)); });
  return f.get();
}

// Counts the answers and bounds what is in flight, as the dispatcher does.
class Window {
 public:
  explicit Window(int size) : free_(size) {}
  void acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return free_ > 0; });
    --free_;
  }
  void release(const pb::DeliveryResult& r) {
    std::lock_guard lock(mutex_);
    ++free_;
    ++answered_;
    if (r.kind == pb::DeliveryResult::Kind::kDelivered) ++delivered_;
    cv_.notify_all();
  }
  void drain(int size) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this, size] { return free_ == size; });
  }
  int64_t delivered() {
    std::lock_guard lock(mutex_);
    return delivered_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int free_;
  int64_t answered_ = 0;
  int64_t delivered_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Production counts from many machines through the Odoo target"};
  std::string url;
  std::string db = "mfg";
  std::string user = "admin";
  std::string key_file;
  int machines = 50;
  double rate = 20;  // counts per second per machine
  double seconds = 10;
  int concurrency = 8;
  int in_flight = 1000;
  app.add_option("--url", url)->required();
  app.add_option("--db", db);
  app.add_option("--user", user);
  app.add_option("--key-file", key_file)->required();
  app.add_option("--machines", machines);
  app.add_option("--rate", rate, "counts per second per machine");
  app.add_option("--seconds", seconds);
  app.add_option("--concurrency", concurrency, "the target's concurrency (the limit's maximum)");
  app.add_option("--in-flight", in_flight, "transactions handed to the target at once");
  CLI11_PARSE(app, argc, argv);

  pb::TargetConfig config;
  config.name = "erp";
  config.kind = pb::kOdooKind;
  config.concurrency = concurrency;
  config.odoo.url = url;
  config.odoo.db = db;
  config.odoo.user = user;
  config.odoo.api_key_file = key_file;
  pb::SystemClock clock;
  pb::MetricsRegistry metrics;
  auto made = pb::makeOdooTarget(config, clock, &metrics);
  if (!made.isOk()) {
    std::fprintf(stderr, "odoo_flood: %s\n", made.status().toString().c_str());
    return 2;
  }
  std::unique_ptr<pb::Target> target = std::move(made).value();
  pb::OdooClient& client = *pb::odooClientOf(*target);

  // One confirmed manufacturing order per machine.
  std::vector<int64_t> orders;
  for (int m = 0; m < machines; ++m) {
    auto created = call(client, "mrp.production", "create",
                        R"([[{"product_id":1,"bom_id":1,"product_qty":1000000}]])");
    if (created.outcome.kind != pb::DeliveryResult::Kind::kDelivered) {
      std::fprintf(stderr, "odoo_flood: creating an order: %s\n", created.outcome.message.c_str());
      return 1;
    }
    const int64_t id = json::parse(created.result_json).as_array()[0].as_int64();
    call(client, "mrp.production", "action_confirm", "[[" + std::to_string(id) + "]]");
    orders.push_back(id);
  }

  auto deliver = [&](Window& window, const std::string& id, const std::string& body) {
    pb::Transaction tx;
    tx.id = id;
    tx.target = "erp";
    tx.body = body;
    window.acquire();
    target->deliverAsync(tx, [&window](const pb::DeliveryResult& r) { window.release(r); });
  };
  auto quantity_body = [&](int machine, int64_t total) {
    return R"({"operation":"production.quantity","production_id":)" +
           std::to_string(orders[machine]) + R"(,"qty_producing":)" + std::to_string(total) + "}";
  };

  // Unloaded: one operation at a time.
  const pb::OdooOperationStats before_unloaded = pb::odooOperationStats(*target);
  {
    Window one(1);
    for (int i = 0; i < 40; ++i) deliver(one, "warm-" + std::to_string(i), quantity_body(0, i + 1));
    one.drain(1);
  }
  const pb::OdooOperationStats unloaded = pb::odooOperationStats(*target);
  const double unloaded_call_ms =
      static_cast<double>(unloaded.call_latency_us - before_unloaded.call_latency_us) / 1000.0 /
      static_cast<double>(unloaded.calls - before_unloaded.calls);

  // The flood: every machine counts `rate` parts per second, paced.
  std::vector<int64_t> totals(static_cast<size_t>(machines), 1000);
  Window window(in_flight);
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / (rate * machines)));
  int64_t sent = 0;
  auto next = start;
  size_t peak_limit = 0;
  while (Clock::now() < end) {
    const int machine = static_cast<int>(sent % machines);
    ++totals[static_cast<size_t>(machine)];
    deliver(window, "count-" + std::to_string(sent),
            quantity_body(machine, totals[static_cast<size_t>(machine)]));
    ++sent;
    peak_limit = std::max(peak_limit, pb::odooOperationStats(*target).concurrency_limit);
    next += interval;
    std::this_thread::sleep_until(next);  // pacing the load, not synchronizing
  }
  window.drain(in_flight);
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const pb::OdooOperationStats s = pb::odooOperationStats(*target);
  const uint64_t ops = s.operations - unloaded.operations;
  const uint64_t calls = s.calls - unloaded.calls;
  const double loaded_call_ms = static_cast<double>(s.call_latency_us - unloaded.call_latency_us) /
                                1000.0 / static_cast<double>(calls);

  std::printf("machines %d, offered %.0f counts/s for %.1f s, concurrency max %d, in flight %d\n",
              machines, rate * machines, seconds, concurrency, in_flight);
  std::printf("counts sent %lld, delivered %lld, answered %.0f/s\n", static_cast<long long>(sent),
              static_cast<long long>(window.delivered()), static_cast<double>(ops) / elapsed);
  std::printf("odoo calls %llu, business events per call %.2f (coalesced %llu)\n",
              static_cast<unsigned long long>(calls),
              static_cast<double>(ops) / static_cast<double>(calls),
              static_cast<unsigned long long>(s.coalesced - unloaded.coalesced));
  std::printf(
      "odoo call latency: unloaded %.1f ms, under the flood %.1f ms; concurrency limit "
      "now %zu (peak %zu), learnt unloaded latency %.1f ms\n",
      unloaded_call_ms, loaded_call_ms, s.concurrency_limit, peak_limit,
      static_cast<double>(s.baseline_latency_us) / 1000.0);
  target->shutdown();
  return 0;
}
