// One UA TCP connection with a secure channel over it (OPC 10000-6, 6.7 and 7.1):
// Hello/Acknowledge with negotiated limits, OpenSecureChannel (issue, and renew before the
// token's lifetime ends), requests split into chunks and responses joined from them, sequence
// numbers and request ids, CloseSecureChannel. SecurityPolicy None, or Basic256Sha256 with
// Sign or SignAndEncrypt (chunk_security.h: nonces, keys per token, signed/encrypted chunks).
// Private to the client.
// Thread-safety: one thread at a time; one request in flight.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "chunk_security.h"
#include "plantbridge/common/status.h"
#include "plantbridge/connectors/opcua/binary_codec.h"
#include "plantbridge/connectors/opcua/chunk_assembler.h"
#include "plantbridge/connectors/opcua/transport_messages.h"
#include "tcp_connection.h"

namespace pb::opcua {

struct SecureChannelOptions {
  std::string host;
  uint16_t port = 0;
  std::string endpoint_url;
  TransportLimits limits;
  DecodeLimits decode_limits;
  uint32_t requested_lifetime_ms = 600'000;
  int wake_fd = -1;  // not owned; readable: every wait ends at once (TcpConnection::connect)
  ChannelSecurityConfig security;  // SecurityPolicy None by default
};

// What was negotiated, for diagnostics and tests.
struct SecureChannelState {
  uint32_t channel_id = 0;
  uint32_t token_id = 0;
  uint32_t revised_lifetime_ms = 0;
  uint32_t renewals = 0;
  TransportLimits server_limits;  // as the server acknowledged them
  uint32_t send_chunk_size = 0;   // the largest chunk we send
  uint32_t max_request_size = 0;  // 0: no limit
};

class SecureChannel {
 public:
  SecureChannel() = default;
  SecureChannel(const SecureChannel&) = delete;
  SecureChannel& operator=(const SecureChannel&) = delete;

  Status open(const SecureChannelOptions& options, Deadline deadline);
  // Sends one service request (its encoded body) and returns the body of the response with
  // the same request id. Renews the security token first when three quarters of its lifetime
  // have passed. Any transport error closes the channel.
  Result<std::string> call(std::string_view request_body, Deadline deadline);
  // call() in two halves, for a request whose answer may take long (Publish): send() returns
  // the request id; waitForData() says whether bytes are waiting without consuming any (false
  // at the deadline, the channel untouched); receiveResponse() reads the answer. No other
  // request may be sent in between, or the answer is dropped as a late one.
  Result<uint32_t> send(std::string_view request_body, Deadline deadline);
  Result<bool> waitForData(Deadline deadline) { return connection_.waitReadable(deadline); }
  Result<std::string> receiveResponse(uint32_t request_id, Deadline deadline);
  Status renew(Deadline deadline);
  // CloseSecureChannel (no answer is expected), then the socket. Best effort.
  void close(Deadline deadline);
  bool isOpen() const { return connection_.isOpen(); }
  const SecureChannelState& state() const { return state_; }

 private:
  Status hello(Deadline deadline);
  Status openSecureChannel(bool renew, Deadline deadline);
  Status sendMessage(MessageType type, std::string_view body, uint32_t request_id,
                     Deadline deadline);
  // Reads one chunk; an ERR message becomes an error naming the server's status and reason.
  Result<std::string> readChunk(Deadline deadline);
  Result<AssembledMessage> receive(uint32_t request_id, Deadline deadline);
  Status checkChunk(const SecureChunk& chunk);
  Status fail(Status status);  // closes the connection and passes the status through

  SecureChannelOptions options_;
  TcpConnection connection_;
  SecureChannelState state_;
  std::optional<ChunkAssembler> assembler_;
  ChunkSecurity security_;
  uint32_t previous_token_id_ = 0;
  uint32_t next_sequence_number_ = 1;
  uint32_t next_request_id_ = 1;
  std::optional<uint32_t> last_received_sequence_;
  bool last_request_aborted_ = false;
  std::chrono::steady_clock::time_point token_created_;
};

}  // namespace pb::opcua
