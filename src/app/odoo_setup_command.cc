// `plantbridge odoo setup`: puts the Odoo automation rules that post webhooks to the hub in
// place, and checks what the integration user needs, over the master-data source's connection.
// The calls follow ODOO18_API.md §9 (and ODOO19_JSON2.md §3.1, unchanged in 19); see
// docs/targets/odoo.md "plantbridge odoo setup".
#include <charconv>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <boost/json.hpp>

#include "app_support.h"
#include "commands.h"
#include "odoo_orm.h"
#include "odoo_setup_references.h"
#include "plantbridge/targets/odoo.h"
#include "plantbridge/targets/odoo_mapped_ids.h"

namespace pb {
namespace {

namespace json = boost::json;

// A rule per model whose changes the hub wants at once: on create or write, when the trigger
// field changes, post these fields (the receiver only uses _model and _id and re-reads the
// record; the fields make Odoo's log and the payload readable).
struct RuleSpec {
  std::string_view model;
  std::string_view what;            // the rule name's last word: "state", "stage"
  std::vector<std::string> fields;  // the trigger field first
};
const std::vector<RuleSpec>& ruleSpecs() {
  static const std::vector<RuleSpec> specs = {
      {"mrp.production",
       "state",
       {"state", "name", "write_date", "origin", "product_id", "product_qty", "qty_producing"}},
      {"mrp.workorder",
       "state",
       {"state", "name", "write_date", "production_id", "workcenter_id", "qty_producing"}},
      // Stage changes become maintenance.stage_changed events (docs/targets/odoo.md).
      {"maintenance.request",
       "stage",
       {"stage_id", "name", "write_date", "equipment_id", "maintenance_type", "priority",
        "close_date"}},
  };
  return specs;
}

// The models the operations and the master-data sync read or write (docs/targets/odoo.md
// "Access rights"), and those setup itself needs. Probed read-only.
constexpr std::string_view kProbedModels[] = {"mrp.production",
                                              "mrp.workorder",
                                              "mrp.workcenter",
                                              "mrp.workcenter.productivity",
                                              "mrp.workcenter.productivity.loss",
                                              "product.product",
                                              "stock.lot",
                                              "stock.location",
                                              "stock.move",
                                              "stock.quant",
                                              "stock.scrap",
                                              "maintenance.equipment",
                                              "maintenance.request",
                                              "maintenance.stage",
                                              "maintenance.team",
                                              "base.automation",
                                              "ir.actions.server",
                                              "ir.model",
                                              "ir.model.fields"};

std::string ruleName(const RuleSpec& spec) {
  return "plantbridge: " + std::string(spec.model) + " " + std::string(spec.what);
}

std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

class OdooSetup {
 public:
  OdooSetup(OdooOrm& orm, bool dry_run) : orm_(orm), dry_run_(dry_run) {}

  size_t problems() const { return problems_; }

  void ensureRule(const RuleSpec& spec, const std::string& url) {
    const std::string name = ruleName(spec);
    // Archived rules too: one someone switched off is switched on again, not doubled.
    auto rules = orm_.searchRead(
        "base.automation",
        json::array{json::array{"name", "=", name}, json::array{"active", "in", {true, false}}},
        {"id", "name", "model_name", "active", "action_server_ids"});
    if (!rules) return problem("looking up automation rule '{}': {}", name, odooMessage());
    if (rules->size() > 1) {
      return problem("{} automation rules are named '{}'; delete all but one in Odoo",
                     rules->size(), name);
    }
    if (rules->empty()) return createRule(spec, name, url);
    updateRule(spec, name, rules->at(0).as_object(), url);
  }

  // search_count([("id", "=", 0)]) per model: reads nothing, but Odoo checks the user's read
  // right on the model first (an AccessError names the groups that have it).
  void checkAccess() {
    std::vector<std::string> denied;
    for (std::string_view model : kProbedModels) {
      auto n =
          orm_.call(model, "search_count", json::array{json::array{json::array{"id", "=", 0}}});
      if (!n) {
        problem("the integration user cannot read {}: {}", model, odooMessage());
        denied.emplace_back(model);
      }
    }
    if (denied.empty()) {
      std::printf("ok: the integration user can read the %zu models plantbridge uses\n",
                  std::size(kProbedModels));
    }
  }

