// The master_data section: per-model periods resolved over the default, and each mistake
// (unknown model, a source that is not an odoo target, an unknown key) reported with its key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "config_test_util.h"
#include "plantbridge/config/config.h"

namespace pb {
namespace {

using testing_util::ScratchDir;

std::string plant(const std::string& master_data) {
  return R"(site: plant-1
targets:
  erp:
    kind: odoo
    url: http://127.0.0.1:8069
    db: mfg
    user: plantbridge
    api_key_file: odoo.key
  hook:
    kind: webhook
    url: http://127.0.0.1:9000/hook
)" + master_data;
}

ConfigLoadResult loadIn(ScratchDir& dir, const std::string& yaml) {
  dir.write("odoo.key", "3f1c0a9e5b7d2c4e6f8a1b3d5c7e9f0a2b4c6d8e\n");
  return loadConfig(dir.write("plant.yaml", yaml));
}

std::string errorsOf(const ConfigLoadResult& r) {
  std::string out;
  for (const ConfigError& e : r.errors) out += e.toString() + "\n";
  return out;
}

TEST(MasterDataConfigTest, ModelsTakeTheDefaultPeriodUnlessTheySayOtherwise) {
  ScratchDir dir;
  auto r = loadIn(dir, plant(R"(master_data:
  source: erp
  every: 10m
  overlap: 2m
  history: 3d
  keep: 90d
  models:
    mrp.workorder: {every: 30s}
    stock.lot: {enabled: false}
)"));
  ASSERT_TRUE(r.config) << errorsOf(r);
  ASSERT_TRUE(r.config->master_data);
  const MasterDataConfig& md = *r.config->master_data;
  EXPECT_EQ(md.source, "erp");
  EXPECT_EQ(md.overlap, std::chrono::minutes(2));
  EXPECT_EQ(md.history, std::chrono::hours(72));
  EXPECT_EQ(md.keep, std::chrono::hours(24 * 90));
  ASSERT_EQ(md.models.size(), 11u);
  auto model = [&](const char* name) {
    return *std::find_if(md.models.begin(), md.models.end(),
                         [&](const MasterDataModelConfig& m) { return m.model == name; });
  };
  EXPECT_EQ(model("mrp.workorder").every, std::chrono::seconds(30));
  EXPECT_EQ(model("product.product").every, std::chrono::minutes(10));
  EXPECT_FALSE(model("stock.lot").enabled);
  EXPECT_TRUE(model("mrp.production").enabled);
  EXPECT_TRUE(model("maintenance.request").enabled);
  EXPECT_TRUE(md.events.empty()) << "events are opt-in";
}

constexpr const char* kStageSchema = R"(schemas:
  maintenance.stage_changed:
    payload:
      stage_id: {type: integer, required: true}
      done: {type: boolean, required: true}
)";

TEST(MasterDataConfigTest, StageChangeEventsAreMadeWhenListedWithASchema) {
  ScratchDir dir;
  auto r = loadIn(dir, plant(std::string(kStageSchema) + R"(master_data:
  source: erp
  events: [maintenance.stage_changed]
)"));
  ASSERT_TRUE(r.config) << errorsOf(r);
  EXPECT_EQ(r.config->master_data->events, std::vector<std::string>{"maintenance.stage_changed"});
}

TEST(MasterDataConfigTest, EventsThatCouldNeverBeJournaledAreExplained) {
  ScratchDir dir;
  // No schema: the journal would reject every event.
  auto no_schema = loadIn(dir, plant(R"(master_data:
  source: erp
  events: [maintenance.stage_changed, maintenance.done]
)"));
  ASSERT_FALSE(no_schema.config);
  std::string errors = errorsOf(no_schema);
  EXPECT_NE(errors.find("master_data.events"), std::string::npos) << errors;
  EXPECT_NE(errors.find("no schema for 'maintenance.stage_changed': the journal rejects events "
                        "without one"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("'maintenance.done' is not an event the master-data sync makes "
                        "(maintenance.stage_changed)"),
            std::string::npos)
      << errors;

  // The model it comes from is not read.
  auto disabled = loadIn(dir, plant(std::string(kStageSchema) + R"(master_data:
  source: erp
  models:
    maintenance.request: {enabled: false}
  events: [maintenance.stage_changed]
)"));
  ASSERT_FALSE(disabled.config);
  errors = errorsOf(disabled);
  EXPECT_NE(errors.find("comes from reading maintenance.request, which "
                        "master_data.models.maintenance.request disables"),
            std::string::npos)
      << errors;

  // A schema that asks for what the events do not carry.
  auto demanding = loadIn(dir, plant(R"(schemas:
  maintenance.stage_changed:
    payload:
      technician: {type: string, required: true}
      stage_id: {type: integer, required: true}
    required_context: [work_center]
master_data:
  source: erp
  events: [maintenance.stage_changed]
)"));
  ASSERT_FALSE(demanding.config);
  errors = errorsOf(demanding);
  EXPECT_NE(errors.find("schema 'maintenance.stage_changed' requires payload field 'technician', "
                        "which not every such event carries"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("requires context.work_center"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("'stage_id'"), std::string::npos) << errors;
}

TEST(MasterDataConfigTest, WithoutTheSectionThereIsNoMasterData) {
  ScratchDir dir;
  auto r = loadIn(dir, plant(""));
  ASSERT_TRUE(r.config) << errorsOf(r);
  EXPECT_FALSE(r.config->master_data);
}

TEST(MasterDataConfigTest, MistakesAreReportedWithTheirKeys) {
  ScratchDir dir;
  auto r = loadIn(dir, plant(R"(master_data:
  source: hook
  every: 0s
  models:
    res.partner: {every: 1m}
    mrp.production: {evry: 1m}
)"));
  ASSERT_FALSE(r.config);
  const std::string errors = errorsOf(r);
  EXPECT_NE(errors.find("master_data.source: target 'hook' is of kind webhook"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("master_data.every"), std::string::npos) << errors;
  EXPECT_NE(errors.find("master_data.models.res.partner: 'res.partner' is not a model"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("master_data.models.mrp.production.evry"), std::string::npos) << errors;

  auto short_keep = loadIn(dir, plant("master_data:\n  source: erp\n  history: 30d\n  keep: 7d\n"));
  EXPECT_NE(errorsOf(short_keep).find("master_data.keep: must be at least `history`"),
            std::string::npos)
      << errorsOf(short_keep);
  auto keep_forever = loadIn(dir, plant("master_data:\n  source: erp\n  keep: 0s\n"));
  ASSERT_TRUE(keep_forever.config) << errorsOf(keep_forever);
  EXPECT_EQ(keep_forever.config->master_data->keep.count(), 0);

  auto missing = loadIn(dir, plant("master_data:\n  source: nowhere\n"));
  EXPECT_NE(errorsOf(missing).find("master_data.source: 'nowhere' is not a configured target"),
            std::string::npos)
      << errorsOf(missing);
}

TEST(MasterDataConfigTest, WebhookSecretComesFromAFileOrTheEnvironment) {
  ScratchDir dir;
  dir.write("hook.secret", "hook-0123456789abcdefghijklmn\n");
  auto r = loadIn(dir, plant(R"(master_data:
  source: erp
  webhook_secret_file: hook.secret
  webhook_delay: 500ms
)"));
  ASSERT_TRUE(r.config) << errorsOf(r);
  EXPECT_EQ(r.config->master_data->webhook_secret, "hook-0123456789abcdefghijklmn");
  EXPECT_EQ(r.config->master_data->webhook_delay, std::chrono::milliseconds(500));

  ::setenv("PB_TEST_ODOO_HOOK_SECRET", "env-0123456789abcdefghijklmno", 1);
  auto env = loadIn(dir, plant(R"(master_data:
  source: erp
  webhook_secret_env: PB_TEST_ODOO_HOOK_SECRET
)"));
  ::unsetenv("PB_TEST_ODOO_HOOK_SECRET");
  ASSERT_TRUE(env.config) << errorsOf(env);
  EXPECT_EQ(env.config->master_data->webhook_secret, "env-0123456789abcdefghijklmno");
  EXPECT_EQ(env.config->master_data->webhook_delay, std::chrono::seconds(2));

  auto none = loadIn(dir, plant("master_data:\n  source: erp\n"));
  ASSERT_TRUE(none.config) << errorsOf(none);
  EXPECT_TRUE(none.config->master_data->webhook_secret.empty());
}

TEST(MasterDataConfigTest, AWebhookSecretThatIsShortOrNotUrlSafeIsRefused) {
  ScratchDir dir;
  dir.write("short.secret", "tooshort\n");
  dir.write("slash.secret", "hook/0123456789abcdefghijklmn\n");
  auto short_secret =
      loadIn(dir, plant("master_data:\n  source: erp\n  webhook_secret_file: short.secret\n"));
  ASSERT_FALSE(short_secret.config);
  EXPECT_NE(errorsOf(short_secret)
                .find("master_data.webhook_secret_file: the webhook secret must be at least 24"),
            std::string::npos)
      << errorsOf(short_secret);
  auto slash =
      loadIn(dir, plant("master_data:\n  source: erp\n  webhook_secret_file: slash.secret\n"));
  ASSERT_FALSE(slash.config);
  EXPECT_NE(errorsOf(slash).find("goes into a URL"), std::string::npos) << errorsOf(slash);
  auto both = loadIn(dir, plant(R"(master_data:
  source: erp
  webhook_secret_file: short.secret
  webhook_secret_env: HOME
  webhook_delay: 2m
)"));
  ASSERT_FALSE(both.config);
  EXPECT_NE(errorsOf(both).find("give either webhook_secret_file or webhook_secret_env"),
            std::string::npos)
      << errorsOf(both);
  EXPECT_NE(errorsOf(both).find("master_data.webhook_delay"), std::string::npos) << errorsOf(both);
}

}  // namespace
}  // namespace pb
