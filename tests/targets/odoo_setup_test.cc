// `plantbridge odoo setup` (issue 4, "Changes from Odoo"): the real binary against the Odoo
// test double as Odoo 18 and 19. The first run creates the automation rules (ODOO18 §9 shape),
// a second changes nothing, a changed URL is written, --dry-run writes nothing, and a mapped
// work center or loss reason Odoo does not have is a problem (exit 1).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "odoo_setup_fixture.h"

namespace pb {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kSecret = test::kSetupSecret;
constexpr const char* kProduction = "plantbridge: mrp.production state";
constexpr const char* kWorkOrder = "plantbridge: mrp.workorder state";
constexpr const char* kMaintenance = "plantbridge: maintenance.request stage";

struct Rule {
  int64_t id = 0;
  std::string model;
  std::string trigger;
  std::string url;  // of its webhook action
  size_t webhook_fields = 0;
  std::vector<int64_t> trigger_fields;  // ir.model.fields ids
};

class OdooSetupTest : public test::OdooSetupFixture {
 protected:
  // A config whose master data comes from the double; `assets` is the mappings.assets block.
  std::string writeConfig(
      const std::string& assets = R"(    CNC-07: {work_center: "1", equipment: "1"}
    PRESS-02: {work_center: "2", equipment: "2"}
)",
      const std::string& master_data_extra = {}) {
    std::string path = dir_.file("plant.yaml");
    std::ofstream(path) << "site: plant-1\n"
                        << "server:\n  listen: \"127.0.0.1:8080\"\n"
                        << "targets:\n  erp:\n    kind: odoo\n    url: " << double_.url()
                        << "\n    db: mfg\n    user: admin\n    api_key_file: " << key_file_ << "\n"
                        << "master_data:\n  source: erp\n  webhook_secret_file: "
                        << dir_.file("hook.secret") << "\n"
                        << master_data_extra << "mappings:\n  assets:\n"
                        << assets;
    return path;
  }

  // The automation rules in the double, by name, with their webhook action's URL.
  std::map<std::string, Rule> rules() {
    auto state = double_.control("GET", "state?models=base.automation,ir.actions.server,ir.model");
    EXPECT_TRUE(state.isOk());
    std::map<std::string, Rule> out;
    if (!state.isOk()) return out;
    const json::value v = json::parse(*state);
    const json::object& models = v.at("models").as_object();
    std::map<int64_t, std::string> model_names;
    for (const auto& m : models.at("ir.model").as_array()) {
      model_names[m.at("id").to_number<int64_t>()] = std::string(m.at("model").as_string());
    }
    for (const auto& r : models.at("base.automation").as_array()) {
      Rule rule;
      rule.id = r.at("id").to_number<int64_t>();
      rule.model = model_names[r.at("model_id").to_number<int64_t>()];
      rule.trigger = std::string(r.at("trigger").as_string());
      if (const auto* ids = r.as_object().if_contains("trigger_field_ids");
          ids && ids->is_array()) {
        for (const auto& f : ids->as_array()) rule.trigger_fields.push_back(f.to_number<int64_t>());
      }
      for (const auto& a : models.at("ir.actions.server").as_array()) {
        const json::value* owner = a.as_object().if_contains("base_automation_id");
        if (owner == nullptr || !owner->is_number() || owner->to_number<int64_t>() != rule.id) {
          continue;
        }
        if (a.at("state") == "webhook") {
          rule.url = std::string(a.at("webhook_url").as_string());
          rule.webhook_fields = a.at("webhook_field_ids").as_array().size();
        }
      }
      out[std::string(r.at("name").as_string())] = rule;
    }
    return out;
  }

  // "model.field" of each ir.model.fields id.
  std::vector<std::string> fieldNames(const std::vector<int64_t>& ids) {
    auto state = double_.control("GET", "state?models=ir.model.fields");
    EXPECT_TRUE(state.isOk());
    std::vector<std::string> out;
    if (!state.isOk()) return out;
    const json::value v = json::parse(*state);
    for (int64_t id : ids) {
      for (const auto& f : v.at("models").at("ir.model.fields").as_array()) {
        if (f.at("id").to_number<int64_t>() != id) continue;
        out.push_back(std::string(f.at("model").as_string()) + "." +
                      std::string(f.at("name").as_string()));
      }
    }
    return out;
  }

  int64_t calls(const std::string& name) {
    auto state = double_.control("GET", "state?models=none");
    EXPECT_TRUE(state.isOk());
    if (!state.isOk()) return -1;
    const json::value v = json::parse(*state);
    const json::value* n = v.at("counters").at("calls").as_object().if_contains(name);
    return n == nullptr ? 0 : n->to_number<int64_t>();
  }
};

