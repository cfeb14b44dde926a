#include "plantbridge/connectors/opcua/chunk_assembler.h"

namespace pb::opcua {

Result<std::optional<AssembledMessage>> ChunkAssembler::add(const SecureChunk& chunk) {
  const uint32_t id = chunk.request_id;
  if (chunk.header.chunk_type == ChunkType::kAbort) {
    partial_.erase(id);
    auto error = decodeErrorBody(chunk.body);
    if (!error.isOk()) {
      return Status::unavailable("request " + std::to_string(id) +
                                 " aborted by the server (unreadable reason)");
    }
    return Status::unavailable("request " + std::to_string(id) + " aborted by the server: " +
                               error->error.toString() + " " + error->reason);
  }
  auto it = partial_.find(id);
  if (it == partial_.end()) {
    if (partial_.size() >= kMaxPartialMessages) {
      return Status::resourceExhausted("more than " + std::to_string(kMaxPartialMessages) +
                                       " messages in progress at once");
    }
    it = partial_.emplace(id, Partial{chunk.header.type, {}, 0}).first;
  } else if (it->second.type != chunk.header.type) {
    partial_.erase(it);
    return Status::invalidArgument("request " + std::to_string(id) +
                                   ": chunks of different message types");
  }
  Partial& partial = it->second;
  ++partial.chunks;
  if (max_chunk_count_ != 0 && partial.chunks > max_chunk_count_) {
    partial_.erase(it);
    return Status::resourceExhausted("request " + std::to_string(id) + ": more than " +
                                     std::to_string(max_chunk_count_) + " chunks");
  }
  if (max_message_size_ != 0 && partial.body.size() + chunk.body.size() > max_message_size_) {
    partial_.erase(it);
    return Status::resourceExhausted("request " + std::to_string(id) + ": message over " +
                                     std::to_string(max_message_size_) + " bytes");
  }
  partial.body.append(chunk.body);
  if (chunk.header.chunk_type == ChunkType::kIntermediate) return std::optional<AssembledMessage>{};
  AssembledMessage done{partial.type, id, std::move(partial.body)};
  partial_.erase(it);
  return std::optional<AssembledMessage>(std::move(done));
}

}  // namespace pb::opcua
