#include "plantbridge/common/time.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace pb {
namespace {

bool readDigits(std::string_view text, size_t& pos, size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

Result<TimePoint> parseRfc3339(std::string_view text) {
  auto fail = [&](const char* what) {
    return Status::invalidArgument(std::string("not an RFC 3339 timestamp (") + what + "): '" +
                                   std::string(text.substr(0, 64)) + "'");
  };
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!readDigits(text, pos, 4, year) || !expect(text, pos, '-') ||
      !readDigits(text, pos, 2, month) || !expect(text, pos, '-') ||
      !readDigits(text, pos, 2, day)) {
    return fail("expected YYYY-MM-DD");
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return fail("expected 'T' after the date");
  }
  ++pos;
  if (!readDigits(text, pos, 2, hour) || !expect(text, pos, ':') ||
      !readDigits(text, pos, 2, minute) || !expect(text, pos, ':') ||
      !readDigits(text, pos, 2, second)) {
    return fail("expected hh:mm:ss");
  }
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return fail("fraction must have 1 to 9 digits");
    for (size_t i = digits; i < 6; ++i) micros *= 10;
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!readDigits(text, pos, 2, oh) || !expect(text, pos, ':') || !readDigits(text, pos, 2, om)) {
      return fail("expected a +hh:mm offset");
    }
    if (oh > 23 || om > 59) return fail("offset out of range");
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return fail("missing time zone ('Z' or +hh:mm)");
  }
  if (pos != text.size()) return fail("trailing characters");
  if (month < 1 || month > 12) return fail("month out of range");
  if (hour > 23 || minute > 59 || second > 60) return fail("time out of range");
  using namespace std::chrono;
  year_month_day ymd{std::chrono::year(year), std::chrono::month(unsigned(month)),
                     std::chrono::day(unsigned(day))};
  if (!ymd.ok()) return fail("no such day");
  if (second == 60) second = 59;  // leap second: clamp rather than reject a real clock's output
  auto t = sys_days(ymd) + hours(hour) + minutes(minute) + seconds(second) + microseconds(micros) -
           minutes(offset_minutes);
  return TimePoint(duration_cast<Micros>(t.time_since_epoch()));
}

std::string formatRfc3339(TimePoint t) {
  using namespace std::chrono;
  auto day_point = floor<days>(t);
  year_month_day ymd(day_point);
  auto in_day = t - day_point;
  auto h = duration_cast<hours>(in_day);
  auto m = duration_cast<minutes>(in_day - h);
  auto s = duration_cast<seconds>(in_day - h - m);
  auto us = duration_cast<microseconds>(in_day - h - m - s);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(h.count()), int(m.count()),
                int(s.count()), int(us.count()));
  return buf;
}

Result<std::chrono::milliseconds> parseDuration(std::string_view text) {
  auto fail = [&] {
    return Status::invalidArgument("not a duration: '" + std::string(text) +
                                   "' (use e.g. 500ms, 30s, 5m, 2h, 1d)");
  };
  if (text.empty()) return fail();
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || value < 0) return fail();
  std::string_view unit(end, text.data() + text.size() - end);
  double factor;
  if (unit == "ms")
    factor = 1;
  else if (unit == "s")
    factor = 1000;
  else if (unit == "m")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else if (unit == "d")
    factor = 86'400'000;
  else
    return fail();
  // from_chars takes "inf", "nan" and "1e300"; converting those to an integer count is
  // undefined. Ten thousand years is more than any timeout or window means.
  constexpr double kMaxMillis = 1e4 * 365.25 * 86'400'000;
  const double millis = value * factor;
  if (!std::isfinite(millis) || millis > kMaxMillis) return fail();
  return std::chrono::milliseconds(static_cast<int64_t>(millis));
}

TimePoint SystemClock::now() const {
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

std::chrono::steady_clock::time_point SystemClock::steadyNow() const {
  return std::chrono::steady_clock::now();
}

ManualClock::ManualClock(TimePoint start) : now_us_(toUnixMicros(start)) {}

TimePoint ManualClock::now() const { return fromUnixMicros(now_us_.load()); }

std::chrono::steady_clock::time_point ManualClock::steadyNow() const {
  return std::chrono::steady_clock::time_point(Micros(steady_us_.load()));
}

void ManualClock::advance(Micros by) {
  now_us_ += by.count();
  steady_us_ += by.count();
}

}  // namespace pb
