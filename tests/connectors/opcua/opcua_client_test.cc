// The OPC UA client against a real OPC UA server: node-opcua running tools/opcua_sim (a small
// CNC machine), started per test and stopped by pid; plus in-test fake servers for the
// failure cases node-opcua cannot be made to produce.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <thread>

#include "opcua_sim_process.h"
#include "plantbridge/connectors/opcua/binary_codec.h"
#include "plantbridge/connectors/opcua/client.h"

namespace pb::opcua {
namespace {

using pb::test::OpcUaSimOptions;
using pb::test::OpcUaSimProcess;

ReadValueId valueOf(NodeId node) {
  ReadValueId id;
  id.node_id = std::move(node);
  return id;
}

class OpcUaClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status started = sim_.start();
    ASSERT_TRUE(started.isOk()) << started.toString();
  }

  ClientOptions options() const {
    ClientOptions o;
    o.endpoint_url = sim_.endpointUrl();
    o.connect_timeout = std::chrono::seconds(10);
    o.request_timeout = std::chrono::seconds(10);
    return o;
  }

  // Connects and opens an anonymous session; the namespace index of the machine's nodes.
  uint16_t connectAndOpenSession(Client& client) {
    Status connected = client.connect();
    EXPECT_TRUE(connected.isOk()) << connected.toString();
    Status session = client.openSession(UserIdentity::anonymous());
    EXPECT_TRUE(session.isOk()) << session.toString();
    auto ns = pb::test::simNamespaceIndex(sim_.endpointUrl());
    EXPECT_TRUE(ns.isOk()) << ns.status().toString();
    return ns.isOk() ? *ns : 0;
  }

  OpcUaSimProcess sim_;
};

TEST_F(OpcUaClientTest, ConnectNegotiatesLimitsAndOpensASecureChannel) {
  Client client(options());
  Status connected = client.connect();
  ASSERT_TRUE(connected.isOk()) << connected.toString();
  const ConnectionInfo info = client.info();
  EXPECT_TRUE(info.connected);
  EXPECT_NE(info.secure_channel_id, 0U);
  EXPECT_NE(info.token_id, 0U);
  EXPECT_GT(info.token_lifetime_ms, 0U);
  EXPECT_GE(info.server_limits.receive_buffer_size, kMinBufferSize);
  EXPECT_LE(info.send_chunk_size, options().limits.send_buffer_size);
  EXPECT_LE(info.send_chunk_size, info.server_limits.receive_buffer_size);
  client.disconnect();
  EXPECT_FALSE(client.info().connected);
}

TEST_F(OpcUaClientTest, GetEndpointsOffersTheNoneEndpointWithAnonymousAndUserName) {
  Client client(options());
  ASSERT_TRUE(client.connect().isOk());
  auto endpoints = client.getEndpoints();
  ASSERT_TRUE(endpoints.isOk()) << endpoints.status().toString();
  ASSERT_FALSE(endpoints->empty());
  bool none_endpoint = false;
  std::set<UserTokenType> token_types;
  for (const auto& endpoint : *endpoints) {
    if (endpoint.security_policy_uri != kSecurityPolicyNoneUri) continue;
    none_endpoint = true;
    EXPECT_EQ(endpoint.transport_profile_uri, kTransportProfileUaTcp);
    EXPECT_EQ(endpoint.server.application_uri, "urn:plantbridge:opcua-sim");
    for (const auto& policy : endpoint.user_identity_tokens) token_types.insert(policy.token_type);
  }
  EXPECT_TRUE(none_endpoint);
  EXPECT_TRUE(token_types.count(UserTokenType::kAnonymous));
  EXPECT_TRUE(token_types.count(UserTokenType::kUserName));
}

