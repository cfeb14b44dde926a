// production.quantity and production.done: quantities and completion of a manufacturing order
// (ODOO18 §3, transcript s_mrp2; ODOO19 A.4).
//
//   {"operation": "production.quantity", "production_id": 6, "qty_producing": 3}
//   {"operation": "production.done", "production_id": 6, "qty_producing": 3,
//    "lot_name": "LOT-2026-0042", "backorder": "create", "consumption": "reject"}
//
// Quantities are absolute (the order's produced quantity so far), so writing one twice is
// harmless; the write is followed by set_qty_producing, which moves the components along.
// Completion reads the order first (a done order is done: button_mark_done would answer true
// again anyway), names the produced lot (created under plantbridge.<key>-lot), then calls
// button_mark_done and answers the wizard Odoo opens instead of finishing:
//   - mrp.production.backorder (fewer produced than planned): `backorder` "create" keeps the
//     rest as a backorder (action_backorder), "close" closes the order without one
//     (action_close_mo);
//   - mrp.consumption.warning (components consumed unlike the BoM): `consumption` "accept"
//     confirms what was consumed (action_confirm), "reject" (default) is a dead letter for a
//     planner to look at;
//   - mrp.batch.produce (a serial product with nothing produced yet): a dead letter asking for
//     qty_producing and lot_name, which avoid it.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "odoo_operations.h"

