#include "plantbridge/hub/hub_api.h"

#include <spdlog/spdlog.h>

#include <limits>

#include "hub_api_impl.h"

namespace pb {

namespace {

// A store failure keeps /readyz at 503 this long unless an append succeeds meanwhile.
constexpr int64_t kStoreFailureMemoryUs = 5'000'000;

std::string scopeList(std::initializer_list<Scope> scopes) {
  std::string out;
  for (Scope s : scopes) {
    if (!out.empty()) out += "' or '";
    out += scopeName(s);
  }
  return "'" + out + "'";
}

}  // namespace

IngestMetrics::IngestMetrics(MetricsRegistry& registry) {
  const std::string requests_help = "Ingest requests answered, by HTTP status.";
  for (size_t i = 0; i < kStatuses.size(); ++i) {
    const std::string label = kStatuses[i] == 0 ? "other" : std::to_string(kStatuses[i]);
    requests_by_status[i] =
        &registry.counter("plantbridge_ingest_requests_total", requests_help, {{"status", label}});
  }
  const std::string records_help = "Ingested records, by result.";
  accepted =
      &registry.counter("plantbridge_ingest_records_total", records_help, {{"result", "accepted"}});
  duplicates = &registry.counter("plantbridge_ingest_records_total", records_help,
                                 {{"result", "duplicate"}});
  rejected =
      &registry.counter("plantbridge_ingest_records_total", records_help, {{"result", "rejected"}});
  body_bytes = &registry.counter("plantbridge_ingest_body_bytes_total",
                                 "Bytes of ingest request bodies received.");
  latency = &registry.histogram(
      "plantbridge_ingest_request_duration_seconds",
      "Ingest request latency, from the handler's start to the answer (after the journal commit).");
}

Counter& IngestMetrics::requests(int status) {
  for (size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return *requests_by_status[i];
  }
  return *requests_by_status.back();
}

AdminMetrics::AdminMetrics(MetricsRegistry& registry) {
  const std::string help = "Admin API actions, by action and result.";
  dlq_retry = &registry.counter("plantbridge_admin_actions_total", help,
                                {{"action", "dlq.retry"}, {"result", "done"}});
  dlq_discard = &registry.counter("plantbridge_admin_actions_total", help,
                                  {{"action", "dlq.discard"}, {"result", "done"}});
  denied = &registry.counter("plantbridge_admin_actions_total", help,
                             {{"action", "any"}, {"result", "denied"}});
}

HubApi::Impl::Impl(HubApiOptions opts, Store& s, const SchemaRegistry& sr, Authenticator& a,
                   MetricsRegistry& m, const Clock& c, HubApiHooks h)
    : options(opts),
      store(s),
      schemas(sr),
      auth(a),
      metrics(m),
      clock(c),
      hooks(std::move(h)),
      ingest_metrics(m),
      admin_metrics(m),
      backlog_read_at_us(std::numeric_limits<int64_t>::min()) {}

HubApi::Impl::~Impl() {
  std::unique_lock lock(in_flight_mutex);
  in_flight_cv.wait(lock, [this] { return appends_in_flight == 0; });
}

void HubApi::Impl::appendStarted() {
  std::lock_guard lock(in_flight_mutex);
  ++appends_in_flight;
}

void HubApi::Impl::appendFinished() {
  std::lock_guard lock(in_flight_mutex);
  --appends_in_flight;
  in_flight_cv.notify_all();
}

int64_t HubApi::Impl::steadyMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock.steadyNow().time_since_epoch())
      .count();
}

std::optional<Principal> HubApi::Impl::authorize(const HttpRequest& request,
                                                 std::initializer_list<Scope> any_of,
                                                 HttpResponse& failure) const {
  const std::string_view header = request.header("Authorization");
  auto principal = auth.authenticate(header);
  if (!principal.isOk()) {
    failure = HttpResponse::error(401, "unauthenticated", principal.status().message());
    failure.headers.add("WWW-Authenticate",
                        header.empty() ? R"(Bearer realm="plantbridge")"
                                       : R"(Bearer realm="plantbridge", error="invalid_token")");
    return std::nullopt;
  }
  for (Scope s : any_of) {
    if (principal->has(s)) return std::move(principal).value();
  }
  failure = HttpResponse::error(
      403, "forbidden", "token '" + principal->name + "' lacks the scope " + scopeList(any_of));
  return std::nullopt;
}

