// The shared HTTP/1.1 client: Boost.Beast over Asio, one I/O thread, keep-alive connections
// reused when the server allows it, TLS with verification and SNI. Asio and Beast stay in
// this file; the public header is free of them.
#include "plantbridge/transport/http_client.h"

#include <strings.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

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

namespace pb {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using SteadyTime = std::chrono::steady_clock::time_point;

struct Endpoint {
  bool tls = false;
  std::string host;         // for DNS, SNI and certificate checks (no brackets)
  std::string port;         // numeric
  std::string host_header;  // as written in the URL, with a port if one was given
  std::string target;       // path and query
  bool host_is_ip = false;
};

Result<Endpoint> parseEndpoint(const HttpClientOptions& options) {
  const std::string key = options.config_key + ".url";
  auto parsed = boost::urls::parse_absolute_uri(options.url);
  if (!parsed) {
    return Status::invalidArgument(
        fmt::format("{}: '{}' is not a URL: {}", key, options.url, parsed.error().message()));
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
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == 0; });
}

bool isClientOwnedHeader(std::string_view name) {
  for (const char* owned : {"host", "content-length", "transfer-encoding", "connection"}) {
    if (name.size() == std::strlen(owned) && strncasecmp(name.data(), owned, name.size()) == 0) {
      return true;
    }
  }
  return false;
}

// One connection, plain or TLS.
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

// Everything the I/O thread owns. Members below `io` are touched only on the I/O thread,
// except the atomics.
struct ClientState {
  ClientState(HttpClientOptions o, Endpoint e) : options(std::move(o)), endpoint(std::move(e)) {}

  const HttpClientOptions options;
  const Endpoint endpoint;
  std::optional<ssl::context> tls_context;
  asio::io_context io{1};
  std::atomic<bool> stopping{false};

  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> connections_opened{0};
  std::atomic<uint64_t> connections_reused{0};
  std::atomic<uint64_t> stale_resends{0};

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
  // Answers whether the connection was kept.
  bool putIdle(std::unique_ptr<Connection> c) {
    if (stopping || idle.size() >= std::max<size_t>(1, options.max_idle_connections)) return false;
    c->idle_since = std::chrono::steady_clock::now();
    c->lowest().expires_never();
    idle.push_back(std::move(c));
    return true;
  }
  std::unique_ptr<Connection> newConnection() {
    connections_opened.fetch_add(1, std::memory_order_relaxed);
    return std::make_unique<Connection>(io, tls_context ? &*tls_context : nullptr);
  }
};

