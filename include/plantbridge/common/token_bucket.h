// A token bucket rate limiter over an injected clock. Not thread-safe: guard it, or keep one
// per thread/connection.
#pragma once

#include <chrono>

namespace pb {

class TokenBucket {
 public:
  // rate_per_second <= 0 means unlimited. burst <= 0 defaults to max(rate, 1).
  TokenBucket(double rate_per_second, double burst);
  // Takes `n` tokens if available at `now`; otherwise takes none and returns false.
  bool tryTake(double n, std::chrono::steady_clock::time_point now);
  // How long until `n` tokens are available (0 if now).
  std::chrono::microseconds waitTime(double n, std::chrono::steady_clock::time_point now);
  bool unlimited() const { return rate_ <= 0; }

 private:
  void refill(std::chrono::steady_clock::time_point now);
  double rate_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_{};
  bool started_ = false;
};

}  // namespace pb
