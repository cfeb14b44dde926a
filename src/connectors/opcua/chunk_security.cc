#include "chunk_security.h"

#include <algorithm>

#include "plantbridge/common/crypto.h"
#include "plantbridge/connectors/opcua/binary_codec.h"

namespace pb::opcua {
namespace {

constexpr size_t kSizeOffset = 4;            // of the UInt32 MessageSize in the header
constexpr size_t kSymmetricHeaderSize = 16;  // message header, channel id, token id
constexpr size_t kSequenceHeaderSize = 8;
constexpr size_t kThumbprintSize = 20;
constexpr size_t kAsymmetricBlockLimit = 256;  // over it (keys > 2048 bits): ExtraPaddingSize

void patchSize(std::string& chunk, size_t size) {
  for (size_t i = 0; i < 4; ++i) {
    chunk[kSizeOffset + i] = static_cast<char>((size >> (8 * i)) & 0xFF);
  }
}

std::string sequenceHeaderAndBody(uint32_t sequence_number, uint32_t request_id,
                                  std::string_view body) {
  BinaryWriter w;
  w.writeUInt32(sequence_number);
  w.writeUInt32(request_id);
  w.writeRaw(body);
  return w.take();
}

std::string messageHeader(MessageType type, ChunkType chunk_type, uint32_t secure_channel_id) {
  BinaryWriter w;
  w.writeRaw(std::string_view(messageTypeName(type), 3));
  w.writeByte(static_cast<uint8_t>(chunk_type));
  w.writeUInt32(0);  // patched once the size is known
  w.writeUInt32(secure_channel_id);
  return w.take();
}

}  // namespace

size_t paddingFor(size_t plain_size, size_t plain_block, size_t signature_size,
                  bool extra_padding_byte) {
  const size_t used = plain_size + 1 + (extra_padding_byte ? 1 : 0) + signature_size;
  return (plain_block - used % plain_block) % plain_block;
}

void appendPadding(std::string& plain, size_t padding, bool extra_padding_byte) {
  const auto value = static_cast<char>(padding & 0xFF);
  plain.push_back(value);
  plain.append(padding, value);
  if (extra_padding_byte) plain.push_back(static_cast<char>(padding >> 8));
}

Result<size_t> paddingLength(std::string_view plain, bool extra_padding_byte) {
  const size_t size_bytes = extra_padding_byte ? 2 : 1;
  if (plain.size() < size_bytes) return Status::invalidArgument("chunk too short for padding");
  const auto low = static_cast<uint8_t>(plain[plain.size() - size_bytes]);
  size_t padding = low;
  if (extra_padding_byte) padding |= static_cast<size_t>(static_cast<uint8_t>(plain.back())) << 8;
  const size_t total = padding + size_bytes;
  if (total > plain.size()) {
    return Status::invalidArgument("chunk padding of " + std::to_string(padding) +
                                   " bytes is longer than the chunk");
  }
  const std::string_view run = plain.substr(plain.size() - total, padding + 1);
  if (std::any_of(run.begin(), run.end(),
                  [low](char c) { return static_cast<uint8_t>(c) != low; })) {
    return Status::invalidArgument("chunk padding bytes do not match their size");
  }
  return total;
}

Result<std::string> sealSymmetric(std::string header, std::string_view plain_in,
                                  const SymmetricKeys& keys, bool encrypt) {
  std::string plain(plain_in);
  if (encrypt) {
    appendPadding(plain,
                  paddingFor(plain.size(), Basic256Sha256::kBlockSize,
                             Basic256Sha256::kSignatureLength, false),
                  false);
  }
  patchSize(header, header.size() + plain.size() + Basic256Sha256::kSignatureLength);
  plain += hmacSha256Bytes(keys.signing_key, header + plain);
  if (!encrypt) return header + plain;
  auto encrypted = aes256CbcEncrypt(keys, plain);
  if (!encrypted.isOk()) return encrypted.status();
  return header + *encrypted;
}

Result<std::string> openSymmetric(std::string_view chunk, size_t header_size,
                                  const SymmetricKeys& keys, bool encrypt) {
  if (chunk.size() < header_size) return Status::invalidArgument("chunk shorter than its header");
  std::string plain;
  if (encrypt) {
    auto decrypted = aes256CbcDecrypt(keys, chunk.substr(header_size));
    if (!decrypted.isOk()) return decrypted.status();
    plain = std::move(*decrypted);
  } else {
    plain = std::string(chunk.substr(header_size));
  }
  constexpr size_t kSignature = Basic256Sha256::kSignatureLength;
  if (plain.size() < kSignature + kSequenceHeaderSize) {
    return Status::invalidArgument("chunk too short for a sequence header and a signature");
  }
  const std::string_view signature = std::string_view(plain).substr(plain.size() - kSignature);
  const std::string expected =
      hmacSha256Bytes(keys.signing_key, std::string(chunk.substr(0, header_size)) +
                                            plain.substr(0, plain.size() - kSignature));
  if (!constantTimeEquals(expected, signature)) {
    return Status::unauthenticated("chunk signature (HMAC-SHA256) does not match");
  }
  plain.resize(plain.size() - kSignature);
  if (encrypt) {
    auto padding = paddingLength(plain, false);
    if (!padding.isOk()) return padding.status();
    plain.resize(plain.size() - *padding);
  }
  if (plain.size() < kSequenceHeaderSize) {
    return Status::invalidArgument("chunk too short for a sequence header");
  }
  return plain;
}

Result<ChunkSecurity> ChunkSecurity::create(ChannelSecurityConfig config) {
  ChunkSecurity security;
  if (config.policy == SecurityPolicy::kNone) {
    if (config.mode != MessageSecurityMode::kNone) {
      return Status::invalidArgument(std::string("security mode ") +
                                     messageSecurityModeName(config.mode) +
                                     " needs a security policy other than None");
    }
    return security;
  }
  if (config.mode != MessageSecurityMode::kSign &&
      config.mode != MessageSecurityMode::kSignAndEncrypt) {
    return Status::invalidArgument(std::string("security policy ") +
                                   securityPolicyName(config.policy) +
                                   " needs security mode Sign or SignAndEncrypt");
  }
  if (!config.local_private_key || config.local_certificate.empty()) {
    return Status::invalidArgument("a secure channel needs our certificate and private key");
  }
  auto remote_key = publicKeyOfCertificate(config.remote_certificate);
  if (!remote_key.isOk()) {
    return Status::invalidArgument("the server's certificate: " + remote_key.status().message());
  }
  for (const int bits : {remote_key->bits(), config.local_private_key.bits()}) {
    if (bits < Basic256Sha256::kMinKeyBits || bits > Basic256Sha256::kMaxKeyBits) {
      return Status::invalidArgument("RSA key of " + std::to_string(bits) +
                                     " bits; Basic256Sha256 takes 2048 to 4096");
    }
  }
  auto first_length = firstCertificateLength(config.remote_certificate);
  if (!first_length.isOk()) return first_length.status();
  security.remote_thumbprint_ =
      certificateThumbprint(std::string_view(config.remote_certificate).substr(0, *first_length));
  security.local_thumbprint_ = certificateThumbprint(config.local_certificate);
  security.remote_public_key_ = std::move(*remote_key);
  security.config_ = std::move(config);
  return security;
}

void ChunkSecurity::addToken(uint32_t token_id, std::string_view client_nonce,
                             std::string_view server_nonce) {
  if (!enabled()) return;
  tokens_.push_back(
      {token_id, deriveKeys(server_nonce, client_nonce), deriveKeys(client_nonce, server_nonce)});
  if (tokens_.size() > 2) tokens_.erase(tokens_.begin());
}

const ChunkSecurity::TokenKeys* ChunkSecurity::keysFor(uint32_t token_id) const {
  for (const auto& token : tokens_) {
    if (token.token_id == token_id) return &token;
  }
  return nullptr;
}

std::string ChunkSecurity::asymmetricHeader(MessageType type, ChunkType chunk_type,
                                            uint32_t secure_channel_id) const {
  BinaryWriter w;
  w.writeRaw(messageHeader(type, chunk_type, secure_channel_id));
  w.writeString(policyUri());
  w.writeByteString(ByteString{config_.local_certificate, false});
  w.writeByteString(ByteString{remote_thumbprint_, false});
  return w.take();
}

size_t ChunkSecurity::maxBodySize(MessageType type, size_t chunk_size) const {
  if (!enabled()) {
    const size_t overhead = secureChunkOverhead(type);
    return chunk_size > overhead ? chunk_size - overhead : 0;
  }
  size_t header = 0;
  size_t plain_block = 0;
  size_t cipher_block = 0;
  size_t signature = 0;
  bool extra = false;
  if (type == MessageType::kOpenSecureChannel) {
    header = 12 + 4 + std::string_view(policyUri()).size() + 4 + config_.local_certificate.size() +
             4 + kThumbprintSize;
    cipher_block = remote_public_key_.bytes();
    plain_block = cipher_block - Basic256Sha256::kOaepOverhead;
    signature = config_.local_private_key.bytes();
    extra = cipher_block > kAsymmetricBlockLimit;
  } else {
    header = kSymmetricHeaderSize;
    signature = Basic256Sha256::kSignatureLength;
    if (config_.mode == MessageSecurityMode::kSign) {
      const size_t fixed = header + kSequenceHeaderSize + signature;
      return chunk_size > fixed ? chunk_size - fixed : 0;
    }
    plain_block = cipher_block = Basic256Sha256::kBlockSize;
  }
  if (chunk_size <= header) return 0;
  const size_t capacity = (chunk_size - header) / cipher_block * plain_block;
  const size_t fixed = kSequenceHeaderSize + signature + 1 + (extra ? 1 : 0);
  return capacity > fixed ? capacity - fixed : 0;
}

Result<std::string> ChunkSecurity::seal(MessageType type, ChunkType chunk_type,
                                        uint32_t secure_channel_id, uint32_t token_id,
                                        uint32_t sequence_number, uint32_t request_id,
                                        std::string_view body) const {
  if (!enabled()) {
    return encodeSecureChunk(type, chunk_type, secure_channel_id, token_id, sequence_number,
                             request_id, body);
  }
  std::string plain = sequenceHeaderAndBody(sequence_number, request_id, body);
  if (type != MessageType::kOpenSecureChannel) {
    const TokenKeys* keys = keysFor(token_id);
    if (keys == nullptr) {
      return Status::internal("no keys for security token " + std::to_string(token_id));
    }
    BinaryWriter header;
    header.writeRaw(messageHeader(type, chunk_type, secure_channel_id));
    header.writeUInt32(token_id);
    return sealSymmetric(header.take(), plain, keys->client,
                         config_.mode == MessageSecurityMode::kSignAndEncrypt);
  }
  // OPN: signed with our key, encrypted for the server's, whatever the mode.
  std::string header = asymmetricHeader(type, chunk_type, secure_channel_id);
  const size_t cipher_block = remote_public_key_.bytes();
  const size_t plain_block = cipher_block - Basic256Sha256::kOaepOverhead;
  const size_t signature_size = config_.local_private_key.bytes();
  const bool extra = cipher_block > kAsymmetricBlockLimit;
  appendPadding(plain, paddingFor(plain.size(), plain_block, signature_size, extra), extra);
  const size_t blocks = (plain.size() + signature_size) / plain_block;
  patchSize(header, header.size() + blocks * cipher_block);
  auto signature = rsaSignSha256(config_.local_private_key, header + plain);
  if (!signature.isOk()) return signature.status();
  if (signature->size() != signature_size) return Status::internal("unexpected signature size");
  auto encrypted = rsaOaepEncrypt(remote_public_key_, plain + *signature);
  if (!encrypted.isOk()) return encrypted.status();
  return header + *encrypted;
}

Result<std::string> ChunkSecurity::open(std::string_view chunk) const {
  if (!enabled()) return std::string(chunk);
  auto header = decodeMessageHeader(chunk, static_cast<uint32_t>(chunk.size()));
  if (!header.isOk()) return header.status();
  if (header->message_size != chunk.size()) {
    return Status::invalidArgument("chunk: header says " + std::to_string(header->message_size) +
                                   " bytes, got " + std::to_string(chunk.size()));
  }
  if (header->type == MessageType::kOpenSecureChannel) return openAsymmetric(chunk);
  if (chunk.size() < kSymmetricHeaderSize) {
    return Status::invalidArgument("chunk shorter than its header");
  }
  BinaryReader token_reader(chunk.substr(12, 4));
  uint32_t token_id = 0;
  PB_RETURN_IF_ERROR(token_reader.readUInt32(token_id));
  const TokenKeys* keys = keysFor(token_id);
  if (keys == nullptr) {
    return Status::unavailable("chunk with unknown security token " + std::to_string(token_id));
  }
  auto plain = openSymmetric(chunk, kSymmetricHeaderSize, keys->server,
                             config_.mode == MessageSecurityMode::kSignAndEncrypt);
  if (!plain.isOk()) return plain.status();
  std::string out(chunk.substr(0, kSymmetricHeaderSize));
  out += *plain;
  patchSize(out, out.size());
  return out;
}

Result<std::string> ChunkSecurity::openAsymmetric(std::string_view chunk) const {
  BinaryReader r(chunk.substr(kMessageHeaderSize));
  uint32_t channel_id = 0;
  std::string policy_uri;
  ByteString sender_certificate;
  ByteString receiver_thumbprint;
  PB_RETURN_IF_ERROR(r.readUInt32(channel_id));
  PB_RETURN_IF_ERROR(r.readString(policy_uri));
  PB_RETURN_IF_ERROR(r.readByteString(sender_certificate));
  PB_RETURN_IF_ERROR(r.readByteString(receiver_thumbprint));
  if (policy_uri != policyUri()) {
    return Status::unavailable("OpenSecureChannel answered with security policy '" + policy_uri +
                               "', we asked for " + policyUri());
  }
  const std::string& expected = config_.remote_certificate;
  if (sender_certificate.bytes.compare(0, expected.size(), expected) != 0) {
    return Status::unauthenticated(
        "OpenSecureChannel answered with another certificate than the server's endpoint "
        "announced (and we trusted)");
  }
  if (receiver_thumbprint.bytes != local_thumbprint_) {
    return Status::unauthenticated(
        "OpenSecureChannel answer was encrypted for another certificate than ours");
  }
  const size_t header_size = chunk.size() - r.remaining();
  auto plain = rsaOaepDecrypt(config_.local_private_key, chunk.substr(header_size));
  if (!plain.isOk()) return plain.status();
  const size_t signature_size = remote_public_key_.bytes();
  if (plain->size() < signature_size + kSequenceHeaderSize) {
    return Status::invalidArgument("OpenSecureChannel chunk too short for its signature");
  }
  const std::string_view signature =
      std::string_view(*plain).substr(plain->size() - signature_size);
  std::string signed_part(chunk.substr(0, header_size));
  signed_part.append(*plain, 0, plain->size() - signature_size);
  Status verified = rsaVerifySha256(remote_public_key_, signed_part, signature);
  if (!verified.isOk()) {
    return Status::unauthenticated(
        "OpenSecureChannel answer: the server's signature does not "
        "match");
  }
  plain->resize(plain->size() - signature_size);
  auto padding = paddingLength(*plain, config_.local_private_key.bytes() > kAsymmetricBlockLimit);
  if (!padding.isOk()) return padding.status();
  plain->resize(plain->size() - *padding);
  if (plain->size() < kSequenceHeaderSize) {
    return Status::invalidArgument("OpenSecureChannel chunk too short for a sequence header");
  }
  std::string out(chunk.substr(0, header_size));
  out += *plain;
  patchSize(out, out.size());
  return out;
}

}  // namespace pb::opcua
