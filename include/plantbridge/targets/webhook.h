// The generic HTTP/JSON webhook target: sends each transaction's rendered body to a URL,
// signed with HMAC-SHA256, over keep-alive HTTP/1.1 connections (TLS with certificate
// verification and SNI for https). See docs/targets/webhook.md.
//
// Request headers, in order of precedence (later wins):
//   User-Agent: plantbridge/<version>, Content-Type: application/json
//   the target's configured `headers`
//   Idempotency-Key: <transaction id>, X-Plantbridge-Event-Id, X-Plantbridge-Correlation-Id,
//   <signature_header>: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//     (only when a secret is configured)
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/dispatch/target.h"
#include "plantbridge/dispatch/target_registry.h"

namespace pb {

inline constexpr const char* kWebhookKind = "webhook";

struct WebhookTargetOptions {
  // The largest response body read; a larger one ends the connection (the status still
  // classifies the answer).
  size_t max_response_body_bytes = size_t{1024} * 1024;
  size_t max_message_bytes = 2048;
  // Idle keep-alive connections older than this are not reused.
  std::chrono::milliseconds max_idle{std::chrono::seconds(30)};
};

// Makes a webhook target; InvalidArgument naming the key for a bad URL, method or CA file.
// The target owns one I/O thread and at most `config.concurrency` idle connections.
Result<std::unique_ptr<Target>> makeWebhookTarget(const TargetConfig& config, const Clock& clock,
                                                  WebhookTargetOptions options = {});

// Replaces the HMAC secret for requests started from now on (rotation on SIGHUP); an empty
// secret turns signing off. Thread-safe. InvalidArgument if `target` is not a webhook target.
Status setWebhookSecret(Target& target, std::string secret);

// Registers kind "webhook".
Status registerWebhookTarget(TargetFactoryRegistry& registry);

// "t=<unix_seconds>,v1=<hex HMAC-SHA256(secret, "<unix_seconds>.<body>")>".
std::string webhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body);

}  // namespace pb
