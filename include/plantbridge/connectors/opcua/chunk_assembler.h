// Joins the chunks of secure channel messages (OPC 10000-6, 6.7.2) back into message bodies,
// within the negotiated limits: total body size and chunk count per message. An abort chunk
// ('A') ends its message with the error the sender put in it.
// Thread-safety: none; one assembler per channel, used by the thread reading it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "plantbridge/common/status.h"
#include "plantbridge/connectors/opcua/transport_messages.h"

namespace pb::opcua {

struct AssembledMessage {
  MessageType type = MessageType::kMessage;
  uint32_t request_id = 0;
  std::string body;
};

class ChunkAssembler {
 public:
  // 0 means no limit, as in Hello/Acknowledge.
  ChunkAssembler(uint32_t max_message_size, uint32_t max_chunk_count)
      : max_message_size_(max_message_size), max_chunk_count_(max_chunk_count) {}

  // Adds one chunk. A whole message once its final chunk arrives; nullopt while more are due;
  // an error for an abort chunk (kUnavailable, with the sender's status and reason) or when
  // the message breaks a limit (kResourceExhausted) — its partial body is dropped either way.
  Result<std::optional<AssembledMessage>> add(const SecureChunk& chunk);
  // Messages begun and not yet finished.
  size_t pending() const { return partial_.size(); }
  void clear() { partial_.clear(); }

 private:
  struct Partial {
    MessageType type = MessageType::kMessage;
    std::string body;
    uint32_t chunks = 0;
  };
  // More partial messages than this at once is a peer misbehaving.
  static constexpr size_t kMaxPartialMessages = 16;

  uint32_t max_message_size_;
  uint32_t max_chunk_count_;
  std::map<uint32_t, Partial> partial_;  // by request id
};

}  // namespace pb::opcua
