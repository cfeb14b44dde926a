// The webhook target's HTTP client: Boost.Beast over Asio, one I/O thread, keep-alive
// connections reused up to the target's concurrency, TLS with verification and SNI.
// Asio and Beast stay in this file; the public header is free of them.
#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include "plantbridge/targets/http_classify.h"
#include "plantbridge/targets/webhook.h"

namespace pb {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr const char* kUserAgent = "plantbridge";

struct Endpoint {
  bool tls = false;
  std::string host;         // for DNS, SNI and certificate checks (no brackets)
  std::string port;         // numeric
  std::string host_header;  // as written in the URL, with a port if one was given
  std::string target;       // path and query
  bool host_is_ip = false;
};

Result<Endpoint> parseEndpoint(const TargetConfig& config) {
  const std::string key = fmt::format("targets.{}.webhook.url", config.name);
  auto parsed = boost::urls::parse_absolute_uri(config.webhook.url);
  if (!parsed) {
    return Status::invalidArgument(fmt::format("{}: '{}' is not a URL: {}", key, config.webhook.url,
                                               parsed.error().message()));
  }
  const boost::urls::url_view& u = *parsed;
  Endpoint ep;
  if (u.scheme_id() == boost::urls::scheme::https) {
    ep.tls = true;
  } else if (u.scheme_id() != boost::urls::scheme::http) {
    return Status::invalidArgument(fmt::format("{}: must be an http or https URL", key));
  }
  if (u.has_userinfo()) {
    return Status::invalidArgument(
        fmt::format("{}: credentials in the URL are not supported; use headers", key));
  }
  ep.host = u.host_address();
  if (ep.host.empty()) return Status::invalidArgument(fmt::format("{}: has no host", key));
  ep.host_is_ip = u.host_type() == boost::urls::host_type::ipv4 ||
                  u.host_type() == boost::urls::host_type::ipv6;
  ep.port = u.has_port() ? std::string(u.port()) : (ep.tls ? "443" : "80");
  if (u.has_port() && (u.port_number() == 0)) {
    return Status::invalidArgument(fmt::format("{}: port must be 1..65535", key));
  }
  ep.host_header = std::string(u.encoded_host_and_port());
  ep.target = std::string(u.encoded_target());
  if (ep.target.empty()) ep.target = "/";
  return ep;
}

bool validHeaderText(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// One keep-alive connection, plain or TLS.
struct Connection {
  Connection(asio::io_context& io, ssl::context* tls_context) {
    if (tls_context != nullptr) {
      tls.emplace(io, *tls_context);
    } else {
      plain.emplace(io);
    }
  }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  template <typename F>
  void withStream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(*plain);
    }
  }

  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  SteadyTime idle_since{};
};

class Call;

// Everything the I/O thread owns. Members below `io` are touched only on the I/O thread.
struct ClientState {
  ClientState(const TargetConfig& cfg, Endpoint e, const Clock& c, WebhookTargetOptions o)
      : config(cfg), endpoint(std::move(e)), clock(c), options(o) {}

  const TargetConfig config;
  const Endpoint endpoint;
  const Clock& clock;
  const WebhookTargetOptions options;
  std::optional<ssl::context> tls_context;
  asio::io_context io{1};
  std::atomic<bool> stopping{false};

  std::vector<std::unique_ptr<Connection>> idle;
  std::set<Call*> active;

  std::unique_ptr<Connection> takeIdle() {
    const auto now = std::chrono::steady_clock::now();
    while (!idle.empty()) {
      std::unique_ptr<Connection> c = std::move(idle.back());
      idle.pop_back();
      if (now - c->idle_since < options.max_idle) return c;
    }
    return nullptr;
  }
  void putIdle(std::unique_ptr<Connection> c) {
    if (stopping || idle.size() >= static_cast<size_t>(std::max(1, config.concurrency))) return;
    c->idle_since = std::chrono::steady_clock::now();
    c->lowest().expires_never();
    idle.push_back(std::move(c));
  }
  std::unique_ptr<Connection> newConnection() {
    return std::make_unique<Connection>(io, tls_context ? &*tls_context : nullptr);
  }
};

