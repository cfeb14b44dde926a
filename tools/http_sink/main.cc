// pb_http_sink: an HTTP(S) sink for tests and benchmarks.
//
// It listens on 127.0.0.1, port 0 by default, and prints "listening <host>:<port>" as the
// first line on stdout. Every request other than the control paths below is a delivery: it is
// checked (HMAC signature when --secret is given, an Idempotency-Key header), then answered
// 2xx and counted per key — or answered an injected status. Requests answered anything but
// 2xx are not deliveries.
//
//   GET  /stats[?keys=1]  {"requests","total","distinct","duplicates","bad_signatures",
//                          "missing_key","injected","connections"[,"keys"]}
//   GET  /keys            delivered keys, one per line
//   GET  /recent          the last requests (method, target, headers, body, sni), oldest first
//   POST /control?...     status=S&count=N   answer S to the next N deliveries (N default 1)
//                         fail_fraction=F&fail_status=S  answer S to a fraction F of them
//                         retry_after=V      send Retry-After: V with injected answers
//                         delay_ms=D         wait D ms before answering deliveries
//                         error_body_bytes=B injected answers carry a body of B bytes
//                         close=1            answer with "Connection: close"
//                         reset=1            back to the command-line settings first
//   POST /reset           forget counts, keys and recent requests; controls back to defaults
//
// Signature: "<header>: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>"; several
// v1 entries (and several --secret flags, for rotation) are accepted when any one matches.
#include <atomic>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  int threads = 1;
  std::vector<std::string> secrets;
  std::string signature_header = "X-Plantbridge-Signature";
  int64_t max_skew_s = 300;  // replay window; 0: not checked
  int ok_status = 200;
  int status = 0;  // with --status-count: answer this to the first N deliveries
  int64_t status_count = 0;
  double fail_fraction = 0;
  int fail_status = 503;
  std::string retry_after;
  int delay_ms = 0;
  size_t recent = 256;
  std::string tls_cert;
  std::string tls_key;
  uint64_t seed = 0;
};

struct Controls {
  int status = 0;
  int64_t status_count = 0;
  double fail_fraction = 0;
  int fail_status = 503;
  std::string retry_after;
  int delay_ms = 0;
  size_t error_body_bytes = 0;  // injected answers carry this many bytes of body (0: short JSON)
  bool close = false;           // answer "Connection: close" and close after each answer
};

struct RecentRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string sni;
  int answered = 0;
};

std::string hmacHex(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size_t{len} * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

std::string percentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%' && i + 2 < in.size() &&
               std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// The percent-decoded value of `name` in a query string; "1" when present without a value.
std::string queryParam(std::string_view query, std::string_view name) {
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view part = query.substr(pos, end - pos);
    const size_t eq = part.find('=');
    if (part.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string("1") : percentDecode(part.substr(eq + 1));
    }
    pos = end + 1;
  }
  return {};
}

class Sink {
 public:
  explicit Sink(Options options) : options_(std::move(options)), rng_(options_.seed) {
    if (options_.seed == 0) rng_.seed(std::random_device{}());
    resetControls();
  }

  void connectionOpened() { connections_.fetch_add(1, std::memory_order_relaxed); }

  // Builds the answer; `delay` is how long to wait before sending it.
  http::response<http::string_body> handle(const http::request<http::string_body>& req,
                                           const std::string& sni,
                                           std::chrono::milliseconds& delay) {
    const std::string_view target = req.target();
    const size_t q = target.find('?');
    const std::string_view path = target.substr(0, q);
    const std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
    delay = std::chrono::milliseconds{0};

    if (req.method() == http::verb::get && path == "/stats") return stats(query);
    if (req.method() == http::verb::get && path == "/keys") return keys();
    if (req.method() == http::verb::get && path == "/recent") return recent();
    if (path == "/control") return control(query);
    if (req.method() == http::verb::post && path == "/reset") {
      std::lock_guard<std::mutex> lock(mu_);
      counts_.clear();
      recent_.clear();
      requests_ = total_ = bad_signatures_ = missing_key_ = injected_ = 0;
      connections_ = 0;
      resetControls();
      return reply(req, 200, R"({"reset":true})");
    }
    return deliver(req, sni, delay);
  }

 private:
  http::response<http::string_body> reply(const http::request<http::string_body>& req, int status,
                                          std::string body,
                                          const char* content_type = "application/json") {
    http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
    res.set(http::field::server, "pb_http_sink");
    if (status != 204 && status != 304) {
      res.set(http::field::content_type, content_type);
      res.body() = std::move(body);
    }
    return res;
  }

