#include "plantbridge/common/logging.h"

#include <spdlog/details/os.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <mutex>

#include "plantbridge/common/json_text.h"
#include "plantbridge/common/time.h"

namespace pb {
namespace {

thread_local std::string t_correlation_id;

// Writes {"ts":..,"level":..,"msg":..,"correlation_id":..} lines to stderr.
class JsonStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string line = "{\"ts\":\"";
    line += formatRfc3339(std::chrono::time_point_cast<Micros>(
        std::chrono::sys_time<std::chrono::nanoseconds>(msg.time.time_since_epoch())));
    line += "\",\"level\":\"";
    auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += "\",\"msg\":";
    line += jsonString(std::string_view(msg.payload.data(), msg.payload.size()));
    if (!t_correlation_id.empty()) {
      line += ",\"correlation_id\":";
      line += jsonString(t_correlation_id);
    }
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

LogCorrelation::LogCorrelation(std::string correlation_id)
    : previous_(std::exchange(t_correlation_id, std::move(correlation_id))) {}

LogCorrelation::~LogCorrelation() { t_correlation_id = std::move(previous_); }

Status setUpLogging(const std::string& level, bool json) {
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return Status::invalidArgument("log.level: unknown level '" + level +
                                   "' (trace, debug, info, warn, error, off)");
  }
  std::shared_ptr<spdlog::logger> logger;
  if (json) {
    logger = std::make_shared<spdlog::logger>("plantbridge", std::make_shared<JsonStderrSink>());
  } else {
    logger = std::make_shared<spdlog::logger>("plantbridge",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  }
  logger->set_level(parsed);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  return Status::ok();
}

}  // namespace pb
