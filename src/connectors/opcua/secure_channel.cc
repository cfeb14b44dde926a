#include "secure_channel.h"

#include <algorithm>

#include "plantbridge/connectors/opcua/secure_channel_services.h"

namespace pb::opcua {
namespace {

// Sequence numbers wrap to a value below 1024 once past UInt32.Max - 1024 (OPC 10000-6, 6.7.2.4).
constexpr uint32_t kSequenceWrapAbove = 0xFFFF'FFFFU - 1024U;

uint32_t nextSequence(uint32_t current) { return current >= kSequenceWrapAbove ? 1 : current + 1; }

DateTime systemNow() {
  // Protocol timestamps only (request headers); no logic depends on them.
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return dateTimeFromUnixMicros(us);
}

uint32_t timeoutHintMs(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return static_cast<uint32_t>(std::max<int64_t>(left.count(), 1));
}

}  // namespace

Status SecureChannel::fail(Status status) {
  connection_.close();
  if (assembler_) assembler_->clear();
  return status;
}

Status SecureChannel::open(const SecureChannelOptions& options, Deadline deadline) {
  close(deadline);
  options_ = options;
  auto security = ChunkSecurity::create(options.security);
  if (!security.isOk()) return security.status();
  security_ = std::move(*security);
  state_ = SecureChannelState{};
  previous_token_id_ = 0;
  next_sequence_number_ = 1;
  last_received_sequence_.reset();
  auto connection = TcpConnection::connect(options.host, options.port, deadline, options.wake_fd);
  if (!connection.isOk()) return connection.status();
  connection_ = std::move(*connection);
  Status said_hello = hello(deadline);
  if (!said_hello.isOk()) return fail(said_hello);
  return openSecureChannel(/*renew=*/false, deadline);
}

Status SecureChannel::hello(Deadline deadline) {
  HelloMessage hello;
  hello.limits = options_.limits;
  hello.endpoint_url = options_.endpoint_url;
  PB_RETURN_IF_ERROR(connection_.writeAll(encodeHello(hello), deadline));
  auto chunk = readChunk(deadline);
  if (!chunk.isOk()) return chunk.status();
  auto ack = decodeAcknowledge(*chunk);
  if (!ack.isOk()) return Status::unavailable("expected Acknowledge: " + ack.status().message());
  state_.server_limits = ack->limits;
  state_.send_chunk_size =
      std::min(options_.limits.send_buffer_size, ack->limits.receive_buffer_size);
  state_.max_request_size = ack->limits.max_message_size;
  assembler_.emplace(options_.limits.max_message_size, options_.limits.max_chunk_count);
  return Status::ok();
}

Result<std::string> SecureChannel::readChunk(Deadline deadline) {
  std::string chunk;
  PB_RETURN_IF_ERROR(connection_.readExact(kMessageHeaderSize, chunk, deadline));
  auto header = decodeMessageHeader(chunk, options_.limits.receive_buffer_size);
  if (!header.isOk()) return header.status();
  PB_RETURN_IF_ERROR(
      connection_.readExact(header->message_size - kMessageHeaderSize, chunk, deadline));
  if (header->type == MessageType::kError) {
    auto error = decodeErrorMessage(chunk);
    if (!error.isOk()) return Status::unavailable("the server sent an unreadable Error message");
    return Status::unavailable("the server sent Error " + error->error.toString() +
                               (error->reason.empty() ? "" : ": " + error->reason));
  }
  return chunk;
}

Status SecureChannel::openSecureChannel(bool renew, Deadline deadline) {
  OpenSecureChannelRequest request;
  request.request_header.timestamp = systemNow();
  request.request_header.request_handle = next_request_id_;
  request.request_header.timeout_hint_ms = timeoutHintMs(deadline);
  request.request_type =
      renew ? SecurityTokenRequestType::kRenew : SecurityTokenRequestType::kIssue;
  request.security_mode = security_.enabled() ? security_.mode() : MessageSecurityMode::kNone;
  std::string client_nonce;
  if (security_.enabled()) {
    auto nonce = randomBytes(Basic256Sha256::kNonceLength);
    if (!nonce.isOk()) return fail(nonce.status());
    client_nonce = std::move(*nonce);
  }
  request.client_nonce = ByteString{client_nonce, !security_.enabled()};
  request.requested_lifetime_ms = options_.requested_lifetime_ms;
  const uint32_t request_id = next_request_id_++;
  Status sent =
      sendMessage(MessageType::kOpenSecureChannel, encodeRequest(request), request_id, deadline);
  if (!sent.isOk()) return fail(sent);
  auto message = receive(request_id, deadline);
  if (!message.isOk()) return fail(message.status());
  if (message->type != MessageType::kOpenSecureChannel) {
    return fail(Status::unavailable("OpenSecureChannel answered with a " +
                                    std::string(messageTypeName(message->type)) + " message"));
  }
  auto response = decodeResponse<OpenSecureChannelResponse>(message->body, options_.decode_limits);
  if (!response.isOk()) return fail(response.status());
  const auto& token = response->security_token;
  if (renew && token.channel_id != state_.channel_id) {
    return fail(Status::unavailable("renewed token names another secure channel"));
  }
  if (security_.enabled()) {
    if (response->server_nonce.bytes.size() != Basic256Sha256::kNonceLength) {
      return fail(Status::unauthenticated("OpenSecureChannel: server nonce of " +
                                          std::to_string(response->server_nonce.bytes.size()) +
                                          " bytes, expected 32"));
    }
    security_.addToken(token.token_id, client_nonce, response->server_nonce.bytes);
  }
  if (renew) {
    previous_token_id_ = state_.token_id;
    ++state_.renewals;
  }
  state_.channel_id = token.channel_id;
  state_.token_id = token.token_id;
  state_.revised_lifetime_ms = token.revised_lifetime_ms;
  token_created_ = std::chrono::steady_clock::now();
  return Status::ok();
}

Status SecureChannel::renew(Deadline deadline) {
  if (!isOpen()) return Status::unavailable("secure channel is not open");
  return openSecureChannel(/*renew=*/true, deadline);
}

Status SecureChannel::sendMessage(MessageType type, std::string_view body, uint32_t request_id,
                                  Deadline deadline) {
  const size_t max_body = security_.maxBodySize(type, state_.send_chunk_size);
  if (max_body == 0) {
    return Status::internal("negotiated chunk size too small for a chunk header");
  }
  if (state_.max_request_size != 0 && body.size() > state_.max_request_size) {
    return Status::resourceExhausted("request of " + std::to_string(body.size()) +
                                     " bytes over the server's maximum message size of " +
                                     std::to_string(state_.max_request_size));
  }
  const size_t chunks = std::max<size_t>(1, (body.size() + max_body - 1) / max_body);
  if (state_.server_limits.max_chunk_count != 0 && chunks > state_.server_limits.max_chunk_count) {
    return Status::resourceExhausted("request needs " + std::to_string(chunks) +
                                     " chunks, the server takes " +
                                     std::to_string(state_.server_limits.max_chunk_count));
  }
  const uint32_t token_id = type == MessageType::kOpenSecureChannel ? 0 : state_.token_id;
  for (size_t i = 0; i < chunks; ++i) {
    const std::string_view piece = body.substr(i * max_body, max_body);
    const ChunkType chunk_type = i + 1 == chunks ? ChunkType::kFinal : ChunkType::kIntermediate;
    auto chunk = security_.seal(type, chunk_type, state_.channel_id, token_id,
                                next_sequence_number_, request_id, piece);
    if (!chunk.isOk()) return chunk.status();
    next_sequence_number_ = nextSequence(next_sequence_number_);
    PB_RETURN_IF_ERROR(connection_.writeAll(*chunk, deadline));
  }
  return Status::ok();
}

Status SecureChannel::checkChunk(const SecureChunk& chunk) {
  if (state_.channel_id != 0 && chunk.secure_channel_id != state_.channel_id) {
    return Status::unavailable("chunk for secure channel " +
                               std::to_string(chunk.secure_channel_id) + ", ours is " +
                               std::to_string(state_.channel_id));
  }
  if (chunk.header.type != MessageType::kOpenSecureChannel && chunk.token_id != state_.token_id &&
      chunk.token_id != previous_token_id_) {
    return Status::unavailable("chunk with unknown security token " +
                               std::to_string(chunk.token_id));
  }
  if (last_received_sequence_ && chunk.sequence_number != nextSequence(*last_received_sequence_)) {
    return Status::unavailable("sequence number " + std::to_string(chunk.sequence_number) +
                               " after " + std::to_string(*last_received_sequence_));
  }
  last_received_sequence_ = chunk.sequence_number;
  return Status::ok();
}

Result<AssembledMessage> SecureChannel::receive(uint32_t request_id, Deadline deadline) {
  // Bounded: each turn consumes a chunk, and the deadline bounds the reads.
  for (;;) {
    auto bytes = readChunk(deadline);
    if (!bytes.isOk()) return bytes.status();
    auto opened = security_.open(*bytes);  // verified and decrypted (as is with None)
    if (!opened.isOk()) return opened.status();
    auto chunk = decodeSecureChunk(*opened);
    if (!chunk.isOk()) return Status::unavailable("malformed chunk: " + chunk.status().message());
    PB_RETURN_IF_ERROR(checkChunk(*chunk));
    auto added = assembler_->add(*chunk);
    if (chunk->header.chunk_type == ChunkType::kAbort) {
      // The server gave up on one message; the channel itself is fine.
      if (chunk->request_id != request_id) continue;  // an earlier request's: nothing waits
      last_request_aborted_ = true;
      return added.status();
    }
    if (!added.isOk()) return added.status();
    if (!added->has_value()) continue;
    AssembledMessage message = std::move(**added);
    if (message.request_id == request_id) return message;
    if (message.request_id > request_id) {
      return Status::unavailable("response for request " + std::to_string(message.request_id) +
                                 " that was never sent");
    }
    // An answer to an earlier request that had given up waiting: dropped.
  }
}

Result<std::string> SecureChannel::call(std::string_view request_body, Deadline deadline) {
  auto request_id = send(request_body, deadline);
  if (!request_id.isOk()) return request_id.status();
  return receiveResponse(*request_id, deadline);
}

Result<uint32_t> SecureChannel::send(std::string_view request_body, Deadline deadline) {
  if (!isOpen()) return Status::unavailable("not connected");
  const auto renew_at =
      token_created_ + std::chrono::milliseconds(state_.revised_lifetime_ms * 3 / 4);
  if (std::chrono::steady_clock::now() >= renew_at) PB_RETURN_IF_ERROR(renew(deadline));
  const uint32_t request_id = next_request_id_++;
  Status sent = sendMessage(MessageType::kMessage, request_body, request_id, deadline);
  if (!sent.isOk()) {
    // A request over the limits never left: the channel is still good.
    return sent.code() == pb::StatusCode::kResourceExhausted ? sent : fail(sent);
  }
  return request_id;
}

Result<std::string> SecureChannel::receiveResponse(uint32_t request_id, Deadline deadline) {
  if (!isOpen()) return Status::unavailable("not connected");
  last_request_aborted_ = false;
  auto message = receive(request_id, deadline);
  if (!message.isOk()) {
    // An abort chunk ends only its own message; anything else leaves the stream unusable.
    return last_request_aborted_ ? message.status() : fail(message.status());
  }
  if (message->type != MessageType::kMessage) {
    return fail(Status::unavailable("request answered with a " +
                                    std::string(messageTypeName(message->type)) + " message"));
  }
  return std::move(message->body);
}

void SecureChannel::close(Deadline deadline) {
  if (!isOpen()) return;
  CloseSecureChannelRequest request;
  request.request_header.timestamp = systemNow();
  request.request_header.request_handle = next_request_id_;
  (void)sendMessage(MessageType::kCloseSecureChannel, encodeRequest(request), next_request_id_++,
                    deadline);
  connection_.close();
  if (assembler_) assembler_->clear();
}

}  // namespace pb::opcua
