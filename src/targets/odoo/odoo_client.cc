// The Odoo protocol client: version detection, login, calls, key rotation. The HTTP client is
// the shared one (plantbridge/transport/http_client.h); this file holds no Asio or Beast.
//
// Threading: HTTP answers arrive on the HTTP client's I/O thread. The session (version, uid,
// the key it logged in with) is guarded by mutex_; no lock is held while a request is started
// or a callback is called, because both may run synchronously (after shutdown).
#include <atomic>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "plantbridge/targets/http_classify.h"
#include "plantbridge/targets/odoo.h"
#include "plantbridge/targets/odoo_credentials.h"

namespace pb {
namespace {

namespace json = boost::json;
using Kind = OdooReply::Kind;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr const char* kAccessDenied = "odoo.exceptions.AccessDenied";
constexpr const char* kUnauthorized = "werkzeug.exceptions.Unauthorized";

// The metrics of one Odoo target, declared in one place.
struct OdooMetrics {
  OdooMetrics(MetricsRegistry& r, const std::string& target)
      : registry(r),
        target_name(target),
        delivered(r.counter("plantbridge_odoo_calls_total",
                            "Odoo calls by outcome (delivered, retry, reject).",
                            {{"target", target}, {"outcome", "delivered"}})),
        retried(r.counter("plantbridge_odoo_calls_total",
                          "Odoo calls by outcome (delivered, retry, reject).",
                          {{"target", target}, {"outcome", "retry"}})),
        rejected(r.counter("plantbridge_odoo_calls_total",
                           "Odoo calls by outcome (delivered, retry, reject).",
                           {{"target", target}, {"outcome", "reject"}})),
        latency(r.histogram("plantbridge_odoo_call_duration_seconds",
                            "Duration of Odoo calls, login included when one was needed.",
                            {{"target", target}})),
        logins_ok(r.counter("plantbridge_odoo_logins_total", "Odoo logins by result.",
                            {{"target", target}, {"result", "ok"}})),
        logins_refused(r.counter("plantbridge_odoo_logins_total", "Odoo logins by result.",
                                 {{"target", target}, {"result", "refused"}})) {}

  void error(const std::string& name) {
    registry
        .counter("plantbridge_odoo_errors_total", "Errors answered by Odoo, by the error's name.",
                 {{"target", target_name}, {"name", name.empty() ? "unknown" : name}})
        .inc();
  }
  void serverInfo(const OdooServerInfo& info) {
    Gauge& g =
        registry.gauge("plantbridge_odoo_server_info",
                       "The connected Odoo server: its version and the protocol spoken (value 1).",
                       {{"target", target_name},
                        {"version", info.version},
                        {"protocol", odooProtocolName(info.protocol)}});
    if (server_info != nullptr && server_info != &g) server_info->set(0);
    g.set(1);
    server_info = &g;
  }

  MetricsRegistry& registry;
  const std::string target_name;
  Counter& delivered;
  Counter& retried;
  Counter& rejected;
  Histogram& latency;
  Counter& logins_ok;
  Counter& logins_refused;
  Gauge* server_info = nullptr;  // guarded by the client's mutex
};

struct Session {
  OdooServerInfo info;
  std::string key;  // the key the login succeeded with
  uint64_t generation = 0;
};

struct SessionOutcome {
  std::optional<Session> session;
  OdooCallResult failure;  // when !session: what a waiting call answers
  Status status;           // when !session: for connectAsync
};
using SessionWaiter = std::function<void(const SessionOutcome&)>;

OdooCallResult resultFrom(const OdooReply& reply, DeliveryResult outcome) {
  OdooCallResult r;
  r.outcome = std::move(outcome);
  r.has_result = reply.kind == Kind::kResult && reply.has_result;
  r.result_json = reply.kind == Kind::kResult ? reply.result_json : std::string();
  r.error_name = reply.kind == Kind::kOdooError ? reply.error_name : std::string();
  return r;
}

Status statusFor(const DeliveryResult& r) {
  return r.kind == DeliveryResult::Kind::kRetry ? Status::unavailable(r.message)
                                                : Status::invalidArgument(r.message);
}

class OdooClientImpl final : public OdooClient {
 public:
  OdooClientImpl(const TargetConfig& config, const Clock& clock, MetricsRegistry* metrics,
                 OdooClientOptions options, std::unique_ptr<OdooCredentials> credentials,
                 std::unique_ptr<HttpClient> http)
      : config_(config),
        clock_(clock),
        options_(options),
        credentials_(std::move(credentials)),
        http_(std::move(http)),
        own_metrics_(metrics == nullptr ? std::make_unique<MetricsRegistry>() : nullptr),
        metrics_(metrics != nullptr ? *metrics : *own_metrics_, config.name) {
    prefix_ = http_->urlTarget();
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  }