  // Every id the config maps to an Odoo record must be an active one: the kinds of
  // kOdooMappedKinds (mappings.assets' work centers and equipment, mappings.reason_codes' loss
  // reasons), one search_read per kind.
  void checkMappings(const std::vector<OdooMappedId>& mapped) {
    for (const OdooMappedKind& kind : kOdooMappedKinds) {
      std::map<int64_t, std::vector<const OdooMappedId*>> wanted;  // id -> who maps to it
      for (const OdooMappedId& m : mapped) {
        if (m.field != kind.field) continue;
        int64_t id = 0;
        const auto [end, ec] = std::from_chars(m.id.data(), m.id.data() + m.id.size(), id);
        if (ec != std::errc() || end != m.id.data() + m.id.size() || id <= 0) {
          problem("{} '{}' is not an Odoo id", m.key, m.id);
          continue;
        }
        wanted[id].push_back(&m);
      }
      if (wanted.empty()) continue;
      json::array ids;
      for (const auto& entry : wanted) ids.emplace_back(entry.first);
      auto found = orm_.searchRead(kind.model, json::array{json::array{"id", "in", ids}}, {"id"});
      if (!found) {
        problem("reading {} for {}: {}", kind.model, kind.table, odooMessage());
        continue;
      }
      std::set<int64_t> known;
      for (const auto& row : *found) known.insert(row.at("id").to_number<int64_t>());
      size_t missing = 0;
      for (const auto& [id, who] : wanted) {
        if (known.contains(id)) continue;
        ++missing;
        for (const OdooMappedId* m : who) {
          problem("{} (no active {} {})", odooMappedIdMissing(kind, *m), kind.model, id);
        }
      }
      if (missing == 0) {
        std::printf("ok: %s\n", fmt::format("the {} {} ids of {} exist in Odoo", wanted.size(),
                                            kind.field, kind.table)
                                    .c_str());
      }
    }
  }

  template <typename... Args>
  void problem(fmt::format_string<Args...> format, Args&&... args) {
    ++problems_;
    std::printf("problem: %s\n", fmt::format(format, std::forward<Args>(args)...).c_str());
  }

 private:
  std::string odooMessage() const { return firstLine(orm_.failure().message); }

  void createRule(const RuleSpec& spec, const std::string& name, const std::string& url) {
    auto models =
        orm_.searchRead("ir.model", json::array{json::array{"model", "=", spec.model}}, {"id"});
    if (!models) return problem("looking up model {}: {}", spec.model, odooMessage());
    if (models->empty()) {
      return problem("Odoo has no model {} (is its module installed?)", spec.model);
    }
    const int64_t model_id = models->at(0).at("id").to_number<int64_t>();
    json::array names;
    for (const std::string& f : spec.fields) names.emplace_back(f);
    auto fields = orm_.searchRead(
        "ir.model.fields",
        json::array{json::array{"model", "=", spec.model}, json::array{"name", "in", names}},
        {"id", "name"});
    if (!fields) return problem("looking up the fields of {}: {}", spec.model, odooMessage());
    std::map<std::string, int64_t> field_ids;
    for (const auto& row : *fields) {
      field_ids[odooString(row.at("name"))] = row.at("id").to_number<int64_t>();
    }
    json::array webhook_fields;
    for (const std::string& f : spec.fields) {
      auto it = field_ids.find(f);
      if (it == field_ids.end()) {
        return problem("Odoo's {} has no field {}: automation rule '{}' not created", spec.model, f,
                       name);
      }
      webhook_fields.emplace_back(it->second);
    }
    if (dry_run_) {
      std::printf("would create automation rule '%s'\n", name.c_str());
      return;
    }
    // ODOO18_API.md §9, the first rule: on create or write, when the trigger field changes.
    json::object action{{"name", "plantbridge: POST " + std::string(spec.model)},
                        {"state", "webhook"},
                        {"model_id", model_id},
                        {"webhook_url", url},
                        {"webhook_field_ids", json::array{json::array{6, 0, webhook_fields}}}};
    json::object rule{
        {"name", name},
        {"model_id", model_id},
        {"trigger", "on_create_or_write"},
        {"trigger_field_ids", json::array{json::array{6, 0, {field_ids.at(spec.fields.front())}}}},
        {"action_server_ids", json::array{json::array{0, 0, std::move(action)}}}};
    auto id = orm_.createOne("base.automation", std::move(rule));
    if (!id) return problem("creating automation rule '{}': {}", name, odooMessage());
    std::printf("created automation rule '%s' (id %lld)\n", name.c_str(),
                static_cast<long long>(*id));
  }