  http::response<http::string_body> deliver(const http::request<http::string_body>& req,
                                            const std::string& sni,
                                            std::chrono::milliseconds& delay) {
    std::string signature_problem;
    if (!options_.secrets.empty()) signature_problem = checkSignature(req);
    const std::string key(req["Idempotency-Key"]);

    std::lock_guard<std::mutex> lock(mu_);
    ++requests_;
    delay = std::chrono::milliseconds{controls_.delay_ms};
    int status = options_.ok_status;
    std::string body;
    bool injected = false;
    if (!signature_problem.empty()) {
      ++bad_signatures_;
      status = 401;
      body = json::serialize(json::object{{"error", "bad signature: " + signature_problem}});
    } else if (key.empty()) {
      ++missing_key_;
      status = 400;
      body = R"({"error":"missing Idempotency-Key header"})";
    } else if (controls_.status_count > 0) {
      --controls_.status_count;
      status = controls_.status;
      injected = true;
    } else if (controls_.fail_fraction > 0 &&
               std::uniform_real_distribution<double>(0, 1)(rng_) < controls_.fail_fraction) {
      status = controls_.fail_status;
      injected = true;
    }
    if (injected) {
      ++injected_;
      body = controls_.error_body_bytes > 0
                 ? std::string(controls_.error_body_bytes, 'e')
                 : json::serialize(json::object{{"error", "injected status"}, {"status", status}});
    }
    const bool delivered = status >= 200 && status < 300;
    if (delivered) {
      const uint32_t n = ++counts_[key];
      ++total_;
      body = json::serialize(json::object{{"ok", true}, {"key", key}, {"count", n}});
    }
    remember(req, sni, status);
    auto res = reply(req, status, std::move(body));
    if (injected && !controls_.retry_after.empty()) {
      res.set(http::field::retry_after, controls_.retry_after);
    }
    if (controls_.close) res.keep_alive(false);
    return res;
  }

  std::string checkSignature(const http::request<http::string_body>& req) const {
    const std::string_view header = req[options_.signature_header];
    if (header.empty()) return "no " + options_.signature_header + " header";
    std::string t;
    std::vector<std::string> v1s;
    size_t pos = 0;
    while (pos <= header.size()) {
      size_t end = header.find(',', pos);
      if (end == std::string_view::npos) end = header.size();
      const std::string_view part = header.substr(pos, end - pos);
      const size_t eq = part.find('=');
      if (eq != std::string_view::npos) {
        if (part.substr(0, eq) == "t") t = std::string(part.substr(eq + 1));
        if (part.substr(0, eq) == "v1") v1s.emplace_back(part.substr(eq + 1));
      }
      pos = end + 1;
    }
    if (t.empty() || v1s.empty()) return "expected t=<seconds>,v1=<hex>";
    char* end_ptr = nullptr;
    const long long ts = std::strtoll(t.c_str(), &end_ptr, 10);
    if (end_ptr == t.c_str() || *end_ptr != '\0') return "t is not a number";
    if (options_.max_skew_s > 0) {
      const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
      if (std::llabs(now - ts) > options_.max_skew_s) return "timestamp outside the replay window";
    }
    for (const std::string& secret : options_.secrets) {
      const std::string expected = hmacHex(secret, t + "." + req.body());
      for (const std::string& v1 : v1s) {
        if (v1.size() == expected.size() &&
            CRYPTO_memcmp(v1.data(), expected.data(), expected.size()) == 0) {
          return {};
        }
      }
    }
    return "no v1 signature matches";
  }

  void remember(const http::request<http::string_body>& req, const std::string& sni, int status) {
    if (options_.recent == 0) return;
    RecentRequest r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    for (const auto& field : req) r.headers.emplace_back(field.name_string(), field.value());
    r.body = req.body().substr(0, 4096);
    r.sni = sni;
    r.answered = status;
    recent_.push_back(std::move(r));
    while (recent_.size() > options_.recent) recent_.pop_front();
  }

  http::response<http::string_body> stats(std::string_view query) {
    http::request<http::string_body> dummy;
    json::object o;
    {
      std::lock_guard<std::mutex> lock(mu_);
      o["requests"] = requests_;
      o["total"] = total_;
      o["distinct"] = counts_.size();
      o["duplicates"] = total_ - counts_.size();
      o["bad_signatures"] = bad_signatures_;
      o["missing_key"] = missing_key_;
      o["injected"] = injected_;
      o["connections"] = connections_.load();
      if (!queryParam(query, "keys").empty()) {
        json::object keys;
        for (const auto& [k, n] : counts_) keys[k] = n;
        o["keys"] = std::move(keys);
      }
    }
    return reply(dummy, 200, json::serialize(o));
  }

