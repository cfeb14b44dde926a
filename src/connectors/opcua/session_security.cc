#include "session_security.h"

#include "plantbridge/connectors/opcua/transport_messages.h"

namespace pb::opcua {
namespace {

std::string effectiveSecretPolicy(const EndpointDescription& endpoint,
                                  const UserTokenPolicy& token) {
  return token.security_policy_uri.empty() ? endpoint.security_policy_uri
                                           : token.security_policy_uri;
}

std::string shortPolicyName(const std::string& uri) {
  const size_t hash = uri.rfind('#');
  return hash == std::string::npos ? uri : uri.substr(hash + 1);
}

}  // namespace

Result<EndpointDescription> selectEndpoint(const std::vector<EndpointDescription>& endpoints,
                                           SecurityPolicy policy, MessageSecurityMode mode) {
  std::string offered;
  for (const auto& endpoint : endpoints) {
    if (!endpoint.transport_profile_uri.empty() &&
        endpoint.transport_profile_uri != kTransportProfileUaTcp) {
      continue;
    }
    if (endpoint.security_policy_uri == securityPolicyUri(policy) &&
        endpoint.security_mode == static_cast<uint32_t>(mode)) {
      return endpoint;
    }
    if (!offered.empty()) offered += ", ";
    offered += shortPolicyName(endpoint.security_policy_uri) + "/" +
               messageSecurityModeName(static_cast<MessageSecurityMode>(endpoint.security_mode));
  }
  return Status::notFound(std::string("the server offers no endpoint with security policy ") +
                          securityPolicyName(policy) + " and mode " +
                          messageSecurityModeName(mode) +
                          "; it offers: " + (offered.empty() ? "nothing over UA TCP" : offered));
}

Result<TokenChoice> chooseTokenPolicy(const EndpointDescription& endpoint, UserTokenType type,
                                      bool can_encrypt) {
  const UserTokenPolicy* plain = nullptr;
  const UserTokenPolicy* encrypted = nullptr;
  std::string offered;
  for (const auto& token : endpoint.user_identity_tokens) {
    if (token.token_type != type) continue;
    if (type == UserTokenType::kAnonymous) return TokenChoice{token, kSecurityPolicyNoneUri};
    const std::string secret_policy = effectiveSecretPolicy(endpoint, token);
    if (!offered.empty()) offered += ", ";
    offered += "'" + token.policy_id + "' (" + shortPolicyName(secret_policy) + ")";
    if (secret_policy == kSecurityPolicyNoneUri && plain == nullptr) plain = &token;
    if (secret_policy == kSecurityPolicyBasic256Sha256Uri && encrypted == nullptr) {
      encrypted = &token;
    }
  }
  if (encrypted != nullptr && can_encrypt) {
    return TokenChoice{*encrypted, kSecurityPolicyBasic256Sha256Uri};
  }
  if (plain != nullptr) return TokenChoice{*plain, kSecurityPolicyNoneUri};
  const char* kind = type == UserTokenType::kAnonymous ? "Anonymous" : "UserName";
  const std::string where =
      std::string(" on the ") + shortPolicyName(endpoint.security_policy_uri) + "/" +
      messageSecurityModeName(static_cast<MessageSecurityMode>(endpoint.security_mode)) +
      " endpoint";
  if (offered.empty()) {
    return Status::unauthenticated(std::string("the server offers no ") + kind + " login" + where);
  }
  if (encrypted != nullptr) {
    return Status::unauthenticated(
        "the server wants the password encrypted with Basic256Sha256 (token policy '" +
        encrypted->policy_id + "')" + where +
        "; set pki_dir so the server's certificate can be checked against the trust list");
  }
  return Status::unauthenticated(std::string("the server's ") + kind + " token policies" + where +
                                 " use security policies we do not implement: " + offered);
}

Result<ExtensionObject> userNameToken(const TokenChoice& choice, const std::string& user,
                                      const std::string& password,
                                      std::string_view server_certificate,
                                      std::string_view server_nonce) {
  if (choice.secret_policy_uri == kSecurityPolicyNoneUri) {
    return userNameIdentityToken(choice.policy.policy_id, user, password, "");
  }
  if (server_certificate.empty() || server_nonce.empty()) {
    return Status::unauthenticated(
        "the server sent no certificate or nonce to encrypt the password with");
  }
  auto key = publicKeyOfCertificate(server_certificate);
  if (!key.isOk())
    return Status::unauthenticated("the server's certificate: " + key.status().message());
  auto secret = encryptLegacySecret(*key, password, server_nonce);
  if (!secret.isOk()) return secret.status();
  return userNameIdentityToken(choice.policy.policy_id, user, *secret, kRsaOaepEncryptionUri);
}

Status verifyServerSignature(std::string_view server_certificate,
                             std::string_view client_certificate, std::string_view client_nonce,
                             const SignatureData& signature) {
  if (signature.algorithm != kRsaSha256SignatureUri) {
    return Status::unauthenticated("CreateSession: the server signed with '" + signature.algorithm +
                                   "', expected " + kRsaSha256SignatureUri);
  }
  auto key = publicKeyOfCertificate(server_certificate);
  if (!key.isOk()) return Status::unauthenticated("CreateSession: " + key.status().message());
  Status verified = rsaVerifySha256(
      *key, std::string(client_certificate) + std::string(client_nonce), signature.signature.bytes);
  if (!verified.isOk()) {
    return Status::unauthenticated(
        "CreateSession: the server's signature over our certificate and nonce does not match");
  }
  return Status::ok();
}

Result<SignatureData> clientSignature(const KeyHandle& private_key,
                                      std::string_view server_certificate,
                                      std::string_view server_nonce) {
  auto signature =
      rsaSignSha256(private_key, std::string(server_certificate) + std::string(server_nonce));
  if (!signature.isOk()) return signature.status();
  SignatureData data;
  data.algorithm = kRsaSha256SignatureUri;
  data.signature = ByteString{std::move(*signature), false};
  return data;
}

}  // namespace pb::opcua
