#include "plantbridge/targets/http_classify.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

namespace pb {
namespace {

using Kind = DeliveryResult::Kind;

// The status table. Order matters: the first row that matches wins.
constexpr std::array<HttpStatusRule, 7> kStatusRules{{
    {200, 299, Kind::kDelivered, false},
    {408, 408, Kind::kRetry, true},  // Request Timeout
    {429, 429, Kind::kRetry, true},  // Too Many Requests
    {400, 499, Kind::kReject, false},
    {500, 599, Kind::kRetry, true},
    {100, 199, Kind::kRetry, false},  // not a final answer
    {300, 399, Kind::kRetry, false},  // redirects are not followed
}};

// Anything outside the table (a broken peer answering 0 or 999) is retried.
constexpr HttpStatusRule kFallbackRule{0, 0, Kind::kRetry, false};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

int monthIndex(const char* m) {
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (std::strcmp(kMonths[i], m) == 0) return i + 1;
  }
  return 0;
}

std::optional<TimePoint> makeTime(int year, int month, int day, int h, int m, int s) {
  using namespace std::chrono;
  if (month < 1 || h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60) return std::nullopt;
  const year_month_day ymd{std::chrono::year{year},
                           std::chrono::month{static_cast<unsigned>(month)},
                           std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  return time_point_cast<Micros>(sys_days{ymd} + hours{h} + minutes{m} + seconds{s});
}

}  // namespace

std::span<const HttpStatusRule> httpStatusRules() { return kStatusRules; }

std::string truncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // …
  if (max_bytes < kEllipsis.size()) return {};
  size_t end = max_bytes - kEllipsis.size();
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  std::string out(text.substr(0, end));
  out += kEllipsis;
  return out;
}

DeliveryResult classifyHttpResponse(int status, std::string_view reason, std::string_view body,
                                    std::string_view retry_after, TimePoint now,
                                    size_t max_message_bytes) {
  const HttpStatusRule* rule = &kFallbackRule;
  for (const HttpStatusRule& r : kStatusRules) {
    if (status >= r.first && status <= r.last) {
      rule = &r;
      break;
    }
  }
  std::string message = trim(body).empty()
                            ? fmt::format("HTTP {}{}{}", status, reason.empty() ? "" : " ", reason)
                            : truncateUtf8(body, max_message_bytes);
  switch (rule->kind) {
    case Kind::kDelivered:
      return DeliveryResult::delivered(status, std::move(message));
    case Kind::kReject:
      return DeliveryResult::reject(std::move(message), status);
    case Kind::kRetry:
      break;
  }
  Micros after{0};
  if (rule->honours_retry_after && !retry_after.empty()) {
    after = parseRetryAfter(retry_after, now).value_or(Micros{0});
  }
  return DeliveryResult::retry(std::move(message), status, after);
}

DeliveryResult classifyTransportFailure(TransportFailure failure, std::string_view detail) {
  // Every transport failure is worth another try: the peer may be restarting, the network
  // may come back, a certificate may be renewed. The circuit breaker limits the hammering.
  std::string message = detail.empty()
                            ? std::string(transportFailureName(failure))
                            : fmt::format("{}: {}", transportFailureName(failure), detail);
  return DeliveryResult::retry(std::move(message));
}

std::optional<TimePoint> parseHttpDate(std::string_view value) {
  const std::string text(trim(value));
  if (text.size() > 64) return std::nullopt;
  int day = 0, year = 0, h = 0, m = 0, s = 0;
  char mon[4] = {}, zone[4] = {}, wday[4] = {};
  int consumed = 0;
  const auto comma = text.find(',');
  if (comma != std::string::npos) {
    const char* rest = text.c_str() + comma + 1;
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (std::sscanf(rest, " %2d %3s %4d %2d:%2d:%2d %3s%n", &day, mon, &year, &h, &m, &s, zone,
                    &consumed) == 7 &&
        rest[consumed] == '\0' && std::strcmp(zone, "GMT") == 0) {
      return makeTime(year, monthIndex(mon), day, h, m, s);
    }
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    consumed = 0;
    if (std::sscanf(rest, " %2d-%3s-%2d %2d:%2d:%2d %3s%n", &day, mon, &year, &h, &m, &s, zone,
                    &consumed) == 7 &&
        rest[consumed] == '\0' && std::strcmp(zone, "GMT") == 0) {
      year += year < 70 ? 2000 : 1900;
      return makeTime(year, monthIndex(mon), day, h, m, s);
    }
    return std::nullopt;
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (std::sscanf(text.c_str(), "%3s %3s %2d %2d:%2d:%2d %4d%n", wday, mon, &day, &h, &m, &s, &year,
                  &consumed) == 7 &&
      text.c_str()[consumed] == '\0') {
    return makeTime(year, monthIndex(mon), day, h, m, s);
  }
  return std::nullopt;
}

std::optional<Micros> parseRetryAfter(std::string_view value, TimePoint now) {
  const std::string_view v = trim(value);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // delta-seconds; anything beyond ten years is as good as ten years.
    constexpr int64_t kMaxSeconds = 10LL * 366 * 24 * 3600;
    int64_t seconds = 0;
    for (char c : v) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > kMaxSeconds) {
        seconds = kMaxSeconds;
        break;
      }
    }
    return std::chrono::duration_cast<Micros>(std::chrono::seconds{seconds});
  }
  const auto at = parseHttpDate(v);
  if (!at) return std::nullopt;
  return *at > now ? *at - now : Micros{0};
}

}  // namespace pb
