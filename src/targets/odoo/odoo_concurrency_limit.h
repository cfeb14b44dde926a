// How many business operations may run against Odoo at once, adapted to how Odoo copes, so
// that plantbridge is never the reason Odoo falls over. Odoo serves a call on one of a few
// worker processes (2 on a small server, ODOO18 §11); calls beyond them queue inside Odoo and
// only add latency, and concurrent writes to shared rows end in serialization failures.
//
// The rule is additive increase, multiplicative decrease on latency (as TCP Vegas and Netflix's
// concurrency-limits do). Odoo's latency jitters call by call, so both sides are smoothed: the
// current latency is a moving average of the last few calls, and the unloaded latency is the
// lowest average of a window of `window` calls among the last `windows` windows. While the
// current latency stays below `tolerance` times the unloaded one, the limit grows by one every
// `limit` successes (once per round of calls); above it, or on a call that failed in a way that
// says Odoo is overloaded (a timeout, a serialization failure, a 5xx, 429), the limit shrinks
// by `backoff_ratio`, then not again before as many calls completed as were allowed before the
// cut, so that one burst of slow calls does not collapse it to 1.
//
// Thread-safe. Time comes from the caller.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>

namespace pb {

struct ConcurrencyLimitOptions {
  size_t min_limit = 1;
  size_t max_limit = 4;      // the target's `concurrency`
  size_t initial_limit = 2;  // start low: the first calls teach the unloaded latency
  double tolerance = 1.5;    // latency above tolerance x unloaded counts as overload
  double backoff_ratio = 0.7;
  // The unloaded latency: the lowest average over `window` calls among the last `windows`
  // windows, so it follows a server that became slower for good (another database, more data).
  size_t window = 20;
  size_t windows = 50;
};

class ConcurrencyLimit {
 public:
  explicit ConcurrencyLimit(ConcurrencyLimitOptions options = {});

  // The current limit.
  size_t limit() const;
  // One Odoo call's latency, and whether it failed in an overload way.
  void onCall(std::chrono::microseconds latency, bool overloaded);
  // The learnt unloaded latency (0 before the first call).
  std::chrono::microseconds baseline() const;

 private:
  double baselineUs() const;  // mutex_ held

  const ConcurrencyLimitOptions options_;
  mutable std::mutex mutex_;
  double limit_;
  size_t successes_ = 0;       // since the last increase
  size_t since_decrease_ = 0;  // completions since the last decrease
  size_t decrease_after_ = 0;  // completions to wait for before the next decrease
  double current_us_ = 0;      // moving average of the latest calls
  double window_sum_us_ = 0;   // the window being filled
  size_t window_count_ = 0;
  std::deque<double> window_averages_us_;  // the last `windows` complete windows
};

}  // namespace pb