// One request: acquire a connection (or connect), write, read, report.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(ClientState& state, http::request<http::string_body> req, std::chrono::milliseconds timeout,
       bool resend_on_stale, HttpClientCallback done)
      : state_(state),
        req_(std::move(req)),
        timeout_(timeout),
        resend_on_stale_(resend_on_stale),
        done_(std::move(done)),
        timer_(state.io),
        connect_timer_(state.io) {}

  void start() {
    if (state_.stopping) {
      failWith(TransportFailure::kCanceled, "the client is shutting down");
      return;
    }
    state_.requests.fetch_add(1, std::memory_order_relaxed);
    state_.active.insert(this);
    timer_.expires_after(timeout_);
    timer_.async_wait([self = shared_from_this()](ErrorCode ec) {
      if (!ec) self->onTimeout();
    });
    conn_ = state_.takeIdle();
    if (conn_) {
      reused_ = true;
      state_.connections_reused.fetch_add(1, std::memory_order_relaxed);
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

  void onConnectTimeout() {
    if (finished_ || !connecting_) return;
    connect_timed_out_ = true;
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
    connecting_ = true;
    conn_ = state_.newConnection();
    stage_ = "resolve";
    connect_timer_.expires_after(state_.options.connect_timeout);
    connect_timer_.async_wait([self = shared_from_this()](ErrorCode ec) {
      if (!ec) self->onConnectTimeout();
    });
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
    if (!conn_->tls) return connected();
    stage_ = "TLS handshake";
    const Endpoint& ep = state_.endpoint;
    if (!ep.host_is_ip && !SSL_set_tlsext_host_name(conn_->tls->native_handle(), ep.host.c_str())) {
      return fail(ErrorCode(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
    }
    conn_->tls->set_verify_callback(ssl::host_name_verification(ep.host));
    conn_->tls->async_handshake(ssl::stream_base::client,
                                [self = shared_from_this()](ErrorCode ec) {
                                  if (ec) return self->fail(ec);
                                  self->connected();
                                });
  }

  void connected() {
    connecting_ = false;
    connect_timer_.cancel();
    send();
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
      return answer(false, true);
    }
    if (ec) {
      if (retryStale()) return;
      return fail(ec);
    }
    answer(parser_->get().keep_alive(), false);
  }

  void answer(bool keep_alive, bool truncated) {
    auto& res = parser_->get();
    HttpClientResponse out;
    out.status = static_cast<int>(res.result_int());
    out.reason = std::string(res.reason());
    out.version = static_cast<int>(res.version());
    for (const auto& field : res) {
      out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    out.body_truncated = truncated;
    if (!truncated) out.body = std::move(res.body());
    out.reused_connection = reused_;
    out.keep_alive = keep_alive && !timed_out_ && !canceled_;
    HttpClientResult result;
    result.response = std::move(out);
    finish(std::move(result), keep_alive);
  }

  // A reused keep-alive connection the server had closed fails before any answer arrives:
  // send once more on a fresh connection, if the request allows it.
  bool retryStale() {
    if (!reused_ || !resend_on_stale_ || timed_out_ || canceled_ || state_.stopping ||
        parser_->got_some()) {
      return false;
    }
    state_.stale_resends.fetch_add(1, std::memory_order_relaxed);
    connect();
    return true;
  }

  void fail(ErrorCode ec) {
    TransportFailure kind = TransportFailure::kOther;
    const std::string_view stage = stage_;
    if (canceled_ || state_.stopping) {
      kind = TransportFailure::kCanceled;
    } else if (timed_out_ || connect_timed_out_) {
      kind = TransportFailure::kTimeout;
    } else if (stage == "resolve") {
      kind = TransportFailure::kResolve;
    } else if (stage == "TLS handshake" || ec.category() == asio::error::get_ssl_category() ||
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
    const std::string& authority = state_.endpoint.host_header;
    if (kind == TransportFailure::kTimeout && connect_timed_out_ && !timed_out_) {
      detail = fmt::format("could not connect to {} within {} ms ({})", authority,
                           state_.options.connect_timeout.count(), stage);
    } else if (kind == TransportFailure::kTimeout) {
      detail =
          fmt::format("no answer from {} within {} ms ({})", authority, timeout_.count(), stage);
    } else if (kind == TransportFailure::kCanceled) {
      detail = fmt::format("{} {}: canceled (shutting down)", stage, authority);
    } else {
      detail = fmt::format("{} {}: {}", stage, authority, ec.message());
    }
    failWith(kind, std::move(detail));
  }

  void failWith(TransportFailure kind, std::string detail) {
    HttpClientResult result;
    result.failure = kind;
    result.error = std::move(detail);
    finish(std::move(result), false);
  }

  void finish(HttpClientResult result, bool keep_alive) {
    if (finished_) return;
    finished_ = true;
    timer_.cancel();
    connect_timer_.cancel();
    state_.active.erase(this);
    if (conn_ && keep_alive && !timed_out_ && !canceled_) {
      if (!state_.putIdle(std::move(conn_)) && result.response) result.response->keep_alive = false;
    } else if (result.response) {
      result.response->keep_alive = false;
    }
    conn_.reset();
    HttpClientCallback done = std::move(done_);
    done(std::move(result));
  }

  ClientState& state_;
  http::request<http::string_body> req_;
  const std::chrono::milliseconds timeout_;
  const bool resend_on_stale_;
  HttpClientCallback done_;
  asio::steady_timer timer_;
  asio::steady_timer connect_timer_;
  std::optional<tcp::resolver> resolver_;  // only for new connections
  std::unique_ptr<Connection> conn_;
  std::optional<http::response_parser<http::string_body>> parser_;
  const char* stage_ = "start";
  bool reused_ = false;
  bool connecting_ = false;
  bool timed_out_ = false;
  bool connect_timed_out_ = false;
  bool canceled_ = false;
  bool finished_ = false;
};

class BeastHttpClient final : public HttpClient {
 public:
  BeastHttpClient(HttpClientOptions options, Endpoint endpoint)
      : state_(std::move(options), std::move(endpoint)), work_(asio::make_work_guard(state_.io)) {}

  ~BeastHttpClient() override { shutdown(); }

  Status init() {
    const HttpClientOptions& options = state_.options;
    if (state_.endpoint.tls) {
      ssl::context& ctx = state_.tls_context.emplace(ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
      ctx.set_verify_mode(ssl::verify_peer);
      ErrorCode ec;
      if (!options.ca_file.empty()) {
        ctx.load_verify_file(options.ca_file, ec);
        if (ec) {
          return Status::invalidArgument(fmt::format("{}.ca_file: cannot load '{}': {}",
                                                     options.config_key, options.ca_file,
                                                     ec.message()));
        }
      } else {
        ctx.set_default_verify_paths(ec);
        if (ec) {
          return Status::invalidArgument(
              fmt::format("{}: no system CA certificates: {}", options.config_key, ec.message()));
        }
      }
    }
    thread_ = std::thread([this] { run(); });
    return Status::ok();
  }

  void requestAsync(HttpClientRequest request, HttpClientCallback done) override {
    const std::chrono::milliseconds timeout =
        request.timeout.count() > 0 ? request.timeout : state_.options.request_timeout;
    const bool resend = request.resend_on_stale_connection;
    auto built = build(std::move(request));
    if (!built) {
      HttpClientResult result;
      result.failure = TransportFailure::kOther;
      result.error = built.status().message();
      done(std::move(result));
      return;
    }
    auto call =
        std::make_shared<Call>(state_, std::move(built).value(), timeout, resend, std::move(done));
    {
      std::lock_guard<std::mutex> lock(stop_mutex_);
      if (!stopped_) {
        asio::post(state_.io, [call] { call->start(); });
        return;
      }
    }
    // Shut down: the I/O thread is gone; Call::start() reports kCanceled from here.
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
        thread_.detach();  // called from a callback; run() ends by itself
      } else {
        thread_.join();
      }
    }
  }

  const std::string& urlTarget() const override { return state_.endpoint.target; }
  const std::string& authority() const override { return state_.endpoint.host_header; }

  HttpClientStats stats() const override {
    HttpClientStats s;
    s.requests = state_.requests.load(std::memory_order_relaxed);
    s.connections_opened = state_.connections_opened.load(std::memory_order_relaxed);
    s.connections_reused = state_.connections_reused.load(std::memory_order_relaxed);
    s.stale_resends = state_.stale_resends.load(std::memory_order_relaxed);
    return s;
  }

 private:
  void run() {
    while (true) {
      try {
        state_.io.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("HTTP client for {}: unexpected error on the I/O thread: {}",
                      state_.endpoint.host_header, e.what());
      }
    }
  }

  Result<http::request<http::string_body>> build(HttpClientRequest request) const {
    const http::verb method = http::string_to_verb(request.method);
    if (method == http::verb::unknown) {
      return Status::invalidArgument("unknown HTTP method '" + request.method + "'");
    }
    if (request.target.empty() || request.target.front() != '/' ||
        !validHeaderText(request.target) || request.target.find(' ') != std::string::npos) {
      return Status::invalidArgument("invalid request target '" + request.target + "'");
    }
    http::request<http::string_body> req{method, request.target, 11};
    req.set(http::field::host, state_.endpoint.host_header);
    req.set(http::field::user_agent, state_.options.user_agent);
    for (HttpClientHeader& h : request.headers) {
      if (h.name.empty() || !validHeaderText(h.name) || !validHeaderText(h.value) ||
          h.name.find(':') != std::string::npos) {
        return Status::invalidArgument("invalid header '" + h.name + "'");
      }
      if (isClientOwnedHeader(h.name)) continue;
      req.set(h.name, h.value);
    }
    req.keep_alive(true);
    req.body() = std::move(request.body);
    req.prepare_payload();
    return req;
  }

  ClientState state_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
  std::mutex stop_mutex_;
  bool stopped_ = false;
};

}  // namespace

const char* transportFailureName(TransportFailure failure) {
  switch (failure) {
    case TransportFailure::kResolve:
      return "name resolution failed";
    case TransportFailure::kConnectRefused:
      return "connection refused";
    case TransportFailure::kConnectionReset:
      return "connection closed";
    case TransportFailure::kTimeout:
      return "timeout";
    case TransportFailure::kTls:
      return "TLS error";
    case TransportFailure::kProtocol:
      return "invalid HTTP answer";
    case TransportFailure::kCanceled:
      return "canceled";
    case TransportFailure::kOther:
      return "transport error";
  }
  return "transport error";
}

std::string HttpClientResponse::header(std::string_view name) const {
  for (const HttpClientHeader& h : headers) {
    if (h.name.size() == name.size() && strncasecmp(h.name.data(), name.data(), name.size()) == 0) {
      return h.value;
    }
  }
  return {};
}

Result<std::unique_ptr<HttpClient>> makeHttpClient(const HttpClientOptions& options) {
  auto endpoint = parseEndpoint(options);
  if (!endpoint.isOk()) return endpoint.status();
  if (options.request_timeout.count() <= 0 || options.connect_timeout.count() <= 0) {
    return Status::invalidArgument(options.config_key + ".timeout: must be positive");
  }
  auto client = std::make_unique<BeastHttpClient>(options, std::move(endpoint).value());
  PB_RETURN_IF_ERROR(client->init());
  return std::unique_ptr<HttpClient>(std::move(client));
}

}  // namespace pb
