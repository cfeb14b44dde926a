// How an HTTP answer (or the lack of one) becomes a delivery outcome. Table-driven, shared
// by the HTTP targets:
//   2xx               Delivered
//   408, 429          Retry, honouring Retry-After (seconds or HTTP-date)
//   other 4xx         Reject (permanent) with the first ~2 KiB of the response body
//   5xx               Retry, honouring Retry-After
//   anything else     Retry (1xx, 3xx: redirects are not followed)
//   transport errors  Retry (refused, reset, timeout, TLS, DNS, closed early)
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "plantbridge/common/time.h"
#include "plantbridge/dispatch/target.h"
#include "plantbridge/transport/http_client.h"

namespace pb {

// One row of the status table: statuses first..last (inclusive) map to `kind`.
struct HttpStatusRule {
  int first;
  int last;
  DeliveryResult::Kind kind;
  bool honours_retry_after;
};
// The rules, most specific first; the first matching row wins.
std::span<const HttpStatusRule> httpStatusRules();

// Transport failures (TransportFailure, transportFailureName) are defined by the shared HTTP
// client, plantbridge/transport/http_client.h; all of them are retried.

// Default cap for messages taken from a response body.
inline constexpr size_t kMaxTargetMessageBytes = 2048;

// Classifies an HTTP response. `retry_after` is the Retry-After header value (empty if
// absent); `now` resolves an HTTP-date. The message is the body cut to `max_message_bytes`
// (on a UTF-8 boundary), or "HTTP <status> <reason>" when the body is empty.
DeliveryResult classifyHttpResponse(int status, std::string_view reason, std::string_view body,
                                    std::string_view retry_after, TimePoint now,
                                    size_t max_message_bytes = kMaxTargetMessageBytes);

DeliveryResult classifyTransportFailure(TransportFailure failure, std::string_view detail);

// Retry-After: delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT", also
// the obsolete RFC 850 and asctime forms). A date in the past is 0. nullopt when unparsable.
std::optional<Micros> parseRetryAfter(std::string_view value, TimePoint now);
std::optional<TimePoint> parseHttpDate(std::string_view value);

// `text` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence; "…" marks a cut.
std::string truncateUtf8(std::string_view text, size_t max_bytes);

}  // namespace pb
