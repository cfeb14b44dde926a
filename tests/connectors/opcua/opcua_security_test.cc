// SecurityPolicy Basic256Sha256 against node-opcua (tools/opcua_sim, its machine running):
// Sign and SignAndEncrypt channels with sessions, reads, subscriptions and token renewal;
// UserName logins with encrypted passwords; the trust list (an unknown server is rejected and
// saved in rejected/, trusted once moved); the client certificate created once and reused.
// The simulator accepts our certificate by itself and writes its own for us to trust. Every
// wait is a bounded call (Publish with its own timeout), never a sleep.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "opcua_sim_process.h"
#include "plantbridge/connectors/opcua/client.h"
#include "support/temp_dir.h"

namespace pb::opcua {
namespace {

namespace fs = std::filesystem;

constexpr int kMaxPublishes = 50;

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

ReadValueId valueOf(NodeId node) {
  ReadValueId id;
  id.node_id = std::move(node);
  return id;
}

class OpcUaSecureServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pb::test::OpcUaSimOptions sim_options;
    sim_options.simulate_ms = 100;
    Status started = sim_.start(sim_options);
    ASSERT_TRUE(started.isOk()) << started.toString();
    auto ns = pb::test::simNamespaceIndex(sim_.endpointUrl());
    ASSERT_TRUE(ns.isOk()) << ns.status().toString();
    ns_ = *ns;
  }

  std::string pkiDir() const { return dir_.file("pki"); }

  // Puts the simulator's certificate into our trust list, as an engineer would.
  void trustServer() {
    fs::create_directories(pkiDir() + "/trusted/certs");
    fs::copy_file(sim_.certificatePath(), pkiDir() + "/trusted/certs/cnc-sim.der",
                  fs::copy_options::overwrite_existing);
  }

  ClientOptions options(MessageSecurityMode mode) const {
    ClientOptions o;
    o.endpoint_url = sim_.endpointUrl();
    o.connect_timeout = std::chrono::seconds(20);
    o.request_timeout = std::chrono::seconds(20);
    o.security_policy = SecurityPolicy::kBasic256Sha256;
    o.security_mode = mode;
    o.pki_dir = pkiDir();
    return o;
  }

  NodeId node(const std::string& name) const { return NodeId(ns_, "CNC07." + name); }

  pb::test::OpcUaSimProcess sim_;
  pb::test::TempDir dir_;
  uint16_t ns_ = 0;
};

class OpcUaSecureModeTest : public OpcUaSecureServerTest,
                            public ::testing::WithParamInterface<MessageSecurityMode> {};

TEST_P(OpcUaSecureModeTest, ConnectsReadsSubscribesAndRenewsTheToken) {
  trustServer();
  Client client(options(GetParam()));
  Status connected = client.connect();
  ASSERT_TRUE(connected.isOk()) << connected.toString() << "\n" << sim_.log();
  EXPECT_EQ(client.info().security_policy, SecurityPolicy::kBasic256Sha256);
  EXPECT_EQ(client.info().security_mode, GetParam());
  Status session = client.openSession(UserIdentity::anonymous());
  ASSERT_TRUE(session.isOk()) << session.toString();

  auto values = client.read({valueOf(node("ProgramName")), valueOf(node("SpindleSpeed"))});
  ASSERT_TRUE(values.isOk()) << values.status().toString();
  EXPECT_EQ(*values->front().value->get<std::string>(), "O1001-BRACKET");

  auto subscription = client.createSubscription({100, 100, 10, 0, 0});
  ASSERT_TRUE(subscription.isOk()) << subscription.status().toString();
  MonitoredItemCreateRequest item;
  item.item_to_monitor.node_id = node("PartCounter");
  item.client_handle = 7;
  item.sampling_interval_ms = 50;
  item.queue_size = 10;
  auto items = client.createMonitoredItems(subscription->id, {item});
  ASSERT_TRUE(items.isOk()) << items.status().toString();
  ASSERT_TRUE(items->front().status_code.isGood());

  // New keys from a new pair of nonces: the session and the subscription carry on.
  ASSERT_TRUE(client.renewSecureChannel().isOk());
  EXPECT_EQ(client.info().token_renewals, 1U);

  std::vector<SubscriptionAcknowledgement> acks;
  int changes = 0;
  for (int i = 0; i < kMaxPublishes && changes < 3; ++i) {
    auto published = client.publish(acks, std::chrono::seconds(10));
    ASSERT_TRUE(published.isOk()) << published.status().toString();
    acks.clear();
    if (published->notification_message.isKeepAlive()) continue;
    acks.push_back({published->subscription_id, published->notification_message.sequence_number});
    for (const auto& change : published->notification_message.data_changes) {
      EXPECT_EQ(change.client_handle, 7U);
      ++changes;
    }
  }
  EXPECT_GE(changes, 3);
  auto again = client.read({valueOf(node("ProgramName"))});
  ASSERT_TRUE(again.isOk()) << again.status().toString();
  EXPECT_TRUE(client.closeSession().isOk());
}

TEST_P(OpcUaSecureModeTest, LargeMessagesTravelInSeveralSecuredChunks) {
  trustServer();
  ClientOptions small = options(GetParam());
  small.limits.send_buffer_size = kMinBufferSize;
  small.limits.receive_buffer_size = kMinBufferSize;
  Client client(small);
  ASSERT_TRUE(client.connect().isOk());
  ASSERT_TRUE(client.openSession(UserIdentity::anonymous()).isOk());
  std::vector<ReadValueId> nodes(600, valueOf(node("ProgramName")));
  auto values = client.read(nodes);  // ~20 kB each way with 8 kB chunks
  ASSERT_TRUE(values.isOk()) << values.status().toString();
  ASSERT_EQ(values->size(), 600U);
  EXPECT_EQ(*values->back().value->get<std::string>(), "O1001-BRACKET");
}