TEST_F(OpcUaClientTest, ReadsEachVariableOfTheMachine) {
  Client client(options());
  const uint16_t ns = connectAndOpenSession(client);
  ASSERT_NE(ns, 0);
  auto values = client.read({valueOf(NodeId(ns, std::string("CNC07.SpindleSpeed"))),
                             valueOf(NodeId(ns, std::string("CNC07.PartCounter"))),
                             valueOf(NodeId(ns, std::string("CNC07.AlarmActive"))),
                             valueOf(NodeId(ns, std::string("CNC07.ProgramName")))});
  ASSERT_TRUE(values.isOk()) << values.status().toString();
  ASSERT_EQ(values->size(), 4U);
  for (const auto& value : *values) {
    EXPECT_TRUE(value.statusOrGood().isGood()) << value.statusOrGood().toString();
    ASSERT_TRUE(value.value.has_value());
    EXPECT_TRUE(value.server_timestamp.has_value());
  }
  ASSERT_NE((*values)[0].value->get<double>(), nullptr);
  EXPECT_DOUBLE_EQ(*(*values)[0].value->get<double>(), 1200.0);
  ASSERT_NE((*values)[1].value->get<uint32_t>(), nullptr);
  EXPECT_EQ(*(*values)[1].value->get<uint32_t>(), 0U);
  ASSERT_NE((*values)[2].value->get<bool>(), nullptr);
  EXPECT_FALSE(*(*values)[2].value->get<bool>());
  ASSERT_NE((*values)[3].value->get<std::string>(), nullptr);
  EXPECT_EQ(*(*values)[3].value->get<std::string>(), "O1001-BRACKET");
  EXPECT_TRUE(client.closeSession().isOk());

  // Without a session the server refuses, and says why.
  auto closed = client.read({valueOf(NodeId(ns, std::string("CNC07.ProgramName")))});
  ASSERT_FALSE(closed.isOk());
  EXPECT_NE(closed.status().message().find("BadSession"), std::string::npos)
      << closed.status().toString();
}

TEST_F(OpcUaClientTest, AnUnknownNodeIsABadStatusForThatNodeOnly) {
  Client client(options());
  const uint16_t ns = connectAndOpenSession(client);
  auto values = client.read({valueOf(NodeId(ns, std::string("CNC07.NoSuchThing"))),
                             valueOf(NodeId(ns, std::string("CNC07.ProgramName")))});
  ASSERT_TRUE(values.isOk()) << values.status().toString();
  EXPECT_EQ((*values)[0].statusOrGood(), status::kBadNodeIdUnknown);
  EXPECT_TRUE((*values)[1].statusOrGood().isGood());
}

TEST_F(OpcUaClientTest, BrowseWithASmallPageFollowsContinuationPoints) {
  Client client(options());
  const uint16_t ns = connectAndOpenSession(client);
  BrowseDescription bulk;
  bulk.node_id = NodeId(ns, std::string("Bulk"));
  bulk.reference_type_id = NodeId(0, node_ids::kHasComponent);

  auto first = client.browse({bulk}, 4);
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  EXPECT_EQ(first->front().references.size(), 4U);
  ASSERT_FALSE(first->front().continuation_point.bytes.empty());
  // Released without reading on: nothing comes back, and the point is gone.
  auto released = client.browseNext({first->front().continuation_point}, /*release=*/true);
  ASSERT_TRUE(released.isOk()) << released.status().toString();
  EXPECT_TRUE(released->front().references.empty());
  // Using it afterwards is that node's Bad status, not a failed call.
  auto stale = client.browseNext({first->front().continuation_point}, /*release=*/false);
  ASSERT_TRUE(stale.isOk()) << stale.status().toString();
  EXPECT_EQ(stale->front().status_code, status::kBadContinuationPointInvalid)
      << stale->front().status_code.toString();

  auto all = client.browseAll(bulk, 4);
  ASSERT_TRUE(all.isOk()) << all.status().toString();
  std::set<std::string> names;
  for (const auto& reference : *all) names.insert(reference.browse_name.name);
  EXPECT_EQ(all->size(), 25U);
  EXPECT_EQ(names.size(), 25U);
  EXPECT_TRUE(names.count("Tag00"));
  EXPECT_TRUE(names.count("Tag24"));

  // A bounded walk that runs out says so (and releases the server's continuation point).
  auto cut = client.browseAll(bulk, 4, /*max_calls=*/2);
  ASSERT_FALSE(cut.isOk());
  EXPECT_EQ(cut.status().code(), pb::StatusCode::kResourceExhausted) << cut.status().toString();
}

