#include "plantbridge/connectors/opcua/service_common.h"

namespace pb::opcua {

void RequestHeader::encode(BinaryWriter& w) const {
  w.writeNodeId(authentication_token);
  w.writeDateTime(timestamp);
  w.writeUInt32(request_handle);
  w.writeUInt32(0);     // returnDiagnostics: none
  w.writeNullString();  // auditEntryId
  w.writeUInt32(timeout_hint_ms);
  w.writeExtensionObject(ExtensionObject{});  // additionalHeader: none
}

Status ResponseHeader::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(r.readDateTime(timestamp));
  PB_RETURN_IF_ERROR(r.readUInt32(request_handle));
  PB_RETURN_IF_ERROR(r.readStatusCode(service_result));
  PB_RETURN_IF_ERROR(r.readDiagnosticInfo(service_diagnostics));
  PB_RETURN_IF_ERROR(readStringArray(r, string_table));
  return r.readExtensionObject(additional_header);
}

void writeStringArray(BinaryWriter& w, const std::vector<std::string>& values) {
  w.writeInt32(static_cast<int32_t>(values.size()));
  for (const auto& v : values) w.writeString(v);
}

Status readStringArray(BinaryReader& r, std::vector<std::string>& values) {
  return r.readArray(
      values, [](BinaryReader& rr, std::string& v) { return rr.readString(v); }, 4);
}

Status readStatusCodeArray(BinaryReader& r, std::vector<StatusCode>& values) {
  return r.readArray(
      values, [](BinaryReader& rr, StatusCode& v) { return rr.readStatusCode(v); }, 4);
}

Status readDiagnosticInfoArray(BinaryReader& r, std::vector<DiagnosticInfo>& values) {
  return r.readArray(
      values, [](BinaryReader& rr, DiagnosticInfo& v) { return rr.readDiagnosticInfo(v); }, 1);
}

Status statusFromServiceResult(StatusCode result, std::string_view service) {
  std::string message = std::string(service) + " failed: " + result.toString();
  switch (result.value & 0xFFFF'0000U) {
    case 0x801F'0000:  // BadUserAccessDenied
    case 0x8020'0000:  // BadIdentityTokenInvalid
    case 0x8021'0000:  // BadIdentityTokenRejected
      return Status::unauthenticated(std::move(message));
    case 0x800A'0000:  // BadTimeout
    case 0x800C'0000:  // BadShutdown
    case 0x800D'0000:  // BadServerNotConnected
    case 0x8085'0000:  // BadRequestTimeout
    case 0x8081'0000:  // BadTcpNotEnoughResources
    case 0x8056'0000:  // BadTooManySessions
    // The session or channel is gone: a reconnect makes new ones.
    case 0x8025'0000:  // BadSessionIdInvalid
    case 0x8026'0000:  // BadSessionClosed
    case 0x8027'0000:  // BadSessionNotActivated
    case 0x8022'0000:  // BadSecureChannelIdInvalid
      return Status::unavailable(std::move(message));
    case 0x8034'0000:  // BadNodeIdUnknown
    case 0x806F'0000:  // BadNoMatch
      return Status::notFound(std::move(message));
    default:
      return Status::invalidArgument(std::move(message));
  }
}

Status readResponseType(BinaryReader& r, uint32_t expected_type_id, std::string_view service) {
  NodeId type;
  PB_RETURN_IF_ERROR(r.readNodeId(type));
  if (type == NodeId(0, type_ids::kServiceFault)) {
    ResponseHeader header;
    PB_RETURN_IF_ERROR(header.decode(r));
    if (!header.service_result.isBad()) {
      return Status::invalidArgument(std::string(service) + ": ServiceFault without a Bad result");
    }
    return statusFromServiceResult(header.service_result, service);
  }
  if (type != NodeId(0, expected_type_id)) {
    return Status::invalidArgument(std::string(service) + ": expected a response of type i=" +
                                   std::to_string(expected_type_id) + ", got " + type.toString());
  }
  return Status::ok();
}

}  // namespace pb::opcua
