// plantbridge: the one binary. Parses the command line and hands over to a verb; everything
// else lives in libraries that the tests link.
#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"plantbridge — manufacturing integration middleware for Odoo"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "plantbridge 0.1.0");

  pb::CommonOptions common;
  auto add_config = [&](CLI::App* cmd) {
    cmd->add_option("config", common.config_path, "configuration file (YAML)")->required();
    cmd->add_option("--store", common.store_path, "store file (overrides store.path)");
  };

  auto* run =
      app.add_subcommand("run", "run the hub (ingest, pipeline, dispatch) on the embedded store");
  add_config(run);

  std::string check_path;
  auto* check = app.add_subcommand("check-config", "report every problem of a config file at once");
  check->add_option("config", check_path, "configuration file (YAML)")->required();

  auto* audit = app.add_subcommand("audit", "audit trail operations");
  audit->require_subcommand(1);
  auto* verify = audit->add_subcommand("verify", "walk the journal's hash chain");
  add_config(verify);

  pb::DlqCommandOptions dlq;
  auto* dlq_cmd = app.add_subcommand("dlq", "dead letters: list, show, retry, discard");
  dlq_cmd->require_subcommand(1);
  for (const char* action : {"list", "show", "retry", "discard"}) {
    auto* sub = dlq_cmd->add_subcommand(action);
    add_config(sub);
    if (std::string(action) == "list") {
      sub->add_option("--limit", dlq.limit, "how many, newest first")->default_val(50);
    } else {
      sub->add_option("id", dlq.transaction_id, "transaction id")->required();
    }
    sub->callback([&dlq, action] { dlq.action = action; });
  }

  pb::ReplayCommandOptions replay;
  auto* replay_cmd = app.add_subcommand(
      "replay", "re-run journal events through the pipeline (never a second effect)");
  add_config(replay_cmd);
  replay_cmd->add_option("--since", replay.since, "occurred_at >= (RFC 3339)");
  replay_cmd->add_option("--until", replay.until, "occurred_at < (RFC 3339)");
  replay_cmd->add_option("--type", replay.types, "event type (repeatable)");
  replay_cmd->add_flag("--dry-run", replay.dry_run, "count what would be replayed");

  pb::OpcUaBrowseOptions browse;
  auto* opcua_cmd = app.add_subcommand("opcua", "OPC UA tools");
  opcua_cmd->require_subcommand(1);
  auto* browse_cmd = opcua_cmd->add_subcommand(
      "browse", "list a node of an OPC UA server and its children, with the variables' values");
  browse_cmd->add_option("endpoint", browse.endpoint, "opc.tcp://host:port")->required();
  browse_cmd->add_option("path", browse.path,
                         "browse path from Objects (/2:CNC07) or NodeId (ns=2;s=CNC07.PartCounter);"
                         " default the Objects folder");
  browse_cmd->add_option("--user", browse.user, "UserName login (default Anonymous)");
  browse_cmd->add_option("--password-env", browse.password_env,
                         "environment variable that holds the password of --user");
  browse_cmd->add_option("--depth", browse.depth, "levels below the node (0: the node only)")
      ->default_val(1);
  browse_cmd->add_flag("--json", browse.json, "machine-readable output");
  browse_cmd->add_option("--timeout", browse.timeout, "connect and request timeout")
      ->default_val("10s");
  browse_cmd->add_option("--security-policy", browse.security_policy, "None or Basic256Sha256")
      ->default_val("None");
  browse_cmd
      ->add_option("--security-mode", browse.security_mode,
                   "None, Sign or SignAndEncrypt (with Basic256Sha256)")
      ->default_val("None");
  browse_cmd->add_option("--pki-dir", browse.pki_dir,
                         "our certificate (created on first use) and trusted/certs, the servers "
                         "we trust; required with Basic256Sha256");

  pb::OdooSetupOptions odoo_setup;
  auto* odoo_cmd = app.add_subcommand("odoo", "Odoo tools");
  odoo_cmd->require_subcommand(1);
  auto* setup_cmd = odoo_cmd->add_subcommand(
      "setup",
      "create the automation rules that post Odoo's changes to the hub, check the integration "
      "user's rights and the mapped ids; prints what it changed");
  setup_cmd->add_option("config", odoo_setup.config_path, "configuration file (YAML)")->required();
  setup_cmd->add_option("--url-base", odoo_setup.url_base,
                        "the hub as Odoo reaches it (https://plantbridge.example:8443); "
                        "default server.listen");
  setup_cmd->add_flag("--dry-run", odoo_setup.dry_run, "change nothing, say what would change");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error 2 (commands.h), not CLI11's own codes.
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (run->parsed()) return pb::runHubCommand(common);
  if (check->parsed()) return pb::checkConfigCommand(check_path);
  if (verify->parsed()) return pb::auditVerifyCommand(common);
  if (dlq_cmd->parsed()) {
    dlq.common = common;
    return pb::dlqCommand(dlq);
  }
  if (replay_cmd->parsed()) {
    replay.common = common;
    return pb::replayCommand(replay);
  }
  if (browse_cmd->parsed()) return pb::opcuaBrowseCommand(browse);
  if (setup_cmd->parsed()) return pb::odooSetupCommand(odoo_setup);
  return 2;
}
