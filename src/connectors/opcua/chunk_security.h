// Message security on secure channel chunks (OPC 10000-6, 6.7.2): what a chunk looks like
// once a SecurityPolicy other than None protects it, and the way back.
//
// OPN chunks carry the asymmetric security header (policy URI, our certificate, the thumbprint
// of the server's) and are signed with our private key (RSA-SHA256) and encrypted with the
// server's public key (RSA-OAEP), in Sign mode too. MSG and CLO chunks carry the token id; they
// are signed with HMAC-SHA256 under the token's keys and, in SignAndEncrypt, padded and
// encrypted with AES-256-CBC. Padding: a PaddingSize byte, that many bytes of the same value,
// and an ExtraPaddingSize byte when the encrypting RSA key is over 2048 bits.
//
// `open` turns a received chunk back into the form SecurityPolicy None gives it (headers,
// sequence header, body; the size field fixed), so decodeSecureChunk reads both alike.
// Errors: kUnauthenticated for a signature or certificate that does not match (the peer or the
// bytes are not who or what they claim), kInvalidArgument for a malformed chunk.
// Thread-safety: none; one per channel.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/connectors/opcua/secure_channel_services.h"
#include "plantbridge/connectors/opcua/transport_messages.h"
#include "security_policy.h"

namespace pb::opcua {

// What a channel is secured with. With SecurityPolicy None the rest stays empty.
struct ChannelSecurityConfig {
  SecurityPolicy policy = SecurityPolicy::kNone;
  MessageSecurityMode mode = MessageSecurityMode::kNone;
  KeyHandle local_private_key;
  std::string local_certificate;   // DER
  std::string remote_certificate;  // DER, the server's (as its endpoint announced it)
};

// The padding that makes `plain_size` bytes (sequence header + body, before padding and
// signature) plus the PaddingSize byte(s) and `signature_size` a whole number of
// `plain_block` bytes. Returned: the padding bytes besides the size byte(s).
size_t paddingFor(size_t plain_size, size_t plain_block, size_t signature_size,
                  bool extra_padding_byte);
// Appends the padding to `plain`: PaddingSize, `padding` bytes of its value, ExtraPaddingSize.
void appendPadding(std::string& plain, size_t padding, bool extra_padding_byte);
// The length of the padding at the end of `plain` (size bytes included), checked: every
// padding byte must hold the PaddingSize value.
Result<size_t> paddingLength(std::string_view plain, bool extra_padding_byte);

// Secures a MSG/CLO chunk with the token's keys: the header (through the token id) is
// `header`, with its size field still to be set; `plain` is sequence header + body.
Result<std::string> sealSymmetric(std::string header, std::string_view plain,
                                  const SymmetricKeys& keys, bool encrypt);
// The reverse: verifies and (if `encrypt`) decrypts a whole chunk whose first `header_size`
// bytes are in the clear; returns the sequence header + body.
Result<std::string> openSymmetric(std::string_view chunk, size_t header_size,
                                  const SymmetricKeys& keys, bool encrypt);

class ChunkSecurity {
 public:
  ChunkSecurity() = default;  // SecurityPolicy None
  // Checks the configuration: certificates present, keys of an allowed size.
  static Result<ChunkSecurity> create(ChannelSecurityConfig config);

  bool enabled() const { return config_.policy != SecurityPolicy::kNone; }
  MessageSecurityMode mode() const { return config_.mode; }
  const char* policyUri() const { return securityPolicyUri(config_.policy); }

  // Derives the keys of a token from the nonces of its OpenSecureChannel exchange; keeps the
  // previous token's keys too (the server may still use it for a while after a renewal).
  void addToken(uint32_t token_id, std::string_view client_nonce, std::string_view server_nonce);

  // The largest body a chunk of `chunk_size` bytes carries for `type`.
  size_t maxBodySize(MessageType type, size_t chunk_size) const;
  Result<std::string> seal(MessageType type, ChunkType chunk_type, uint32_t secure_channel_id,
                           uint32_t token_id, uint32_t sequence_number, uint32_t request_id,
                           std::string_view body) const;
  Result<std::string> open(std::string_view chunk) const;

 private:
  struct TokenKeys {
    uint32_t token_id = 0;
    SymmetricKeys client;  // what we send with
    SymmetricKeys server;  // what the server sends with
  };
  const TokenKeys* keysFor(uint32_t token_id) const;
  std::string asymmetricHeader(MessageType type, ChunkType chunk_type,
                               uint32_t secure_channel_id) const;
  Result<std::string> openAsymmetric(std::string_view chunk) const;

  ChannelSecurityConfig config_;
  KeyHandle remote_public_key_;
  std::string remote_thumbprint_;
  std::string local_thumbprint_;
  std::vector<TokenKeys> tokens_;  // newest last, at most two
};

}  // namespace pb::opcua