int64_t HubApi::Impl::backlog() {
  const int64_t now = steadyMicros();
  int64_t read_at = backlog_read_at_us.load(std::memory_order_relaxed);
  const int64_t refresh =
      std::chrono::duration_cast<std::chrono::microseconds>(options.backlog_refresh).count();
  const bool stale = read_at == std::numeric_limits<int64_t>::min() || now - read_at >= refresh;
  // One caller refreshes; the others use the cached value meanwhile.
  if (stale && backlog_read_at_us.compare_exchange_strong(read_at, now)) {
    auto fresh = store.pipeline().backlog();
    if (fresh.isOk()) {
      cached_backlog.store(*fresh, std::memory_order_relaxed);
    } else {
      spdlog::warn("ingest: cannot read the pipeline backlog: {}", fresh.status().toString());
    }
  }
  return cached_backlog.load(std::memory_order_relaxed);
}

bool HubApi::Impl::overloaded(int64_t* backlog_out) {
  if (options.high_water_mark <= 0) return false;
  const int64_t b = backlog();
  if (backlog_out != nullptr) *backlog_out = b;
  return b > options.high_water_mark;
}

HttpResponse HubApi::Impl::overloadedAnswer(int64_t backlog_now) const {
  HttpResponse r =
      HttpResponse::error(503, "overloaded",
                          "the pipeline backlog (" + std::to_string(backlog_now) +
                              " events) is over its high-water "
                              "mark (" +
                              std::to_string(options.high_water_mark) + "); retry later");
  r.headers.add("Retry-After",
                std::to_string(std::max<int64_t>(1, options.overload_retry_after.count())));
  return r;
}

void HubApi::Impl::noteStoreFailure(const Status& status) {
  std::lock_guard lock(store_health_mutex);
  last_store_error = status.toString();
  last_store_error_at_us = std::max<int64_t>(1, steadyMicros());
}

void HubApi::Impl::noteStoreSuccess() {
  std::lock_guard lock(store_health_mutex);
  last_store_error_at_us = 0;
}

std::optional<std::string> HubApi::Impl::recentStoreFailure() const {
  std::lock_guard lock(store_health_mutex);
  if (last_store_error_at_us == 0) return std::nullopt;
  if (steadyMicros() - last_store_error_at_us > kStoreFailureMemoryUs) return std::nullopt;
  return last_store_error;
}

HttpResponse storeErrorAnswer(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return HttpResponse::error(404, "not_found", status.message());
    case StatusCode::kInvalidArgument:
      return HttpResponse::error(400, "bad_request", status.message());
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted: {
      HttpResponse r = HttpResponse::error(503, "store_unavailable", status.message());
      r.headers.add("Retry-After", "1");
      return r;
    }
    default:
      spdlog::error("admin API: store error: {}", status.toString());
      return HttpResponse::error(500, "internal", status.toString());
  }
}

void HubApi::Impl::metricsText(const HttpRequest& request, const Responder& respond) {
  if (options.metrics_require_auth) {
    HttpResponse failure;
    if (!authorize(request, {Scope::kRead}, failure)) {
      respond(std::move(failure));
      return;
    }
  }
  respond(HttpResponse::text(200, metrics.render(), "text/plain; version=0.0.4; charset=utf-8"));
}

void HubApi::Impl::healthz(const HttpRequest&, const Responder& respond) {
  respond(HttpResponse::json(200, R"({"status":"alive"})"));
}

void HubApi::Impl::readyz(const HttpRequest&, const Responder& respond) {
  auto not_ready = [&](std::string_view code, const std::string& reason) {
    std::string body = R"({"status":"not_ready","code":)";
    appendJsonString(body, code);
    body += R"(,"reason":)";
    appendJsonString(body, reason);
    body += "}";
    respond(HttpResponse::json(503, std::move(body)));
  };
  if (draining.load()) {
    not_ready("draining", "the hub is shutting down");
    return;
  }
  // A direct read (not the cache): the answer says whether the store answers now.
  auto fresh = store.pipeline().backlog();
  if (!fresh.isOk()) {
    not_ready("store_unavailable", "store: " + fresh.status().toString());
    return;
  }
  cached_backlog.store(*fresh, std::memory_order_relaxed);
  if (auto failure = recentStoreFailure()) {
    not_ready("store_unavailable", "store: the last journal append failed: " + *failure);
    return;
  }
  if (options.high_water_mark > 0 && *fresh > options.high_water_mark) {
    not_ready("overloaded", "the pipeline backlog (" + std::to_string(*fresh) +
                                " events) is over its high-water mark (" +
                                std::to_string(options.high_water_mark) + ")");
    return;
  }
  respond(
      HttpResponse::json(200, R"({"status":"ready","backlog":)" + std::to_string(*fresh) + "}"));
}

