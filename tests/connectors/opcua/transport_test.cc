// UA TCP framing, chunk assembly, endpoint URLs and relative paths as units; and the client
// against scripted fake servers on 127.0.0.1 for the failures a real server will not produce
// on demand (refused port, a dropped connection, an Error message, bad limits, silence).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include "plantbridge/connectors/opcua/binary_codec.h"
#include "plantbridge/connectors/opcua/chunk_assembler.h"
#include "plantbridge/connectors/opcua/client.h"
#include "plantbridge/connectors/opcua/service_common.h"
#include "plantbridge/connectors/opcua/transport_messages.h"
#include "plantbridge/connectors/opcua/view_services.h"

namespace pb::opcua {
namespace {

std::string errorMessage(uint32_t code, const std::string& reason) {
  BinaryWriter w;
  w.writeRaw("ERRF");
  w.writeUInt32(0);
  w.writeUInt32(code);
  w.writeString(reason);
  w.patchUInt32(4, static_cast<uint32_t>(w.size()));
  return w.take();
}

std::string acknowledge(uint32_t receive_buffer, uint32_t send_buffer) {
  BinaryWriter w;
  w.writeRaw("ACKF");
  w.writeUInt32(28);
  w.writeUInt32(0);
  w.writeUInt32(receive_buffer);
  w.writeUInt32(send_buffer);
  w.writeUInt32(0);
  w.writeUInt32(0);
  return w.take();
}

// ---- Framing -------------------------------------------------------------------------------

TEST(OpcUaTransportTest, HelloCarriesLimitsAndEndpointUrl) {
  HelloMessage hello;
  hello.limits = TransportLimits{65535, 65535, 1 << 24, 512};
  hello.endpoint_url = "opc.tcp://127.0.0.1:4840";
  const std::string wire = encodeHello(hello);
  ASSERT_EQ(wire.substr(0, 4), "HELF");
  auto header = decodeMessageHeader(wire, 1 << 16);
  ASSERT_TRUE(header.isOk());
  EXPECT_EQ(header->message_size, wire.size());
  EXPECT_EQ(wire.size(), 8U + 20U + 4U + hello.endpoint_url.size());
}

TEST(OpcUaTransportTest, AcknowledgeBelowTheMinimumBufferIsRejected) {
  EXPECT_TRUE(decodeAcknowledge(acknowledge(8192, 8192)).isOk());
  EXPECT_FALSE(decodeAcknowledge(acknowledge(1024, 8192)).isOk());
}

TEST(OpcUaTransportTest, ErrorMessageNamesStatusAndReason) {
  auto error = decodeErrorMessage(errorMessage(0x8083'0000, "no such endpoint"));
  ASSERT_TRUE(error.isOk()) << error.status().toString();
  EXPECT_EQ(error->error.toString(), "BadTcpEndpointUrlInvalid (0x80830000)");
  EXPECT_EQ(error->reason, "no such endpoint");
}

TEST(OpcUaTransportTest, HeaderChecksTypeChunkAndSize) {
  EXPECT_FALSE(decodeMessageHeader("XYZF\x08\0\0\0", 100).isOk());
  EXPECT_FALSE(decodeMessageHeader(std::string("MSGX\x08\0\0\0", 8), 100).isOk());
  EXPECT_FALSE(decodeMessageHeader(std::string("HELC\x08\0\0\0", 8), 100).isOk());  // HEL: 'F' only
  EXPECT_FALSE(decodeMessageHeader(std::string("MSGF\x04\0\0\0", 8), 100).isOk());  // < header
  auto big = decodeMessageHeader(std::string("MSGF\x00\x00\x01\x00", 8), 8192);
  ASSERT_FALSE(big.isOk());
  EXPECT_EQ(big.status().code(), pb::StatusCode::kResourceExhausted);
}

TEST(OpcUaTransportTest, SecureChunkRoundTrips) {
  const std::string chunk =
      encodeSecureChunk(MessageType::kMessage, ChunkType::kIntermediate, 7, 3, 42, 9, "body");
  EXPECT_EQ(chunk.size(), secureChunkOverhead(MessageType::kMessage) + 4);
  auto decoded = decodeSecureChunk(chunk);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded->header.chunk_type, ChunkType::kIntermediate);
  EXPECT_EQ(decoded->secure_channel_id, 7U);
  EXPECT_EQ(decoded->token_id, 3U);
  EXPECT_EQ(decoded->sequence_number, 42U);
  EXPECT_EQ(decoded->request_id, 9U);
  EXPECT_EQ(decoded->body, "body");

  const std::string open =
      encodeSecureChunk(MessageType::kOpenSecureChannel, ChunkType::kFinal, 0, 0, 1, 1, "x");
  EXPECT_EQ(open.size(), secureChunkOverhead(MessageType::kOpenSecureChannel) + 1);
  auto opened = decodeSecureChunk(open);
  ASSERT_TRUE(opened.isOk()) << opened.status().toString();
  EXPECT_EQ(opened->security_policy_uri, kSecurityPolicyNoneUri);
  EXPECT_TRUE(opened->sender_certificate.is_null);
}

SecureChunk chunkOf(const std::string& storage) { return *decodeSecureChunk(storage); }

TEST(OpcUaChunkAssemblerTest, JoinsIntermediateChunksUntilTheFinalOne) {
  ChunkAssembler assembler(0, 0);
  const std::string a =
      encodeSecureChunk(MessageType::kMessage, ChunkType::kIntermediate, 1, 1, 1, 5, "he");
  const std::string b =
      encodeSecureChunk(MessageType::kMessage, ChunkType::kIntermediate, 1, 1, 2, 5, "ll");
  const std::string c =
      encodeSecureChunk(MessageType::kMessage, ChunkType::kFinal, 1, 1, 3, 5, "o");
  auto r1 = assembler.add(chunkOf(a));
  ASSERT_TRUE(r1.isOk());
  EXPECT_FALSE(r1->has_value());
  ASSERT_TRUE(assembler.add(chunkOf(b)).isOk());
  auto r3 = assembler.add(chunkOf(c));
  ASSERT_TRUE(r3.isOk());
  ASSERT_TRUE(r3->has_value());
  EXPECT_EQ((*r3)->body, "hello");
  EXPECT_EQ((*r3)->request_id, 5U);
  EXPECT_EQ(assembler.pending(), 0U);
}

TEST(OpcUaChunkAssemblerTest, AnAbortChunkEndsTheMessageWithTheSendersReason) {
  ChunkAssembler assembler(0, 0);
  const std::string a =
      encodeSecureChunk(MessageType::kMessage, ChunkType::kIntermediate, 1, 1, 1, 5, "he");
  BinaryWriter reason;
  reason.writeUInt32(0x80B9'0000);  // BadResponseTooLarge
  reason.writeString("too big");
  const std::string abort =
      encodeSecureChunk(MessageType::kMessage, ChunkType::kAbort, 1, 1, 2, 5, reason.bytes());
  ASSERT_TRUE(assembler.add(chunkOf(a)).isOk());
  auto aborted = assembler.add(chunkOf(abort));
  ASSERT_FALSE(aborted.isOk());
  EXPECT_NE(aborted.status().message().find("BadResponseTooLarge"), std::string::npos);
  EXPECT_NE(aborted.status().message().find("too big"), std::string::npos);
  EXPECT_EQ(assembler.pending(), 0U);
}

TEST(OpcUaChunkAssemblerTest, MessagesOverTheLimitsAreRefused) {
  ChunkAssembler by_size(3, 0);
  const std::string big =
      encodeSecureChunk(MessageType::kMessage, ChunkType::kFinal, 1, 1, 1, 5, "four");
  auto over = by_size.add(chunkOf(big));
  ASSERT_FALSE(over.isOk());
  EXPECT_EQ(over.status().code(), pb::StatusCode::kResourceExhausted);

  ChunkAssembler by_count(0, 2);
  const std::string piece =
      encodeSecureChunk(MessageType::kMessage, ChunkType::kIntermediate, 1, 1, 1, 5, "x");
  ASSERT_TRUE(by_count.add(chunkOf(piece)).isOk());
  ASSERT_TRUE(by_count.add(chunkOf(piece)).isOk());
  EXPECT_FALSE(by_count.add(chunkOf(piece)).isOk());
}

// ---- Endpoint URLs and relative paths ------------------------------------------------------

TEST(OpcUaEndpointUrlTest, ParsesHostPortAndPath) {
  auto a = parseEndpointUrl("opc.tcp://plc-07.plant.local:4841/UA/Server");
  ASSERT_TRUE(a.isOk());
  EXPECT_EQ(a->host, "plc-07.plant.local");
  EXPECT_EQ(a->port, 4841);
  EXPECT_EQ(a->path, "/UA/Server");
  auto b = parseEndpointUrl("opc.tcp://[::1]:4840");
  ASSERT_TRUE(b.isOk());
  EXPECT_EQ(b->host, "::1");
  auto c = parseEndpointUrl("opc.tcp://10.0.0.7");
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ(c->port, 4840);
  for (const char* bad : {"http://x:1", "opc.tcp://", "opc.tcp://h:0", "opc.tcp://h:70000",
                          "opc.tcp://h:", "opc.tcp://[::1"}) {
    EXPECT_FALSE(parseEndpointUrl(bad).isOk()) << bad;
  }
}

TEST(OpcUaRelativePathTest, ParsesHierarchicalAndAggregateSteps) {
  auto path = parseRelativePath("/2:CNC07.2:Spindle&.Speed/Mode");
  ASSERT_TRUE(path.isOk()) << path.status().toString();
  ASSERT_EQ(path->size(), 3U);
  EXPECT_EQ((*path)[0].reference_type_id, NodeId(0, node_ids::kHierarchicalReferences));
  EXPECT_EQ((*path)[0].target_name, (QualifiedName{2, "CNC07"}));
  EXPECT_EQ((*path)[1].reference_type_id, NodeId(0, node_ids::kAggregates));
  EXPECT_EQ((*path)[1].target_name, (QualifiedName{2, "Spindle.Speed"}));
  EXPECT_EQ((*path)[2].target_name, (QualifiedName{0, "Mode"}));
  for (const char* bad : {"", "CNC07", "/", "/2:", "/x:A", "/70000:A", "/A&", "/a#b"}) {
    EXPECT_FALSE(parseRelativePath(bad).isOk()) << bad;
  }
}

// ---- Against fake servers ------------------------------------------------------------------

// Listens on 127.0.0.1:0 and runs `script` on the first connection, in a thread joined by the
// destructor. The script gets the accepted socket; it closes it when it returns.
class FakeServer {
 public:
  explicit FakeServer(std::function<void(int)> script) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    thread_ = std::thread([this, script = std::move(script)] {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      script(fd);
      ::close(fd);
    });
  }
  ~FakeServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);  // unblocks accept() if nobody came
    thread_.join();
    ::close(listen_fd_);
  }
  std::string url() const { return "opc.tcp://127.0.0.1:" + std::to_string(port_); }