namespace pb {
namespace {

namespace json = boost::json;

constexpr const char* kProduction = "mrp.production";
constexpr const char* kBackorderWizard = "mrp.production.backorder";
constexpr const char* kConsumptionWizard = "mrp.consumption.warning";
constexpr const char* kBatchProduce = "mrp.batch.produce";
// button_mark_done answers at most a consumption warning, then a backorder question.
constexpr int kMaxWizards = 3;

struct Completion {
  int64_t production_id = 0;
  double qty_producing = -1;  // -1: as the order has it
  std::string lot_name;
  std::string lot_external_id;
  std::string backorder;
  std::string consumption;
};

std::optional<json::object> readProduction(OdooOrm& orm, int64_t id, const std::string& lot_field) {
  return orm.readOne(kProduction, id,
                     {"name", "state", "qty_producing", "product_qty", "product_id", lot_field});
}

int64_t producedLot(const json::value& v) {
  // 18: a many2one [id, name]; 19: lot_producing_ids, a list of ids.
  if (const json::array* ids = v.if_array(); ids != nullptr && !ids->empty()) {
    const bool pair = ids->size() == 2 && (*ids)[1].is_string();
    if ((*ids)[0].is_int64() && !pair) return (*ids)[0].as_int64();
  }
  return odooMany2oneId(v);
}

DeliveryResult refuseClosed(OdooOrm& orm, const json::object& mo, int64_t id) {
  return orm.fail(DeliveryResult::reject(
      fmt::format("{} {} ({}) is {}: nothing can be posted to it", kProduction, id,
                  odooString(odooField(mo, "name")), odooString(odooField(mo, "state")))));
}

DeliveryResult runQuantity(OdooOrm& orm, int64_t id, double qty) {
  auto mo = orm.readOne(kProduction, id, {"name", "state", "qty_producing"});
  if (!mo) return orm.failure();
  const std::string state = odooString(odooField(*mo, "state"));
  if (state == "done" || state == "cancel") return refuseClosed(orm, *mo, id);
  if (!setQtyProducing(orm, id, odooNumber(odooField(*mo, "qty_producing")), qty)) {
    return orm.failure();
  }
  return DeliveryResult::delivered(200, fmt::format("{} {} ({}) qty_producing {}", kProduction, id,
                                                    odooString(odooField(*mo, "name")), qty));
}

bool nameLot(OdooOrm& orm, const Completion& c, const json::object& mo,
             const std::string& lot_field) {
  if (c.lot_name.empty() || producedLot(odooField(mo, lot_field)) != 0) return true;
  auto lot = orm.loadOne(
      "stock.lot", c.lot_external_id,
      {{"name", c.lot_name},
       {"product_id/.id", std::to_string(odooMany2oneId(odooField(mo, "product_id")))}});
  if (!lot) return false;
  // 19 made the produced lot a many2many (lot_producing_ids, ODOO19 §4.1).
  const json::value value = lot_field == "lot_producing_id"
                                ? json::value(*lot)
                                : json::value(json::array{json::array{6, 0, json::array{*lot}}});
  return orm
      .call(kProduction, "write",
            json::array{json::array{c.production_id}, json::object{{lot_field, value}}})
      .has_value();
}

DeliveryResult runDone(OdooOrm& orm, const Completion& c) {
  auto names = orm.names();
  if (!names) return orm.failure();
  auto lot_field = names->field(kProduction, "lot_producing_id");
  if (!lot_field.isOk()) return orm.fail(DeliveryResult::reject(lot_field.status().message()));
  auto mo = readProduction(orm, c.production_id, lot_field.value());
  if (!mo) return orm.failure();
  const std::string name = odooString(odooField(*mo, "name"));
  const std::string state = odooString(odooField(*mo, "state"));
  if (state == "done") {
    return DeliveryResult::delivered(
        200, fmt::format("{} {} ({}) was done already", kProduction, c.production_id, name));
  }
  if (state == "cancel") return refuseClosed(orm, *mo, c.production_id);
  if (!nameLot(orm, c, *mo, lot_field.value())) return orm.failure();
  // A quantity given with the completion is set even when the order has it already, so that
  // the components follow it: a qty_producing written alone leaves them at the full demand,
  // and button_mark_done would then answer the consumption warning (ODOO18 §3 steps 4, 7).
  if (c.qty_producing > 0 && !setQtyProducing(orm, c.production_id, -1, c.qty_producing)) {
    return orm.failure();
  }
  auto answer =
      orm.call(kProduction, "button_mark_done", json::array{json::array{c.production_id}});
  std::vector<std::string> wizards;
  for (int round = 0; answer && round < kMaxWizards; ++round) {
    const std::string wizard = odooActionModel(*answer);
    if (wizard.empty() || wizard == kProduction) break;  // true, or the backorder's form
    wizards.push_back(wizard);
    if (wizard == kBackorderWizard) {
      answer = orm.answerWizard(*answer,
                                c.backorder == "create" ? "action_backorder" : "action_close_mo");
    } else if (wizard == kConsumptionWizard && c.consumption == "accept") {
      answer = orm.answerWizard(*answer, "action_confirm");
    } else if (wizard == kConsumptionWizard) {
      return orm.fail(DeliveryResult::reject(fmt::format(
          "{} {} ({}): components were consumed unlike the bill of materials (Odoo answered "
          "the consumption warning; consumption is 'reject'). Fix the consumption in Odoo or "
          "post with consumption 'accept'",
          kProduction, c.production_id, name)));
    } else if (wizard == kBatchProduce) {
      return orm.fail(DeliveryResult::reject(fmt::format(
          "{} {} ({}): Odoo asks for the mass-produce wizard (a serial product with nothing "
          "produced): post qty_producing and lot_name with the completion",
          kProduction, c.production_id, name)));
    } else {
      return orm.fail(DeliveryResult::reject(fmt::format(
          "{} {} ({}): button_mark_done answered the wizard {}, which plantbridge does not "
          "handle",
          kProduction, c.production_id, name, wizard)));
    }
  }
  if (!answer) return orm.failure();
  // Confirm the result by reading it: done, or still open (a wizard loop that did not finish).
  auto after = orm.readOne(kProduction, c.production_id, {"name", "state"});
  if (!after) return orm.failure();
  if (odooString(odooField(*after, "state")) != "done") {
    return orm.fail(DeliveryResult::retry(fmt::format("{} {} is {} after button_mark_done",
                                                      kProduction, c.production_id,
                                                      odooString(odooField(*after, "state")))));
  }
  std::string via;
  for (const std::string& w : wizards) via += (via.empty() ? " via " : ", ") + w;
  return DeliveryResult::delivered(200,
                                   fmt::format("{} {} ({}) done{}", kProduction, c.production_id,
                                               odooString(odooField(*after, "name")), via));
}

}  // namespace

Result<OdooOperation> parseProductionQuantityOperation(const OperationParams& p,
                                                       const std::string& /*key*/) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"production_id", "qty_producing"}));
  PB_PARAM(production, p.id("production_id"));
  PB_PARAM(qty, p.quantity("qty_producing", true));
  OdooOperation op;
  op.name = "production.quantity";
  op.serial_key = fmt::format("{}:{}", kProduction, production);
  op.coalesce_key = op.serial_key + ":qty_producing";
  op.run = [production, qty](OdooOrm& orm) { return runQuantity(orm, production, qty); };
  return op;
}

Result<OdooOperation> parseProductionDoneOperation(const OperationParams& p,
                                                   const std::string& key) {
  PB_RETURN_IF_ERROR(
      p.onlyKnown({"production_id", "qty_producing", "lot_name", "backorder", "consumption"}));
  Completion c;
  PB_PARAM(production, p.id("production_id"));
  PB_PARAM(qty, p.quantity("qty_producing", false));
  PB_PARAM(lot, p.text("lot_name", false));
  PB_PARAM(backorder, p.choice("backorder", {"create", "close"}));
  PB_PARAM(consumption, p.choice("consumption", {"reject", "accept"}));
  c.production_id = production;
  c.qty_producing = qty;
  c.lot_name = std::move(lot);
  c.lot_external_id = odooExternalId(key, "-lot");
  c.backorder = std::move(backorder);
  c.consumption = std::move(consumption);
  OdooOperation op;
  op.name = "production.done";
  op.serial_key = fmt::format("{}:{}", kProduction, production);
  op.run = [c = std::move(c)](OdooOrm& orm) { return runDone(orm, c); };
  return op;
}

}  // namespace pb
