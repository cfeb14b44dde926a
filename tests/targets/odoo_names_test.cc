// The one place for names that differ between Odoo 18 and 19 (ODOO19_JSON2.md §4).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plantbridge/targets/odoo_names.h"

namespace pb {
namespace {

using ::testing::HasSubstr;

TEST(OdooNamesTest, LotProducingIdIsPluralFrom19) {
  EXPECT_EQ(*odooFieldName(18, "mrp.production", "lot_producing_id"), "lot_producing_id");
  EXPECT_EQ(*odooFieldName(17, "mrp.production", "lot_producing_id"), "lot_producing_id");
  EXPECT_EQ(*odooFieldName(19, "mrp.production", "lot_producing_id"), "lot_producing_ids");
  EXPECT_EQ(*odooFieldName(20, "mrp.production", "lot_producing_id"), "lot_producing_ids");
}

TEST(OdooNamesTest, RenamesAreBoundToTheirModel) {
  EXPECT_EQ(*odooFieldName(19, "mrp.workorder", "finished_lot_id"), "finished_lot_ids");
  EXPECT_EQ(*odooFieldName(19, "mrp.workcenter", "workorder_pending_count"),
            "workorder_blocked_count");
  EXPECT_EQ(*odooFieldName(19, "stock.picking", "move_ids_without_package"), "move_ids");
  EXPECT_EQ(*odooFieldName(19, "stock.lot", "last_delivery_partner_id"), "partner_ids");
  // The same field name on another model is not renamed.
  EXPECT_EQ(*odooFieldName(19, "stock.move", "lot_producing_id"), "lot_producing_id");
  // Unchanged names stay as they are (e.g. qty_producing, set_qty_producing's field).
  EXPECT_EQ(*odooFieldName(19, "mrp.production", "qty_producing"), "qty_producing");
}

TEST(OdooNamesTest, GroupsIdIsGroupIdsOnUsersAndEveryActionModel) {
  EXPECT_EQ(*odooFieldName(19, "res.users", "groups_id"), "group_ids");
  EXPECT_EQ(*odooFieldName(19, "ir.actions.server", "groups_id"), "group_ids");
  EXPECT_EQ(*odooFieldName(19, "ir.actions.act_window", "groups_id"), "group_ids");
  EXPECT_EQ(*odooFieldName(18, "res.users", "groups_id"), "groups_id");
  EXPECT_EQ(*odooFieldName(19, "ir.actionsx", "groups_id"), "groups_id");
}

TEST(OdooNamesTest, RemovedFieldIsNotFoundWithTheFactsAdvice) {
  auto group = odooFieldName(19, "mrp.production", "procurement_group_id");
  ASSERT_FALSE(group.isOk());
  EXPECT_EQ(group.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(group.status().message(), HasSubstr("production_group_id"));
  auto name = odooFieldName(19, "stock.move", "name");
  ASSERT_FALSE(name.isOk());
  EXPECT_THAT(name.status().message(), HasSubstr("Invalid field"));
  auto scrap = odooFieldName(19, "stock.location", "scrap_location");
  ASSERT_FALSE(scrap.isOk());
  EXPECT_THAT(scrap.status().message(), HasSubstr("usage 'inventory'"));
  // In 18 the field is there.
  EXPECT_EQ(*odooFieldName(18, "stock.location", "scrap_location"), "scrap_location");
}

TEST(OdooNamesTest, WorkorderPendingAndWaitingAreBlockedFrom19) {
  EXPECT_EQ(*odooSelectionValue(19, "mrp.workorder", "state", "pending"), "blocked");
  EXPECT_EQ(*odooSelectionValue(19, "mrp.workorder", "state", "waiting"), "blocked");
  EXPECT_EQ(*odooSelectionValue(19, "mrp.workorder", "state", "ready"), "ready");
  EXPECT_EQ(*odooSelectionValue(18, "mrp.workorder", "state", "pending"), "pending");
  EXPECT_EQ(*odooSelectionValue(19, "mrp.production", "state", "pending"), "pending");
}

TEST(OdooNamesTest, ModelsAndDecimalPrecision) {
  EXPECT_EQ(*odooModelName(19, "stock.quant.package"), "stock.package");
  EXPECT_EQ(*odooModelName(18, "stock.quant.package"), "stock.quant.package");
  EXPECT_FALSE(odooModelName(19, "uom.category").isOk());
  EXPECT_EQ(*odooModelName(19, "mrp.production"), "mrp.production");
  EXPECT_EQ(odooDecimalPrecisionName(19, "Product Unit of Measure"), "Product Unit");
  EXPECT_EQ(odooDecimalPrecisionName(18, "Product Unit of Measure"), "Product Unit of Measure");
}

TEST(OdooNamesTest, EveryEntryResolvesForBothVersions) {
  for (const OdooRename& r : odooRenames()) {
    const std::string model =
        r.model == "ir.actions.*" ? "ir.actions.server" : std::string(r.model);
    Result<std::string> in18 = Status::internal("unset");
    Result<std::string> in19 = Status::internal("unset");
    switch (r.kind) {
      case OdooNameKind::kModel:
        in18 = odooModelName(18, r.v18);
        in19 = odooModelName(19, r.v18);
        break;
      case OdooNameKind::kField:
        in18 = odooFieldName(18, model, r.v18);
        in19 = odooFieldName(19, model, r.v18);
        break;
      case OdooNameKind::kSelectionValue:
        in18 = odooSelectionValue(18, model, r.field, r.v18);
        in19 = odooSelectionValue(19, model, r.field, r.v18);
        break;
      case OdooNameKind::kDecimalPrecision:
        in18 = odooDecimalPrecisionName(18, r.v18);
        in19 = odooDecimalPrecisionName(19, r.v18);
        break;
    }
    ASSERT_TRUE(in18.isOk()) << r.v18;
    EXPECT_EQ(*in18, r.v18);
    if (r.v19.empty()) {
      EXPECT_FALSE(in19.isOk()) << r.model << " " << r.v18;
      EXPECT_FALSE(r.note.empty()) << r.model << " " << r.v18 << ": a removal needs advice";
    } else {
      ASSERT_TRUE(in19.isOk()) << r.v18;
      EXPECT_EQ(*in19, r.v19);
    }
  }
}

TEST(OdooNamesTest, BoundToAVersion) {
  const OdooNames n19(19);
  EXPECT_EQ(*n19.field("mrp.production", "lot_producing_id"), "lot_producing_ids");
  EXPECT_EQ(*n19.selectionValue("mrp.workorder", "state", "pending"), "blocked");
  const OdooNames n18(18);
  EXPECT_EQ(*n18.field("mrp.production", "lot_producing_id"), "lot_producing_id");
}

}  // namespace
}  // namespace pb
