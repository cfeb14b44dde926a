// Subscriptions against node-opcua running tools/opcua_sim with its machine running
// (--simulate-ms 100: PartCounter counts up, SpindleSpeed jitters by +-0.5 rpm and steps by
// 100 rpm every fifth tick). Every wait is a Publish bounded by its own timeout, and every loop
// by a count.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>

#include "opcua_sim_process.h"
#include "plantbridge/connectors/opcua/client.h"

namespace pb::opcua {
namespace {

constexpr int kMaxPublishes = 100;

class OpcUaSubscriptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pb::test::OpcUaSimOptions running;
    running.simulate_ms = 100;
    Status started = sim_.start(running);
    ASSERT_TRUE(started.isOk()) << started.toString();
    ClientOptions options;
    options.endpoint_url = sim_.endpointUrl();
    client_ = std::make_unique<Client>(options);
    Status connected = client_->connect();
    ASSERT_TRUE(connected.isOk()) << connected.toString();
    Status session = client_->openSession(UserIdentity::anonymous());
    ASSERT_TRUE(session.isOk()) << session.toString();
    auto ns = pb::test::simNamespaceIndex(sim_.endpointUrl());
    ASSERT_TRUE(ns.isOk()) << ns.status().toString();
    ns_ = *ns;
  }

  MonitoredItemCreateRequest item(const std::string& name, uint32_t handle) const {
    MonitoredItemCreateRequest request;
    request.item_to_monitor.node_id = NodeId(ns_, "CNC07." + name);
    request.client_handle = handle;
    request.sampling_interval_ms = 50;
    request.queue_size = 10;
    return request;
  }

  // Publishes (acknowledging what came before) until `enough` says so or kMaxPublishes
  // Publish calls have been made; the values per client handle, in order.
  std::map<uint32_t, std::vector<DataValue>> collect(
      uint32_t subscription_id,
      const std::function<bool(const std::map<uint32_t, std::vector<DataValue>>&)>& enough) {
    std::map<uint32_t, std::vector<DataValue>> values;
    std::vector<SubscriptionAcknowledgement> acks;
    for (int i = 0; i < kMaxPublishes && !enough(values); ++i) {
      auto response = client_->publish(acks, std::chrono::seconds(10));
      EXPECT_TRUE(response.isOk()) << response.status().toString();
      if (!response.isOk()) break;
      for (const auto& result : response->results) {
        EXPECT_TRUE(result.isGood()) << "acknowledgement: " << result.toString();
      }
      acks.clear();
      EXPECT_EQ(response->subscription_id, subscription_id);
      const auto& message = response->notification_message;
      if (message.isKeepAlive()) continue;
      acks.push_back({response->subscription_id, message.sequence_number});
      for (const auto& change : message.data_changes) {
        values[change.client_handle].push_back(change.value);
      }
    }
    return values;
  }

  pb::test::OpcUaSimProcess sim_;
  std::unique_ptr<Client> client_;
  uint16_t ns_ = 0;
};

double doubleOf(const DataValue& value) {
  const double* d = value.value ? value.value->get<double>() : nullptr;
  return d != nullptr ? *d : NAN;
}

