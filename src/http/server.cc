// The one translation unit that compiles Beast (plain and TLS sessions are instantiated here).
#include "plantbridge/http/server.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "plantbridge/common/metrics.h"
#include "tls_context.h"

namespace pb {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr size_t kFirstReadSize = 4096;
// After an answer that closes the connection, what the peer still sends is read and dropped
// for a while, so that closing does not reset the connection before the peer read the answer.
constexpr size_t kMaxDrainBytes = size_t{1024} * 1024;
constexpr std::chrono::milliseconds kMaxDrainTime{2000};
// How long stop() waits for force-closed connections to wind down before it stops the threads.
constexpr std::chrono::milliseconds kForceCloseWait{2000};

std::string endpointText(const tcp::endpoint& ep) {
  const auto address = ep.address();
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(ep.port());
  return address.to_string() + ":" + std::to_string(ep.port());
}

// Guards posting to the io_context: once closed (in stop(), before the io_context goes away)
// responders post nothing.
struct Gate {
  std::mutex mutex;
  bool open = true;
};

struct ServerMetrics {
  Gauge* connections = nullptr;
  Counter* connections_total = nullptr;
  Counter* requests_total = nullptr;
  Counter* timeouts_total = nullptr;
  Counter* rejected_body_limit = nullptr;
  Counter* rejected_header_limit = nullptr;
  Counter* rejected_bad_request = nullptr;
  Counter* rejected_max_connections = nullptr;

  void init(MetricsRegistry* registry) {
    if (registry == nullptr) return;
    connections = &registry->gauge("plantbridge_http_connections", "Open HTTP connections.");
    connections_total =
        &registry->counter("plantbridge_http_connections_total", "HTTP connections accepted.");
    requests_total =
        &registry->counter("plantbridge_http_requests_total", "HTTP requests read completely.");
    timeouts_total = &registry->counter("plantbridge_http_timeouts_total",
                                        "HTTP connections closed by a read or write timeout.");
    const char* help = "HTTP requests refused before reaching a handler.";
    rejected_body_limit =
        &registry->counter("plantbridge_http_rejected_total", help, {{"reason", "body_limit"}});
    rejected_header_limit =
        &registry->counter("plantbridge_http_rejected_total", help, {{"reason", "header_limit"}});
    rejected_bad_request =
        &registry->counter("plantbridge_http_rejected_total", help, {{"reason", "bad_request"}});
    rejected_max_connections = &registry->counter("plantbridge_http_rejected_total", help,
                                                  {{"reason", "max_connections"}});
  }
  static void inc(Counter* c) {
    if (c != nullptr) c->inc();
  }
};

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  // Each of these posts to the session's strand.
  virtual void start() = 0;
  virtual void requestStop() = 0;
  virtual void forceClose() = 0;
  virtual void deliver(uint64_t seq, HttpResponse response) = 0;
};

// Shared by every copy of one request's Responder.
class ResponseSlot {
 public:
  ResponseSlot(std::weak_ptr<SessionBase> session, std::shared_ptr<Gate> gate, uint64_t seq)
      : session_(std::move(session)), gate_(std::move(gate)), seq_(seq) {}
  ResponseSlot(const ResponseSlot&) = delete;
  ResponseSlot& operator=(const ResponseSlot&) = delete;
  ~ResponseSlot() {
    if (!done_.load()) {
      send(HttpResponse::error(500, "internal", "the request's handler did not answer"));
    }
  }

  void send(HttpResponse response) {
    if (done_.exchange(true)) return;
    std::lock_guard lock(gate_->mutex);
    if (!gate_->open) return;
    // The temporary strong reference is released before the gate is: the io_context is alive.
    if (auto session = session_.lock()) session->deliver(seq_, std::move(response));
  }

 private:
  std::weak_ptr<SessionBase> session_;
  std::shared_ptr<Gate> gate_;
  uint64_t seq_;
  std::atomic<bool> done_{false};
};

struct ServerCore {
  ServerCore(HttpServerOptions opts, HttpHandler h)
      : options(std::move(opts)),
        handler(std::move(h)),
        ioc(std::make_unique<asio::io_context>(std::max(1, options.threads))),
        accept_strand(asio::make_strand(*ioc)) {
    metrics.init(options.metrics);
  }
  ~ServerCore() {
    stop(std::chrono::milliseconds(0));
    {
      std::lock_guard lock(registry_mutex);
      sessions.clear();
    }
    retry_timer.reset();
    acceptor.reset();
    work.reset();
    accept_strand.reset();
    ioc.reset();  // destroys handlers never run, and the sessions they held
  }

