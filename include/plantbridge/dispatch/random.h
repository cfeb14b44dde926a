// The random source the dispatcher draws its backoff jitter from. Injected so tests can make
// jitter deterministic; logic never reads a global generator.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>

namespace pb {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // A uniformly distributed number in [0, 1). Implementations must be thread-safe: one
  // source may be shared by several dispatchers.
  virtual double uniform() = 0;
};

// A Mersenne Twister seeded from std::random_device. Thread-safe (a mutex around draws).
class SystemRandom final : public RandomSource {
 public:
  SystemRandom();
  explicit SystemRandom(uint64_t seed);
  double uniform() override;

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

}  // namespace pb
