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

struct OpcUaBrowseOptions {
  std::string endpoint;      // opc.tcp://host:port
  std::string path;          // "/2:CNC07" (from Objects) or a NodeId; empty: the Objects folder
  std::string user;          // empty: Anonymous
  std::string password_env;  // the variable holding the password (never on the command line)
  int depth = 1;             // levels below the node; 0: the node only
  bool json = false;
  std::string timeout = "10s";           // connect and each request
  std::string security_policy = "None";  // None | Basic256Sha256
  std::string security_mode = "None";    // None | Sign | SignAndEncrypt
  std::string pki_dir;  // our certificate and the trust list; needed with Basic256Sha256
};
// Lists a node of an OPC UA server and its children (with the variables' values), for writing
// a connector's config. 1 when the server cannot be reached, refuses the login or has no such
// node; 2 for bad options.
int opcuaBrowseCommand(const OpcUaBrowseOptions& options);

struct OdooSetupOptions {
  std::string config_path;
  std::string url_base;  // "https://plantbridge.example:8443"; empty: server.listen
  bool dry_run = false;
};
// Creates (or updates the URL of) the Odoo automation rules that post webhooks to the hub for
// the models its receiver accepts, over master_data.source's connection, and checks the
// integration user's read rights and the ids of mappings.assets. Prints each change and each
// problem. 0 when everything is in place, 1 when a check failed or Odoo refused a call, 2 for
// bad options or config. --dry-run reads only and says what it would change.
int odooSetupCommand(const OdooSetupOptions& options);

}  // namespace pb
