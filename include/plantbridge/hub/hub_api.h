// The hub's HTTP API: ingest, the admin API and the operational endpoints, registered on a
// Router. The HubApi holds no threads of its own; it borrows its dependencies, which must
// outlive it (and it must outlive the server that routes to it).
//
//   POST   /v1/events                      ingest       JSON array, object or NDJSON
//   GET    /v1/events/{id}                 read         the event's whole story
//   GET    /v1/dead-letters                read|operate ?before=<seq>&limit=<n>
//   GET    /v1/dead-letters/{id}           read|operate
//   POST   /v1/dead-letters/{id}/retry     operate      audited
//   DELETE /v1/dead-letters/{id}           operate      audited
//   GET    /v1/exceptions                  read         ?limit=<n>
//   GET    /metrics                        none (or read, see options)
//   GET    /healthz                        none         the process is alive
//   GET    /readyz                         none         store usable, backlog under the mark
//
// With master_data.webhook_secret_*, the hub also registers POST /v1/hooks/odoo/{secret}
// (plantbridge/hub/odoo_webhook.h): Odoo automation webhooks as hints for the master-data sync.
//
// A transaction id ("<event id>/<route>") may be given with its '/' as is or as %2F.
//
// Ingest answers (every error in the shape {"error":{"code","message",...}}):
//   200 per-record results {"results":[{"index","id","status":"accepted"|"duplicate"|
//       "rejected","errors":[{"field","message"}]}],"accepted":n,"duplicates":n,"rejected":n},
//       sent only after the accepted records are durable in the journal;
//   422 the same body when every record was rejected;
//   400 the body is not JSON ("offset", "line", "column" say where);
//   401 (WWW-Authenticate) / 403; 413 body over max_body_bytes, more records than
//   max_records_per_request, or more than the token's rate-limit burst; 429 (Retry-After)
//   over the token's rate; 503 (Retry-After) backlog over the high-water mark, or the store
//   failed to append (nothing of the request was journaled).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/http/router.h"
#include "plantbridge/http/server.h"
#include "plantbridge/hub/auth.h"
#include "plantbridge/model/event_codec.h"
#include "plantbridge/pipeline/schema_registry.h"
#include "plantbridge/store/store.h"

namespace pb {

struct HubApiOptions {
  size_t max_body_bytes = size_t{8} * 1024 * 1024;
  size_t max_records_per_request = 10000;
  // Journal backlog (journaled, not yet processed) above which ingest answers 503; <= 0: none.
  int64_t high_water_mark = 1'000'000;
  // The backlog is read from the store at most this often (between reads, accepted records
  // are added to the cached value; the pipeline may also report it with noteBacklog()).
  std::chrono::milliseconds backlog_refresh{100};
  std::chrono::seconds overload_retry_after{1};  // Retry-After of 503 answers
  bool metrics_require_auth = false;             // /metrics needs scope read when true
  DecodeLimits decode_limits;
  size_t default_page_size = 50;
  size_t max_page_size = 500;
};

// The ingest limits and high-water mark from the config.
HubApiOptions hubApiOptionsFrom(const Config& config);
// Listener settings from the config (TLS files, body limit, threads); timeouts default.
HttpServerOptions httpServerOptionsFrom(const ServerConfig& server);

struct HubApiHooks {
  // After a journal append that accepted records; called on the store's writer thread, so it
  // must only signal (e.g. wake the pipeline), never block.
  std::function<void()> on_appended;
  // After a dead letter was moved back to pending (wake dispatch). On an I/O thread.
  std::function<void()> on_requeued;
};

class HubApi {
 public:
  HubApi(HubApiOptions options, Store& store, const SchemaRegistry& schemas, Authenticator& auth,
         MetricsRegistry& metrics, const Clock& clock, HubApiHooks hooks = {});
  ~HubApi();
  HubApi(const HubApi&) = delete;
  HubApi& operator=(const HubApi&) = delete;

  // Registers every route above. Fails only if one is registered already.
  Status registerRoutes(Router& router);

  // The pipeline reports the backlog it sees (cheaper and fresher than a store read).
  void noteBacklog(int64_t backlog);
  int64_t cachedBacklog() const;
  // While draining (SIGTERM), /readyz answers 503 so load balancers stop sending; ingest
  // itself keeps working until the server stops.
  void setDraining(bool draining);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb
