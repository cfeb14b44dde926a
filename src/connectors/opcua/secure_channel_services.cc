#include "plantbridge/connectors/opcua/secure_channel_services.h"

#include <string>

#include "plantbridge/connectors/opcua/transport_messages.h"

namespace pb::opcua {

const char* securityPolicyUri(SecurityPolicy policy) {
  return policy == SecurityPolicy::kBasic256Sha256 ? kSecurityPolicyBasic256Sha256Uri
                                                   : kSecurityPolicyNoneUri;
}

const char* securityPolicyName(SecurityPolicy policy) {
  return policy == SecurityPolicy::kBasic256Sha256 ? "Basic256Sha256" : "None";
}

Result<SecurityPolicy> parseSecurityPolicy(std::string_view text) {
  for (SecurityPolicy policy : {SecurityPolicy::kNone, SecurityPolicy::kBasic256Sha256}) {
    if (text == securityPolicyName(policy) || text == securityPolicyUri(policy)) return policy;
  }
  return Status::invalidArgument("unknown security policy '" + std::string(text) +
                                 "' (supported: None, Basic256Sha256)");
}

const char* messageSecurityModeName(MessageSecurityMode mode) {
  switch (mode) {
    case MessageSecurityMode::kNone:
      return "None";
    case MessageSecurityMode::kSign:
      return "Sign";
    case MessageSecurityMode::kSignAndEncrypt:
      return "SignAndEncrypt";
    case MessageSecurityMode::kInvalid:
      break;
  }
  return "Invalid";
}

Result<MessageSecurityMode> parseMessageSecurityMode(std::string_view text) {
  for (MessageSecurityMode mode : {MessageSecurityMode::kNone, MessageSecurityMode::kSign,
                                   MessageSecurityMode::kSignAndEncrypt}) {
    if (text == messageSecurityModeName(mode)) return mode;
  }
  return Status::invalidArgument("unknown security mode '" + std::string(text) +
                                 "' (supported: None, Sign, SignAndEncrypt)");
}

void OpenSecureChannelRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeUInt32(client_protocol_version);
  w.writeUInt32(static_cast<uint32_t>(request_type));
  w.writeUInt32(static_cast<uint32_t>(security_mode));
  w.writeByteString(client_nonce);
  w.writeUInt32(requested_lifetime_ms);
}

Status OpenSecureChannelResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(r.readUInt32(server_protocol_version));
  PB_RETURN_IF_ERROR(r.readUInt32(security_token.channel_id));
  PB_RETURN_IF_ERROR(r.readUInt32(security_token.token_id));
  PB_RETURN_IF_ERROR(r.readDateTime(security_token.created_at));
  PB_RETURN_IF_ERROR(r.readUInt32(security_token.revised_lifetime_ms));
  return r.readByteString(server_nonce);
}

}  // namespace pb::opcua
