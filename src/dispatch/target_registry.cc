#include "plantbridge/dispatch/target_registry.h"

#include <fmt/format.h>

namespace pb {

Status TargetFactoryRegistry::add(const std::string& kind, TargetFactory factory) {
  if (kind.empty()) return Status::invalidArgument("target kind must not be empty");
  if (!factory) return Status::invalidArgument(fmt::format("target kind '{}': no factory", kind));
  if (!factories_.emplace(kind, std::move(factory)).second) {
    return Status::alreadyExists(fmt::format("target kind '{}' is registered twice", kind));
  }
  return Status::ok();
}

Result<std::unique_ptr<Target>> TargetFactoryRegistry::create(const TargetConfig& config,
                                                              const TargetContext& context) const {
  auto it = factories_.find(config.kind);
  if (it == factories_.end()) {
    return Status::invalidArgument(
        fmt::format("targets.{}.kind: unknown target kind '{}' (known: {})", config.name,
                    config.kind, fmt::join(kinds(), ", ")));
  }
  return it->second(config, context);
}

std::vector<std::string> TargetFactoryRegistry::kinds() const {
  std::vector<std::string> out;
  out.reserve(factories_.size());
  for (const auto& [kind, factory] : factories_) out.push_back(kind);
  return out;
}

}  // namespace pb
