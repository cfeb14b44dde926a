#include "plantbridge/common/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace pb {

TokenBucket::TokenBucket(double rate_per_second, double burst)
    : rate_(rate_per_second),
      burst_(burst > 0 ? burst : std::max(rate_per_second, 1.0)),
      tokens_(burst_) {}

void TokenBucket::refill(std::chrono::steady_clock::time_point now) {
  if (!started_) {
    started_ = true;
    last_ = now;
    return;
  }
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::tryTake(double n, std::chrono::steady_clock::time_point now) {
  if (unlimited()) return true;
  refill(now);
  if (tokens_ < n) return false;
  tokens_ -= n;
  return true;
}

std::chrono::microseconds TokenBucket::waitTime(double n,
                                                std::chrono::steady_clock::time_point now) {
  if (unlimited()) return std::chrono::microseconds(0);
  refill(now);
  if (tokens_ >= n) return std::chrono::microseconds(0);
  double seconds = (n - tokens_) / rate_;
  return std::chrono::microseconds(static_cast<int64_t>(std::ceil(seconds * 1e6)));
}

}  // namespace pb