  http::response<http::string_body> keys() {
    http::request<http::string_body> dummy;
    std::string out;
    {
      std::lock_guard<std::mutex> lock(mu_);
      out.reserve(counts_.size() * 40);
      for (const auto& [k, n] : counts_) out.append(k).push_back('\n');
    }
    return reply(dummy, 200, std::move(out), "text/plain");
  }

  http::response<http::string_body> recent() {
    http::request<http::string_body> dummy;
    json::array out;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const RecentRequest& r : recent_) {
        json::object headers;
        for (const auto& [name, value] : r.headers) headers[name] = value;
        out.push_back(json::object{{"method", r.method},
                                   {"target", r.target},
                                   {"headers", std::move(headers)},
                                   {"body", r.body},
                                   {"sni", r.sni},
                                   {"answered", r.answered}});
      }
    }
    return reply(dummy, 200, json::serialize(out));
  }

  http::response<http::string_body> control(std::string_view query) {
    http::request<http::string_body> dummy;
    std::lock_guard<std::mutex> lock(mu_);
    if (!queryParam(query, "reset").empty()) resetControls();
    if (auto s = queryParam(query, "status"); !s.empty()) {
      controls_.status = std::atoi(s.c_str());
      const auto count = queryParam(query, "count");
      controls_.status_count = count.empty() ? 1 : std::atoll(count.c_str());
    }
    if (auto f = queryParam(query, "fail_fraction"); !f.empty()) {
      controls_.fail_fraction = std::atof(f.c_str());
    }
    if (auto s = queryParam(query, "fail_status"); !s.empty()) {
      controls_.fail_status = std::atoi(s.c_str());
    }
    if (auto r = queryParam(query, "retry_after"); !r.empty()) {
      controls_.retry_after = r == "none" ? "" : r;
    }
    if (auto d = queryParam(query, "delay_ms"); !d.empty())
      controls_.delay_ms = std::atoi(d.c_str());
    if (auto b = queryParam(query, "error_body_bytes"); !b.empty()) {
      controls_.error_body_bytes = static_cast<size_t>(std::atoll(b.c_str()));
    }
    if (auto c = queryParam(query, "close"); !c.empty()) controls_.close = c == "1";
    return reply(dummy, 200,
                 json::serialize(json::object{{"status", controls_.status},
                                              {"status_count", controls_.status_count},
                                              {"fail_fraction", controls_.fail_fraction},
                                              {"fail_status", controls_.fail_status},
                                              {"retry_after", controls_.retry_after},
                                              {"delay_ms", controls_.delay_ms},
                                              {"error_body_bytes", controls_.error_body_bytes},
                                              {"close", controls_.close}}));
  }

  void resetControls() {
    controls_.status = options_.status;
    controls_.status_count = options_.status == 0 ? 0 : options_.status_count;
    controls_.fail_fraction = options_.fail_fraction;
    controls_.fail_status = options_.fail_status;
    controls_.retry_after = options_.retry_after;
    controls_.delay_ms = options_.delay_ms;
    controls_.error_body_bytes = 0;
    controls_.close = false;
  }

  const Options options_;
  std::mutex mu_;
  std::unordered_map<std::string, uint32_t> counts_;
  uint64_t requests_ = 0, total_ = 0, bad_signatures_ = 0, missing_key_ = 0, injected_ = 0;
  std::atomic<uint64_t> connections_{0};
  std::deque<RecentRequest> recent_;
  Controls controls_;
  std::mt19937_64 rng_;
};

