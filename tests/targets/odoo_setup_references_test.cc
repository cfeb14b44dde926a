// `plantbridge odoo setup` and the records an odoo target's config names (issue 4): every
// configured location exists (one with create: true is created), every configured picking
// type exists and is active (an archived one is activated, ODOO18 §7 B); --dry-run only reads.
// The real binary against the Odoo test double, as Odoo 18 and 19.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "odoo_setup_fixture.h"
#include "plantbridge/targets/odoo.h"

namespace pb {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

class OdooSetupReferencesTest : public test::OdooSetupFixture {
 protected:
  void SetUp() override {
    OdooSetupFixture::SetUp();
    if (HasFatalFailure()) return;
    config_ = dir_.file("plant.yaml");
    std::ofstream(config_) << "site: plant-1\n"
                           << "server:\n  listen: \"127.0.0.1:8080\"\n"
                           << "targets:\n  erp:\n    kind: odoo\n    url: " << double_.url()
                           << "\n    db: mfg\n    user: admin\n    api_key_file: " << key_file_
                           << "\n    locations:\n"
                           << "      quarantine: {complete_name: WH/Quarantine}\n"
                           << "      hold: {complete_name: WH/Hold, create: true}\n"
                           << "    picking_types:\n"
                           << "      internal: {name: Internal Transfers, warehouse: WH}\n"
                           << "master_data:\n  source: erp\n  webhook_secret_file: "
                           << dir_.file("hook.secret") << "\n";
  }

  json::array records(const std::string& model) { return double_.records(model); }

  size_t locationsNamed(const std::string& complete_name) {
    size_t n = 0;
    for (const json::value& l : records("stock.location")) {
      if (l.at("complete_name") == complete_name.c_str()) ++n;
    }
    return n;
  }

  json::value pickingTypeActive(int64_t id) {
    for (const json::value& t : records("stock.picking.type")) {
      if (t.at("id").as_int64() == id) {
        const json::value* active = t.as_object().if_contains("active");
        return active == nullptr ? json::value(true) : *active;
      }
    }
    return nullptr;
  }

  // What a person does in Odoo: one ORM call through a client of the double.
  void odooCall(const std::string& model, const std::string& method, const std::string& args) {
    auto client = makeOdooClient(double_.targetConfig(key_file_), clock_);
    ASSERT_TRUE(client.isOk()) << client.status().toString();
    std::promise<OdooCallResult> promise;
    auto answer = promise.get_future();
    (*client)->callAsync(OdooCall{model, method, args, "{}"}, OdooCallMeta{"person", "person"},
                         [&promise](OdooCallResult r) { promise.set_value(std::move(r)); });
    const OdooCallResult r = answer.get();
    EXPECT_EQ(r.outcome.kind, DeliveryResult::Kind::kDelivered) << r.outcome.message;
    (*client)->shutdown();
  }

  SystemClock clock_;
};

INSTANTIATE_TEST_SUITE_P(Versions, OdooSetupReferencesTest, ::testing::Values(18, 19),
                         [](const auto& info) { return "Odoo" + std::to_string(info.param); });

TEST_P(OdooSetupReferencesTest, CreatesAMissingLocationOnceAndDryRunOnlyReads) {
  const test::CommandResult dry = setup({"--dry-run"});
  EXPECT_THAT(dry.output, HasSubstr("ok: location 'WH/Quarantine' "
                                    "(targets.erp.locations.quarantine) is id 7"));
  EXPECT_THAT(dry.output,
              HasSubstr("would create location 'WH/Hold' (targets.erp.locations.hold)"));
  EXPECT_THAT(dry.output, HasSubstr("ok: picking type 'Internal Transfers' of warehouse WH "
                                    "(targets.erp.picking_types.internal) is id 2"));
  EXPECT_EQ(locationsNamed("WH/Hold"), 0u);

  const test::CommandResult first = setup();
  EXPECT_THAT(first.output,
              HasSubstr("created location 'WH/Hold' (targets.erp.locations.hold, id"));
  EXPECT_EQ(locationsNamed("WH/Hold"), 1u);
  const test::CommandResult second = setup();
  EXPECT_THAT(second.output, HasSubstr("ok: location 'WH/Hold' (targets.erp.locations.hold)"));
  EXPECT_THAT(second.output, Not(HasSubstr("created location")));
  EXPECT_EQ(locationsNamed("WH/Hold"), 1u);
}

TEST_P(OdooSetupReferencesTest, ActivatesAnArchivedPickingTypeAndDryRunSaysSo) {
  odooCall("stock.picking.type", "write", R"([[2], {"active": false}])");
  ASSERT_EQ(pickingTypeActive(2), false);
  const test::CommandResult dry = setup({"--dry-run"});
  EXPECT_THAT(dry.output, HasSubstr("would activate picking type 'Internal Transfers' of "
                                    "warehouse WH (targets.erp.picking_types.internal) (id 2)"));
  EXPECT_EQ(pickingTypeActive(2), false);
  const test::CommandResult r = setup();
  EXPECT_THAT(r.output, HasSubstr("activated picking type 'Internal Transfers' of warehouse WH "
                                  "(targets.erp.picking_types.internal) (id 2)"));
  EXPECT_EQ(pickingTypeActive(2), true);
}

TEST_P(OdooSetupReferencesTest, AMissingOrArchivedLocationIsAProblem) {
  odooCall("stock.location", "write", R"([[7], {"active": false}])");
  const test::CommandResult r = setup();
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("problem: location 'WH/Quarantine' "
                                  "(targets.erp.locations.quarantine, id 7) is archived"));
}

}  // namespace
}  // namespace pb