  // Reads one whole message (header first) from `fd`; empty when the peer closes.
  static std::string readMessage(int fd) {
    std::string data(8, '\0');
    if (::recv(fd, data.data(), 8, MSG_WAITALL) != 8) return {};
    uint32_t size = 0;
    for (int i = 0; i < 4; ++i)
      size |= static_cast<uint32_t>(static_cast<uint8_t>(data[4 + i])) << (8 * i);
    data.resize(size);
    if (size > 8 &&
        ::recv(fd, data.data() + 8, size - 8, MSG_WAITALL) != static_cast<ssize_t>(size - 8)) {
      return {};
    }
    return data;
  }
  static void send(int fd, const std::string& bytes) {
    (void)::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }

 private:
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

ClientOptions quickOptions(const std::string& url) {
  ClientOptions options;
  options.endpoint_url = url;
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.request_timeout = std::chrono::milliseconds(2000);
  return options;
}

TEST(OpcUaClientFailureTest, AWrongPortIsRefusedWithTheEndpointInTheMessage) {
  // A port that was free a moment ago: bound, then closed.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  const std::string url = "opc.tcp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  Client client(quickOptions(url));
  Status connected = client.connect();
  ASSERT_FALSE(connected.isOk());
  EXPECT_EQ(connected.code(), pb::StatusCode::kUnavailable);
  EXPECT_NE(connected.message().find(url), std::string::npos) << connected.message();
  EXPECT_NE(connected.message().find("refused"), std::string::npos) << connected.message();
}

TEST(OpcUaClientFailureTest, AServerThatDropsTheConnectionAfterHelloIsAClearError) {
  FakeServer server([](int fd) { (void)FakeServer::readMessage(fd); });
  Client client(quickOptions(server.url()));
  Status connected = client.connect();
  ASSERT_FALSE(connected.isOk());
  EXPECT_EQ(connected.code(), pb::StatusCode::kUnavailable);
  EXPECT_NE(connected.message().find("closed the connection"), std::string::npos)
      << connected.message();
}

TEST(OpcUaClientFailureTest, AnErrorMessageIsReportedWithItsStatusAndReason) {
  FakeServer server([](int fd) {
    (void)FakeServer::readMessage(fd);
    FakeServer::send(fd, errorMessage(0x8083'0000, "endpoint /nope unknown"));
  });
  Client client(quickOptions(server.url()));
  Status connected = client.connect();
  ASSERT_FALSE(connected.isOk());
  EXPECT_EQ(connected.code(), pb::StatusCode::kUnavailable);
  EXPECT_NE(connected.message().find("BadTcpEndpointUrlInvalid"), std::string::npos)
      << connected.message();
  EXPECT_NE(connected.message().find("endpoint /nope unknown"), std::string::npos);
}

TEST(OpcUaClientFailureTest, AnAcknowledgeWithTooSmallBuffersIsRefused) {
  FakeServer server([](int fd) {
    (void)FakeServer::readMessage(fd);
    FakeServer::send(fd, acknowledge(512, 512));
  });
  Client client(quickOptions(server.url()));
  Status connected = client.connect();
  ASSERT_FALSE(connected.isOk());
  EXPECT_NE(connected.message().find("8192"), std::string::npos) << connected.message();
}

TEST(OpcUaClientFailureTest, AServerThatNeverAnswersTimesOut) {
  FakeServer server([](int fd) {
    (void)FakeServer::readMessage(fd);
    FakeServer::send(fd, acknowledge(65535, 65535));
    (void)FakeServer::readMessage(fd);  // the OPN request, left unanswered
    (void)FakeServer::readMessage(fd);  // returns when the client gives up and closes
  });
  ClientOptions options = quickOptions(server.url());
  options.connect_timeout = std::chrono::milliseconds(300);
  Client client(options);
  const auto started = std::chrono::steady_clock::now();
  Status connected = client.connect();
  ASSERT_FALSE(connected.isOk());
  EXPECT_EQ(connected.code(), pb::StatusCode::kUnavailable);
  EXPECT_NE(connected.message().find("timed out"), std::string::npos) << connected.message();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST(OpcUaClientFailureTest, ChunksOverTheNegotiatedSizeAreRefused) {
  FakeServer server([](int fd) {
    (void)FakeServer::readMessage(fd);
    FakeServer::send(fd, acknowledge(65535, 65535));
    (void)FakeServer::readMessage(fd);
    // A header announcing a 1 MiB chunk: the client must not wait for or buffer it.
    FakeServer::send(fd, std::string("OPNF\x00\x00\x10\x00", 8));
    (void)FakeServer::readMessage(fd);
  });
  ClientOptions options = quickOptions(server.url());
  options.limits.receive_buffer_size = 8192;
  Client client(options);
  Status connected = client.connect();
  ASSERT_FALSE(connected.isOk());
  EXPECT_EQ(connected.code(), pb::StatusCode::kResourceExhausted) << connected.toString();
}

// An OpenSecureChannelResponse for channel 5, token 1 (the fields of service_common.h and
// secure_channel_services.h, written by hand so the test does not trust our own encoder).
std::string openSecureChannelResponseBody() {
  BinaryWriter w;
  w.writeNodeId(NodeId(0, type_ids::kOpenSecureChannelResponse));
  w.writeDateTime(DateTime{});  // ResponseHeader.timestamp
  w.writeUInt32(1);             // requestHandle
  w.writeUInt32(0);             // serviceResult: Good
  w.writeByte(0);               // serviceDiagnostics: empty DiagnosticInfo
  w.writeInt32(-1);             // stringTable: null
  w.writeExtensionObject(ExtensionObject{});
  w.writeUInt32(0);       // serverProtocolVersion
  w.writeUInt32(5);       // channelId
  w.writeUInt32(1);       // tokenId
  w.writeInt64(0);        // createdAt
  w.writeUInt32(60'000);  // revisedLifetime
  w.writeInt32(-1);       // serverNonce: null
  return w.take();
}

TEST(OpcUaClientFailureTest, AnAbortedResponseFailsThatRequestAndKeepsTheChannel) {
  FakeServer server([](int fd) {
    (void)FakeServer::readMessage(fd);
    FakeServer::send(fd, acknowledge(65535, 65535));
    auto open = decodeSecureChunk(FakeServer::readMessage(fd));
    if (!open.isOk()) return;
    FakeServer::send(fd, encodeSecureChunk(MessageType::kOpenSecureChannel, ChunkType::kFinal, 5, 0,
                                           1, open->request_id, openSecureChannelResponseBody()));
    const std::string request_bytes = FakeServer::readMessage(fd);
    auto request = decodeSecureChunk(request_bytes);
    if (!request.isOk()) return;
    BinaryWriter reason;
    reason.writeUInt32(0x80B9'0000);  // BadResponseTooLarge
    reason.writeString("response over 16 MiB");
    FakeServer::send(fd, encodeSecureChunk(MessageType::kMessage, ChunkType::kAbort, 5, 1, 2,
                                           request->request_id, reason.bytes()));
    (void)FakeServer::readMessage(fd);  // until the client closes
  });
  Client client(quickOptions(server.url()));
  Status connected = client.connect();
  ASSERT_TRUE(connected.isOk()) << connected.toString();
  EXPECT_EQ(client.info().secure_channel_id, 5U);
  auto endpoints = client.getEndpoints();
  ASSERT_FALSE(endpoints.isOk());
  EXPECT_NE(endpoints.status().message().find("BadResponseTooLarge"), std::string::npos)
      << endpoints.status().toString();
  EXPECT_NE(endpoints.status().message().find("response over 16 MiB"), std::string::npos);
  EXPECT_TRUE(client.info().connected);
}

}  // namespace
}  // namespace pb::opcua
