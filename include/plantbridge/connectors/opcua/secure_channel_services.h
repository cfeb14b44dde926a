// OpenSecureChannel and CloseSecureChannel (OPC 10000-4, 5.5); the security policies and
// modes a channel may use.
#pragma once

#include <cstdint>
#include <string_view>

#include "plantbridge/connectors/opcua/service_common.h"

namespace pb::opcua {

enum class SecurityTokenRequestType : uint32_t { kIssue = 0, kRenew = 1 };
enum class MessageSecurityMode : uint32_t {
  kInvalid = 0,
  kNone = 1,
  kSign = 2,
  kSignAndEncrypt = 3
};

// The security policies the client implements (OPC 10000-7).
enum class SecurityPolicy { kNone, kBasic256Sha256 };
const char* securityPolicyUri(SecurityPolicy policy);
const char* securityPolicyName(SecurityPolicy policy);  // "None", "Basic256Sha256"
// The short name or the URI; kInvalidArgument names the supported ones.
Result<SecurityPolicy> parseSecurityPolicy(std::string_view text);
const char* messageSecurityModeName(MessageSecurityMode mode);  // "None", "Sign", ...
// "None", "Sign" or "SignAndEncrypt".
Result<MessageSecurityMode> parseMessageSecurityMode(std::string_view text);

struct OpenSecureChannelRequest {
  static constexpr uint32_t kTypeId = type_ids::kOpenSecureChannelRequest;
  RequestHeader request_header;
  uint32_t client_protocol_version = 0;
  SecurityTokenRequestType request_type = SecurityTokenRequestType::kIssue;
  MessageSecurityMode security_mode = MessageSecurityMode::kNone;
  ByteString client_nonce;
  uint32_t requested_lifetime_ms = 0;
  void encode(BinaryWriter& w) const;
};

struct ChannelSecurityToken {
  uint32_t channel_id = 0;
  uint32_t token_id = 0;
  DateTime created_at;
  uint32_t revised_lifetime_ms = 0;
};

struct OpenSecureChannelResponse {
  static constexpr uint32_t kTypeId = type_ids::kOpenSecureChannelResponse;
  static constexpr const char* kServiceName = "OpenSecureChannel";
  ResponseHeader response_header;
  uint32_t server_protocol_version = 0;
  ChannelSecurityToken security_token;
  ByteString server_nonce;
  Status decode(BinaryReader& r);
};

struct CloseSecureChannelRequest {
  static constexpr uint32_t kTypeId = type_ids::kCloseSecureChannelRequest;
  RequestHeader request_header;
  void encode(BinaryWriter& w) const { request_header.encode(w); }
};

}  // namespace pb::opcua
