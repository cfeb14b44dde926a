#include "plantbridge/hub/odoo_webhook.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "plantbridge/common/crypto.h"
#include "plantbridge/common/json_text.h"

namespace pb {
namespace {

namespace json = boost::json;

// Must read as the sync's (targets/odoo) registration of the same family.
constexpr std::string_view kHintsHelp =
    "Odoo automation webhooks (hints), by result: received, deduplicated, rejected, queue_full, "
    "reread, reread_failed.";
constexpr std::string_view kFamily = "plantbridge_odoo_webhook_hints_total";

HttpResponse badRequest(std::string_view field, std::string_view message) {
  std::string body = R"({"error":{"code":"bad_request","message":)";
  appendJsonString(body, std::string(field) + ": " + std::string(message));
  body += R"(,"field":)";
  appendJsonString(body, field);
  body += "}}";
  return HttpResponse::json(400, std::move(body));
}

std::string modelList(const std::vector<std::string>& models) {
  std::string out;
  for (const std::string& m : models) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

}  // namespace

struct OdooWebhookReceiver::Metrics {
  explicit Metrics(MetricsRegistry& registry)
      : received(counter(registry, "received")),
        deduplicated(counter(registry, "deduplicated")),
        rejected(counter(registry, "rejected")),
        queue_full(counter(registry, "queue_full")) {}
  static Counter& counter(MetricsRegistry& registry, const char* result) {
    return registry.counter(std::string(kFamily), std::string(kHintsHelp), {{"result", result}});
  }
  Counter& received;      // valid hints (queued or deduplicated)
  Counter& deduplicated;  // of those, collapsed into a queued re-read
  Counter& rejected;      // wrong secret or malformed body
  Counter& queue_full;
};

OdooWebhookReceiver::OdooWebhookReceiver(OdooWebhookOptions options, MetricsRegistry& metrics)
    : options_(std::move(options)), metrics_(std::make_unique<Metrics>(metrics)) {}

OdooWebhookReceiver::~OdooWebhookReceiver() = default;

Status OdooWebhookReceiver::registerRoutes(Router& router) {
  return router.add("POST", "/v1/hooks/odoo/{secret}",
                    [this](const HttpRequest& r, const PathParams& p, const Responder& respond) {
                      handle(r, p, respond);
                    });
}

void OdooWebhookReceiver::setSecret(std::string secret) {
  std::lock_guard lock(secret_mutex_);
  options_.secret = std::move(secret);
}

void OdooWebhookReceiver::handle(const HttpRequest& request, const PathParams& params,
                                 const Responder& respond) {
  bool authentic = false;
  {
    std::lock_guard lock(secret_mutex_);
    authentic =
        !options_.secret.empty() && constantTimeEquals(params.get("secret"), options_.secret);
  }
  if (!authentic) {
    // Exactly the Router's answer to an unknown path: nothing says that the route exists.
    metrics_->rejected.inc();
    spdlog::warn("odoo webhook from {}: wrong secret; answered 404", request.remote_address);
    respond(HttpResponse::error(404, "not_found",
                                "no route for " + request.method + " " + request.path));
    return;
  }
  auto reject = [&](std::string_view field, std::string_view message) {
    metrics_->rejected.inc();
    spdlog::warn("odoo webhook from {}: {}: {}; answered 400", request.remote_address, field,
                 message);
    respond(badRequest(field, message));
  };
  boost::system::error_code ec;
  const json::value body = json::parse(request.body, ec);
  if (ec) {
    reject("body", "not JSON (" + ec.message() + ")");
    return;
  }
  if (!body.is_object()) {
    reject("body", "must be a JSON object as Odoo's webhook action sends it");
    return;
  }
  const json::object& payload = body.as_object();
  const json::value* model_value = payload.if_contains("_model");
  if (model_value == nullptr) {
    reject("_model", "missing");
    return;
  }
  if (!model_value->is_string()) {
    reject("_model", "must be a string (an Odoo model name)");
    return;
  }
  const std::string model(model_value->as_string());
  if (std::find(options_.models.begin(), options_.models.end(), model) == options_.models.end()) {
    reject("_model", "'" + model + "' is not a model the master-data sync reads (" +
                         modelList(options_.models) + ")");
    return;
  }
  const json::value* id_value = payload.if_contains("_id");
  if (id_value == nullptr) {
    reject("_id", "missing");
    return;
  }
  int64_t id = 0;
  if (id_value->is_int64()) {
    id = id_value->as_int64();
  } else if (id_value->is_uint64()) {
    id = -1;  // beyond any record id
  } else {
    reject("_id", "must be an integer (the record's id)");
    return;
  }
  if (id <= 0) {
    reject("_id", "must be a positive record id");
    return;
  }
  switch (options_.hint(model, id)) {
    case OdooHintOutcome::kQueued:
      metrics_->received.inc();
      respond(HttpResponse::json(200, R"({"status":"queued"})"));
      return;
    case OdooHintOutcome::kDuplicate:
      metrics_->received.inc();
      metrics_->deduplicated.inc();
      respond(HttpResponse::json(200, R"({"status":"duplicate"})"));
      return;
    case OdooHintOutcome::kQueueFull:
      metrics_->queue_full.inc();
      respond(HttpResponse::error(
          503, "queue_full",
          "too many records queued for a re-read; the scheduled read will catch up"));
      return;
  }
}

}  // namespace pb