  bool tls() const { return !options.tls_cert_file.empty() || !options.tls_key_file.empty(); }

  std::shared_ptr<ssl::context> currentTls() {
    std::lock_guard lock(tls_mutex);
    return tls_context;
  }

  Status start();
  void stop(std::chrono::milliseconds grace);
  void doAccept();
  void onAccept(ErrorCode ec, tcp::socket socket);
  void unregister(uint64_t id) {
    std::lock_guard lock(registry_mutex);
    sessions.erase(id);
    if (sessions.empty()) registry_cv.notify_all();
  }

  HttpServerOptions options;
  HttpHandler handler;
  ServerMetrics metrics;
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();

  std::unique_ptr<asio::io_context> ioc;
  std::optional<asio::strand<asio::io_context::executor_type>> accept_strand;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> retry_timer;
  std::vector<std::thread> threads;

  std::mutex tls_mutex;
  std::shared_ptr<ssl::context> tls_context;

  std::mutex registry_mutex;
  std::condition_variable registry_cv;
  std::unordered_map<uint64_t, std::shared_ptr<SessionBase>> sessions;
  uint64_t next_session_id = 0;

  std::atomic<bool> stopping{false};
  std::atomic<uint16_t> bound_port{0};
  std::mutex lifecycle_mutex;
  bool started = false;
  bool stopped = false;
};