TEST_F(OpcUaSubscriptionTest, ASubscriptionDeliversEachChangeOfThePartCounter) {
  auto subscription = client_->createSubscription({100, 100, 10, 0, 0});
  ASSERT_TRUE(subscription.isOk()) << subscription.status().toString();
  EXPECT_GT(subscription->publishing_interval_ms, 0);
  auto created = client_->createMonitoredItems(subscription->id, {item("PartCounter", 7)});
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  ASSERT_TRUE(created->front().status_code.isGood()) << created->front().status_code.toString();
  EXPECT_GE(created->front().revised_queue_size, 1U);

  auto values = collect(subscription->id,
                        [](const auto& v) { return v.count(7) != 0 && v.at(7).size() >= 5; });
  ASSERT_GE(values[7].size(), 5U);
  uint32_t previous = 0;
  for (size_t i = 0; i < values[7].size(); ++i) {
    const uint32_t* count = values[7][i].value ? values[7][i].value->get<uint32_t>() : nullptr;
    ASSERT_NE(count, nullptr);
    if (i > 0) {
      EXPECT_GT(*count, previous) << "notification " << i;
    }
    previous = *count;
    EXPECT_TRUE(values[7][i].source_timestamp.has_value());
  }

  // An acknowledgement of a notification that never was is refused, not fatal.
  auto unknown = client_->publish({{subscription->id, 999'999}}, std::chrono::seconds(10));
  ASSERT_TRUE(unknown.isOk()) << unknown.status().toString();
  ASSERT_EQ(unknown->results.size(), 1U);
  EXPECT_TRUE(unknown->results.front().isBad());

  ASSERT_TRUE(client_->deleteSubscriptions({subscription->id}).isOk());
  auto after = client_->publish({}, std::chrono::seconds(10));
  ASSERT_FALSE(after.isOk());
  EXPECT_NE(after.status().message().find("BadNoSubscription"), std::string::npos)
      << after.status().toString();
}

TEST_F(OpcUaSubscriptionTest, AnAbsoluteDeadbandDropsChangesSmallerThanIt) {
  auto subscription = client_->createSubscription({100, 100, 10, 0, 0});
  ASSERT_TRUE(subscription.isOk()) << subscription.status().toString();
  MonitoredItemCreateRequest filtered = item("SpindleSpeed", 1);
  filtered.filter = DataChangeFilter{DataChangeTrigger::kStatusValue, DeadbandType::kAbsolute, 10};
  MonitoredItemCreateRequest unfiltered = item("SpindleSpeed", 2);
  auto created = client_->createMonitoredItems(subscription->id, {filtered, unfiltered});
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  for (const auto& result : *created) {
    ASSERT_TRUE(result.status_code.isGood()) << result.status_code.toString();
  }

  auto values = collect(subscription->id,
                        [](const auto& v) { return v.count(1) != 0 && v.at(1).size() >= 4; });
  ASSERT_GE(values[1].size(), 4U);
  for (size_t i = 1; i < values[1].size(); ++i) {
    EXPECT_GE(std::fabs(doubleOf(values[1][i]) - doubleOf(values[1][i - 1])), 10.0)
        << "filtered notification " << i;
  }
  // The same node without the filter saw the jitter the deadband removed.
  bool small_change_seen = false;
  for (size_t i = 1; i < values[2].size(); ++i) {
    if (std::fabs(doubleOf(values[2][i]) - doubleOf(values[2][i - 1])) < 10.0) {
      small_change_seen = true;
    }
  }
  EXPECT_TRUE(small_change_seen);
  EXPECT_GT(values[2].size(), values[1].size());
}

// The security token is renewed by itself before its lifetime ends; the subscription's
// keep-alives pace the loop (no sleeping), and the session carries on across renewals.
TEST_F(OpcUaSubscriptionTest, TheSecurityTokenIsRenewedBeforeItsLifetimeEnds) {
  ClientOptions options;
  options.endpoint_url = sim_.endpointUrl();
  options.requested_token_lifetime_ms = 2000;
  Client client(options);
  ASSERT_TRUE(client.connect().isOk());
  ASSERT_TRUE(client.openSession(UserIdentity::anonymous()).isOk());
  const uint32_t lifetime = client.info().token_lifetime_ms;
  ASSERT_LE(lifetime, 10'000U) << "the server revised the lifetime up; the test would take long";
  auto subscription = client.createSubscription({250, 100, 2, 0, 0});
  ASSERT_TRUE(subscription.isOk()) << subscription.status().toString();
  const uint32_t first_token = client.info().token_id;
  const uint32_t channel = client.info().secure_channel_id;
  for (int i = 0; i < kMaxPublishes && client.info().token_renewals < 2; ++i) {
    auto response = client.publish({}, std::chrono::seconds(10));
    ASSERT_TRUE(response.isOk()) << response.status().toString();
  }
  EXPECT_GE(client.info().token_renewals, 2U);
  EXPECT_NE(client.info().token_id, first_token);
  EXPECT_EQ(client.info().secure_channel_id, channel);
  EXPECT_TRUE(client.info().session_active);
}

TEST_F(OpcUaSubscriptionTest, APercentDeadbandIsAPercentOfTheEngineeringRange) {
  auto subscription = client_->createSubscription({100, 100, 10, 0, 0});
  ASSERT_TRUE(subscription.isOk()) << subscription.status().toString();
  // SpindleLoad's EURange is 0..100, so 10 % is 10: the +-0.5 jitter is dropped, steps pass.
  MonitoredItemCreateRequest load = item("SpindleLoad", 1);
  load.filter = DataChangeFilter{DataChangeTrigger::kStatusValue, DeadbandType::kPercent, 10};
  auto created = client_->createMonitoredItems(subscription->id, {load});
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  ASSERT_TRUE(created->front().status_code.isGood()) << created->front().status_code.toString();

  auto values = collect(subscription->id,
                        [](const auto& v) { return v.count(1) != 0 && v.at(1).size() >= 4; });
  ASSERT_GE(values[1].size(), 4U);
  for (size_t i = 1; i < values[1].size(); ++i) {
    EXPECT_GE(std::fabs(doubleOf(values[1][i]) - doubleOf(values[1][i - 1])), 10.0)
        << "notification " << i;
  }
}

TEST_F(OpcUaSubscriptionTest, DeadbandsTheNodeCannotHonourAreRefusedPerItem) {
  auto subscription = client_->createSubscription({100, 100, 10, 0, 0});
  ASSERT_TRUE(subscription.isOk()) << subscription.status().toString();
  MonitoredItemCreateRequest on_string = item("ProgramName", 1);
  on_string.filter = DataChangeFilter{DataChangeTrigger::kStatusValue, DeadbandType::kAbsolute, 1};
  // A percent deadband needs an EURange, which SpindleSpeed has not.
  MonitoredItemCreateRequest no_range = item("SpindleSpeed", 3);
  no_range.filter = DataChangeFilter{DataChangeTrigger::kStatusValue, DeadbandType::kPercent, 5};
  auto created = client_->createMonitoredItems(subscription->id,
                                               {on_string, item("PartCounter", 2), no_range});
  ASSERT_TRUE(created.isOk()) << created.status().toString();
  EXPECT_TRUE((*created)[0].status_code.isBad()) << (*created)[0].status_code.toString();
  EXPECT_TRUE((*created)[1].status_code.isGood()) << (*created)[1].status_code.toString();
  EXPECT_TRUE((*created)[2].status_code.isBad()) << (*created)[2].status_code.toString();
}

}  // namespace
}  // namespace pb::opcua
