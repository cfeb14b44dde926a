#include "plantbridge/connectors/opcua/session_services.h"

namespace pb::opcua {
namespace {

// Empty strings go out as null Strings, as other stacks send absent optional text.
void writeStringOrNull(BinaryWriter& w, const std::string& v) {
  if (v.empty()) {
    w.writeNullString();
  } else {
    w.writeString(v);
  }
}

void writeSignatureData(BinaryWriter& w, const SignatureData& v) {
  writeStringOrNull(w, v.algorithm);
  w.writeByteString(v.signature.bytes.empty() ? ByteString{{}, true} : v.signature);
}

Status readSignatureData(BinaryReader& r, SignatureData& v) {
  PB_RETURN_IF_ERROR(r.readString(v.algorithm));
  return r.readByteString(v.signature);
}

Status readEndpoints(BinaryReader& r, std::vector<EndpointDescription>& v) {
  return r.readArray(
      v, [](BinaryReader& rr, EndpointDescription& e) { return e.decode(rr); }, 8);
}

}  // namespace

void ApplicationDescription::encode(BinaryWriter& w) const {
  w.writeString(application_uri);
  w.writeString(product_uri);
  w.writeLocalizedText(application_name);
  w.writeUInt32(static_cast<uint32_t>(application_type));
  writeStringOrNull(w, gateway_server_uri);
  writeStringOrNull(w, discovery_profile_uri);
  writeStringArray(w, discovery_urls);
}

Status ApplicationDescription::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(r.readString(application_uri));
  PB_RETURN_IF_ERROR(r.readString(product_uri));
  PB_RETURN_IF_ERROR(r.readLocalizedText(application_name));
  uint32_t type = 0;
  PB_RETURN_IF_ERROR(r.readUInt32(type));
  application_type = static_cast<ApplicationType>(type);
  PB_RETURN_IF_ERROR(r.readString(gateway_server_uri));
  PB_RETURN_IF_ERROR(r.readString(discovery_profile_uri));
  return readStringArray(r, discovery_urls);
}

Status UserTokenPolicy::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(r.readString(policy_id));
  uint32_t type = 0;
  PB_RETURN_IF_ERROR(r.readUInt32(type));
  token_type = static_cast<UserTokenType>(type);
  PB_RETURN_IF_ERROR(r.readString(issued_token_type));
  PB_RETURN_IF_ERROR(r.readString(issuer_endpoint_url));
  return r.readString(security_policy_uri);
}

Status EndpointDescription::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(r.readString(endpoint_url));
  PB_RETURN_IF_ERROR(server.decode(r));
  PB_RETURN_IF_ERROR(r.readByteString(server_certificate));
  PB_RETURN_IF_ERROR(r.readUInt32(security_mode));
  PB_RETURN_IF_ERROR(r.readString(security_policy_uri));
  PB_RETURN_IF_ERROR(r.readArray(
      user_identity_tokens, [](BinaryReader& rr, UserTokenPolicy& p) { return p.decode(rr); }, 8));
  PB_RETURN_IF_ERROR(r.readString(transport_profile_uri));
  return r.readByte(security_level);
}

void GetEndpointsRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeString(endpoint_url);
  writeStringArray(w, locale_ids);
  writeStringArray(w, profile_uris);
}

Status GetEndpointsResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  return readEndpoints(r, endpoints);
}

void CreateSessionRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  client_description.encode(w);
  writeStringOrNull(w, server_uri);
  w.writeString(endpoint_url);
  w.writeString(session_name);
  w.writeByteString(client_nonce);
  w.writeByteString(client_certificate);
  w.writeDouble(requested_session_timeout_ms);
  w.writeUInt32(max_response_message_size);
}

Status CreateSessionResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(r.readNodeId(session_id));
  PB_RETURN_IF_ERROR(r.readNodeId(authentication_token));
  PB_RETURN_IF_ERROR(r.readDouble(revised_session_timeout_ms));
  PB_RETURN_IF_ERROR(r.readByteString(server_nonce));
  PB_RETURN_IF_ERROR(r.readByteString(server_certificate));
  PB_RETURN_IF_ERROR(readEndpoints(r, server_endpoints));
  // serverSoftwareCertificates: deprecated, read and dropped.
  std::vector<SignatureData> software_certificates;
  PB_RETURN_IF_ERROR(r.readArray(
      software_certificates,
      [](BinaryReader& rr, SignatureData& c) {
        ByteString data;
        PB_RETURN_IF_ERROR(rr.readByteString(data));
        return rr.readByteString(c.signature);
      },
      8));
  PB_RETURN_IF_ERROR(readSignatureData(r, server_signature));
  return r.readUInt32(max_request_message_size);
}

void ActivateSessionRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  writeSignatureData(w, client_signature);
  w.writeInt32(0);  // clientSoftwareCertificates: none
  writeStringArray(w, locale_ids);
  w.writeExtensionObject(user_identity_token);
  writeSignatureData(w, user_token_signature);
}

Status ActivateSessionResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(r.readByteString(server_nonce));
  PB_RETURN_IF_ERROR(readStatusCodeArray(r, results));
  return readDiagnosticInfoArray(r, diagnostic_infos);
}

void CloseSessionRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeBoolean(delete_subscriptions);
}

ExtensionObject anonymousIdentityToken(const std::string& policy_id) {
  BinaryWriter body;
  body.writeString(policy_id);
  return {NodeId(0, type_ids::kAnonymousIdentityToken), ExtensionObject::Encoding::kBinary,
          body.take()};
}

ExtensionObject userNameIdentityToken(const std::string& policy_id, const std::string& user,
                                      const std::string& password,
                                      const std::string& encryption_algorithm) {
  BinaryWriter body;
  body.writeString(policy_id);
  body.writeString(user);
  body.writeByteString(ByteString{password, false});
  writeStringOrNull(body, encryption_algorithm);
  return {NodeId(0, type_ids::kUserNameIdentityToken), ExtensionObject::Encoding::kBinary,
          body.take()};
}

}  // namespace pb::opcua