template <typename Stream>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  Session(ServerCore& server, uint64_t id, tcp::socket&& socket, std::string remote,
          std::shared_ptr<ssl::context> tls_context)
      : server_(server),
        id_(id),
        remote_(std::move(remote)),
        tls_context_(std::move(tls_context)),
        stream_(makeStream(std::move(socket), tls_context_.get())) {
    if (server_.metrics.connections != nullptr) server_.metrics.connections->add(1);
  }
  ~Session() override {
    if (server_.metrics.connections != nullptr) server_.metrics.connections->add(-1);
  }

  void start() override {
    asio::post(stream_.get_executor(), [self = self()] { self->onStart(); });
  }
  void requestStop() override {
    asio::post(stream_.get_executor(), [self = self()] { self->onRequestStop(); });
  }
  void forceClose() override {
    asio::post(stream_.get_executor(), [self = self()] { self->close(); });
  }
  void deliver(uint64_t seq, HttpResponse response) override {
    asio::post(stream_.get_executor(), [self = self(), seq, r = std::move(response)]() mutable {
      self->writeResponse(seq, std::move(r));
    });
  }

 private:
  enum class State { kHandshake, kIdle, kReading, kHandling, kWriting, kClosing, kClosed };

  static Stream makeStream(tcp::socket&& socket, ssl::context* ctx) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *ctx);
    } else {
      (void)ctx;
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<Session> self() {
    return std::static_pointer_cast<Session>(this->shared_from_this());
  }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }
  const HttpServerOptions& options() const { return server_.options; }

  void onStart() {
    if constexpr (kTls) {
      state_ = State::kHandshake;
      lowest().expires_after(options().header_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = self()](ErrorCode ec) {
        if (self->closed_) return;
        if (ec) {
          self->noteTimeout(ec);
          self->close();
          return;
        }
        self->readNext();
      });
    } else {
      readNext();
    }
  }

  void onRequestStop() {
    stop_requested_ = true;
    if (state_ == State::kIdle || state_ == State::kHandshake) close();
  }

  void readNext() {
    if (closed_) return;
    state_ = State::kIdle;
    head_request_ = false;
    if (stop_requested_ || server_.stopping.load()) {
      close();
      return;
    }
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(
        std::min<size_t>(options().max_header_bytes, std::numeric_limits<uint32_t>::max())));
    parser_->body_limit(options().max_body_bytes);
    if (buffer_.size() > 0) {
      readHeader();
      return;
    }
    lowest().expires_after(first_request_
                               ? std::min(options().idle_timeout, options().header_timeout)
                               : options().idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadSize),
                            [self = self()](ErrorCode ec, size_t n) {
                              if (self->closed_) return;
                              if (ec) {
                                self->noteTimeout(ec);
                                self->close();
                                return;
                              }
                              self->buffer_.commit(n);
                              self->readHeader();
                            });
  }

  void readHeader() {
    state_ = State::kReading;
    lowest().expires_after(options().header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = self()](ErrorCode ec, size_t) { self->onHeader(ec); });
  }

  void onHeader(ErrorCode ec) {
    if (closed_) return;
    if (ec) {
      onReadError(ec);
      return;
    }
    if (parser_->is_done()) {
      dispatchRequest();
      return;
    }
    const auto expect = parser_->get()[bhttp::field::expect];
    if (equalsIgnoreCase(expect, "100-continue")) {
      continue_.emplace(bhttp::status::continue_, parser_->get().version());
      lowest().expires_after(options().write_timeout);
      bhttp::async_write(stream_, *continue_, [self = self()](ErrorCode wec, size_t) {
        if (self->closed_) return;
        self->continue_.reset();
        if (wec) {
          self->noteTimeout(wec);
          self->close();
          return;
        }
        self->readBody();
      });
      return;
    }
    readBody();
  }

  void readBody() {
    lowest().expires_after(options().body_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = self()](ErrorCode ec, size_t) {
      if (self->closed_) return;
      if (ec) {
        self->onReadError(ec);
        return;
      }
      self->dispatchRequest();
    });
  }

  void onReadError(ErrorCode ec) {
    if (ec == bhttp::error::body_limit) {
      ServerMetrics::inc(server_.metrics.rejected_body_limit);
      rejectAndClose(HttpResponse::error(
          413, "payload_too_large",
          "request body is larger than " + std::to_string(options().max_body_bytes) + " bytes"));
      return;
    }
    if (ec == bhttp::error::header_limit) {
      ServerMetrics::inc(server_.metrics.rejected_header_limit);
      rejectAndClose(HttpResponse::error(431, "header_too_large",
                                         "request header is larger than " +
                                             std::to_string(options().max_header_bytes) +
                                             " bytes"));
      return;
    }
    const bool parse_error =
        &ec.category() == &bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
    if (parse_error) {
      ServerMetrics::inc(server_.metrics.rejected_bad_request);
      rejectAndClose(
          HttpResponse::error(400, "bad_request", "malformed HTTP request: " + ec.message()));
      return;
    }
    noteTimeout(ec);
    close();
  }

  void dispatchRequest() {
    state_ = State::kHandling;
    first_request_ = false;
    lowest().expires_never();
    ServerMetrics::inc(server_.metrics.requests_total);
    bhttp::request<bhttp::string_body> message = parser_->release();
    parser_.reset();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    head_request_ = message.method() == bhttp::verb::head;

    HttpRequest request;
    request.method.assign(message.method_string());
    request.target.assign(message.target());
    Status target_status = parseRequestTarget(request.target, request.path, request.query);
    if (!target_status.isOk()) {
      ServerMetrics::inc(server_.metrics.rejected_bad_request);
      rejectAndClose(HttpResponse::error(400, "bad_request", target_status.message()));
      return;
    }
    for (const auto& field : message) {
      request.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    request.remote_address = remote_;
    request.tls = kTls;

    const uint64_t seq = ++request_seq_;
    auto slot = std::make_shared<ResponseSlot>(this->weak_from_this(), server_.gate, seq);
    Responder responder = [slot](HttpResponse response) { slot->send(std::move(response)); };
    try {
      server_.handler(request, std::move(responder));
    } catch (const std::exception& e) {
      spdlog::error("http: handler for {} {} threw: {}", request.method, request.path, e.what());
      slot->send(HttpResponse::error(500, "internal", "internal error"));
    } catch (...) {
      spdlog::error("http: handler for {} {} threw", request.method, request.path);
      slot->send(HttpResponse::error(500, "internal", "internal error"));
    }
  }

  void writeResponse(uint64_t seq, HttpResponse response) {
    if (closed_ || state_ != State::kHandling || seq != request_seq_) return;
    const bool handler_closes =
        equalsIgnoreCase(response.headers.get("Connection").value_or(""), "close");
    const bool keep =
        keep_alive_ && !handler_closes && !stop_requested_ && !server_.stopping.load();
    write(std::move(response), keep, /*drain_after=*/false);
  }

  // Answers and closes without handling the request (its body may still be arriving).
  void rejectAndClose(HttpResponse response) { write(std::move(response), false, true); }

  void write(HttpResponse response, bool keep_alive, bool drain_after) {
    state_ = State::kWriting;
    int status = response.status;
    if (status < 200 || status > 999) {
      spdlog::error("http: handler answered status {}; sending 500", status);
      response = HttpResponse::error(500, "internal", "internal error");
      status = 500;
    }
    response_.emplace(static_cast<bhttp::status>(status), version_ == 0 ? 11 : version_);
    for (const auto& [name, value] : response.headers) {
      if (equalsIgnoreCase(name, "Connection") || equalsIgnoreCase(name, "Content-Length") ||
          equalsIgnoreCase(name, "Transfer-Encoding")) {
        continue;
      }
      response_->insert(name, value);
    }
    if (response_->find(bhttp::field::server) == response_->end()) {
      response_->set(bhttp::field::server, options().server_header);
    }
    if (status == 204 || status == 304) {
      response.body.clear();
    }
    response_->body() = std::move(response.body);
    response_->keep_alive(keep_alive);
    response_->prepare_payload();
    // HEAD: the header announces the body's length, but the body is not sent.
    if (head_request_) response_->body().clear();
    lowest().expires_after(options().write_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = self(), keep_alive, drain_after](ErrorCode ec, size_t) {
                         if (self->closed_) return;
                         self->response_.reset();
                         if (ec) {
                           self->noteTimeout(ec);
                           self->close();
                           return;
                         }
                         if (keep_alive) {
                           self->readNext();
                         } else {
                           self->closeAfterAnswer(drain_after);
                         }
                       });
  }

  // Closes after a final answer: TLS says close_notify when the request was read completely;
  // otherwise (or plain TCP) our side is shut down and the peer's remaining bytes are read
  // and dropped until it closes, so our close does not reset the answer away.
  void closeAfterAnswer(bool unread_input) {
    state_ = State::kClosing;
    if constexpr (kTls) {
      if (!unread_input) {
        lowest().expires_after(std::min(options().write_timeout, kMaxDrainTime));
        stream_.async_shutdown([self = self()](ErrorCode) { self->close(); });
        return;
      }
    }
    (void)unread_input;
    ErrorCode ignored;
    lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    lowest().expires_after(std::min(options().body_timeout, kMaxDrainTime));
    drain();
  }

  void drain() {
    if (!drain_buffer_) drain_buffer_ = std::make_unique<std::array<char, 16 * 1024>>();
    lowest().async_read_some(asio::buffer(*drain_buffer_), [self = self()](ErrorCode ec, size_t n) {
      if (self->closed_) return;
      self->drained_ += n;
      if (ec || self->drained_ > kMaxDrainBytes) {
        self->close();
        return;
      }
      self->drain();
    });
  }

  void noteTimeout(ErrorCode ec) {
    if (ec == beast::error::timeout) ServerMetrics::inc(server_.metrics.timeouts_total);
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    state_ = State::kClosed;
    lowest().close();
    server_.unregister(id_);
  }

  ServerCore& server_;
  const uint64_t id_;
  const std::string remote_;
  std::shared_ptr<ssl::context> tls_context_;  // outlives stream_, which refers to it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  std::optional<bhttp::response<bhttp::string_body>> response_;
  std::unique_ptr<std::array<char, size_t{16} * 1024>> drain_buffer_;  // only while closing
  size_t drained_ = 0;
  State state_ = State::kIdle;
  bool closed_ = false;
  bool stop_requested_ = false;
  bool first_request_ = true;
  bool keep_alive_ = false;
  bool head_request_ = false;
  unsigned version_ = 11;
  uint64_t request_seq_ = 0;
};

