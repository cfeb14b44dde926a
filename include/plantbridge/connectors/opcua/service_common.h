// What every OPC UA service message shares (OPC 10000-4, 7.32/7.33; OPC 10000-6, 5.2.6): the
// request and response headers, the type ids of the DefaultBinary encodings, and the envelope
// (encoding NodeId + structure) in which a request is sent and a response arrives.
//
// Type ids are those of the *_Encoding_DefaultBinary objects in the OPC UA nodeset, checked
// against node-opcua-constants 2.160.0, the version tools/opcua_sim pins, and 2.182.2
// (node_modules/node-opcua-constants/dist/opcua_node_ids.js).
// Field orders follow node-opcua-types' generated schemas of the same versions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/connectors/opcua/binary_codec.h"
#include "plantbridge/connectors/opcua/types.h"

namespace pb::opcua {

namespace type_ids {
inline constexpr uint32_t kAnonymousIdentityToken = 321;
inline constexpr uint32_t kUserNameIdentityToken = 324;
inline constexpr uint32_t kServiceFault = 397;
inline constexpr uint32_t kGetEndpointsRequest = 428;
inline constexpr uint32_t kGetEndpointsResponse = 431;
inline constexpr uint32_t kOpenSecureChannelRequest = 446;
inline constexpr uint32_t kOpenSecureChannelResponse = 449;
inline constexpr uint32_t kCloseSecureChannelRequest = 452;
inline constexpr uint32_t kCreateSessionRequest = 461;
inline constexpr uint32_t kCreateSessionResponse = 464;
inline constexpr uint32_t kActivateSessionRequest = 467;
inline constexpr uint32_t kActivateSessionResponse = 470;
inline constexpr uint32_t kCloseSessionRequest = 473;
inline constexpr uint32_t kCloseSessionResponse = 476;
inline constexpr uint32_t kBrowseRequest = 527;
inline constexpr uint32_t kBrowseResponse = 530;
inline constexpr uint32_t kBrowseNextRequest = 533;
inline constexpr uint32_t kBrowseNextResponse = 536;
inline constexpr uint32_t kTranslateBrowsePathsToNodeIdsRequest = 554;
inline constexpr uint32_t kTranslateBrowsePathsToNodeIdsResponse = 557;
inline constexpr uint32_t kReadRequest = 631;
inline constexpr uint32_t kReadResponse = 634;
inline constexpr uint32_t kDataChangeFilter = 724;
inline constexpr uint32_t kCreateMonitoredItemsRequest = 751;
inline constexpr uint32_t kCreateMonitoredItemsResponse = 754;
inline constexpr uint32_t kCreateSubscriptionRequest = 787;
inline constexpr uint32_t kCreateSubscriptionResponse = 790;
inline constexpr uint32_t kDataChangeNotification = 811;
inline constexpr uint32_t kStatusChangeNotification = 820;
inline constexpr uint32_t kPublishRequest = 826;
inline constexpr uint32_t kPublishResponse = 829;
inline constexpr uint32_t kRepublishRequest = 832;
inline constexpr uint32_t kRepublishResponse = 835;
inline constexpr uint32_t kTransferSubscriptionsRequest = 841;
inline constexpr uint32_t kTransferSubscriptionsResponse = 844;
inline constexpr uint32_t kDeleteSubscriptionsRequest = 847;
inline constexpr uint32_t kDeleteSubscriptionsResponse = 850;
}  // namespace type_ids

struct RequestHeader {
  NodeId authentication_token;
  DateTime timestamp;
  uint32_t request_handle = 0;
  uint32_t timeout_hint_ms = 0;
  void encode(BinaryWriter& w) const;
};

struct ResponseHeader {
  DateTime timestamp;
  uint32_t request_handle = 0;
  StatusCode service_result;
  DiagnosticInfo service_diagnostics;
  std::vector<std::string> string_table;
  ExtensionObject additional_header;
  Status decode(BinaryReader& r);
};

// Helpers for the array fields of service structures.
void writeStringArray(BinaryWriter& w, const std::vector<std::string>& values);
Status readStringArray(BinaryReader& r, std::vector<std::string>& values);
Status readStatusCodeArray(BinaryReader& r, std::vector<StatusCode>& values);
Status readDiagnosticInfoArray(BinaryReader& r, std::vector<DiagnosticInfo>& values);

// A Status for a Bad service result: the OPC UA name and code in the message, and a code
// that says what the caller can do (kUnauthenticated for rejected identities, kUnavailable
// for timeouts and a server shutting down, kNotFound for unknown nodes, else kInvalidArgument).
Status statusFromServiceResult(StatusCode result, std::string_view service);

// The body of a MSG chunk sequence for `request`: its encoding NodeId, then its fields.
template <typename Request>
std::string encodeRequest(const Request& request) {
  BinaryWriter w;
  w.writeNodeId(NodeId(0, Request::kTypeId));
  request.encode(w);
  return w.take();
}

// Reads the encoding NodeId of a response body and, for a ServiceFault, returns the fault's
// service result as an error. Leaves `r` at the start of the response structure.
Status readResponseType(BinaryReader& r, uint32_t expected_type_id, std::string_view service);

// Decodes a whole response body of type Response. A ServiceFault, a Bad service result in the
// response header, another type or a malformed body is an error.
template <typename Response>
Result<Response> decodeResponse(std::string_view body, const DecodeLimits& limits) {
  BinaryReader r(body, limits);
  PB_RETURN_IF_ERROR(readResponseType(r, Response::kTypeId, Response::kServiceName));
  Response response;
  PB_RETURN_IF_ERROR(response.decode(r));
  if (response.response_header.service_result.isBad()) {
    return statusFromServiceResult(response.response_header.service_result, Response::kServiceName);
  }
  return response;
}

}  // namespace pb::opcua
