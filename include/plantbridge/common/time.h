// Time points, RFC 3339 parsing/formatting and the injectable Clock.
//
// All timestamps in plantbridge are UTC with microsecond resolution. Logic never reads the
// system clock directly: it is handed a Clock so tests can drive time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "plantbridge/common/status.h"

namespace pb {

using Micros = std::chrono::microseconds;
using TimePoint = std::chrono::sys_time<Micros>;

// Parses "2026-11-22T10:02:03Z", "2026-11-22T10:02:03.123456+01:00" (RFC 3339, 'T' or ' ' as
// separator, fraction up to 9 digits, truncated to microseconds). Error messages say what is wrong.
Result<TimePoint> parseRfc3339(std::string_view text);
// "2026-11-22T10:02:03.123456Z" (always UTC, always 6 fraction digits).
std::string formatRfc3339(TimePoint t);
// Microseconds since the Unix epoch, the form the store keeps.
inline int64_t toUnixMicros(TimePoint t) { return t.time_since_epoch().count(); }
constexpr TimePoint fromUnixMicros(int64_t us) { return TimePoint(Micros(us)); }

// Parses a duration such as "500ms", "30s", "5m", "2h", "1d" (config values).
Result<std::chrono::milliseconds> parseDuration(std::string_view text);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Monotonic time for measuring intervals and deadlines.
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
  std::chrono::steady_clock::time_point steadyNow() const override;
};

// A clock that only moves when told; for tests. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start);
  TimePoint now() const override;
  std::chrono::steady_clock::time_point steadyNow() const override;
  void advance(Micros by);

 private:
  std::atomic<int64_t> now_us_;
  std::atomic<int64_t> steady_us_{0};
};

}  // namespace pb
