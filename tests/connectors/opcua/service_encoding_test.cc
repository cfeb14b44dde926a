// Our service request encoders against node-opcua's encoder: the hex below is what
// node-opcua-types 2.160.0 (tools/opcua_sim/node_modules) produced for the same requests
// (`new ReadRequest({...}).encode(stream)` and so on, request header timestamp
// 2026-11-22T10:00:00Z, handle 7, timeout hint 10000). A request the server accepts could still
// be wrong in a field it ignores; a byte-for-byte match with another encoder cannot.
#include <gtest/gtest.h>

#include <string>

#include "plantbridge/connectors/opcua/attribute_services.h"
#include "plantbridge/connectors/opcua/secure_channel_services.h"
#include "plantbridge/connectors/opcua/session_services.h"
#include "plantbridge/connectors/opcua/subscription_services.h"
#include "plantbridge/connectors/opcua/transport_messages.h"
#include "plantbridge/connectors/opcua/view_services.h"

namespace pb::opcua {
namespace {

std::string hexOf(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

template <typename Request>
std::string encodedFields(const Request& request) {
  BinaryWriter w;
  request.encode(w);  // the structure, without its encoding NodeId
  return hexOf(w.bytes());
}

RequestHeader fixedHeader() {
  RequestHeader header;
  header.timestamp = dateTimeFromUnixMicros(1'795'341'600'000'000);
  header.request_handle = 7;
  header.timeout_hint_ms = 10'000;
  return header;
}

ReadValueId valueOf(NodeId node) {
  ReadValueId id;
  id.node_id = std::move(node);
  return id;
}

TEST(OpcUaServiceEncodingTest, ReadRequestMatchesNodeOpcua) {
  ReadRequest request;
  request.request_header = fixedHeader();
  request.timestamps_to_return = TimestampsToReturn::kBoth;
  request.nodes_to_read = {valueOf(NodeId(2, std::string("CNC07.SpindleSpeed")))};
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff102700000000000000000000000000020000"
            "000100000003020012000000434e4330372e5370696e646c6553706565640d000000ffffffff0000"
            "ffffffff");
}

TEST(OpcUaServiceEncodingTest, BrowseRequestMatchesNodeOpcua) {
  BrowseRequest request;
  request.request_header = fixedHeader();
  request.requested_max_references_per_node = 4;
  BrowseDescription bulk;
  bulk.node_id = NodeId(2, std::string("Bulk"));
  bulk.reference_type_id = NodeId(0, node_ids::kHasComponent);
  request.nodes_to_browse = {bulk};
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff102700000000000000000000000000000000"
            "00000004000000010000000302000400000042756c6b00000000002f01000000003f000000");
}

TEST(OpcUaServiceEncodingTest, TranslateBrowsePathsRequestMatchesNodeOpcua) {
  TranslateBrowsePathsToNodeIdsRequest request;
  request.request_header = fixedHeader();
  BrowsePath path;
  path.elements = *parseRelativePath("/2:CNC07");
  request.browse_paths = {path};
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff102700000000000100000000550100000000"
            "210001020005000000434e433037");
}

TEST(OpcUaServiceEncodingTest, CreateSubscriptionRequestMatchesNodeOpcua) {
  CreateSubscriptionRequest request;
  request.request_header = fixedHeader();
  request.requested_publishing_interval_ms = 100;
  request.requested_lifetime_count = 100;
  request.requested_max_keep_alive_count = 10;
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff102700000000000000000000005940640000"
            "000a000000000000000100");
}

TEST(OpcUaServiceEncodingTest, CreateMonitoredItemsWithDeadbandMatchesNodeOpcua) {
  CreateMonitoredItemsRequest request;
  request.request_header = fixedHeader();
  request.subscription_id = 3;
  MonitoredItemCreateRequest item;
  item.item_to_monitor = valueOf(NodeId(2, std::string("CNC07.SpindleSpeed")));
  item.client_handle = 1;
  item.sampling_interval_ms = 50;
  item.queue_size = 10;
  item.filter = DataChangeFilter{DataChangeTrigger::kStatusValue, DeadbandType::kAbsolute, 10};
  request.items_to_create = {item};
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff102700000000000300000002000000010000"
            "0003020012000000434e4330372e5370696e646c6553706565640d000000ffffffff0000ffffffff"
            "020000000100000000000000000049400100d4020110000000010000000100000000000000000024"
            "400a00000001");
}

TEST(OpcUaServiceEncodingTest, PublishRequestWithAcknowledgementMatchesNodeOpcua) {
  PublishRequest request;
  request.request_header = fixedHeader();
  request.acknowledgements = {{3, 5}};
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff102700000000000100000003000000050000"
            "00");
}

TEST(OpcUaServiceEncodingTest, GetEndpointsRequestMatchesNodeOpcua) {
  GetEndpointsRequest request;
  request.request_header = fixedHeader();
  request.endpoint_url = "opc.tcp://127.0.0.1:4840";
  request.profile_uris = {kTransportProfileUaTcp};
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff10270000000000180000006f70632e746370"
            "3a2f2f3132372e302e302e313a34383430000000000100000041000000687474703a2f2f6f706366"
            "6f756e646174696f6e2e6f72672f55412d50726f66696c652f5472616e73706f72742f7561746370"
            "2d756173632d756162696e617279");
}

