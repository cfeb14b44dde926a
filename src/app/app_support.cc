#include "app_support.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>

namespace pb {

std::optional<Config> loadConfigOrReport(const std::string& path) {
  auto loaded = loadConfig(path);
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.toString().c_str());
    std::fprintf(stderr, "plantbridge: %zu problem%s in %s\n", loaded.errors.size(),
                 loaded.errors.size() == 1 ? "" : "s", path.c_str());
    return std::nullopt;
  }
  return std::move(loaded.config);
}

std::optional<std::pair<Config, std::unique_ptr<Store>>> openStoreFor(const CommonOptions& options,
                                                                      const Clock& clock) {
  auto config = loadConfigOrReport(options.config_path);
  if (!config) return std::nullopt;
  SqliteStoreOptions store_options;
  store_options.path = options.store_path.empty() ? config->store.path : options.store_path;
  auto store = openSqliteStore(store_options, clock);
  if (!store) {
    std::fprintf(stderr, "plantbridge: %s\n", store.status().toString().c_str());
    return std::nullopt;
  }
  return std::make_pair(std::move(*config), std::move(*store));
}

std::string currentUser() {
  if (const passwd* pw = getpwuid(geteuid())) return pw->pw_name;
  return std::to_string(geteuid());
}

}  // namespace pb
