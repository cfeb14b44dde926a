#include <fmt/format.h>

#include "plantbridge/common/crypto.h"
#include "plantbridge/targets/webhook.h"

namespace pb {

std::string webhookSignature(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_content;
  signed_content.reserve(t.size() + 1 + body.size());
  signed_content.append(t).append(".").append(body);
  return fmt::format("t={},v1={}", t, toHex(hmacSha256(secret, signed_content)));
}

}  // namespace pb
