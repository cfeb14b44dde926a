// Logging set-up: JSON lines on stderr (one object per line, with the correlation id of the
// event being worked on, when there is one) or plain text for people at a terminal.
#pragma once

#include <string>
#include <string_view>

#include "plantbridge/common/status.h"

namespace pb {

// level: trace, debug, info, warn, error, off.
Status setUpLogging(const std::string& level, bool json);

// While alive, log lines written by this thread carry "correlation_id".
class LogCorrelation {
 public:
  explicit LogCorrelation(std::string correlation_id);
  ~LogCorrelation();
  LogCorrelation(const LogCorrelation&) = delete;
  LogCorrelation& operator=(const LogCorrelation&) = delete;

 private:
  std::string previous_;
};

}  // namespace pb