template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Sink& sink, Stream stream)
      : sink_(sink), stream_(std::move(stream)), timer_(executor()) {}
  Session(Sink& sink, tcp::socket socket,
          ssl::context& ctx) requires(!std::is_same_v<Stream, beast::tcp_stream>)
      : sink_(sink), stream_(std::move(socket), ctx), timer_(executor()) {}

  void run() {
    sink_.connectionOpened();
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      stream_.async_handshake(
          ssl::stream_base::server, [self = this->shared_from_this()](ErrorCode ec) {
            if (ec) return;
            const char* name =
                SSL_get_servername(self->stream_.native_handle(), TLSEXT_NAMETYPE_host_name);
            if (name != nullptr) self->sni_ = name;
            self->read();
          });
    }
  }

 private:
  asio::any_io_executor executor() { return beast::get_lowest_layer(stream_).get_executor(); }

  void read() {
    parser_.emplace();
    parser_->body_limit(uint64_t{64} * 1024 * 1024);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](ErrorCode ec, size_t) { self->onRead(ec); });
  }

  void onRead(ErrorCode ec) {
    if (ec) return close();
    req_ = parser_->release();
    std::chrono::milliseconds delay{0};
    res_ = sink_.handle(req_, sni_, delay);
    res_.keep_alive(req_.keep_alive() && res_.keep_alive());
    res_.prepare_payload();
    if (delay.count() > 0) {
      timer_.expires_after(delay);
      timer_.async_wait([self = this->shared_from_this()](ErrorCode) { self->write(); });
    } else {
      write();
    }
  }

  void write() {
    http::async_write(stream_, res_, [self = this->shared_from_this()](ErrorCode ec, size_t) {
      if (ec || !self->res_.keep_alive()) return self->close();
      self->read();
    });
  }

  void close() {
    ErrorCode ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  Sink& sink_;
  Stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  std::string sni_;
};

class Listener {
 public:
  Listener(asio::io_context& io, Sink& sink, const tcp::endpoint& endpoint, ssl::context* tls)
      : io_(io), sink_(sink), acceptor_(io), tls_(tls) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  tcp::endpoint local() const { return acceptor_.local_endpoint(); }

  void accept() {
    acceptor_.async_accept(asio::make_strand(io_), [this](ErrorCode ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        ErrorCode ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (tls_ != nullptr) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(sink_, std::move(socket),
                                                                          *tls_)
              ->run();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(sink_, beast::tcp_stream(std::move(socket)))
              ->run();
        }
      }
      accept();
    });
  }
  void stop() {
    ErrorCode ignored;
    acceptor_.close(ignored);
  }

 private:
  asio::io_context& io_;
  Sink& sink_;
  tcp::acceptor acceptor_;
  ssl::context* tls_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"pb_http_sink: counts HTTP deliveries per Idempotency-Key"};
  app.add_option("--host", o.host, "address to listen on");
  app.add_option("--port", o.port, "port (0: any free port)");
  app.add_option("--threads", o.threads, "I/O threads")->check(CLI::Range(1, 64));
  app.add_option("--secret", o.secrets, "HMAC secret to verify signatures (repeatable)");
  app.add_option("--signature-header", o.signature_header, "signature header name");
  app.add_option("--max-skew", o.max_skew_s, "replay window in seconds (0: unchecked)");
  app.add_option("--ok-status", o.ok_status, "status of accepted deliveries");
  app.add_option("--status", o.status, "status to answer the first --status-count deliveries");
  app.add_option("--status-count", o.status_count, "how many deliveries get --status");
  app.add_option("--fail-fraction", o.fail_fraction,
                 "fraction of deliveries answered --fail-status")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--fail-status", o.fail_status, "status for injected failures");
  app.add_option("--retry-after", o.retry_after, "Retry-After value sent with injected failures");
  app.add_option("--delay-ms", o.delay_ms, "wait before answering each delivery");
  app.add_option("--recent", o.recent, "how many recent requests /recent keeps");
  app.add_option("--tls-cert", o.tls_cert, "PEM certificate chain: serve HTTPS");
  app.add_option("--tls-key", o.tls_key, "PEM private key for --tls-cert");
  app.add_option("--seed", o.seed, "seed for --fail-fraction (0: random)");
  CLI11_PARSE(app, argc, argv);
  if (o.status != 0 && o.status_count == 0) o.status_count = 1;

  try {
    asio::io_context io{o.threads};
    std::optional<ssl::context> tls;
    if (!o.tls_cert.empty()) {
      tls.emplace(ssl::context::tls_server);
      tls->use_certificate_chain_file(o.tls_cert);
      tls->use_private_key_file(o.tls_key, ssl::context::pem);
    }
    Sink sink(o);
    Listener listener(io, sink, tcp::endpoint(asio::ip::make_address(o.host), o.port),
                      tls ? &*tls : nullptr);
    const tcp::endpoint local = listener.local();
    std::cout << "listening " << local.address().to_string() << ":" << local.port() << std::endl;
    listener.accept();

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](ErrorCode, int) {
      listener.stop();
      io.stop();
    });
    std::vector<std::thread> threads;
    for (int i = 1; i < o.threads; ++i) threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : threads) t.join();
  } catch (const std::exception& e) {
    std::cerr << "pb_http_sink: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
