// The security steps of connecting and of a session (OPC 10000-4, 5.6.2 and 5.6.3): picking
// the endpoint for the configured policy and mode, the signatures CreateSession and
// ActivateSession exchange, and the UserName token's password, encrypted as its token policy
// asks. Private to the client. Thread-safety: free functions over values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/connectors/opcua/secure_channel_services.h"
#include "plantbridge/connectors/opcua/session_services.h"
#include "security_policy.h"

namespace pb::opcua {

// The endpoint with `policy` and `mode` (UA TCP); kNotFound lists what the server offers.
Result<EndpointDescription> selectEndpoint(const std::vector<EndpointDescription>& endpoints,
                                           SecurityPolicy policy, MessageSecurityMode mode);

// The token policy to log in with, and the security policy its secret is protected with
// (the token's own, or the endpoint's when the token names none).
struct TokenChoice {
  UserTokenPolicy policy;
  std::string secret_policy_uri;
};
// Among the endpoint's token policies of `type`: for a UserName, one whose password is
// encrypted with a policy we implement is preferred; a plain-text one is taken when the
// channel encrypts, or when `can_encrypt` is false (no PKI to check the server certificate
// with). kUnauthenticated names what the server offers when nothing fits.
Result<TokenChoice> chooseTokenPolicy(const EndpointDescription& endpoint, UserTokenType type,
                                      bool can_encrypt);

// The UserName token: the password in plain text, or encrypted for the server's certificate
// with the server's last nonce (legacy format, RSA-OAEP), as `choice` says.
Result<ExtensionObject> userNameToken(const TokenChoice& choice, const std::string& user,
                                      const std::string& password,
                                      std::string_view server_certificate,
                                      std::string_view server_nonce);

// CreateSession: the server signs our certificate + our nonce.
Status verifyServerSignature(std::string_view server_certificate,
                             std::string_view client_certificate, std::string_view client_nonce,
                             const SignatureData& signature);
// ActivateSession: we sign the server's certificate + its nonce.
Result<SignatureData> clientSignature(const KeyHandle& private_key,
                                      std::string_view server_certificate,
                                      std::string_view server_nonce);

}  // namespace pb::opcua
