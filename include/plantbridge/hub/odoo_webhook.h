// The receiver of Odoo automation webhooks (docs/targets/odoo.md, "Changes from Odoo:
// webhooks"):
//
//   POST /v1/hooks/odoo/{secret}   no token: Odoo's webhook action sends no header we choose
//
// Odoo (17+) posts {"_action": "...(#id)", "_id": <record id>, "_model": "<model>", ...the
// selected fields} with no signature; Odoo 18 posts inside its transaction (which may still
// roll back, and waits up to 1 s for the answer), Odoo 19 after its commit; neither retries.
// So a request is only a hint that a record changed: the receiver checks the secret (in
// constant time; a wrong one is answered exactly like an unknown path, 404), validates `_model`
// and `_id` (400 naming the field), hands (model, id) to `hint` (which must only queue) and
// answers 200 at once. Fields other than `_model` and `_id` are ignored: the record is re-read.
//
// Answers: 200 {"status":"queued"|"duplicate"}; 400 {"error":{"code":"bad_request",
// "message","field"}}; 404 as the Router's; 503 {"error":{"code":"queue_full",...}}.
//
// Thread-safety: handle() from any thread; setSecret() from any thread (rotation).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/status.h"
#include "plantbridge/http/router.h"

namespace pb {

enum class OdooHintOutcome { kQueued, kDuplicate, kQueueFull };

struct OdooWebhookOptions {
  std::string secret;               // the URL's last segment; required, never logged
  std::vector<std::string> models;  // the `_model` values accepted
  // Queues a re-read of (model, id); called on an I/O thread, so it must not block.
  std::function<OdooHintOutcome(std::string_view model, int64_t id)> hint;
};

class OdooWebhookReceiver {
 public:
  OdooWebhookReceiver(OdooWebhookOptions options, MetricsRegistry& metrics);
  ~OdooWebhookReceiver();
  OdooWebhookReceiver(const OdooWebhookReceiver&) = delete;
  OdooWebhookReceiver& operator=(const OdooWebhookReceiver&) = delete;

  // Registers the route above; the receiver must outlive the router's use.
  Status registerRoutes(Router& router);
  // A rotated secret (config reload); the old one stops working at once.
  void setSecret(std::string secret);

  void handle(const HttpRequest& request, const PathParams& params, const Responder& respond);

 private:
  struct Metrics;
  OdooWebhookOptions options_;
  std::unique_ptr<Metrics> metrics_;
  mutable std::mutex secret_mutex_;  // options_.secret
};

}  // namespace pb
