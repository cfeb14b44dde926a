// The odoo target: a transaction's body is a business operation ({"operation": ...}, run by the
// operation executor) or one ORM call in the low-level form {"model", "method", "args",
// "kwargs"}, made through the Odoo client.
#include "odoo_operation_executor.h"
#include "plantbridge/targets/odoo.h"

namespace pb {
namespace {

class OdooTarget final : public Target {
 public:
  OdooTarget(std::string name, std::unique_ptr<OdooClient> client, size_t concurrency,
             const OdooTargetConfig& config, MetricsRegistry* metrics)
      : name_(std::move(name)),
        client_(std::move(client)),
        references_(name_, config),
        executor_(*client_, concurrency, name_, metrics) {}

  ~OdooTarget() override { shutdown(); }

  const std::string& name() const override { return name_; }

  void deliverAsync(const Transaction& tx, DeliveryCallback done) override {
    if (isOdooOperationBody(tx.body)) {
      auto op = parseOdooOperation(tx.body, tx.id, &references_);
      if (!op.isOk()) {
        done(DeliveryResult::reject("the transaction body is not a valid operation: " +
                                    op.status().message()));
        return;
      }
      executor_.submit(std::move(op).value(), OdooCallMeta{tx.id, tx.correlation_id},
                       std::move(done));
      return;
    }
    auto call = parseOdooCall(tx.body);
    if (!call.isOk()) {
      done(DeliveryResult::reject("the transaction body is not an Odoo call: " +
                                  call.status().message()));
      return;
    }
    client_->callAsync(std::move(call).value(), OdooCallMeta{tx.id, tx.correlation_id},
                       [done = std::move(done)](OdooCallResult r) { done(std::move(r.outcome)); });
  }

  void shutdown() override {
    // The client first: it ends the calls running operations wait for.
    client_->shutdown();
    executor_.shutdown();
  }

  OdooClient& client() { return *client_; }
  OdooOperationStats operationStats() const { return executor_.stats(); }

 private:
  const std::string name_;
  std::unique_ptr<OdooClient> client_;
  // Before the executor: its running operations use it until the executor is shut down.
  OdooReferences references_;
  OdooOperationExecutor executor_;
};

}  // namespace

Result<std::unique_ptr<Target>> makeOdooTarget(const TargetConfig& config, const Clock& clock,
                                               MetricsRegistry* metrics,
                                               OdooClientOptions options) {
  auto client = makeOdooClient(config, clock, metrics, options);
  if (!client.isOk()) return client.status();
  auto target =
      std::make_unique<OdooTarget>(config.name, std::move(client).value(),
                                   static_cast<size_t>(config.concurrency), config.odoo, metrics);
  // Detect the version and log in now, so both show in the log and /metrics at start-up. A
  // failure is logged by the client and tried again by the first delivery.
  target->client().connectAsync([](const Result<OdooServerInfo>&) {});
  return std::unique_ptr<Target>(std::move(target));
}

OdooOperationStats odooOperationStats(Target& target) {
  auto* odoo = dynamic_cast<OdooTarget*>(&target);
  return odoo == nullptr ? OdooOperationStats{} : odoo->operationStats();
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
