// What the master-data sync tests share: the Odoo test double as Odoo 18 or 19 (the test's
// parameter) with its clock frozen at 2026-11-22 08:00, a client, a store with its master data,
// and a sync config listing every model the sync reads.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "config_keys.h"
#include "odoo_double_process.h"
#include "pipeline/pipeline_test_util.h"
#include "plantbridge/pipeline/stored_master_data.h"
#include "plantbridge/store/store.h"
#include "plantbridge/targets/odoo.h"
#include "plantbridge/targets/odoo_master_data.h"
#include "support/temp_dir.h"

namespace pb::test {

class OdooMasterDataFixture : public ::testing::TestWithParam<int> {
 protected:
  static constexpr const char* kKey = "3f1c0a9e5b7d2c4e6f8a1b3d5c7e9f0a2b4c6d8e";

  // Starts the double, the client and the store; `config_` names source "erp" and every model
  // read every `every`. The sync itself is the test's to make.
  void startOdooAndStore(Millis every) {
    const std::string key_file = dir_.file("odoo.key");
    std::ofstream(key_file) << kKey << "\n";
    OdooDoubleOptions options;
    options.version = GetParam();
    options.api_key_file = key_file;
    options.extra_args = {"--start-time", "2026-11-22 08:00:00"};
    ASSERT_TRUE(double_.start(options, dir_.file("double.stderr")).isOk());
    setOdooClock("2026-11-22 08:00:00");

    TargetConfig c = double_.targetConfig(key_file);
    c.odoo.timeout = std::chrono::seconds(20);
    auto client = makeOdooClient(c, system_clock_);
    ASSERT_TRUE(client.isOk()) << client.status().toString();
    client_ = std::move(client).value();

    SqliteStoreOptions store_options;
    store_options.path = dir_.file("plantbridge.db");
    store_options.durable = false;
    auto store = openSqliteStore(store_options, clock_);
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    store_ = std::move(*store);
    auto md = StoredMasterData::open(store_->masterFacts());
    ASSERT_TRUE(md.isOk()) << md.status().toString();
    md_ = std::move(*md);

    config_.source = "erp";
    for (std::string_view m : config_keys::kMasterDataModels) {
      config_.models.push_back({std::string(m), every});
    }
  }

  void TearDown() override {
    if (sync_) sync_->stop();
    sync_.reset();
    md_.reset();
    if (store_) store_->close();
    if (client_) client_->shutdown();
  }

  void setOdooClock(const std::string& when) {
    auto r = double_.control("POST", "clock", R"({"set": ")" + when + R"(", "freeze": true})");
    ASSERT_TRUE(r.isOk()) << r.status().toString();
  }
  void syncAll() {
    for (std::string_view m : config_keys::kMasterDataModels) {
      const Status s = sync_->syncModel(m);
      ASSERT_TRUE(s.isOk()) << m << ": " << s.toString();
    }
  }
  // The value `s` gives `key` at `when` (RFC 3339), "" when none.
  std::string valueAt(const Subject& s, const std::string& key, const char* when) {
    auto facts = md_->factsAt({s}, at(when));
    EXPECT_TRUE(facts.isOk());
    if (!facts.isOk()) return "";
    for (const ContextFact& f : *facts) {
      if (f.key == key) return f.value;
    }
    return "";
  }

  TempDir dir_;
  OdooDoubleProcess double_;
  SystemClock system_clock_;  // the client's timeouts run in real time
  ManualClock clock_{at("2026-11-22T08:00:00Z")};
  MetricsRegistry metrics_;
  std::unique_ptr<OdooClient> client_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<StoredMasterData> md_;
  MasterDataConfig config_;
  std::unique_ptr<OdooMasterDataSync> sync_;
};

inline std::string odooVersionName(const ::testing::TestParamInfo<int>& info) {
  return "Odoo" + std::to_string(info.param);
}

}  // namespace pb::test
