// The adaptive concurrency limit (odoo_concurrency_limit.h).
#include "odoo_concurrency_limit.h"

#include <algorithm>
#include <cmath>

namespace pb {

ConcurrencyLimit::ConcurrencyLimit(ConcurrencyLimitOptions options)
    : options_(options),
      limit_(static_cast<double>(
          std::clamp(options.initial_limit, options.min_limit, options.max_limit))) {}

size_t ConcurrencyLimit::limit() const {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(limit_);
}

namespace {

// The weight of the newest call in the moving average: about the last five calls count.
constexpr double kCurrentWeight = 0.2;

}  // namespace

std::chrono::microseconds ConcurrencyLimit::baseline() const {
  std::lock_guard lock(mutex_);
  return std::chrono::microseconds(static_cast<int64_t>(baselineUs()));
}

double ConcurrencyLimit::baselineUs() const {
  if (window_averages_us_.empty()) {
    // Before the first full window: the best average so far.
    return window_count_ == 0 ? 0 : window_sum_us_ / static_cast<double>(window_count_);
  }
  return *std::min_element(window_averages_us_.begin(), window_averages_us_.end());
}

void ConcurrencyLimit::onCall(std::chrono::microseconds latency, bool overloaded) {
  std::lock_guard lock(mutex_);
  const auto us = static_cast<double>(latency.count());
  current_us_ = current_us_ == 0 ? us : current_us_ + kCurrentWeight * (us - current_us_);
  window_sum_us_ += us;
  if (++window_count_ >= options_.window) {
    window_averages_us_.push_back(window_sum_us_ / static_cast<double>(window_count_));
    if (window_averages_us_.size() > options_.windows) window_averages_us_.pop_front();
    window_sum_us_ = 0;
    window_count_ = 0;
  }
  ++since_decrease_;
  if (overloaded || current_us_ > options_.tolerance * baselineUs()) {
    // One decrease per round: the calls that were in flight when the limit was cut (as many
    // as the limit was) report slow too, and must not each cut it again.
    if (since_decrease_ >= decrease_after_) {
      decrease_after_ = static_cast<size_t>(limit_);
      limit_ = std::max(static_cast<double>(options_.min_limit),
                        std::floor(limit_ * options_.backoff_ratio));
      since_decrease_ = 0;
      successes_ = 0;
    }
    return;
  }
  if (++successes_ >= static_cast<size_t>(limit_)) {
    limit_ = std::min(static_cast<double>(options_.max_limit), limit_ + 1);
    successes_ = 0;
  }
}

}  // namespace pb
