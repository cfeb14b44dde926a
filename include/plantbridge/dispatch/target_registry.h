// Target factories by kind ("webhook", later "odoo", "qms", "cmms"). Registration is
// explicit (registerWebhookTarget(registry), ...) — no static initialisers — and a kind
// registered twice is an error. The config has been validated before any factory sees it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/dispatch/target.h"

namespace pb {

// What a factory may use besides the target's own config. Must outlive the targets made.
struct TargetContext {
  const Clock& clock;
  // Where targets declare their own metrics (e.g. plantbridge_odoo_server_info); may be null.
  MetricsRegistry* metrics = nullptr;
};

using TargetFactory =
    std::function<Result<std::unique_ptr<Target>>(const TargetConfig&, const TargetContext&)>;

// Not thread-safe: fill it at start-up, then only create().
class TargetFactoryRegistry {
 public:
  // AlreadyExists when `kind` is registered already; InvalidArgument for an empty kind.
  Status add(const std::string& kind, TargetFactory factory);
  // InvalidArgument naming the key ("targets.erp.kind") when the kind is unknown; otherwise
  // whatever the factory answers.
  Result<std::unique_ptr<Target>> create(const TargetConfig& config,
                                         const TargetContext& context) const;
  bool has(const std::string& kind) const { return factories_.count(kind) != 0; }
  std::vector<std::string> kinds() const;

 private:
  std::map<std::string, TargetFactory> factories_;
};

}  // namespace pb
