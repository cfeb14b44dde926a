// The odoo target: each transaction's body is one ORM call in the low-level form
// {"model", "method", "args", "kwargs"}, made through the Odoo client.
#include "plantbridge/targets/odoo.h"

namespace pb {
namespace {

class OdooTarget final : public Target {
 public:
  OdooTarget(std::string name, std::unique_ptr<OdooClient> client)
      : name_(std::move(name)), client_(std::move(client)) {}

  ~OdooTarget() override { shutdown(); }

  const std::string& name() const override { return name_; }

  void deliverAsync(const Transaction& tx, DeliveryCallback done) override {
    auto call = parseOdooCall(tx.body);
    if (!call.isOk()) {
      done(DeliveryResult::reject("the transaction body is not an Odoo call: " +
                                  call.status().message()));
      return;
    }
    client_->callAsync(std::move(call).value(), OdooCallMeta{tx.id, tx.correlation_id},
                       [done = std::move(done)](OdooCallResult r) { done(std::move(r.outcome)); });
  }

  void shutdown() override { client_->shutdown(); }

  OdooClient& client() { return *client_; }

 private:
  const std::string name_;
  std::unique_ptr<OdooClient> client_;
};

}  // namespace

Result<std::unique_ptr<Target>> makeOdooTarget(const TargetConfig& config, const Clock& clock,
                                               MetricsRegistry* metrics,
                                               OdooClientOptions options) {
  auto client = makeOdooClient(config, clock, metrics, options);
  if (!client.isOk()) return client.status();
  auto target = std::make_unique<OdooTarget>(config.name, std::move(client).value());
  // Detect the version and log in now, so both show in the log and /metrics at start-up. A
  // failure is logged by the client and tried again by the first delivery.
  target->client().connectAsync([](const Result<OdooServerInfo>&) {});
  return std::unique_ptr<Target>(std::move(target));
}

OdooClient* odooClientOf(Target& target) {
  auto* odoo = dynamic_cast<OdooTarget*>(&target);
  return odoo == nullptr ? nullptr : &odoo->client();
}

Status registerOdooTarget(TargetFactoryRegistry& registry) {
  return registry.add(kOdooKind, [](const TargetConfig& config, const TargetContext& context) {
    return makeOdooTarget(config, context.clock, context.metrics);
  });
}

}  // namespace pb
