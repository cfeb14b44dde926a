// The operational verbs of the plantbridge binary. Each returns the process exit code:
// 0 success, 1 the operation found a problem (e.g. a broken chain), 2 bad usage or config.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pb {

struct CommonOptions {
  std::string config_path;
  std::string store_path;  // overrides store.path of the config when set
};

int runHubCommand(const CommonOptions& options);
int checkConfigCommand(const std::string& config_path);
int auditVerifyCommand(const CommonOptions& options);

struct DlqCommandOptions {
  CommonOptions common;
  std::string action;  // list | show | retry | discard
  std::string transaction_id;
  size_t limit = 50;
  bool json = false;
};
int dlqCommand(const DlqCommandOptions& options);

struct ReplayCommandOptions {
  CommonOptions common;
  std::string since;  // RFC 3339, optional
  std::string until;
  std::vector<std::string> types;
  bool dry_run = false;
};
int replayCommand(const ReplayCommandOptions& options);

}  // namespace pb