TEST_F(OpcUaClientTest, ABrowsePathResolvesToTheMachinesNode) {
  Client client(options());
  const uint16_t ns = connectAndOpenSession(client);
  const std::string prefix = std::to_string(ns) + ":";
  auto counter = client.resolvePath("/" + prefix + "CNC07/" + prefix + "PartCounter");
  ASSERT_TRUE(counter.isOk()) << counter.status().toString();
  EXPECT_EQ(*counter, NodeId(ns, std::string("CNC07.PartCounter")));
  // "." follows Aggregates (HasComponent is one).
  auto speed = client.resolvePath("/" + prefix + "CNC07." + prefix + "SpindleSpeed");
  ASSERT_TRUE(speed.isOk()) << speed.status().toString();
  EXPECT_EQ(*speed, NodeId(ns, std::string("CNC07.SpindleSpeed")));

  auto missing = client.resolvePath("/" + prefix + "CNC07/" + prefix + "Coolant");
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().code(), pb::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("BadNoMatch"), std::string::npos)
      << missing.status().message();
  EXPECT_NE(missing.status().message().find("Coolant"), std::string::npos);
}

TEST_F(OpcUaClientTest, RenewingTheSecurityTokenKeepsTheSessionWorking) {
  Client client(options());
  const uint16_t ns = connectAndOpenSession(client);
  const uint32_t first_token = client.info().token_id;
  Status renewed = client.renewSecureChannel();
  ASSERT_TRUE(renewed.isOk()) << renewed.toString();
  EXPECT_NE(client.info().token_id, first_token);
  EXPECT_EQ(client.info().token_renewals, 1U);
  auto values = client.read({valueOf(NodeId(ns, std::string("CNC07.ProgramName")))});
  ASSERT_TRUE(values.isOk()) << values.status().toString();
}

TEST_F(OpcUaClientTest, LargeRequestsAndResponsesTravelInSeveralChunks) {
  ClientOptions small = options();
  small.limits.send_buffer_size = kMinBufferSize;
  small.limits.receive_buffer_size = kMinBufferSize;
  Client client(small);
  const uint16_t ns = connectAndOpenSession(client);
  std::vector<ReadValueId> nodes;
  nodes.reserve(600);
  for (int i = 0; i < 600; ++i) {
    nodes.push_back(valueOf(NodeId(ns, std::string("CNC07.ProgramName"))));
  }
  auto values = client.read(nodes);  // ~20 kB each way with 8 kB chunks
  ASSERT_TRUE(values.isOk()) << values.status().toString();
  ASSERT_EQ(values->size(), 600U);
  EXPECT_EQ(*values->back().value->get<std::string>(), "O1001-BRACKET");
}

TEST_F(OpcUaClientTest, UserNameLoginWithTheRightPasswordWorksAndAWrongOneIsRefused) {
  Client client(options());
  ASSERT_TRUE(client.connect().isOk());
  Status refused = client.openSession(UserIdentity::userName("operator", "wrong"));
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.code(), pb::StatusCode::kUnauthenticated) << refused.toString();
  Status accepted = client.openSession(UserIdentity::userName("operator", "cnc-07-secret"));
  ASSERT_TRUE(accepted.isOk()) << accepted.toString();
  EXPECT_TRUE(client.info().session_active);
}

TEST_F(OpcUaClientTest, AServerThatDiesMidSessionIsAClearUnavailableError) {
  Client client(options());
  const uint16_t ns = connectAndOpenSession(client);
  sim_.kill();
  auto values = client.read({valueOf(NodeId(ns, std::string("CNC07.ProgramName")))});
  ASSERT_FALSE(values.isOk());
  EXPECT_EQ(values.status().code(), pb::StatusCode::kUnavailable) << values.status().toString();
  EXPECT_FALSE(client.info().connected);
  EXPECT_FALSE(client.info().session_active);
}

}  // namespace
}  // namespace pb::opcua
