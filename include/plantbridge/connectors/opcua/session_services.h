// Discovery and session services (OPC 10000-4, 5.4 and 5.6): GetEndpoints, CreateSession,
// ActivateSession (Anonymous and UserName identity tokens), CloseSession.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plantbridge/connectors/opcua/service_common.h"

namespace pb::opcua {

enum class ApplicationType : uint32_t {
  kServer = 0,
  kClient = 1,
  kClientAndServer = 2,
  kDiscovery = 3
};
enum class UserTokenType : uint32_t {
  kAnonymous = 0,
  kUserName = 1,
  kCertificate = 2,
  kIssued = 3
};

inline constexpr char kTransportProfileUaTcp[] =
    "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary";

struct ApplicationDescription {
  std::string application_uri;
  std::string product_uri;
  LocalizedText application_name;
  ApplicationType application_type = ApplicationType::kClient;
  std::string gateway_server_uri;
  std::string discovery_profile_uri;
  std::vector<std::string> discovery_urls;
  void encode(BinaryWriter& w) const;
  Status decode(BinaryReader& r);
};

struct UserTokenPolicy {
  std::string policy_id;
  UserTokenType token_type = UserTokenType::kAnonymous;
  std::string issued_token_type;
  std::string issuer_endpoint_url;
  std::string security_policy_uri;  // empty: the endpoint's own policy applies
  Status decode(BinaryReader& r);
};

struct EndpointDescription {
  std::string endpoint_url;
  ApplicationDescription server;
  ByteString server_certificate;
  uint32_t security_mode = 0;  // MessageSecurityMode
  std::string security_policy_uri;
  std::vector<UserTokenPolicy> user_identity_tokens;
  std::string transport_profile_uri;
  uint8_t security_level = 0;
  Status decode(BinaryReader& r);
};

struct SignatureData {
  std::string algorithm;
  ByteString signature;
};

struct GetEndpointsRequest {
  static constexpr uint32_t kTypeId = type_ids::kGetEndpointsRequest;
  RequestHeader request_header;
  std::string endpoint_url;
  std::vector<std::string> locale_ids;
  std::vector<std::string> profile_uris;
  void encode(BinaryWriter& w) const;
};

struct GetEndpointsResponse {
  static constexpr uint32_t kTypeId = type_ids::kGetEndpointsResponse;
  static constexpr const char* kServiceName = "GetEndpoints";
  ResponseHeader response_header;
  std::vector<EndpointDescription> endpoints;
  Status decode(BinaryReader& r);
};

struct CreateSessionRequest {
  static constexpr uint32_t kTypeId = type_ids::kCreateSessionRequest;
  RequestHeader request_header;
  ApplicationDescription client_description;
  std::string server_uri;
  std::string endpoint_url;
  std::string session_name;
  ByteString client_nonce;
  ByteString client_certificate{{}, true};
  double requested_session_timeout_ms = 60'000;
  uint32_t max_response_message_size = 0;
  void encode(BinaryWriter& w) const;
};

struct CreateSessionResponse {
  static constexpr uint32_t kTypeId = type_ids::kCreateSessionResponse;
  static constexpr const char* kServiceName = "CreateSession";
  ResponseHeader response_header;
  NodeId session_id;
  NodeId authentication_token;
  double revised_session_timeout_ms = 0;
  ByteString server_nonce;
  ByteString server_certificate;
  std::vector<EndpointDescription> server_endpoints;
  SignatureData server_signature;
  uint32_t max_request_message_size = 0;
  Status decode(BinaryReader& r);
};

struct ActivateSessionRequest {
  static constexpr uint32_t kTypeId = type_ids::kActivateSessionRequest;
  RequestHeader request_header;
  SignatureData client_signature;
  std::vector<std::string> locale_ids;
  ExtensionObject user_identity_token;
  SignatureData user_token_signature;
  void encode(BinaryWriter& w) const;
};

struct ActivateSessionResponse {
  static constexpr uint32_t kTypeId = type_ids::kActivateSessionResponse;
  static constexpr const char* kServiceName = "ActivateSession";
  ResponseHeader response_header;
  ByteString server_nonce;
  std::vector<StatusCode> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
  Status decode(BinaryReader& r);
};

struct CloseSessionRequest {
  static constexpr uint32_t kTypeId = type_ids::kCloseSessionRequest;
  RequestHeader request_header;
  bool delete_subscriptions = true;
  void encode(BinaryWriter& w) const;
};

struct CloseSessionResponse {
  static constexpr uint32_t kTypeId = type_ids::kCloseSessionResponse;
  static constexpr const char* kServiceName = "CloseSession";
  ResponseHeader response_header;
  Status decode(BinaryReader& r) { return response_header.decode(r); }
};

// Identity tokens, as the ExtensionObject ActivateSession carries.
ExtensionObject anonymousIdentityToken(const std::string& policy_id);
// `password` is sent as given: plain text when `encryption_algorithm` is empty.
ExtensionObject userNameIdentityToken(const std::string& policy_id, const std::string& user,
                                      const std::string& password,
                                      const std::string& encryption_algorithm);

}  // namespace pb::opcua
