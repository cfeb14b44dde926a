#include "plantbridge/dispatch/random.h"

namespace pb {

SystemRandom::SystemRandom() : engine_(std::random_device{}()) {}

SystemRandom::SystemRandom(uint64_t seed) : engine_(seed) {}

double SystemRandom::uniform() {
  std::lock_guard<std::mutex> lock(mutex_);
  // 53 random bits: every double in [0, 1) that is a multiple of 2^-53.
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

}  // namespace pb