  void updateRule(const RuleSpec& spec, const std::string& name, const json::object& rule,
                  const std::string& url) {
    const int64_t id = rule.at("id").to_number<int64_t>();
    const std::string model = odooString(odooField(rule, "model_name"));
    if (!model.empty() && model != spec.model) {
      return problem("automation rule '{}' (id {}) is on {}, not {}; rename or delete it", name, id,
                     model, spec.model);
    }
    json::array action_ids;
    if (const auto* ids = odooField(rule, "action_server_ids").if_array()) action_ids = *ids;
    json::array actions;
    if (!action_ids.empty()) {
      auto read = orm_.call("ir.actions.server", "read",
                            json::array{action_ids, json::array{"id", "state", "webhook_url"}});
      if (!read || !read->is_array()) {
        return problem("reading the actions of automation rule '{}' (id {}): {}", name, id,
                       odooMessage());
      }
      actions = read->as_array();
    }
    const json::object* webhook = nullptr;
    for (const auto& a : actions) {
      if (a.is_object() && odooString(odooField(a.as_object(), "state")) == "webhook") {
        webhook = &a.as_object();
        break;
      }
    }
    if (webhook == nullptr) {
      return problem(
          "automation rule '{}' (id {}) has no Send Webhook Notification action; delete it "
          "and run setup again",
          name, id);
    }
    bool changed = false;
    if (odooString(odooField(*webhook, "webhook_url")) != url) {
      changed = true;
      const int64_t action_id = webhook->at("id").to_number<int64_t>();
      if (dry_run_) {
        std::printf("would update url of automation rule '%s' (id %lld)\n", name.c_str(),
                    static_cast<long long>(id));
      } else if (!orm_.call(
                     "ir.actions.server", "write",
                     json::array{json::array{action_id}, json::object{{"webhook_url", url}}})) {
        problem("updating the url of automation rule '{}' (id {}): {}", name, id, odooMessage());
      } else {
        std::printf("updated url of automation rule '%s' (id %lld)\n", name.c_str(),
                    static_cast<long long>(id));
      }
    }
    if (!odooField(rule, "active").is_bool() || !odooField(rule, "active").as_bool()) {
      changed = true;
      if (dry_run_) {
        std::printf("would unarchive automation rule '%s' (id %lld)\n", name.c_str(),
                    static_cast<long long>(id));
      } else if (!orm_.call("base.automation", "write",
                            json::array{json::array{id}, json::object{{"active", true}}})) {
        problem("unarchiving automation rule '{}' (id {}): {}", name, id, odooMessage());
      } else {
        std::printf("unarchived automation rule '%s' (id %lld)\n", name.c_str(),
                    static_cast<long long>(id));
      }
    }
    if (!changed) {
      std::printf("unchanged automation rule '%s' (id %lld)\n", name.c_str(),
                  static_cast<long long>(id));
    }
  }