// One delivery: acquire a connection (or connect), write, read, classify, report.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(ClientState& state, http::request<http::string_body> req, DeliveryCallback done)
      : state_(state), req_(std::move(req)), done_(std::move(done)), timer_(state.io) {}

  void start() {
    if (state_.stopping) {
      finish(classifyTransportFailure(TransportFailure::kCanceled, "the target is shutting down"),
             false);
      return;
    }
    state_.active.insert(this);
    timer_.expires_after(state_.config.webhook.timeout);
    timer_.async_wait([self = shared_from_this()](ErrorCode ec) {
      if (!ec) self->onTimeout();
    });
    conn_ = state_.takeIdle();
    if (conn_) {
      reused_ = true;
      send();
    } else {
      connect();
    }
  }

  // Called on the I/O thread by shutdown: abort whatever is pending.
  void cancel() {
    canceled_ = true;
    abortIo();
  }

 private:
  void onTimeout() {
    if (finished_) return;
    timed_out_ = true;
    abortIo();
  }

  void abortIo() {
    if (resolver_) resolver_->cancel();
    if (conn_) {
      ErrorCode ignored;
      conn_->lowest().socket().close(ignored);
    }
  }

  void connect() {
    reused_ = false;
    conn_ = state_.newConnection();
    stage_ = "resolve";
    if (!resolver_) resolver_.emplace(state_.io);
    resolver_->async_resolve(
        state_.endpoint.host, state_.endpoint.port,
        [self = shared_from_this()](ErrorCode ec, const tcp::resolver::results_type& results) {
          self->onResolved(ec, results);
        });
  }

  void onResolved(ErrorCode ec, const tcp::resolver::results_type& results) {
    if (ec) return fail(ec);
    stage_ = "connect";
    conn_->lowest().async_connect(
        results,
        [self = shared_from_this()](ErrorCode ec, const tcp::endpoint&) { self->onConnected(ec); });
  }

  void onConnected(ErrorCode ec) {
    if (ec) return fail(ec);
    ErrorCode ignored;
    conn_->lowest().socket().set_option(tcp::no_delay(true), ignored);
    if (!conn_->tls) return send();
    stage_ = "TLS handshake";
    const Endpoint& ep = state_.endpoint;
    if (!ep.host_is_ip && !SSL_set_tlsext_host_name(conn_->tls->native_handle(), ep.host.c_str())) {
      return fail(ErrorCode(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
    }
    conn_->tls->set_verify_callback(ssl::host_name_verification(ep.host));
    conn_->tls->async_handshake(ssl::stream_base::client,
                                [self = shared_from_this()](ErrorCode ec) {
                                  if (ec) return self->fail(ec);
                                  self->send();
                                });
  }

  void send() {
    stage_ = "write";
    parser_.emplace();
    parser_->body_limit(state_.options.max_response_body_bytes);
    conn_->withStream([this](auto& stream) {
      http::async_write(stream, req_,
                        [self = shared_from_this()](ErrorCode ec, size_t) { self->onWritten(ec); });
    });
  }

  void onWritten(ErrorCode ec) {
    if (ec) {
      if (retryStale()) return;
      return fail(ec);
    }
    stage_ = "read";
    conn_->withStream([this](auto& stream) {
      http::async_read(stream, conn_->buffer, *parser_,
                       [self = shared_from_this()](ErrorCode ec, size_t) { self->onRead(ec); });
    });
  }

  void onRead(ErrorCode ec) {
    if (ec == http::error::body_limit && parser_->is_header_done() && !timed_out_ && !canceled_) {
      // Too much to read: the status still tells the outcome; the connection is not reused.
      return answer(false);
    }
    if (ec) {
      if (retryStale()) return;
      return fail(ec);
    }
    answer(parser_->get().keep_alive());
  }

  void answer(bool keep_alive) {
    auto& res = parser_->get();
    const auto retry_after = res[http::field::retry_after];
    finish(classifyHttpResponse(res.result_int(), res.reason(), res.body(), retry_after,
                                state_.clock.now(), state_.options.max_message_bytes),
           keep_alive);
  }

  // A reused keep-alive connection the server had closed fails before any answer arrives:
  // send once more on a fresh connection (the Idempotency-Key makes that safe).
  bool retryStale() {
    if (!reused_ || timed_out_ || canceled_ || state_.stopping || parser_->got_some()) {
      return false;
    }
    connect();
    return true;
  }

  void fail(ErrorCode ec) {
    TransportFailure kind = TransportFailure::kOther;
    if (canceled_ || state_.stopping) {
      kind = TransportFailure::kCanceled;
    } else if (timed_out_) {
      kind = TransportFailure::kTimeout;
    } else if (stage_ == std::string_view("resolve")) {
      kind = TransportFailure::kResolve;
    } else if (stage_ == std::string_view("TLS handshake") ||
               ec.category() == asio::error::get_ssl_category() ||
               ec == ssl::error::stream_truncated) {
      kind = TransportFailure::kTls;
    } else if (ec == asio::error::connection_refused) {
      kind = TransportFailure::kConnectRefused;
    } else if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
               ec == asio::error::eof || ec == http::error::end_of_stream ||
               ec == http::error::partial_message || ec == asio::error::connection_aborted) {
      kind = TransportFailure::kConnectionReset;
    } else if (ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
      kind = TransportFailure::kProtocol;
    }
    std::string detail;
    if (kind == TransportFailure::kTimeout) {
      detail = fmt::format("no answer from {} within {} ms ({})", state_.endpoint.host_header,
                           state_.config.webhook.timeout.count(), stage_);
    } else {
      detail = fmt::format("{} {}: {}", stage_, state_.endpoint.host_header, ec.message());
    }
    finish(classifyTransportFailure(kind, detail), false);
  }

  void finish(DeliveryResult result, bool keep_alive) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    state_.active.erase(this);
    if (conn_ && keep_alive && !timed_out_ && !canceled_) {
      state_.putIdle(std::move(conn_));
    }
    conn_.reset();
    DeliveryCallback done = std::move(done_);
    done(std::move(result));
  }

  ClientState& state_;
  http::request<http::string_body> req_;
  DeliveryCallback done_;
  asio::steady_timer timer_;
  std::optional<tcp::resolver> resolver_;  // only for new connections
  std::unique_ptr<Connection> conn_;
  std::optional<http::response_parser<http::string_body>> parser_;
  const char* stage_ = "start";
  bool reused_ = false;
  bool timed_out_ = false;
  bool canceled_ = false;
  bool finished_ = false;
};

