#include "plantbridge/connectors/opcua/transport_messages.h"

#include <cstring>

#include "plantbridge/connectors/opcua/binary_codec.h"

namespace pb::opcua {
namespace {

struct TypeTag {
  MessageType type;
  const char tag[4];
};
constexpr TypeTag kTypeTags[] = {
    {MessageType::kHello, "HEL"},
    {MessageType::kAcknowledge, "ACK"},
    {MessageType::kError, "ERR"},
    {MessageType::kReverseHello, "RHE"},
    {MessageType::kOpenSecureChannel, "OPN"},
    {MessageType::kMessage, "MSG"},
    {MessageType::kCloseSecureChannel, "CLO"},
};

const char* tagOf(MessageType type) {
  for (const auto& entry : kTypeTags) {
    if (entry.type == type) return entry.tag;
  }
  return "???";
}

void writeHeader(BinaryWriter& w, MessageType type, ChunkType chunk_type) {
  w.writeRaw(std::string_view(tagOf(type), 3));
  w.writeByte(static_cast<uint8_t>(chunk_type));
  w.writeUInt32(0);  // patched once the size is known
}

std::string finish(BinaryWriter& w) {
  w.patchUInt32(4, static_cast<uint32_t>(w.size()));
  return w.take();
}

bool isSecureType(MessageType type) {
  return type == MessageType::kOpenSecureChannel || type == MessageType::kMessage ||
         type == MessageType::kCloseSecureChannel;
}

}  // namespace

const char* messageTypeName(MessageType type) { return tagOf(type); }

Result<MessageHeader> decodeMessageHeader(std::string_view bytes, uint32_t max_chunk_size) {
  if (bytes.size() < kMessageHeaderSize) {
    return Status::invalidArgument("message header: " + std::to_string(bytes.size()) +
                                   " bytes, needs 8");
  }
  MessageHeader header;
  bool known = false;
  for (const auto& entry : kTypeTags) {
    if (bytes.substr(0, 3) == std::string_view(entry.tag, 3)) {
      header.type = entry.type;
      known = true;
    }
  }
  if (!known) {
    return Status::invalidArgument("message header: unknown message type '" +
                                   std::string(bytes.substr(0, 3)) + "'");
  }
  const char chunk = bytes[3];
  if (chunk != 'F' && chunk != 'C' && chunk != 'A') {
    return Status::invalidArgument("message header: unknown chunk type");
  }
  header.chunk_type = static_cast<ChunkType>(chunk);
  if (!isSecureType(header.type) && header.chunk_type != ChunkType::kFinal) {
    return Status::invalidArgument(std::string("message header: ") + tagOf(header.type) +
                                   " must be a single final chunk");
  }
  BinaryReader r(bytes.substr(4, 4));
  PB_RETURN_IF_ERROR(r.readUInt32(header.message_size));
  if (header.message_size < kMessageHeaderSize) {
    return Status::invalidArgument("message header: size " + std::to_string(header.message_size) +
                                   " smaller than the header");
  }
  if (header.message_size > max_chunk_size) {
    return Status::resourceExhausted(
        "message header: chunk of " + std::to_string(header.message_size) +
        " bytes over the negotiated " + std::to_string(max_chunk_size));
  }
  return header;
}

std::string encodeHello(const HelloMessage& hello) {
  BinaryWriter w;
  writeHeader(w, MessageType::kHello, ChunkType::kFinal);
  w.writeUInt32(hello.protocol_version);
  w.writeUInt32(hello.limits.receive_buffer_size);
  w.writeUInt32(hello.limits.send_buffer_size);
  w.writeUInt32(hello.limits.max_message_size);
  w.writeUInt32(hello.limits.max_chunk_count);
  w.writeString(hello.endpoint_url);
  return finish(w);
}

Result<AcknowledgeMessage> decodeAcknowledge(std::string_view chunk) {
  auto header = decodeMessageHeader(chunk, static_cast<uint32_t>(chunk.size()));
  if (!header.isOk()) return header.status();
  if (header->type != MessageType::kAcknowledge || header->message_size != chunk.size()) {
    return Status::invalidArgument("Acknowledge: not an ACK message of " +
                                   std::to_string(chunk.size()) + " bytes");
  }
  BinaryReader r(chunk.substr(kMessageHeaderSize));
  AcknowledgeMessage ack;
  PB_RETURN_IF_ERROR(r.readUInt32(ack.protocol_version));
  PB_RETURN_IF_ERROR(r.readUInt32(ack.limits.receive_buffer_size));
  PB_RETURN_IF_ERROR(r.readUInt32(ack.limits.send_buffer_size));
  PB_RETURN_IF_ERROR(r.readUInt32(ack.limits.max_message_size));
  PB_RETURN_IF_ERROR(r.readUInt32(ack.limits.max_chunk_count));
  if (ack.limits.receive_buffer_size < kMinBufferSize ||
      ack.limits.send_buffer_size < kMinBufferSize) {
    return Status::invalidArgument(
        "Acknowledge: buffer sizes " + std::to_string(ack.limits.receive_buffer_size) + "/" +
        std::to_string(ack.limits.send_buffer_size) + " below the minimum of 8192");
  }
  return ack;
}

Result<ErrorMessage> decodeErrorBody(std::string_view body) {
  BinaryReader r(body);
  ErrorMessage error;
  PB_RETURN_IF_ERROR(r.readStatusCode(error.error));
  PB_RETURN_IF_ERROR(r.readString(error.reason));
  return error;
}

Result<ErrorMessage> decodeErrorMessage(std::string_view chunk) {
  auto header = decodeMessageHeader(chunk, static_cast<uint32_t>(chunk.size()));
  if (!header.isOk()) return header.status();
  if (header->type != MessageType::kError || header->message_size != chunk.size()) {
    return Status::invalidArgument("Error: not an ERR message of " + std::to_string(chunk.size()) +
                                   " bytes");
  }
  return decodeErrorBody(chunk.substr(kMessageHeaderSize));
}

Result<SecureChunk> decodeSecureChunk(std::string_view chunk) {
  auto header = decodeMessageHeader(chunk, static_cast<uint32_t>(chunk.size()));
  if (!header.isOk()) return header.status();
  if (!isSecureType(header->type)) {
    return Status::invalidArgument(std::string("chunk: ") + tagOf(header->type) +
                                   " is not a secure channel message");
  }
  if (header->message_size != chunk.size()) {
    return Status::invalidArgument("chunk: header says " + std::to_string(header->message_size) +
                                   " bytes, got " + std::to_string(chunk.size()));
  }
  SecureChunk out;
  out.header = *header;
  BinaryReader r(chunk.substr(kMessageHeaderSize));
  PB_RETURN_IF_ERROR(r.readUInt32(out.secure_channel_id));
  if (header->type == MessageType::kOpenSecureChannel) {
    PB_RETURN_IF_ERROR(r.readString(out.security_policy_uri));
    PB_RETURN_IF_ERROR(r.readByteString(out.sender_certificate));
    PB_RETURN_IF_ERROR(r.readByteString(out.receiver_certificate_thumbprint));
    if (out.security_policy_uri != kSecurityPolicyNoneUri &&
        out.security_policy_uri != kSecurityPolicyBasic256Sha256Uri) {
      return Status::invalidArgument("chunk: security policy '" + out.security_policy_uri +
                                     "' is not supported (None, Basic256Sha256)");
    }
  } else {
    PB_RETURN_IF_ERROR(r.readUInt32(out.token_id));
  }
  PB_RETURN_IF_ERROR(r.readUInt32(out.sequence_number));
  PB_RETURN_IF_ERROR(r.readUInt32(out.request_id));
  std::string_view body;
  PB_RETURN_IF_ERROR(r.readRaw(r.remaining(), body));
  out.body = body;
  return out;
}

size_t secureChunkOverhead(MessageType type) {
  // header 8 + channel id 4 + sequence header 8, plus the security header.
  if (type == MessageType::kOpenSecureChannel) {
    return 8 + 4 + (4 + std::strlen(kSecurityPolicyNoneUri) + 4 + 4) + 8;
  }
  return 8 + 4 + 4 + 8;
}

std::string encodeSecureChunk(MessageType type, ChunkType chunk_type, uint32_t secure_channel_id,
                              uint32_t token_id, uint32_t sequence_number, uint32_t request_id,
                              std::string_view body) {
  BinaryWriter w;
  writeHeader(w, type, chunk_type);
  w.writeUInt32(secure_channel_id);
  if (type == MessageType::kOpenSecureChannel) {
    w.writeString(kSecurityPolicyNoneUri);
    w.writeByteString(ByteString{{}, true});
    w.writeByteString(ByteString{{}, true});
  } else {
    w.writeUInt32(token_id);
  }
  w.writeUInt32(sequence_number);
  w.writeUInt32(request_id);
  w.writeRaw(body);
  return finish(w);
}

}  // namespace pb::opcua
