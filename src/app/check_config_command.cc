#include <cstdio>

#include "app_support.h"
#include "commands.h"
#include "hub_runtime.h"

namespace pb {

int checkConfigCommand(const std::string& config_path) {
  auto loaded = loadConfig(config_path);
  std::vector<ConfigError> errors = std::move(loaded.errors);
  // What only the components can judge (templates, route references, target kinds) is
  // checked too, so check-config says everything `run` would refuse.
  if (loaded.config) {
    auto more = checkHubConfig(*loaded.config);
    errors.insert(errors.end(), more.begin(), more.end());
  }
  if (!errors.empty()) {
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.toString().c_str());
    std::fprintf(stderr, "plantbridge: %zu problem%s in %s\n", errors.size(),
                 errors.size() == 1 ? "" : "s", config_path.c_str());
    return kExitUsage;
  }
  const Config& config = *loaded.config;
  std::printf(
      "%s: OK (environment %s; %zu schemas, %zu qualifiers, %zu asset mappings, "
      "%zu routes, %zu targets, %zu connectors, %zu tokens)\n",
      config_path.c_str(), config.environment.c_str(), config.schemas.size(),
      config.counter_qualifiers.size(), config.asset_mappings.size(), config.routes.size(),
      config.targets.size(), config.connectors.size(), config.auth.tokens.size());
  return kExitOk;
}

}  // namespace pb
