#include "plantbridge/connectors/opcua/secure_channel_services.h"

namespace pb::opcua {

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
