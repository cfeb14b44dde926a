// A Target is a system transactions are delivered to (a webhook, Odoo, a QMS, a CMMS).
// Every delivery answers Delivered, Retry(after, why) or Reject(why).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "plantbridge/common/time.h"
#include "plantbridge/model/transaction.h"

namespace pb {

struct DeliveryResult {
  enum class Kind { kDelivered, kRetry, kReject };
  Kind kind = Kind::kRetry;
  // For kRetry: the target asked for at least this delay (Retry-After); 0 = use backoff.
  Micros retry_after{0};
  int http_status = 0;  // 0 when no HTTP answer was received
  std::string message;  // the target's own words (truncated), or the transport error

  static DeliveryResult delivered(int http_status, std::string message = {}) {
    return {Kind::kDelivered, Micros{0}, http_status, std::move(message)};
  }
  static DeliveryResult retry(std::string why, int http_status = 0, Micros after = Micros{0}) {
    return {Kind::kRetry, after, http_status, std::move(why)};
  }
  static DeliveryResult reject(std::string why, int http_status = 0) {
    return {Kind::kReject, Micros{0}, http_status, std::move(why)};
  }
};

using DeliveryCallback = std::function<void(DeliveryResult)>;

class Target {
 public:
  virtual ~Target() = default;
  virtual const std::string& name() const = 0;
  // Starts one delivery; `done` is called exactly once, from any thread. Must not block.
  // The transaction's id is the idempotency key and must reach the target with the request.
  virtual void deliverAsync(const Transaction& tx, DeliveryCallback done) = 0;
  // Stops new work and cancels what is in flight (their callbacks report Retry).
  virtual void shutdown() = 0;
};

}  // namespace pb