  ~OdooClientImpl() override { shutdown(); }

  void connectAsync(std::function<void(Result<OdooServerInfo>)> done) override {
    ensureSession([done = std::move(done)](const SessionOutcome& s) {
      if (s.session) {
        done(s.session->info);
      } else {
        done(s.status);
      }
    });
  }

  void callAsync(OdooCall call, OdooCallMeta meta, OdooCallback done) override {
    const SteadyTime started = clock_.steadyNow();
    ensureSession([this, call = std::move(call), meta = std::move(meta), done = std::move(done),
                   started](const SessionOutcome& s) mutable {
      if (!s.session) return finish(done, s.failure, started);
      execute(std::move(call), std::move(meta), *s.session, false, std::move(done), started);
    });
  }

  std::optional<OdooServerInfo> serverInfo() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!session_) return std::nullopt;
    return session_->info;
  }

  OdooNames names() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return OdooNames(version_ ? version_->major : 18);
  }

  Status reloadCredentials() override {
    auto changed = credentials_->reload();
    if (!changed.isOk()) return changed.status();
    return Status::ok();
  }

  HttpClientStats httpStats() const override { return http_->stats(); }

  void shutdown() override { http_->shutdown(); }

 private:
  // ---- the session ----

  void ensureSession(SessionWaiter waiter) {
    (void)credentials_->key();  // notices a rotated key file
    const uint64_t generation = credentials_->generation();
    std::optional<Session> ready;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (session_ && session_->generation == generation) ready = session_;
    }
    if (ready) {
      SessionOutcome outcome;
      outcome.session = std::move(ready);
      waiter(outcome);
      return;
    }
    {
      // A session that became ready in between only costs one more login.
      std::lock_guard<std::mutex> lock(mutex_);
      waiters_.push_back(std::move(waiter));
      if (connecting_) return;
      connecting_ = true;
    }
    startConnect();
  }

  void startConnect() {
    std::optional<OdooVersion> known;
    bool detected = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      known = version_;
      detected = version_detected_;
    }
    if (known) return login(*known, detected);
    if (config_.odoo.version > 0) {
      OdooVersion v;
      v.major = config_.odoo.version;
      v.version = std::to_string(v.major);
      rememberVersion(v, false);
      return login(v, false);
    }
    detect();
  }

  void rememberVersion(const OdooVersion& v, bool detected) {
    std::lock_guard<std::mutex> lock(mutex_);
    version_ = v;
    version_detected_ = detected;
  }

  // POST /jsonrpc common.version (ODOO18 §2; ODOO19 5.1), or GET /json/version (ODOO19
  // capture 37) where /jsonrpc is not served.
  void detect() {
    const int64_t id = next_id_++;
    HttpClientRequest req;
    req.target = prefix_ + "/jsonrpc";
    req.headers = {{"Content-Type", "application/json"}};
    req.body = encodeVersionRequest(id);
    http_->requestAsync(std::move(req), [this, id](const HttpClientResult& http) {
      const OdooReply reply = decodeJsonRpcResponse(http, id);
      if (reply.kind == Kind::kHttpError && reply.http_status == 404) return detectJson2();
      if (reply.kind != Kind::kResult) {
        return sessionFailed(reply, "could not read the server version (common.version)");
      }
      onVersion(parseOdooVersionInfo(reply.result_json), "common.version");
    });
  }

  void detectJson2() {
    HttpClientRequest req;
    req.method = "GET";
    req.target = prefix_ + "/json/version";
    http_->requestAsync(std::move(req), [this](const HttpClientResult& http) {
      const OdooReply reply = decodeJson2Response(http);
      if (reply.kind != Kind::kResult) {
        return sessionFailed(reply,
                             "could not read the server version (/jsonrpc answered 404, "
                             "GET /json/version failed)");
      }
      onVersion(parseOdooVersionInfo(reply.result_json), "/json/version");
    });
  }

  void onVersion(Result<OdooVersion> version, const char* how) {
    if (!version.isOk()) {
      OdooReply bad;
      bad.kind = Kind::kMalformed;
      bad.message = version.status().message();
      return sessionFailed(bad, "could not read the server version");
    }
    const OdooVersion& v = *version;
    spdlog::info("odoo target '{}': Odoo {} at {} (detected with {}); protocol {}", config_.name,
                 v.version, http_->authority(), how, odooProtocolName(protocolForVersion(v.major)));
    if (v.major < kOldestSupportedVersion) {
      spdlog::warn("odoo target '{}': Odoo {} is older than {}, which this connector is made for",
                   config_.name, v.version, kOldestSupportedVersion);
    }
    rememberVersion(v, true);
    login(v, true);
  }

  void login(const OdooVersion& version, bool detected) {
    const std::string key = credentials_->key();
    const uint64_t generation = credentials_->generation();
    OdooServerInfo info;
    info.version = version.version;
    info.major = version.major;
    info.minor = version.minor;
    info.protocol = protocolForVersion(version.major);
    info.detected = detected;
    if (info.protocol == OdooProtocol::kJsonRpc) {
      loginJsonRpc(std::move(info), key, generation);
    } else {
      loginJson2(std::move(info), key, generation);
    }
  }

  // common.authenticate(db, login, key, {}) -> uid, or false for a wrong key (ODOO18 §2, §10 d).
  void loginJsonRpc(OdooServerInfo info, std::string key, uint64_t generation) {
    const int64_t id = next_id_++;
    HttpClientRequest req;
    req.target = prefix_ + "/jsonrpc";
    req.headers = {{"Content-Type", "application/json"}};
    req.body = encodeAuthenticateRequest(id, config_.odoo.db, config_.odoo.user, key);
    http_->requestAsync(std::move(req), [this, id, info = std::move(info), key = std::move(key),
                                         generation](const HttpClientResult& http) mutable {
      const OdooReply reply = decodeJsonRpcResponse(http, id);
      if (reply.kind == Kind::kOdooError && reply.error_name == kAccessDenied) {
        return loginRefused(reply.error_name + ": " + reply.message);
      }
      if (reply.kind != Kind::kResult) return sessionFailed(reply, "login failed");
      const auto uid = json::parse(reply.result_json);
      if (uid.is_int64() && uid.as_int64() > 0) {
        info.uid = uid.as_int64();
        return sessionReady(Session{std::move(info), std::move(key), generation});
      }
      if (uid.is_bool() && !uid.as_bool()) {
        return loginRefused(
            "common.authenticate answered false: a wrong or expired API key, "
            "or no such user");
      }
      OdooReply bad;
      bad.kind = Kind::kMalformed;
      bad.message = "common.authenticate answered " + reply.result_json;
      sessionFailed(bad, "login failed");
    });
  }

  // JSON-2 has no login call: the key goes with every request. A search_read of the user
  // proves the key, the database and the login (401 for a wrong key, 404 HTML for a wrong
  // database: ODOO19 §1.1).
  void loginJson2(OdooServerInfo info, std::string key, uint64_t generation) {
    OdooCall call;
    call.model = "res.users";
    call.method = "search_read";
    json::array domain{
        json::array{json::string("login"), json::string("="), json::string(config_.odoo.user)}};
    json::object kwargs;
    kwargs["domain"] = std::move(domain);
    kwargs["fields"] = json::array{json::string("id")};
    kwargs["limit"] = 1;
    call.kwargs_json = json::serialize(kwargs);
    auto request = json2Request(call, key, {});
    if (!request.isOk()) {
      OdooReply bad;
      bad.kind = Kind::kMalformed;
      bad.message = request.status().message();
      return sessionFailed(bad, "login failed");
    }
    http_->requestAsync(
        std::move(request).value(), [this, info = std::move(info), key = std::move(key),
                                     generation](const HttpClientResult& http) mutable {
          const OdooReply reply = decodeJson2Response(http);
          if (reply.kind == Kind::kOdooError && reply.error_name == kUnauthorized) {
            return loginRefused(
                fmt::format("HTTP {} {}: {}", reply.http_status, reply.error_name, reply.message));
          }
          if (reply.kind == Kind::kHttpError && reply.http_status == 404) {
            OdooReply db = reply;
            db.message = fmt::format("database '{}' not found on {} ({})", config_.odoo.db,
                                     http_->authority(), reply.message);
            return sessionFailed(db, "login failed");
          }
          if (reply.kind != Kind::kResult) return sessionFailed(reply, "login failed");
          const json::value users = json::parse(reply.result_json);
          if (users.is_array() && !users.as_array().empty() && users.as_array()[0].is_object()) {
            const json::value* id = users.as_array()[0].as_object().if_contains("id");
            if (id != nullptr && id->is_int64()) {
              info.uid = id->as_int64();
              return sessionReady(Session{std::move(info), std::move(key), generation});
            }
          }
          loginRefused("the API key was accepted, but no user with that login is visible");
        });
  }

  void loginRefused(const std::string& detail) {
    metrics_.logins_refused.inc();
    const std::string message = fmt::format(
        "Odoo login failed for user '{}' on database '{}' at {}: {}. Check the API key in {} "
        "(keys expire; a rotated key is used as soon as it is there)",
        config_.odoo.user, config_.odoo.db, http_->authority(), detail,
        credentials_->describeSource());
    logOnce(spdlog::level::err, message);
    SessionOutcome outcome;
    outcome.failure.outcome = DeliveryResult::reject(message);
    outcome.failure.error_name = kAccessDenied;
    outcome.status = Status::unauthenticated(message);
    failWaiters(outcome);
  }

  void sessionFailed(const OdooReply& reply, const char* what) {
    DeliveryResult r = classifyOdooReply(reply, clock_.now(), options_.max_message_bytes);
    const std::string message = fmt::format("odoo target '{}' ({} at {}): {}: {}", config_.name,
                                            config_.odoo.db, http_->authority(), what, r.message);
    logOnce(spdlog::level::warn, message);
    if (reply.kind == Kind::kTransport) forgetVersionIfDown(reply);
    r.message = message;
    SessionOutcome outcome;
    outcome.status = statusFor(r);
    outcome.failure = resultFrom(reply, std::move(r));
    failWaiters(outcome);
  }

  void failWaiters(const SessionOutcome& outcome) {
    std::vector<SessionWaiter> waiters;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      connecting_ = false;
      waiters.swap(waiters_);
    }
    for (auto& w : waiters) w(outcome);
  }

  void sessionReady(Session session) {
    metrics_.logins_ok.inc();
    std::vector<SessionWaiter> waiters;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      session_ = session;
      connecting_ = false;
      waiters.swap(waiters_);
      metrics_.serverInfo(session.info);
      last_logged_.clear();
    }
    spdlog::info(
        "odoo target '{}': logged in to Odoo {} at {} as '{}' (uid {}) on database '{}', "
        "protocol {}{}",
        config_.name, session.info.version, http_->authority(), config_.odoo.user, session.info.uid,
        config_.odoo.db, odooProtocolName(session.info.protocol),
        session.info.detected ? "" : " (version from the config)");
    SessionOutcome outcome;
    outcome.session = std::move(session);
    for (auto& w : waiters) w(outcome);
  }

  // After Odoo could not be reached at all, its version is detected again (it may have been
  // upgraded while it was down).
  void forgetVersionIfDown(const OdooReply& reply) {
    if (reply.failure != TransportFailure::kConnectRefused) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (version_detected_) version_.reset();
    session_.reset();
  }

  void logOnce(spdlog::level::level_enum level, const std::string& message) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (message == last_logged_) return;
      last_logged_ = message;
    }
    spdlog::log(level, "{}", message);
  }

  // ---- calls ----

  Result<HttpClientRequest> json2Request(const OdooCall& call, const std::string& key,
                                         const OdooCallMeta& meta) const {
    auto encoded = encodeJson2Request(call, prefix_);
    if (!encoded.isOk()) return encoded.status();
    HttpClientRequest req;
    req.target = std::move(encoded->target);
    req.body = std::move(encoded->body);
    req.headers = {{"Content-Type", "application/json"},
                   {"Authorization", "bearer " + key},
                   {"X-Odoo-Database", config_.odoo.db}};
    addMeta(req, meta);
    return req;
  }

  static void addMeta(HttpClientRequest& req, const OdooCallMeta& meta) {
    if (!meta.idempotency_key.empty())
      req.headers.push_back({"Idempotency-Key", meta.idempotency_key});
    if (!meta.correlation_id.empty()) {
      req.headers.push_back({"X-Plantbridge-Correlation-Id", meta.correlation_id});
    }
  }

  void execute(OdooCall call, OdooCallMeta meta, const Session& session, bool after_reload,
               OdooCallback done, SteadyTime started) {
    const OdooProtocol protocol = session.info.protocol;
    const int64_t id = next_id_++;
    Result<HttpClientRequest> request = Status::internal("unset");
    if (protocol == OdooProtocol::kJsonRpc) {
      auto body = encodeExecuteKwRequest(id, config_.odoo.db, session.info.uid, session.key, call);
      if (body.isOk()) {
        HttpClientRequest req;
        req.target = prefix_ + "/jsonrpc";
        req.headers = {{"Content-Type", "application/json"}};
        req.body = std::move(body).value();
        addMeta(req, meta);
        request = std::move(req);
      } else {
        request = body.status();
      }
    } else {
      request = json2Request(call, session.key, meta);
    }
    if (!request.isOk()) {
      OdooCallResult r;
      r.outcome = DeliveryResult::reject(fmt::format("cannot send {}.{} to Odoo: {}", call.model,
                                                     call.method, request.status().message()));
      return finish(done, r, started);
    }
    // A write must not be sent twice because a pooled connection looked stale.
    request->resend_on_stale_connection = false;
    const uint64_t generation = session.generation;
    http_->requestAsync(std::move(request).value(), [this, id, protocol, generation, after_reload,
                                                     call = std::move(call), meta = std::move(meta),
                                                     done = std::move(done), started](
                                                        const HttpClientResult& http) mutable {
      const OdooReply reply = protocol == OdooProtocol::kJsonRpc ? decodeJsonRpcResponse(http, id)
                                                                 : decodeJson2Response(http);
      if (reply.kind == Kind::kOdooError &&
          (reply.error_name == kAccessDenied || reply.error_name == kUnauthorized)) {
        return keyRefused(reply, generation, after_reload, std::move(call), std::move(meta),
                          std::move(done), started);
      }
      if (reply.kind == Kind::kTransport) forgetVersionIfDown(reply);
      if (reply.kind == Kind::kOdooError) metrics_.error(reply.error_name);
      finish(done,
             resultFrom(reply, classifyOdooReply(reply, clock_.now(), options_.max_message_bytes)),
             started);
    });
  }

  // Odoo refused the key the session logged in with: the key may have been rotated since.
  // Re-read it; with a new key, log in again and repeat the call once. Otherwise the call is
  // rejected (AccessDenied is permanent) with a message naming the user and the database.
  void keyRefused(const OdooReply& reply, uint64_t generation, bool after_reload, OdooCall call,
                  OdooCallMeta meta, OdooCallback done, SteadyTime started) {
    metrics_.error(reply.error_name);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (session_ && session_->generation == generation) session_.reset();
    }
    auto changed = credentials_->reload();
    const bool rotated = (changed.isOk() && *changed) || credentials_->generation() != generation;
    if (rotated && !after_reload) {
      ensureSession([this, call = std::move(call), meta = std::move(meta), done = std::move(done),
                     started](const SessionOutcome& s) mutable {
        if (!s.session) return finish(done, s.failure, started);
        execute(std::move(call), std::move(meta), *s.session, true, std::move(done), started);
      });
      return;
    }
    const std::string message = fmt::format(
        "Odoo refused the API key of user '{}' on database '{}' at {} ({}: {}). Check the key "
        "in {}",
        config_.odoo.user, config_.odoo.db, http_->authority(), reply.error_name, reply.message,
        credentials_->describeSource());
    logOnce(spdlog::level::err, message);
    OdooCallResult r = resultFrom(reply, DeliveryResult::reject(message, reply.http_status));
    finish(done, r, started);
  }

  void finish(OdooCallback& done, const OdooCallResult& result, SteadyTime started) {
    const auto elapsed = clock_.steadyNow() - started;
    metrics_.latency.observe(std::chrono::duration<double>(elapsed).count());
    switch (result.outcome.kind) {
      case DeliveryResult::Kind::kDelivered:
        metrics_.delivered.inc();
        break;
      case DeliveryResult::Kind::kRetry:
        metrics_.retried.inc();
        break;
      case DeliveryResult::Kind::kReject:
        metrics_.rejected.inc();
        break;
    }
    OdooCallback callback = std::move(done);
    callback(result);
  }

  const TargetConfig config_;
  const Clock& clock_;
  const OdooClientOptions options_;
  std::unique_ptr<OdooCredentials> credentials_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<MetricsRegistry> own_metrics_;
  OdooMetrics metrics_;
  std::string prefix_;  // the URL's path without a trailing '/'
  std::atomic<int64_t> next_id_{1};

  mutable std::mutex mutex_;
  std::optional<OdooVersion> version_;
  bool version_detected_ = false;
  std::optional<Session> session_;
  bool connecting_ = false;
  std::vector<SessionWaiter> waiters_;
  std::string last_logged_;
};

}  // namespace