class WebhookTarget final : public Target {
 public:
  WebhookTarget(const TargetConfig& config, Endpoint endpoint, http::verb method,
                const Clock& clock, WebhookTargetOptions options)
      : state_(config, std::move(endpoint), clock, options),
        method_(method),
        secret_(config.webhook.hmac_secret),
        work_(asio::make_work_guard(state_.io)) {}

  ~WebhookTarget() override { shutdown(); }

  Status init() {
    const TargetConfig& config = state_.config;
    for (const auto& [name, value] : config.webhook.headers) {
      if (name.empty() || !validHeaderText(name) || !validHeaderText(value) ||
          name.find(':') != std::string::npos) {
        return Status::invalidArgument(
            fmt::format("targets.{}.webhook.headers.{}: not a valid header", config.name, name));
      }
    }
    if (!validHeaderText(config.webhook.signature_header) ||
        config.webhook.signature_header.empty()) {
      return Status::invalidArgument(
          fmt::format("targets.{}.webhook.signature_header: not a valid header name", config.name));
    }
    if (state_.endpoint.tls) {
      ssl::context& ctx = state_.tls_context.emplace(ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
      ctx.set_verify_mode(ssl::verify_peer);
      ErrorCode ec;
      if (!config.webhook.ca_file.empty()) {
        ctx.load_verify_file(config.webhook.ca_file, ec);
        if (ec) {
          return Status::invalidArgument(
              fmt::format("targets.{}.webhook.ca_file: cannot load '{}': {}", config.name,
                          config.webhook.ca_file, ec.message()));
        }
      } else {
        ctx.set_default_verify_paths(ec);
        if (ec) {
          return Status::invalidArgument(fmt::format(
              "targets.{}.webhook: no system CA certificates: {}", config.name, ec.message()));
        }
      }
    }
    thread_ = std::thread([this] { run(); });
    return Status::ok();
  }

  const std::string& name() const override { return state_.config.name; }

  void setSecret(std::string secret) {
    std::lock_guard<std::mutex> lock(secret_mutex_);
    secret_ = std::move(secret);
  }

  void deliverAsync(const Transaction& tx, DeliveryCallback done) override {
    auto call = std::make_shared<Call>(state_, makeRequest(tx), std::move(done));
    {
      std::lock_guard<std::mutex> lock(stop_mutex_);
      if (!stopped_) {
        asio::post(state_.io, [call] { call->start(); });
        return;
      }
    }
    // Shut down: the I/O thread is gone; Call::start() reports Retry from here.
    call->start();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(stop_mutex_);
      if (stopped_) return;
      stopped_ = true;
    }
    state_.stopping = true;
    asio::post(state_.io, [this] {
      const std::vector<Call*> active(state_.active.begin(), state_.active.end());
      for (Call* call : active) call->cancel();
      state_.idle.clear();
    });
    work_.reset();
    if (thread_.joinable()) {
      if (thread_.get_id() == std::this_thread::get_id()) {
        thread_.detach();  // called from a delivery callback; run() ends by itself
      } else {
        thread_.join();
      }
    }
  }