INSTANTIATE_TEST_SUITE_P(Versions, OdooSetupTest, ::testing::Values(18, 19),
                         [](const auto& info) { return "Odoo" + std::to_string(info.param); });

TEST_P(OdooSetupTest, TheFirstRunCreatesTheRulesAndTheSecondChangesNothing) {
  config_ = writeConfig();
  const test::CommandResult first = setup();
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, HasSubstr(std::string("created automation rule '") + kProduction));
  EXPECT_THAT(first.output, HasSubstr(std::string("created automation rule '") + kWorkOrder));
  EXPECT_THAT(first.output, HasSubstr(std::string("created automation rule '") + kMaintenance));
  EXPECT_THAT(first.output, Not(HasSubstr(kSecret))) << "the secret is never printed";
  EXPECT_THAT(first.output, Not(HasSubstr("problem")));

  auto created = rules();
  ASSERT_EQ(created.size(), 3u);
  const std::string url = std::string("http://127.0.0.1:8080/v1/hooks/odoo/") + kSecret;
  for (const char* name : {kProduction, kWorkOrder, kMaintenance}) {
    const Rule& rule = created[name];
    EXPECT_EQ(rule.trigger, "on_create_or_write") << name;
    EXPECT_EQ(rule.url, url) << name;
    EXPECT_GE(rule.webhook_fields, 3u) << name;
    EXPECT_THAT(first.output,
                HasSubstr(std::string(name) + "' (id " + std::to_string(rule.id) + ")"));
  }
  EXPECT_EQ(created[kProduction].model, "mrp.production");
  EXPECT_EQ(created[kWorkOrder].model, "mrp.workorder");
  EXPECT_EQ(created[kMaintenance].model, "maintenance.request");
  // Each rule fires when its trigger field changes: state, state, stage_id.
  EXPECT_EQ(fieldNames(created[kProduction].trigger_fields),
            std::vector<std::string>{"mrp.production.state"});
  EXPECT_EQ(fieldNames(created[kMaintenance].trigger_fields),
            std::vector<std::string>{"maintenance.request.stage_id"});

  const int64_t creates = calls("base.automation.create");
  const test::CommandResult second = setup();
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr(std::string("unchanged automation rule '") + kProduction));
  EXPECT_THAT(second.output, HasSubstr(std::string("unchanged automation rule '") + kWorkOrder));
  EXPECT_THAT(second.output, HasSubstr(std::string("unchanged automation rule '") + kMaintenance));
  EXPECT_THAT(second.output, Not(HasSubstr("created automation rule")));
  EXPECT_EQ(calls("base.automation.create"), creates);
  EXPECT_EQ(calls("ir.actions.server.write"), 0);
  EXPECT_EQ(rules().size(), 3u);
}

TEST_P(OdooSetupTest, AChangedUrlIsWrittenToTheExistingRule) {
  config_ = writeConfig();
  ASSERT_EQ(setup().exit_code, 0);
  const auto before = rules();

  const test::CommandResult r = setup({"--url-base", "https://plantbridge.example:8443/"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(std::string("updated url of automation rule '") + kProduction +
                                  "' (id " + std::to_string(before.at(kProduction).id) + ")"));
  EXPECT_THAT(r.output, HasSubstr(std::string("updated url of automation rule '") + kWorkOrder));
  const auto after = rules();
  ASSERT_EQ(after.size(), 3u) << "updated, not created again";
  for (const char* name : {kProduction, kWorkOrder, kMaintenance}) {
    EXPECT_EQ(after.at(name).id, before.at(name).id);
    EXPECT_EQ(after.at(name).url,
              std::string("https://plantbridge.example:8443/v1/hooks/odoo/") + kSecret);
  }
}

TEST_P(OdooSetupTest, ADryRunChangesNothing) {
  config_ = writeConfig();
  const test::CommandResult dry = setup({"--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr(std::string("would create automation rule '") + kProduction));
  EXPECT_THAT(dry.output, HasSubstr(std::string("would create automation rule '") + kWorkOrder));
  EXPECT_TRUE(rules().empty());
  EXPECT_EQ(calls("base.automation.create"), 0);

  ASSERT_EQ(setup().exit_code, 0);
  const test::CommandResult moved =
      setup({"--dry-run", "--url-base", "https://plantbridge.example:8443"});
  EXPECT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_THAT(moved.output,
              HasSubstr(std::string("would update url of automation rule '") + kProduction));
  EXPECT_EQ(calls("ir.actions.server.write"), 0);
  EXPECT_EQ(rules().at(kProduction).url,
            std::string("http://127.0.0.1:8080/v1/hooks/odoo/") + kSecret);
}

TEST_P(OdooSetupTest, AMappedWorkCenterOdooDoesNotHaveIsAProblem) {
  config_ = writeConfig(R"(    CNC-07: {work_center: "1", equipment: "1"}
    CNC-99: {work_center: "999", equipment: "2"}
)");
  const test::CommandResult r = setup();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("problem: mappings.assets.CNC-99.work_center '999' is not a work center "
                        "in Odoo"));
  EXPECT_THAT(r.output, HasSubstr("ok: the 2 equipment ids of mappings.assets exist in Odoo"));
  EXPECT_THAT(r.output, HasSubstr("1 problem"));
  EXPECT_EQ(rules().size(), 3u) << "the rules are set up all the same";
}

TEST_P(OdooSetupTest, AMappedLossReasonOdooDoesNotHaveIsAProblem) {
  // The seed has loss reasons 1 to 7.
  config_ = writeConfig(R"(    CNC-07: {work_center: "1", equipment: "1"}
  reason_codes:
    JAM: "9"
    SETUP: "3"
)");
  const test::CommandResult r = setup();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output,
              HasSubstr("problem: mappings.reason_codes.JAM '9' is not a loss reason in Odoo "
                        "(no active mrp.workcenter.productivity.loss 9)"));
  EXPECT_THAT(r.output, Not(HasSubstr("mappings.reason_codes.SETUP")));
  EXPECT_THAT(r.output, HasSubstr("ok: the 1 work_center ids of mappings.assets exist in Odoo"));
  EXPECT_THAT(r.output, HasSubstr("1 problem"));
  EXPECT_EQ(calls("mrp.workcenter.productivity.loss.search_read"), 1)
      << "one search_read for all the loss ids";
}

TEST_P(OdooSetupTest, MappedLossReasonsOdooHasAreOk) {
  config_ = writeConfig(R"(    CNC-07: {work_center: "1", equipment: "1"}
  reason_codes: {JAM: "2", SETUP: "3", STOP: "2"}
)");
  const test::CommandResult r = setup();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("ok: the 2 loss ids of mappings.reason_codes exist in Odoo"));
  EXPECT_THAT(r.output, Not(HasSubstr("problem")));
}