  OdooOrm& orm_;
  const bool dry_run_;
  size_t problems_ = 0;
};

// "<scheme>://<host>:<port>" of the hub's own listen address; empty when Odoo could not use it.
std::string listenUrlBase(const ServerConfig& server) {
  if (server.host == "0.0.0.0" || server.host == "::" || server.host.empty() || server.port == 0) {
    return {};
  }
  const std::string host =
      server.host.find(':') != std::string::npos ? "[" + server.host + "]" : server.host;
  return (server.tls ? "https://" : "http://") + host + ":" + std::to_string(server.port);
}

}  // namespace

int odooSetupCommand(const OdooSetupOptions& options) {
  auto config = loadConfigOrReport(options.config_path);
  if (!config) return kExitUsage;
  if (!config->master_data) {
    std::fprintf(stderr,
                 "plantbridge: %s has no master_data section (its source is the Odoo "
                 "to set up)\n",
                 options.config_path.c_str());
    return kExitUsage;
  }
  const MasterDataConfig& md = *config->master_data;
  const TargetConfig* target = nullptr;
  for (const TargetConfig& t : config->targets) {
    if (t.name == md.source && t.kind == kOdooKind) target = &t;
  }
  if (target == nullptr) {
    std::fprintf(stderr, "plantbridge: master_data.source '%s' is not an odoo target\n",
                 md.source.c_str());
    return kExitUsage;
  }
  if (md.webhook_secret.empty()) {
    std::fprintf(stderr,
                 "plantbridge: master_data.webhook_secret_file or webhook_secret_env is not set: "
                 "the hub has no webhook receiver to point Odoo at\n");
    return kExitUsage;
  }
  std::string base = options.url_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.empty()) base = listenUrlBase(config->server);
  if (base.empty()) {
    std::fprintf(stderr,
                 "plantbridge: server.listen (%s:%u) is no address Odoo can post to; pass "
                 "--url-base https://<the hub as Odoo reaches it>\n",
                 config->server.host.c_str(), static_cast<unsigned>(config->server.port));
    return kExitUsage;
  }
  if (!base.starts_with("http://") && !base.starts_with("https://")) {
    std::fprintf(stderr, "plantbridge: --url-base must start with http:// or https://\n");
    return kExitUsage;
  }
  const std::string url = base + "/v1/hooks/odoo/" + md.webhook_secret;

  SystemClock clock;
  auto client = makeOdooClient(*target, clock);
  if (!client.isOk()) {
    std::fprintf(stderr, "plantbridge: %s\n", client.status().toString().c_str());
    return kExitUsage;
  }
  int exit_code = kExitOk;
  {
    OdooOrm orm(**client, OdooCallMeta{"odoo-setup", "odoo-setup"});
    if (!orm.names()) {
      std::printf("problem: %s\n", orm.failure().message.c_str());
      (*client)->shutdown();
      return kExitProblem;
    }
    const OdooServerInfo info = *(*client)->serverInfo();
    std::printf("Odoo %s at %s (database %s, user %s)%s\n", info.version.c_str(),
                target->odoo.url.c_str(), target->odoo.db.c_str(), target->odoo.user.c_str(),
                options.dry_run ? ": dry run, nothing is changed" : "");
    // The secret authenticates Odoo's webhooks: never printed.
    std::printf("webhook url: %s/v1/hooks/odoo/<the secret of master_data.%s>\n", base.c_str(),
                md.webhook_secret_file.empty() ? "webhook_secret_env" : "webhook_secret_file");

    OdooSetup setup(orm, options.dry_run);
    for (const RuleSpec& spec : ruleSpecs()) {
      bool enabled = false;
      for (const MasterDataModelConfig& m : md.models) {
        if (m.model == spec.model) enabled = m.enabled;
      }
      if (!enabled) {
        std::printf(
            "skipped automation rule '%s': master_data.models.%s is disabled, so the "
            "hub would refuse its webhooks\n",
            ruleName(spec).c_str(), std::string(spec.model).c_str());
        continue;
      }
      setup.ensureRule(spec, url);
    }
    setup.checkAccess();
    setup.checkMappings(odooMappedIds(config->asset_mappings, config->code_mappings));
    const size_t problems = setup.problems() + setUpOdooReferences(orm, *target, options.dry_run);
    if (problems > 0) {
      std::printf("%zu problem%s\n", problems, problems == 1 ? "" : "s");
      exit_code = kExitProblem;
    }
  }
  (*client)->shutdown();
  return exit_code;
}

}  // namespace pb