INSTANTIATE_TEST_SUITE_P(Modes, OpcUaSecureModeTest,
                         ::testing::Values(MessageSecurityMode::kSign,
                                           MessageSecurityMode::kSignAndEncrypt),
                         [](const auto& info) {
                           return std::string(messageSecurityModeName(info.param));
                         });

TEST_F(OpcUaSecureServerTest, UserNameLoginOverAnEncryptedChannel) {
  trustServer();
  Client client(options(MessageSecurityMode::kSignAndEncrypt));
  ASSERT_TRUE(client.connect().isOk());
  Status refused = client.openSession(UserIdentity::userName("operator", "wrong"));
  EXPECT_EQ(refused.code(), pb::StatusCode::kUnauthenticated) << refused.toString();
  Status accepted = client.openSession(UserIdentity::userName("operator", "cnc-07-secret"));
  ASSERT_TRUE(accepted.isOk()) << accepted.toString();
  auto values = client.read({valueOf(node("PartCounter"))});
  EXPECT_TRUE(values.isOk()) << values.status().toString();
}

// A None channel whose UserName token policy asks for Basic256Sha256: with a PKI the password
// goes encrypted, and only to a server certificate we trust.
TEST_F(OpcUaSecureServerTest, UserNameOverANoneChannelEncryptsThePasswordForATrustedServer) {
  ClientOptions none = options(MessageSecurityMode::kNone);
  none.security_policy = SecurityPolicy::kNone;
  {
    Client client(none);
    ASSERT_TRUE(client.connect().isOk());
    Status untrusted = client.openSession(UserIdentity::userName("operator", "cnc-07-secret"));
    EXPECT_EQ(untrusted.code(), pb::StatusCode::kPermissionDenied) << untrusted.toString();
  }
  trustServer();
  Client client(none);
  ASSERT_TRUE(client.connect().isOk());
  EXPECT_EQ(client.info().security_policy, SecurityPolicy::kNone);
  Status refused = client.openSession(UserIdentity::userName("operator", "wrong"));
  EXPECT_EQ(refused.code(), pb::StatusCode::kUnauthenticated) << refused.toString();
  Status accepted = client.openSession(UserIdentity::userName("operator", "cnc-07-secret"));
  EXPECT_TRUE(accepted.isOk()) << accepted.toString();
}

TEST_F(OpcUaSecureServerTest, AnUntrustedServerIsRejectedSavedAndTrustedOnceMoved) {
  Client client(options(MessageSecurityMode::kSignAndEncrypt));
  Status rejected = client.connect();
  ASSERT_EQ(rejected.code(), pb::StatusCode::kPermissionDenied) << rejected.toString();
  EXPECT_NE(rejected.message().find("is not trusted"), std::string::npos) << rejected.message();
  EXPECT_NE(rejected.message().find("thumbprint "), std::string::npos);
  EXPECT_NE(rejected.message().find(pkiDir() + "/trusted/certs"), std::string::npos);
  EXPECT_FALSE(client.info().connected);

  std::vector<fs::path> saved;
  for (const auto& entry : fs::directory_iterator(pkiDir() + "/rejected")) {
    saved.push_back(entry.path());
  }
  ASSERT_EQ(saved.size(), 1U);
  EXPECT_NE(rejected.message().find(saved[0].string()), std::string::npos) << rejected.message();
  EXPECT_EQ(readAll(saved[0]), readAll(sim_.certificatePath()));

  fs::rename(saved[0], fs::path(pkiDir()) / "trusted/certs" / saved[0].filename());
  Status connected = client.connect();
  ASSERT_TRUE(connected.isOk()) << connected.toString();
  EXPECT_TRUE(client.openSession(UserIdentity::anonymous()).isOk());
}

TEST_F(OpcUaSecureServerTest, TheClientCertificateIsCreatedOnFirstStartAndReusedOnTheSecond) {
  trustServer();
  const fs::path certificate = pkiDir() + "/own/certs/plantbridge.der";
  ASSERT_FALSE(fs::exists(certificate));
  std::string first;
  {
    Client client(options(MessageSecurityMode::kSign));
    ASSERT_TRUE(client.connect().isOk());
    ASSERT_TRUE(client.openSession(UserIdentity::anonymous()).isOk());
    first = readAll(certificate);
    ASSERT_FALSE(first.empty());
  }
  Client second(options(MessageSecurityMode::kSign));
  Status connected = second.connect();
  ASSERT_TRUE(connected.isOk()) << connected.toString();
  ASSERT_TRUE(second.openSession(UserIdentity::anonymous()).isOk());
  EXPECT_EQ(readAll(certificate), first);
}

TEST_F(OpcUaSecureServerTest, AnEndpointTheServerDoesNotOfferIsAnErrorListingItsOffers) {
  trustServer();
  Client client(options(MessageSecurityMode::kNone));  // Basic256Sha256 without Sign: none such
  Status connected = client.connect();
  ASSERT_EQ(connected.code(), pb::StatusCode::kNotFound) << connected.toString();
  EXPECT_NE(connected.message().find("Basic256Sha256/SignAndEncrypt"), std::string::npos)
      << connected.message();
  EXPECT_NE(connected.message().find("None/None"), std::string::npos) << connected.message();
}

}  // namespace
}  // namespace pb::opcua
