// The webhook target: renders each transaction as one signed HTTP request and classifies
// the answer. The HTTP client (keep-alive, TLS, timeouts) is the shared one in
// plantbridge/transport/http_client.h; Asio and Beast stay there.
#include <mutex>

#include <fmt/format.h>

#include "plantbridge/targets/http_classify.h"
#include "plantbridge/targets/webhook.h"
#include "plantbridge/transport/http_client.h"

namespace pb {
namespace {

bool validHeaderText(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool validMethod(const std::string& method) {
  for (const char* known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (method == known) return true;
  }
  return false;
}

class WebhookTarget final : public Target {
 public:
  WebhookTarget(const TargetConfig& config, const Clock& clock, WebhookTargetOptions options)
      : config_(config), clock_(clock), options_(options), secret_(config.webhook.hmac_secret) {}

  ~WebhookTarget() override { shutdown(); }

  Status init() {
    for (const auto& [name, value] : config_.webhook.headers) {
      if (name.empty() || !validHeaderText(name) || !validHeaderText(value) ||
          name.find(':') != std::string::npos) {
        return Status::invalidArgument(
            fmt::format("targets.{}.webhook.headers.{}: not a valid header", config_.name, name));
      }
    }
    if (!validHeaderText(config_.webhook.signature_header) ||
        config_.webhook.signature_header.empty()) {
      return Status::invalidArgument(fmt::format(
          "targets.{}.webhook.signature_header: not a valid header name", config_.name));
    }
    HttpClientOptions http;
    http.url = config_.webhook.url;
    http.config_key = fmt::format("targets.{}.webhook", config_.name);
    http.ca_file = config_.webhook.ca_file;
    http.connect_timeout = config_.webhook.timeout;
    http.request_timeout = config_.webhook.timeout;
    http.max_idle_connections = static_cast<size_t>(std::max(1, config_.concurrency));
    http.max_idle = options_.max_idle;
    http.max_response_body_bytes = options_.max_response_body_bytes;
    auto client = makeHttpClient(http);
    if (!client.isOk()) return client.status();
    client_ = std::move(client).value();
    return Status::ok();
  }

  const std::string& name() const override { return config_.name; }

  void setSecret(std::string secret) {
    std::lock_guard<std::mutex> lock(secret_mutex_);
    secret_ = std::move(secret);
  }

  void deliverAsync(const Transaction& tx, DeliveryCallback done) override {
    client_->requestAsync(
        makeRequest(tx),
        [this, done = std::move(done)](const HttpClientResult& result) { done(classify(result)); });
  }

  void shutdown() override {
    if (client_) client_->shutdown();
  }

 private:
  DeliveryResult classify(const HttpClientResult& result) const {
    if (!result.ok()) return classifyTransportFailure(result.failure, result.error);
    const HttpClientResponse& res = *result.response;
    return classifyHttpResponse(res.status, res.reason, res.body, res.header("Retry-After"),
                                clock_.now(), options_.max_message_bytes);
  }

  HttpClientRequest makeRequest(const Transaction& tx) const {
    HttpClientRequest req;
    req.method = config_.webhook.method;
    req.target = client_->urlTarget();
    req.headers.push_back({"Content-Type", "application/json"});
    for (const auto& [name, value] : config_.webhook.headers) req.headers.push_back({name, value});
    req.headers.push_back({"Idempotency-Key", tx.id});
    req.headers.push_back({"X-Plantbridge-Event-Id", tx.event_id});
    if (!tx.correlation_id.empty()) {
      req.headers.push_back({"X-Plantbridge-Correlation-Id", tx.correlation_id});
    }
    std::string secret;
    {
      std::lock_guard<std::mutex> lock(secret_mutex_);
      secret = secret_;
    }
    if (!secret.empty()) {
      const auto now =
          std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch());
      req.headers.push_back(
          {config_.webhook.signature_header, webhookSignature(secret, now.count(), tx.body)});
    }
    req.body = tx.body;
    return req;
  }

  const TargetConfig config_;
  const Clock& clock_;
  const WebhookTargetOptions options_;
  std::unique_ptr<HttpClient> client_;
  mutable std::mutex secret_mutex_;
  std::string secret_;
};

}  // namespace

Result<std::unique_ptr<Target>> makeWebhookTarget(const TargetConfig& config, const Clock& clock,
                                                  WebhookTargetOptions options) {
  if (!validMethod(config.webhook.method)) {
    return Status::invalidArgument(fmt::format("targets.{}.webhook.method: unknown method '{}'",
                                               config.name, config.webhook.method));
  }
  if (config.webhook.timeout.count() <= 0) {
    return Status::invalidArgument(
        fmt::format("targets.{}.webhook.timeout: must be positive", config.name));
  }
  auto target = std::make_unique<WebhookTarget>(config, clock, options);
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