Result<std::unique_ptr<OdooClient>> makeOdooClient(const TargetConfig& config, const Clock& clock,
                                                   MetricsRegistry* metrics,
                                                   OdooClientOptions options) {
  const std::string key = "targets." + config.name;
  const OdooTargetConfig& odoo = config.odoo;
  if (odoo.db.empty()) return Status::invalidArgument(key + ".db: the database name is missing");
  if (odoo.timeout.count() <= 0) return Status::invalidArgument(key + ".timeout: must be positive");
  OdooCredentialSource source;
  source.user = odoo.user;
  source.key_file = odoo.api_key_file;
  source.key_env = odoo.api_key_file.empty() ? odoo.api_key_env : std::string();
  source.key = odoo.api_key;
  source.config_key = key;
  auto credentials = OdooCredentials::create(std::move(source));
  if (!credentials.isOk()) return credentials.status();

  HttpClientOptions http;
  http.url = odoo.url;
  http.config_key = key;
  http.ca_file = odoo.ca_file;
  http.request_timeout = odoo.timeout;
  http.connect_timeout = std::min(options.connect_timeout, odoo.timeout);
  http.max_idle_connections = static_cast<size_t>(std::max(1, config.concurrency));
  http.max_idle = options.max_idle;
  http.max_response_body_bytes = options.max_response_body_bytes;
  auto client = makeHttpClient(http);
  if (!client.isOk()) return client.status();
  if ((*client)->urlTarget().find_first_of("?#") != std::string::npos) {
    return Status::invalidArgument(key + ".url: must not have a query: give the server's base URL");
  }
  return std::unique_ptr<OdooClient>(std::make_unique<OdooClientImpl>(
      config, clock, metrics, options, std::move(credentials).value(), std::move(client).value()));
}

}  // namespace pb
