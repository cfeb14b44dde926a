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

  CLI11_PARSE(app, argc, argv);

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
  return 2;
}