Status ServerCore::start() {
  {
    std::lock_guard lock(lifecycle_mutex);
    if (started) return Status::internal("HTTP server already started");
    started = true;
  }
  if (tls()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return Status::invalidArgument("TLS needs both a certificate file and a key file");
    }
    auto ctx = http_detail::makeServerTlsContext(options.tls_cert_file, options.tls_key_file);
    if (!ctx.isOk()) return ctx.status();
    std::lock_guard lock(tls_mutex);
    tls_context = std::move(ctx).value();
  }

  const std::string where = options.host + ":" + std::to_string(options.port);
  ErrorCode ec;
  tcp::resolver resolver(*ioc);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port),
                                    tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || endpoints.empty()) {
    return Status::invalidArgument("cannot resolve listen address " + where + ": " +
                                   (ec ? ec.message() : "no address"));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  acceptor.emplace(*accept_strand);
  if (acceptor->open(endpoint.protocol(), ec); ec) {
    return Status::ioError("cannot open a socket for " + where + ": " + ec.message());
  }
  if (acceptor->set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return Status::ioError("cannot set SO_REUSEADDR on " + where + ": " + ec.message());
  }
  if (acceptor->bind(endpoint, ec); ec) {
    return Status::ioError("cannot listen on " + where + ": " + ec.message());
  }
  if (acceptor->listen(asio::socket_base::max_listen_connections, ec); ec) {
    return Status::ioError("cannot listen on " + where + ": " + ec.message());
  }
  bound_port.store(acceptor->local_endpoint(ec).port());
  retry_timer.emplace(*accept_strand);
  work.emplace(ioc->get_executor());
  asio::post(*accept_strand, [this] { doAccept(); });
  const int n = std::max(1, options.threads);
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), "pb-http");
      while (true) {
        try {
          ioc->run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: I/O thread caught: {}", e.what());
        }
      }
    });
  }
  return Status::ok();
}

