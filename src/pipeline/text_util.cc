#include "text_util.h"

namespace pb::pipeline_detail {

std::string formatDuration(std::chrono::microseconds d) {
  int64_t us = d.count();
  std::string sign;
  if (us < 0) {
    sign = "-";
    us = -us;
  }
  if (us % 1000 != 0) return sign + std::to_string(us) + "us";
  int64_t ms = us / 1000;
  if (ms % 1000 != 0) return sign + std::to_string(ms) + "ms";
  int64_t s = ms / 1000;
  // Up to two minutes in seconds ("90s" reads better than "1m30s" for windows).
  if (s <= 120) return sign + std::to_string(s) + "s";
  std::string out = sign;
  if (int64_t h = s / 3600; h > 0) out += std::to_string(h) + "h";
  if (int64_t m = (s % 3600) / 60; m > 0) out += std::to_string(m) + "m";
  if (int64_t rest = s % 60; rest > 0) out += std::to_string(rest) + "s";
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  out += text;
  out += '\'';
  return out;
}

}  // namespace pb::pipeline_detail