 private:
  void run() {
    while (true) {
      try {
        state_.io.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("webhook target {}: unexpected error on the I/O thread: {}",
                      state_.config.name, e.what());
      }
    }
  }

  http::request<http::string_body> makeRequest(const Transaction& tx) const {
    const TargetConfig& config = state_.config;
    http::request<http::string_body> req{method_, state_.endpoint.target, 11};
    req.set(http::field::host, state_.endpoint.host_header);
    req.set(http::field::user_agent, kUserAgent);
    req.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : config.webhook.headers) req.set(name, value);
    req.set("Idempotency-Key", tx.id);
    req.set("X-Plantbridge-Event-Id", tx.event_id);
    if (!tx.correlation_id.empty()) req.set("X-Plantbridge-Correlation-Id", tx.correlation_id);
    std::string secret;
    {
      std::lock_guard<std::mutex> lock(secret_mutex_);
      secret = secret_;
    }
    if (!secret.empty()) {
      const auto now =
          std::chrono::duration_cast<std::chrono::seconds>(state_.clock.now().time_since_epoch());
      req.set(config.webhook.signature_header, webhookSignature(secret, now.count(), tx.body));
    }
    req.keep_alive(true);
    req.body() = tx.body;
    req.prepare_payload();
    return req;
  }

  ClientState state_;
  const http::verb method_;
  mutable std::mutex secret_mutex_;
  std::string secret_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

}  // namespace

Result<std::unique_ptr<Target>> makeWebhookTarget(const TargetConfig& config, const Clock& clock,
                                                  WebhookTargetOptions options) {
  auto endpoint = parseEndpoint(config);
  if (!endpoint.isOk()) return endpoint.status();
  const http::verb method = http::string_to_verb(config.webhook.method);
  if (method == http::verb::unknown) {
    return Status::invalidArgument(fmt::format("targets.{}.webhook.method: unknown method '{}'",
                                               config.name, config.webhook.method));
  }
  if (config.webhook.timeout.count() <= 0) {
    return Status::invalidArgument(
        fmt::format("targets.{}.webhook.timeout: must be positive", config.name));
  }
  auto target =
      std::make_unique<WebhookTarget>(config, std::move(endpoint).value(), method, clock, options);
  PB_RETURN_IF_ERROR(target->init());
  return std::unique_ptr<Target>(std::move(target));
}

Status setWebhookSecret(Target& target, std::string secret) {
  auto* webhook = dynamic_cast<WebhookTarget*>(&target);
  if (webhook == nullptr) {
    return Status::invalidArgument("target '" + target.name() + "' is not a webhook target");
  }
  webhook->setSecret(std::move(secret));
  return Status::ok();
}

Status registerWebhookTarget(TargetFactoryRegistry& registry) {
  return registry.add(kWebhookKind, [](const TargetConfig& config, const TargetContext& context) {
    return makeWebhookTarget(config, context.clock);
  });
}

}  // namespace pb