void ServerCore::doAccept() {
  if (!acceptor || !acceptor->is_open()) return;
  acceptor->async_accept(asio::make_strand(*ioc), [this](ErrorCode ec, tcp::socket socket) {
    onAccept(ec, std::move(socket));
  });
}

void ServerCore::onAccept(ErrorCode ec, tcp::socket socket) {
  if (ec) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
    // Out of descriptors and the like: wait a little instead of spinning.
    spdlog::warn("http: accept failed: {}", ec.message());
    retry_timer->expires_after(std::chrono::milliseconds(50));
    retry_timer->async_wait([this](ErrorCode tec) {
      if (!tec) doAccept();
    });
    return;
  }
  ErrorCode ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  const auto remote = socket.remote_endpoint(ignored);
  if (stopping.load()) {
    socket.close(ignored);
    return;
  }
  ServerMetrics::inc(metrics.connections_total);
  std::shared_ptr<SessionBase> session;
  {
    std::lock_guard lock(registry_mutex);
    if (sessions.size() >= options.max_connections) {
      ServerMetrics::inc(metrics.rejected_max_connections);
      socket.close(ignored);
    } else {
      const uint64_t id = ++next_session_id;
      if (tls()) {
        session = std::make_shared<Session<TlsStream>>(*this, id, std::move(socket),
                                                       endpointText(remote), currentTls());
      } else {
        session = std::make_shared<Session<PlainStream>>(*this, id, std::move(socket),
                                                         endpointText(remote), nullptr);
      }
      sessions.emplace(id, session);
    }
  }
  if (session) session->start();
  doAccept();
}

void ServerCore::stop(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(lifecycle_mutex);
    if (!started || stopped) return;
    stopped = true;
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  stopping.store(true);
  if (!threads.empty()) {
    std::promise<void> closed;
    asio::post(*accept_strand, [this, &closed] {
      ErrorCode ignored;
      if (acceptor) acceptor->close(ignored);
      if (retry_timer) retry_timer->cancel();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  {
    std::unique_lock lock(registry_mutex);
    for (auto& [id, session] : sessions) session->requestStop();
    registry_cv.wait_until(lock, deadline, [this] { return sessions.empty(); });
    if (!sessions.empty()) {
      spdlog::warn("http: closing {} connection(s) still busy after the stop grace period",
                   sessions.size());
      for (auto& [id, session] : sessions) session->forceClose();
      registry_cv.wait_for(lock, kForceCloseWait, [this] { return sessions.empty(); });
    }
  }
  {
    std::lock_guard lock(gate->mutex);
    gate->open = false;
  }
  work.reset();
  ioc->stop();
  for (auto& t : threads) t.join();
  threads.clear();
  std::lock_guard lock(registry_mutex);
  sessions.clear();
}

}  // namespace

struct HttpServer::Impl {
  Impl(HttpServerOptions options, HttpHandler handler)
      : core(std::move(options), std::move(handler)) {}
  ServerCore core;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::start() { return impl_->core.start(); }

uint16_t HttpServer::port() const { return impl_->core.bound_port.load(); }

bool HttpServer::tlsEnabled() const { return impl_->core.tls(); }

Status HttpServer::reloadTls() {
  if (!impl_->core.tls()) return Status::invalidArgument("TLS is not configured for this server");
  auto ctx = http_detail::makeServerTlsContext(impl_->core.options.tls_cert_file,
                                               impl_->core.options.tls_key_file);
  if (!ctx.isOk()) return ctx.status();
  std::lock_guard lock(impl_->core.tls_mutex);
  impl_->core.tls_context = std::move(ctx).value();
  return Status::ok();
}

void HttpServer::stop(std::chrono::milliseconds grace) { impl_->core.stop(grace); }

}  // namespace pb
