// UA TCP (OPC 10000-6, 7.1) and UA Secure Conversation chunk framing (OPC 10000-6, 6.7),
// SecurityPolicy None only: the Hello/Acknowledge/Error messages, the 8-byte message header and
// the OPN/MSG/CLO chunk headers.
//
// Decoders take one whole chunk (its header's MessageSize bytes) and return errors as values;
// they never read past the view they are given. Thread-safety: free functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plantbridge/common/status.h"
#include "plantbridge/connectors/opcua/types.h"

namespace pb::opcua {

enum class MessageType : uint8_t {
  kHello,               // HEL
  kAcknowledge,         // ACK
  kError,               // ERR
  kReverseHello,        // RHE
  kOpenSecureChannel,   // OPN
  kMessage,             // MSG
  kCloseSecureChannel,  // CLO
};
const char* messageTypeName(MessageType type);

// The fourth header byte: 'F' final chunk, 'C' intermediate chunk, 'A' abort.
enum class ChunkType : char { kFinal = 'F', kIntermediate = 'C', kAbort = 'A' };

inline constexpr size_t kMessageHeaderSize = 8;
// The smallest buffer a peer may offer (OPC 10000-6, 7.1.2.3).
inline constexpr uint32_t kMinBufferSize = 8192;
inline constexpr char kSecurityPolicyNoneUri[] = "http://opcfoundation.org/UA/SecurityPolicy#None";
inline constexpr char kSecurityPolicyBasic256Sha256Uri[] =
    "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256";

struct MessageHeader {
  MessageType type = MessageType::kHello;
  ChunkType chunk_type = ChunkType::kFinal;
  uint32_t message_size = 0;  // of the whole chunk, header included
};
// Decodes the first 8 bytes; checks the type, the chunk type (HEL/ACK/ERR must be 'F') and
// that the size is at least the header and at most `max_chunk_size`.
Result<MessageHeader> decodeMessageHeader(std::string_view bytes, uint32_t max_chunk_size);

// The limits one side offers in Hello or Acknowledge. 0 means "no limit" for the last two.
struct TransportLimits {
  uint32_t receive_buffer_size = 65535;
  uint32_t send_buffer_size = 65535;
  uint32_t max_message_size = 16 * 1024 * 1024;
  uint32_t max_chunk_count = 512;
};

struct HelloMessage {
  uint32_t protocol_version = 0;
  TransportLimits limits;
  std::string endpoint_url;
};
std::string encodeHello(const HelloMessage& hello);

struct AcknowledgeMessage {
  uint32_t protocol_version = 0;
  TransportLimits limits;
};
// `chunk` is the whole ACK message, header included.
Result<AcknowledgeMessage> decodeAcknowledge(std::string_view chunk);

struct ErrorMessage {
  StatusCode error;
  std::string reason;
};
// `chunk` is the whole ERR message, header included.
Result<ErrorMessage> decodeErrorMessage(std::string_view chunk);
// The body of an abort chunk ('A') and of ERR: a status code and a reason.
Result<ErrorMessage> decodeErrorBody(std::string_view body);

// The headers of one OPN, MSG or CLO chunk.
struct SecureChunk {
  MessageHeader header;
  uint32_t secure_channel_id = 0;
  // OPN: the asymmetric security header (OPC 10000-6, 6.7.2.3).
  std::string security_policy_uri;
  ByteString sender_certificate;
  ByteString receiver_certificate_thumbprint;
  // MSG, CLO: the symmetric security header.
  uint32_t token_id = 0;
  uint32_t sequence_number = 0;
  uint32_t request_id = 0;
  std::string_view body;  // points into the chunk given to decodeSecureChunk
};
// Decodes a whole OPN/MSG/CLO chunk (header included) as SecurityPolicy None carries it: no
// signature or padding, so everything after the sequence header is body. A chunk under another
// policy is first verified and decrypted (chunk_security.h) into this form; the OPN header's
// policy URI is passed on for the channel to check.
Result<SecureChunk> decodeSecureChunk(std::string_view chunk);

// Encodes one chunk with SecurityPolicy None. For OPN the asymmetric header names the None
// policy with no certificates; for MSG/CLO `token_id` is the symmetric header.
std::string encodeSecureChunk(MessageType type, ChunkType chunk_type, uint32_t secure_channel_id,
                              uint32_t token_id, uint32_t sequence_number, uint32_t request_id,
                              std::string_view body);
// The bytes a chunk of `type` spends on headers before its body (None policy).
size_t secureChunkOverhead(MessageType type);

}  // namespace pb::opcua
