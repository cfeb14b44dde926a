// HubApi's state, shared by hub_api.cc (wiring, auth, operations endpoints),
// ingest_handler.cc and admin_handlers.cc. Private to src/hub.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>

#include "plantbridge/hub/hub_api.h"

namespace pb {

// Declared once, updated lock-free (CONVENTIONS: every component declares its metrics in
// one place).
struct IngestMetrics {
  explicit IngestMetrics(MetricsRegistry& registry);
  // The counter for an answer's status code ("other" for codes not listed).
  Counter& requests(int status);

  static constexpr std::array<int, 11> kStatuses = {200, 400, 401, 403, 413, 415,
                                                    422, 429, 500, 503, 0};
  std::array<Counter*, kStatuses.size()> requests_by_status{};
  Counter* accepted = nullptr;
  Counter* duplicates = nullptr;
  Counter* rejected = nullptr;
  Counter* body_bytes = nullptr;
  Histogram* latency = nullptr;
};

struct AdminMetrics {
  explicit AdminMetrics(MetricsRegistry& registry);
  Counter* dlq_retry = nullptr;
  Counter* dlq_discard = nullptr;
  Counter* denied = nullptr;
};

struct HubApi::Impl {
  Impl(HubApiOptions options, Store& store, const SchemaRegistry& schemas, Authenticator& auth,
       MetricsRegistry& metrics, const Clock& clock, HubApiHooks hooks);
  ~Impl();

  // Authenticates and checks that the principal has one of `any_of`. On failure fills
  // `failure` (401 with WWW-Authenticate, or 403) and returns nullopt.
  std::optional<Principal> authorize(const HttpRequest& request,
                                     std::initializer_list<Scope> any_of,
                                     HttpResponse& failure) const;

  // Backlog (cached; see HubApiOptions::backlog_refresh).
  int64_t backlog();
  bool overloaded(int64_t* backlog_out);
  HttpResponse overloadedAnswer(int64_t backlog) const;

  // The store's health as seen by appends, for /readyz.
  void noteStoreFailure(const Status& status);
  void noteStoreSuccess();
  std::optional<std::string> recentStoreFailure() const;

  // Appends in flight: the destructor waits for their callbacks.
  void appendStarted();
  void appendFinished();

  int64_t steadyMicros() const;

  // Handlers. ingest() answers from the store's writer thread, so it owns its responder; the
  // others answer before they return.
  void ingest(const HttpRequest& request, Responder respond);
  void showEvent(const HttpRequest& request, const PathParams& params, const Responder& respond);
  void listDeadLetters(const HttpRequest& request, const Responder& respond);
  void showDeadLetter(const HttpRequest& request, const PathParams& params,
                      const Responder& respond);
  void retryDeadLetter(const HttpRequest& request, const PathParams& params,
                       const Responder& respond);
  void discardDeadLetter(const HttpRequest& request, const PathParams& params,
                         const Responder& respond);
  void listExceptions(const HttpRequest& request, const Responder& respond);
  // The shared shape of dead-letter retry and discard: authorize (operate), act, audit
  // (accepted or not, and refusals of known tokens), answer.
  void deadLetterAction(const HttpRequest& request, const std::string& id, const char* action,
                        const char* new_state, Counter* done, const std::function<Status()>& act,
                        const Responder& respond);
  void metricsText(const HttpRequest& request, const Responder& respond);
  void healthz(const HttpRequest& request, const Responder& respond);
  void readyz(const HttpRequest& request, const Responder& respond);

  const HubApiOptions options;
  Store& store;
  const SchemaRegistry& schemas;
  Authenticator& auth;
  MetricsRegistry& metrics;
  const Clock& clock;
  const HubApiHooks hooks;
  IngestMetrics ingest_metrics;
  AdminMetrics admin_metrics;

  std::atomic<int64_t> cached_backlog{0};
  std::atomic<int64_t> backlog_read_at_us;  // steady µs of the last store read
  std::atomic<bool> draining{false};

  mutable std::mutex store_health_mutex;
  std::string last_store_error;
  int64_t last_store_error_at_us = 0;  // steady µs; 0: none since the last success

  std::mutex in_flight_mutex;
  std::condition_variable in_flight_cv;
  int64_t appends_in_flight = 0;
};

// Maps a store error to an HTTP status: NotFound 404, InvalidArgument 400, Unavailable and
// ResourceExhausted 503, else 500.
HttpResponse storeErrorAnswer(const Status& status);

}  // namespace pb
