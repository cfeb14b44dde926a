// Polls a condition on a peer that cannot notify (a child process's HTTP state, /metrics),
// with a short pause between looks, bounded by `limit`. Answers the last look.
#pragma once

#include <chrono>
#include <thread>

namespace pb::test {

template <typename Condition>
bool pollUntil(Condition done, std::chrono::milliseconds limit,
               std::chrono::milliseconds pause = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(pause);
  }
  return done();
}

}  // namespace pb::test
