// Ingest load generator: N keep-alive HTTP/1.1 connections posting batches of canonical events
// with unique ids to POST /v1/events, closed loop (as fast as answers come) or open loop at a
// fixed total rate. Prints accepted events/s and acknowledgement latency percentiles.
//
//   pb_ingest_load --port 8080 --token T --connections 8 --batch 100 --seconds 10 [--rate 5000]
//
// Single-threaded Asio: the generator must not steal the hub's second core.
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string token;
  std::string type = "production.count";
  std::string id_prefix;
  int connections = 8;
  int batch = 100;
  double seconds = 10;
  double rate = 0;  // total events/s; 0 = closed loop
  int assets = 50;
};

struct Stats {
  uint64_t requests = 0;
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t rejected = 0;
  std::map<unsigned, uint64_t> statuses;
  std::vector<double> latencies_ms;
  uint64_t io_errors = 0;
};

uint64_t countAfter(const std::string& body, const char* key) {
  auto pos = body.find(key);
  if (pos == std::string::npos) return 0;
  return std::strtoull(body.c_str() + pos + std::strlen(key), nullptr, 10);
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, const Options& opt, int index, Stats& stats,
             Clock::time_point end, double interval_s)
      : io_(io),
        opt_(opt),
        index_(index),
        stats_(stats),
        end_(end),
        interval_(interval_s),
        stream_(io),
        timer_(io) {}

  void start(const tcp::resolver::results_type& endpoints) {
    stream_.async_connect(endpoints, [self = shared_from_this()](beast::error_code ec, auto) {
      if (ec) {
        std::fprintf(stderr, "connect: %s\n", ec.message().c_str());
        ++self->stats_.io_errors;
        return;
      }
      self->next_send_ = Clock::now();
      self->schedule();
    });
  }

 private:
  void schedule() {
    if (Clock::now() >= end_) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      return;
    }
    if (interval_ <= 0) return send(Clock::now());
    // Open loop: each request has its planned send time; latency counts from then, so a slow
    // answer cannot hide queueing (no coordinated omission).
    auto planned = next_send_;
    next_send_ +=
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_));
    timer_.expires_at(planned);
    timer_.async_wait(
        [self = shared_from_this(), planned](beast::error_code) { self->send(planned); });
  }

  void send(Clock::time_point planned) {
    std::string body = "[";
    for (int i = 0; i < opt_.batch; ++i) {
      if (i) body += ',';
      uint64_t n = seq_++;
      char buf[512];
      int asset = static_cast<int>((static_cast<uint64_t>(index_) * 7919 + n) % opt_.assets);
      std::snprintf(
          buf, sizeof buf,
          "{\"id\":\"%s-%d-%llu\",\"type\":\"%s\",\"occurred_at\":\"2026-01-15T10:00:00Z\","
          "\"site\":\"plant-1\",\"source\":\"bench\",\"asset\":\"M-%03d\","
          "\"context\":{\"work_center\":\"%d\"},\"payload\":{\"quantity\":1}}",
          opt_.id_prefix.c_str(), index_, static_cast<unsigned long long>(n), opt_.type.c_str(),
          asset, asset + 1);
      body += buf;
    }
    body += ']';
    req_ = {};
    req_.method(http::verb::post);
    req_.target("/v1/events");
    req_.version(11);
    req_.set(http::field::host, opt_.host);
    req_.set(http::field::content_type, "application/json");
    if (!opt_.token.empty()) req_.set(http::field::authorization, "Bearer " + opt_.token);
    req_.body() = std::move(body);
    req_.prepare_payload();
    started_ = planned;
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->fail("write", ec);
      self->res_ = {};
      http::async_read(self->stream_, self->buffer_, self->res_,
                       [self](beast::error_code ec2, size_t) {
                         if (ec2) return self->fail("read", ec2);
                         self->onResponse();
                       });
    });
  }

  void onResponse() {
    double ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
    ++stats_.requests;
    ++stats_.statuses[res_.result_int()];
    stats_.latencies_ms.push_back(ms);
    if (res_.result_int() == 200) {
      const auto& b = res_.body();
      stats_.accepted += countAfter(b, "\"accepted\":");
      stats_.duplicates += countAfter(b, "\"duplicates\":");
      stats_.rejected += countAfter(b, "\"rejected\":");
    }
    schedule();
  }

  void fail(const char* what, beast::error_code ec) {
    ++stats_.io_errors;
    if (Clock::now() < end_) std::fprintf(stderr, "%s: %s\n", what, ec.message().c_str());
  }

  asio::io_context& io_;
  const Options& opt_;
  int index_;
  Stats& stats_;
  Clock::time_point end_;
  double interval_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  Clock::time_point started_;
  Clock::time_point next_send_;
  uint64_t seq_ = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p / 100.0 * v.size()));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

int main(int argc, char** argv) {
  Options opt;
  opt.id_prefix = "b" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--host")
      opt.host = v;
    else if (k == "--port")
      opt.port = v;
    else if (k == "--token")
      opt.token = v;
    else if (k == "--type")
      opt.type = v;
    else if (k == "--connections")
      opt.connections = std::stoi(v);
    else if (k == "--batch")
      opt.batch = std::stoi(v);
    else if (k == "--seconds")
      opt.seconds = std::stod(v);
    else if (k == "--rate")
      opt.rate = std::stod(v);
    else if (k == "--assets")
      opt.assets = std::stoi(v);
    else if (k == "--id-prefix")
      opt.id_prefix = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  asio::io_context io;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(opt.host, opt.port);
  Stats stats;
  auto begin = Clock::now();
  auto end = begin + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(opt.seconds));
  // Open loop: each connection sends one request every `interval` seconds.
  double interval = opt.rate > 0 ? opt.connections * opt.batch / opt.rate : 0;
  for (int i = 0; i < opt.connections; ++i) {
    std::make_shared<Connection>(io, opt, i, stats, end, interval)->start(endpoints);
  }
  io.run();
  double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
  std::printf("connections=%d batch=%d rate=%s seconds=%.1f\n", opt.connections, opt.batch,
              opt.rate > 0 ? std::to_string(static_cast<int>(opt.rate)).c_str() : "max", elapsed);
  std::printf("requests=%llu accepted=%llu duplicates=%llu rejected=%llu io_errors=%llu\n",
              static_cast<unsigned long long>(stats.requests),
              static_cast<unsigned long long>(stats.accepted),
              static_cast<unsigned long long>(stats.duplicates),
              static_cast<unsigned long long>(stats.rejected),
              static_cast<unsigned long long>(stats.io_errors));
  for (auto [status, n] : stats.statuses) {
    std::printf("status_%u=%llu\n", status, static_cast<unsigned long long>(n));
  }
  std::printf("accepted_events_per_s=%.0f\n", stats.accepted / elapsed);
  std::printf("latency_ms p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
              percentile(stats.latencies_ms, 50), percentile(stats.latencies_ms, 90),
              percentile(stats.latencies_ms, 99),
              stats.latencies_ms.empty()
                  ? 0.0
                  : *std::max_element(stats.latencies_ms.begin(), stats.latencies_ms.end()));
  return stats.requests > 0 ? 0 : 1;
}
