// A progress line on stderr for long operations (replay, audit verify). Redraws in place on a
// terminal; prints a line every 10% otherwise, so CI logs stay short.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pb {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  void update(int64_t done, int64_t total);
  void finish();

 private:
  std::string label_;
  bool tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point last_draw_{};
  std::chrono::steady_clock::time_point started_;
};

}  // namespace pb