TEST_P(OdooSetupTest, ADisabledModelGetsNoRule) {
  config_ = writeConfig(R"(    CNC-07: {work_center: "1"}
)",
                        "  models:\n    mrp.workorder: {enabled: false}\n");
  const test::CommandResult r = setup();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(std::string("skipped automation rule '") + kWorkOrder));
  const auto created = rules();
  EXPECT_EQ(created.size(), 2u);
  EXPECT_TRUE(created.contains(kProduction));
  EXPECT_TRUE(created.contains(kMaintenance));
}

TEST_P(OdooSetupTest, ADisabledMaintenanceRequestModelGetsNoStageRule) {
  config_ = writeConfig(R"(    CNC-07: {work_center: "1"}
)",
                        "  models:\n    maintenance.request: {enabled: false}\n");
  const test::CommandResult r = setup();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr(std::string("skipped automation rule '") + kMaintenance));
  const auto created = rules();
  EXPECT_EQ(created.size(), 2u);
  EXPECT_FALSE(created.contains(kMaintenance));
}

TEST_P(OdooSetupTest, WithoutAWebhookSecretItIsAUsageError) {
  config_ = dir_.file("nosecret.yaml");
  std::ofstream(config_) << "site: plant-1\ntargets:\n  erp:\n    kind: odoo\n    url: "
                         << double_.url()
                         << "\n    db: mfg\n    user: admin\n    api_key_file: " << key_file_
                         << "\nmaster_data:\n  source: erp\n";
  const test::CommandResult r = setup();
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("webhook_secret_file"));
  EXPECT_EQ(calls("base.automation.search_read"), 0);
}

TEST_P(OdooSetupTest, AUserWithoutTheRightsIsToldWhatItCannotDo) {
  // The seed's "viewer" is a plain internal user: no manufacturing, inventory or settings rights.
  const std::string viewer_key = dir_.file("viewer.key");
  std::ofstream(viewer_key) << "viewer-key\n";
  std::string yaml;
  {
    std::ifstream in(writeConfig());
    yaml.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  yaml.replace(yaml.find("user: admin"), 11, "user: viewer");
  yaml.replace(yaml.find(key_file_), key_file_.size(), viewer_key);
  config_ = dir_.file("viewer.yaml");
  std::ofstream(config_) << yaml;

  const test::CommandResult r = setup();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr(std::string("problem: creating automation rule '") + kProduction +
                                  "': base.automation.create: "
                                  "odoo.exceptions.AccessError"));
  EXPECT_THAT(r.output, HasSubstr("problem: the integration user cannot read mrp.production: "));
  EXPECT_THAT(r.output, HasSubstr("You are not allowed to access 'Manufacturing Order'"));
  EXPECT_TRUE(rules().empty());
}

}  // namespace
}  // namespace pb
