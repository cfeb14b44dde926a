// Small formatting helpers shared by the pipeline's stages (trace details, reasons).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace pb::pipeline_detail {

// "250ms", "45s", "60s", "5m", "1h30m": the form config uses, so reasons read like the config.
std::string formatDuration(std::chrono::microseconds d);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// 'text' in single quotes, for names and values in reasons.
std::string quoted(std::string_view text);

}  // namespace pb::pipeline_detail
