// The odoo target's typed config: loaded and validated by the config loader like every
// section, with errors that name the file, line and key.
#include <stdlib.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../config/config_test_util.h"
#include "plantbridge/config/config.h"

namespace pb {
namespace {

using testing_util::ScratchDir;

TEST(OdooConfigTest, FullOdooTargetLoadsEveryValue) {
  ScratchDir dir;
  dir.write("secrets/odoo.key", "0123456789abcdef\n");
  const ConfigLoadResult r = loadConfig(dir.write("plant.yaml", R"(targets:
  erp:
    kind: odoo
    url: https://odoo.example.com
    db: mfg
    user: plantbridge
    api_key_file: secrets/odoo.key
    timeout: 45s
    version: "19.0"
    concurrency: 3
    in_flight: 500
    retry: {max_attempts: 9}
)"));
  ASSERT_CONFIG_OK(r);
  ASSERT_EQ(r.config->targets.size(), 1u);
  const TargetConfig& t = r.config->targets[0];
  EXPECT_EQ(t.kind, "odoo");
  EXPECT_EQ(t.concurrency, 3);
  EXPECT_EQ(t.in_flight, 500);
  EXPECT_EQ(t.retry.max_attempts, 9);
  EXPECT_EQ(t.odoo.url, "https://odoo.example.com");
  EXPECT_EQ(t.odoo.db, "mfg");
  EXPECT_EQ(t.odoo.user, "plantbridge");
  EXPECT_EQ(t.odoo.api_key, "0123456789abcdef");
  EXPECT_EQ(t.odoo.api_key_file, (dir.path() / "secrets/odoo.key").string());
  EXPECT_EQ(t.odoo.timeout, std::chrono::seconds(45));
  EXPECT_EQ(t.odoo.version, 19);
}

TEST(OdooConfigTest, DefaultsAndTheKeyFromTheEnvironment) {
  ::setenv("PB_TEST_ODOO_CONFIG_KEY", "env-key", 1);
  ScratchDir dir;
  const ConfigLoadResult r = loadConfig(dir.write("plant.yaml", R"(targets:
  erp: {kind: odoo, url: "http://127.0.0.1:8069", db: mfg, user: admin, api_key_env: PB_TEST_ODOO_CONFIG_KEY}
)"));
  ::unsetenv("PB_TEST_ODOO_CONFIG_KEY");
  ASSERT_CONFIG_OK(r);
  const OdooTargetConfig& o = r.config->targets[0].odoo;
  EXPECT_EQ(o.api_key, "env-key");
  EXPECT_EQ(o.api_key_env, "PB_TEST_ODOO_CONFIG_KEY");
  EXPECT_EQ(o.timeout, std::chrono::seconds(60));
  EXPECT_EQ(o.version, 0);
  // Operations wait in the target (coalescing, adaptive limit): more in flight than running.
  EXPECT_EQ(r.config->targets[0].concurrency, 4);
  EXPECT_EQ(r.config->targets[0].in_flight, kOdooDefaultInFlight);
}

TEST(OdooConfigTest, ProblemsNameTheLineAndKey) {
  ScratchDir dir;
  dir.write("empty.key", "");
  const ConfigLoadResult r = loadConfig(dir.write("plant.yaml", R"(targets:
  a: {kind: odoo, url: "ftp://odoo", api_key_file: missing.key}
  b:
    kind: odoo
    url: https://odoo.example.com
    db: mfg
    user: admin
    api_key_file: empty.key
    api_key_env: ODOO_KEY
    headers: {X-A: b}
    version: "15"
  c:
    kind: odoo
    url: http://odoo.example.com
    db: mfg
    user: admin
    api_key_env: PB_TEST_ODOO_UNSET_VARIABLE
    ca_file: empty.key
    version: eighteen
    timeot: 5s
  d: {kind: odoo, url: "http://o", db: mfg, user: admin}
)"));
  ASSERT_FALSE(r.config.has_value());
  EXPECT_CONFIG_ERROR(r, 2, "targets.a.url", "must be an http(s) URL");
  EXPECT_CONFIG_ERROR(r, 2, "targets.a.db", "missing required key");
  EXPECT_CONFIG_ERROR(r, 2, "targets.a.user", "missing required key");
  EXPECT_CONFIG_ERROR(r, 2, "targets.a.api_key_file", "missing.key");
  EXPECT_CONFIG_ERROR(r, 9, "targets.b.api_key_env", "either api_key_file or api_key_env");
  EXPECT_CONFIG_ERROR(r, 10, "targets.b.headers", "applies only to targets of kind webhook");
  EXPECT_CONFIG_ERROR(r, 11, "targets.b.version", "'15' is not an Odoo version");
  EXPECT_CONFIG_ERROR(r, 17, "targets.c.api_key_env", "is not set");
  EXPECT_CONFIG_ERROR(r, 18, "targets.c.ca_file", "applies only to https URLs");
  EXPECT_CONFIG_ERROR(r, 19, "targets.c.version", "'eighteen' is not an Odoo version");
  EXPECT_CONFIG_ERROR(r, 20, "targets.c.timeot", "unknown key 'timeot' (did you mean 'timeout'?)");
  EXPECT_CONFIG_ERROR(r, 21, "targets.d", "give the integration user's API key");
}

TEST(OdooConfigTest, NamedLocationsAndPickingTypesLoad) {
  ScratchDir dir;
  dir.write("odoo.key", "0123456789abcdef\n");
  const ConfigLoadResult r = loadConfig(dir.write("plant.yaml", R"(targets:
  erp:
    kind: odoo
    url: http://odoo.example.com
    db: mfg
    user: admin
    api_key_file: odoo.key
    locations:
      quarantine: {complete_name: WH/Quarantine, create: true}
      stock: {complete_name: WH/Stock}
    picking_types:
      internal: {name: Internal Transfers, warehouse: WH}
      any: {name: Internal Transfers}
)"));
  ASSERT_CONFIG_OK(r);
  const OdooTargetConfig& odoo = r.config->targets.at(0).odoo;
  ASSERT_EQ(odoo.locations.size(), 2u);
  EXPECT_EQ(odoo.locations.at("quarantine").complete_name, "WH/Quarantine");
  EXPECT_TRUE(odoo.locations.at("quarantine").create);
  EXPECT_FALSE(odoo.locations.at("stock").create);
  EXPECT_EQ(odoo.picking_types.at("internal").name, "Internal Transfers");
  EXPECT_EQ(odoo.picking_types.at("internal").warehouse, "WH");
  EXPECT_EQ(odoo.picking_types.at("any").warehouse, "");
}

TEST(OdooConfigTest, LocationAndPickingTypeProblemsAreAllReported) {
  ScratchDir dir;
  dir.write("odoo.key", "0123456789abcdef\n");
  const ConfigLoadResult r = loadConfig(dir.write("plant.yaml", R"(targets:
  erp:
    kind: odoo
    url: http://odoo.example.com
    db: mfg
    user: admin
    api_key_file: odoo.key
    locations:
      q: {complete_name: /WH//Q}
      top: {complete_name: Quarantine, create: true}
      typo: {complete_name: WH/X, creat: true}
      bad name: {complete_name: WH/Y}
      nothing: {}
    picking_types:
      internal: {warehouse: WH}
      flag: {name: X, warehouse: WH, active: true}
)"));
  ASSERT_FALSE(r.config.has_value());
  EXPECT_CONFIG_ERROR(r, 9, "targets.erp.locations.q.complete_name",
                      "is not a location's complete name");
  EXPECT_CONFIG_ERROR(r, 10, "targets.erp.locations.top.create",
                      "a location is created under its parent");
  EXPECT_CONFIG_ERROR(r, 11, "targets.erp.locations.typo.creat", "unknown key 'creat'");
  EXPECT_CONFIG_ERROR(r, 12, "targets.erp.locations.bad name", "is not a valid location name");
  EXPECT_CONFIG_ERROR(r, 13, "targets.erp.locations.nothing.complete_name", "missing required key");
  EXPECT_CONFIG_ERROR(r, 15, "targets.erp.picking_types.internal.name", "missing required key");
  EXPECT_CONFIG_ERROR(r, 16, "targets.erp.picking_types.flag.active", "unknown key 'active'");
}

TEST(OdooConfigTest, WebhookTargetsDoNotTakeOdooKeys) {
  ScratchDir dir;
  const ConfigLoadResult r = loadConfig(dir.write("plant.yaml", R"(targets:
  hook: {kind: webhook, url: "http://h/x", db: mfg}
)"));
  ASSERT_FALSE(r.config.has_value());
  EXPECT_CONFIG_ERROR(r, 2, "targets.hook.db", "unknown key 'db'");
}

}  // namespace
}  // namespace pb
