// Helpers shared by the webhook target tests.
#pragma once

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "plantbridge/config/config.h"
#include "plantbridge/dispatch/target.h"
#include "plantbridge/targets/webhook.h"
#include "support/deliver_and_wait.h"

namespace pb::test {

// Not a webhook target (for setWebhookSecret's type check).
class FakeTargetForRotation final : public Target {
 public:
  const std::string& name() const override { return name_; }
  void deliverAsync(const Transaction&, DeliveryCallback done) override {
    done(DeliveryResult::delivered(200));
  }
  void shutdown() override {}

 private:
  std::string name_ = "fake";
};

inline TargetConfig webhookConfig(const std::string& url, int concurrency = 4) {
  TargetConfig c;
  c.name = "hook";
  c.kind = kWebhookKind;
  c.concurrency = concurrency;
  c.webhook.url = url;
  c.webhook.timeout = std::chrono::seconds(10);
  return c;
}

inline Transaction hookTx(const std::string& id, std::string body = {}) {
  Transaction tx;
  tx.id = id;
  tx.event_id = "01JEVENT" + id;
  tx.correlation_id = "corr-" + id;
  tx.route = "downtime-to-odoo";
  tx.target = "hook";
  tx.ordering_key = "wc7";
  tx.body = body.empty() ? R"({"workcenter_id":7,"loss":"Equipment Failure","id":")" + id + R"("})"
                         : std::move(body);
  return tx;
}

inline std::unique_ptr<Target> makeOrDie(const TargetConfig& config, const Clock& clock) {
  auto target = makeWebhookTarget(config, clock);
  EXPECT_TRUE(target.isOk()) << target.status().toString();
  return target.isOk() ? std::move(target).value() : nullptr;
}

}  // namespace pb::test