TEST(OpcUaServiceEncodingTest, CreateSessionRequestMatchesNodeOpcua) {
  CreateSessionRequest request;
  request.request_header = fixedHeader();
  request.client_description.application_uri = "urn:plantbridge:opcua-client";
  request.client_description.product_uri = "urn:plantbridge";
  request.client_description.application_name.text = "plantbridge";
  request.endpoint_url = "opc.tcp://127.0.0.1:4840";
  request.session_name = "plantbridge";
  request.client_nonce = ByteString{std::string(32, '\x01'), false};
  request.requested_session_timeout_ms = 60'000;
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff102700000000001c00000075726e3a706c61"
            "6e746272696467653a6f706375612d636c69656e740f00000075726e3a706c616e74627269646765"
            "020b000000706c616e7462726964676501000000ffffffffffffffff00000000ffffffff18000000"
            "6f70632e7463703a2f2f3132372e302e302e313a343834300b000000706c616e7462726964676520"
            "0000000101010101010101010101010101010101010101010101010101010101010101ffffffff00"
            "000000004ced4000000000");
}

TEST(OpcUaServiceEncodingTest, ActivateSessionWithUserNameMatchesNodeOpcua) {
  ActivateSessionRequest request;
  request.request_header = fixedHeader();
  request.locale_ids = {"en"};
  request.user_identity_token = userNameIdentityToken("username_unsecure", "operator", "pw", "");
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff10270000000000ffffffffffffffff000000"
            "000100000002000000656e01004401012b00000011000000757365726e616d655f756e7365637572"
            "65080000006f70657261746f72020000007077ffffffffffffffffffffffff");
}

TEST(OpcUaServiceEncodingTest, CloseSessionRequestMatchesNodeOpcua) {
  CloseSessionRequest request;
  request.request_header = fixedHeader();
  EXPECT_EQ(encodedFields(request), "000000d06d3c687add010700000000000000ffffffff1027000000000001");
}

TEST(OpcUaServiceEncodingTest, OpenSecureChannelRenewMatchesNodeOpcua) {
  OpenSecureChannelRequest request;
  request.request_header = fixedHeader();
  request.request_type = SecurityTokenRequestType::kRenew;
  request.security_mode = MessageSecurityMode::kNone;
  request.client_nonce = ByteString{{}, true};
  request.requested_lifetime_ms = 600'000;
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff10270000000000000000000100000001000000"
            "ffffffffc0270900");
}

// node-opcua-transport's HelloMessage encodes the fields after the 8-byte message header.
TEST(OpcUaServiceEncodingTest, HelloMatchesNodeOpcua) {
  HelloMessage hello;
  hello.limits = TransportLimits{65535, 65535, 16'777'216, 512};
  hello.endpoint_url = "opc.tcp://127.0.0.1:4840";
  EXPECT_EQ(hexOf(encodeHello(hello).substr(kMessageHeaderSize)),
            "00000000ffff0000ffff00000000000100020000180000006f70632e7463703a2f2f3132372e302e"
            "302e313a34383430");
}

TEST(OpcUaServiceEncodingTest, TransferSubscriptionsRequestMatchesNodeOpcua) {
  TransferSubscriptionsRequest request;
  request.request_header = fixedHeader();
  request.subscription_ids = {3, 9};
  request.send_initial_values = true;
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff10270000000000020000000300000009000000"
            "01");
}

TEST(OpcUaServiceEncodingTest, RepublishRequestMatchesNodeOpcua) {
  RepublishRequest request;
  request.request_header = fixedHeader();
  request.subscription_id = 3;
  request.retransmit_sequence_number = 42;
  EXPECT_EQ(encodedFields(request),
            "000000d06d3c687add010700000000000000ffffffff10270000000000030000002a000000");
}

std::string bytesOfHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

// Responses as node-opcua-types 2.160.0 encodes them (response header timestamp as above).
TEST(OpcUaServiceEncodingTest, TransferSubscriptionsResponseFromNodeOpcuaDecodes) {
  const std::string body = bytesOfHex(
      "00d06d3c687add01070000000000000000000000000000000200000000000000020000000800000009000000"
      "000028800000000000000000");
  BinaryReader r(body, DecodeLimits{});
  TransferSubscriptionsResponse response;
  ASSERT_TRUE(response.decode(r).isOk());
  ASSERT_EQ(response.results.size(), 2U);
  EXPECT_TRUE(response.results[0].status_code.isGood());
  EXPECT_EQ(response.results[0].available_sequence_numbers, (std::vector<uint32_t>{8, 9}));
  EXPECT_EQ(response.results[1].status_code.value, 0x8028'0000U);  // BadSubscriptionIdInvalid
  EXPECT_TRUE(response.results[1].available_sequence_numbers.empty());
}

TEST(OpcUaServiceEncodingTest, RepublishResponseFromNodeOpcuaDecodes) {
  const std::string body = bytesOfHex(
      "00d06d3c687add01070000000000000000000000000000002a00000000d06d3c687add010100000001002b03"
      "011200000001000000040000000107d204000000000000");
  BinaryReader r(body, DecodeLimits{});
  RepublishResponse response;
  ASSERT_TRUE(response.decode(r).isOk());
  EXPECT_EQ(response.notification_message.sequence_number, 42U);
  ASSERT_EQ(response.notification_message.data_changes.size(), 1U);
  const auto& change = response.notification_message.data_changes.front();
  EXPECT_EQ(change.client_handle, 4U);
  ASSERT_TRUE(change.value.value.has_value());
  ASSERT_NE(change.value.value->get<uint32_t>(), nullptr);
  EXPECT_EQ(*change.value.value->get<uint32_t>(), 1234U);
}

}  // namespace
}  // namespace pb::opcua
