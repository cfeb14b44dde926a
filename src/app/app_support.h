// Shared helpers of the CLI verbs: loading the config with every error printed, opening the
// store it names.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "commands.h"
#include "plantbridge/config/config.h"
#include "plantbridge/store/store.h"

namespace pb {

constexpr int kExitOk = 0;
constexpr int kExitProblem = 1;
constexpr int kExitUsage = 2;

// Loads and validates the config; prints every error to stderr and returns nullopt on failure.
std::optional<Config> loadConfigOrReport(const std::string& path);
// Loads the config (for the store path and options) and opens the store; reports failures.
std::optional<std::pair<Config, std::unique_ptr<Store>>> openStoreFor(const CommonOptions& options,
                                                                      const Clock& clock);
std::string currentUser();

}  // namespace pb