HubApiOptions hubApiOptionsFrom(const Config& config) {
  HubApiOptions options;
  options.max_body_bytes = config.server.max_body_bytes;
  options.max_records_per_request = config.server.max_records_per_request;
  options.high_water_mark = config.store.high_water_mark;
  return options;
}

HttpServerOptions httpServerOptionsFrom(const ServerConfig& server) {
  HttpServerOptions options;
  options.host = server.host;
  options.port = server.port;
  if (server.tls) {
    options.tls_cert_file = server.tls->cert_file;
    options.tls_key_file = server.tls->key_file;
  }
  options.max_body_bytes = server.max_body_bytes;
  options.threads = server.threads;
  return options;
}

HubApi::HubApi(HubApiOptions options, Store& store, const SchemaRegistry& schemas,
               Authenticator& auth, MetricsRegistry& metrics, const Clock& clock, HubApiHooks hooks)
    : impl_(std::make_unique<Impl>(options, store, schemas, auth, metrics, clock,
                                   std::move(hooks))) {}

HubApi::~HubApi() = default;

Status HubApi::registerRoutes(Router& router) {
  Impl* impl = impl_.get();
  // ingest() answers later, from the store's writer thread, so it takes the responder over; the
  // other handlers answer before they return.
  auto ingest = [impl](const HttpRequest& r, const PathParams&, Responder respond) {
    impl->ingest(r, std::move(respond));
  };
  using Plain = void (Impl::*)(const HttpRequest&, const Responder&);
  using WithParams = void (Impl::*)(const HttpRequest&, const PathParams&, const Responder&);
  auto plain = [impl](Plain fn) {
    return [impl, fn](const HttpRequest& r, const PathParams&, const Responder& respond) {
      (impl->*fn)(r, respond);
    };
  };
  auto with_params = [impl](WithParams fn) {
    return [impl, fn](const HttpRequest& r, const PathParams& p, const Responder& respond) {
      (impl->*fn)(r, p, respond);
    };
  };
  PB_RETURN_IF_ERROR(router.add("POST", "/v1/events", ingest));
  PB_RETURN_IF_ERROR(router.add("GET", "/v1/events/{id}", with_params(&Impl::showEvent)));
  PB_RETURN_IF_ERROR(router.add("GET", "/v1/dead-letters", plain(&Impl::listDeadLetters)));
  PB_RETURN_IF_ERROR(
      router.add("GET", "/v1/dead-letters/{id...}", with_params(&Impl::showDeadLetter)));
  PB_RETURN_IF_ERROR(
      router.add("POST", "/v1/dead-letters/{id...}/retry", with_params(&Impl::retryDeadLetter)));
  PB_RETURN_IF_ERROR(
      router.add("DELETE", "/v1/dead-letters/{id...}", with_params(&Impl::discardDeadLetter)));
  PB_RETURN_IF_ERROR(router.add("GET", "/v1/exceptions", plain(&Impl::listExceptions)));
  PB_RETURN_IF_ERROR(router.add("GET", "/metrics", plain(&Impl::metricsText)));
  PB_RETURN_IF_ERROR(router.add("GET", "/healthz", plain(&Impl::healthz)));
  PB_RETURN_IF_ERROR(router.add("GET", "/readyz", plain(&Impl::readyz)));
  return Status::ok();
}

void HubApi::noteBacklog(int64_t backlog) {
  impl_->cached_backlog.store(backlog, std::memory_order_relaxed);
}

int64_t HubApi::cachedBacklog() const {
  return impl_->cached_backlog.load(std::memory_order_relaxed);
}

void HubApi::setDraining(bool draining) { impl_->draining.store(draining); }

}  // namespace pb
