// quarantine and quarantine.release: a lot's stock moved into (out of) a quarantine location.
//
//   {"operation": "quarantine", "lot_id": 16, "location_id": 38, "message": "QA hold"}
//   {"operation": "quarantine", "lot_id": 16, "location": "quarantine", "quantity": 2}
//   {"operation": "quarantine.release", "lot_id": 16, "from_location": "quarantine",
//    "location_id": 8}
//
// Locations are Odoo ids (location_id, from_location_id) or names of the target's `locations`
// config (location, from_location), resolved once per target and created when configured so.
//
// Without a quantity, the lot's whole quants move with Odoo's stock.quant.relocate wizard
// (ODOO18 §7, way A: one done move each). They are read first: those already where they
// should go are left alone, so a retry after a relocation that landed finds nothing left to
// move and reports the lot as held (released). A lot with no stock is a dead letter.
//
// With a quantity, that much of the lot moves through an internal transfer (§7, way B): a
// stock.picking of the configured picking type (`picking_type`, default `internal`) loaded
// under plantbridge.<key> with its move under plantbridge.<key>-move, confirmed, reserved,
// its move line set to the lot (FIFO may have reserved another), and validated. The picking is
// found first by its origin (which names the key), and each step reads the state the previous
// ones left, so a retry continues where the lost answer left off and a done picking is done.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "odoo_operations.h"

namespace pb {
namespace {

namespace json = boost::json;

constexpr const char* kQuant = "stock.quant";
constexpr const char* kRelocate = "stock.quant.relocate";
constexpr const char* kPicking = "stock.picking";
constexpr const char* kMove = "stock.move";

struct Relocation {
  int64_t lot_id = 0;
  LocationParam from;      // not given: every internal location but the destination (way A)
  LocationParam location;  // the destination
  double quantity = -1;    // > 0: way B
  std::string picking_type;
  std::string message;  // with the key
  std::string key;
  const char* verb = "";  // "held" / "released"
  OdooReferences* references = nullptr;
};

// Way A: whole quants with the relocation wizard.
DeliveryResult relocateQuants(OdooOrm& orm, const Relocation& r, int64_t from, int64_t to) {
  json::array domain{json::array{"lot_id", "=", r.lot_id},
                     json::array{"location_id.usage", "=", "internal"},
                     json::array{"quantity", ">", 0}};
  auto quants = orm.searchRead(kQuant, domain, {"location_id", "quantity"});
  if (!quants) return orm.failure();
  json::array to_move;
  double moving = 0;
  double already = 0;
  for (const json::value& q : *quants) {
    const json::object& quant = q.as_object();
    const int64_t location = odooMany2oneId(odooField(quant, "location_id"));
    const double quantity = odooNumber(odooField(quant, "quantity"));
    if (location == to) {
      already += quantity;
    } else if (from == 0 || location == from) {
      to_move.emplace_back(odooMany2oneId(odooField(quant, "id")));
      moving += quantity;
    }
  }
  if (to_move.empty()) {
    if (already > 0) {
      return DeliveryResult::delivered(
          200, fmt::format("lot {} {} already ({} in location {})", r.lot_id, r.verb, already, to));
    }
    return orm.fail(DeliveryResult::reject(
        fmt::format("lot {} has no stock{} to move to location {}", r.lot_id,
                    from != 0 ? fmt::format(" in location {}", from) : std::string(), to)));
  }
  const json::object wizard_values{
      {"quant_ids", json::array{json::array{6, 0, to_move}}},
      {"dest_location_id", to},
      {"message", r.message},
  };
  auto wizard = orm.createOne(kRelocate, wizard_values);
  if (!wizard) return orm.failure();
  if (!orm.call(kRelocate, "action_relocate_quants", json::array{json::array{*wizard}})) {
    return orm.failure();
  }
  return DeliveryResult::delivered(
      200, fmt::format("lot {} {}: {} moved to location {} ({} quant(s))", r.lot_id, r.verb, moving,
                       to, to_move.size()));
}

// The lot's product, after checking that `from` (and the locations in it) hold `quantity` of
// the lot that nothing else reserved. Odoo would let the picking go through regardless and
// leave a negative quant behind.
std::optional<int64_t> lotProductWithStock(OdooOrm& orm, const Relocation& r, int64_t from) {
  auto quants = orm.searchRead(
      kQuant,
      json::array{json::array{"lot_id", "=", r.lot_id},
                  json::array{"location_id", "child_of", from}, json::array{"quantity", ">", 0}},
      {"product_id", "quantity", "reserved_quantity"});
  if (!quants) return std::nullopt;
  double available = 0;
  int64_t product = 0;
  for (const json::value& q : *quants) {
    const json::object& quant = q.as_object();
    product = odooMany2oneId(odooField(quant, "product_id"));
    available += odooNumber(odooField(quant, "quantity")) -
                 odooNumber(odooField(quant, "reserved_quantity"));
  }
  if (quants->empty() || available < r.quantity - 1e-9) {
    orm.fail(DeliveryResult::reject(
        fmt::format("lot {} has {} available in location {}; {} cannot be moved to quarantine",
                    r.lot_id, available, from, r.quantity)));
    return std::nullopt;
  }
  return product;
}

// Way B: an internal picking of `quantity` of the lot (ODOO18 §7 B, s_stock_b).
DeliveryResult transferQuantity(OdooOrm& orm, const Relocation& r, int64_t from, int64_t to) {
  auto type = r.references->pickingType(orm, r.picking_type);
  if (!type) return orm.failure();
  if (from == 0) from = type->default_location_src_id;
  auto found = orm.searchRead(kPicking,
                              json::array{json::array{"origin", "=", r.message},
                                          json::array{"picking_type_id", "=", type->id}},
                              {"name", "state", "move_ids"});
  if (!found) return orm.failure();
  int64_t picking_id = 0;
  std::string state = "draft";
  json::array move_ids;
  if (!found->empty()) {
    const json::object& picking = found->at(0).as_object();
    picking_id = odooMany2oneId(odooField(picking, "id"));
    state = odooString(odooField(picking, "state"));
    if (const json::array* ids = odooField(picking, "move_ids").if_array()) move_ids = *ids;
    if (state == "done") {
      return DeliveryResult::delivered(
          200, fmt::format("lot {} {} already: {} {} ({}) is done", r.lot_id, r.verb, kPicking,
                           picking_id, odooString(odooField(picking, "name"))));
    }
    if (state == "cancel") {
      return orm.fail(DeliveryResult::reject(
          fmt::format("{} {} for lot {} was cancelled in Odoo", kPicking, picking_id, r.lot_id)));
    }
  }
  if (move_ids.empty()) {
    auto product = lotProductWithStock(orm, r, from);
    if (!product) return orm.failure();
    if (picking_id == 0) {
      // load, not create: a second attempt after a lost answer finds the same picking.
      auto id = orm.loadOne(kPicking, odooExternalId(r.key),
                            {{"picking_type_id/.id", std::to_string(type->id)},
                             {"location_id/.id", std::to_string(from)},
                             {"location_dest_id/.id", std::to_string(to)},
                             {"origin", r.message}});
      if (!id) return orm.failure();
      picking_id = *id;
    }
    // The move in a load of its own: the facts show load with plain and id columns only, not
    // the one2many sub-rows a move_ids column would need.
    std::vector<std::pair<std::string, std::string>> columns{
        {"picking_id/.id", std::to_string(picking_id)},
        {"product_id/.id", std::to_string(*product)},
        {"product_uom_qty", fmt::format("{}", r.quantity)},
        {"location_id/.id", std::to_string(from)},
        {"location_dest_id/.id", std::to_string(to)}};
    auto names = orm.names();
    if (!names) return orm.failure();
    // Required in 18, gone in 19 (ODOO19 §4.2).
    if (auto name = names->field(kMove, "name"); name.isOk()) {
      columns.emplace_back(name.value(), r.message);
    }
    auto move = orm.loadOne(kMove, odooExternalId(r.key, "-move"), columns);
    if (!move) return orm.failure();
    move_ids = json::array{*move};
  }
  const int64_t move_id = odooMany2oneId(move_ids.at(0));
  if (state == "draft" &&
      !orm.call(kPicking, "action_confirm", json::array{json::array{picking_id}})) {
    return orm.failure();
  }
  auto move =
      orm.readOne(kMove, move_id, {"state", "product_id", "location_id", "location_dest_id"});
  if (!move) return orm.failure();
  const std::string move_state = odooString(odooField(*move, "state"));
  if ((move_state == "confirmed" || move_state == "partially_available" ||
       move_state == "waiting") &&
      !orm.call(kPicking, "action_assign", json::array{json::array{picking_id}})) {
    return orm.failure();
  }
  const OdooMoveRef ref{move_id, odooMany2oneId(odooField(*move, "product_id")),
                        odooMany2oneId(odooField(*move, "location_id")),
                        odooMany2oneId(odooField(*move, "location_dest_id"))};
  if (!setOdooMoveLots(orm, ref, {{r.lot_id, r.quantity}}, r.key)) return orm.failure();
  auto validated = orm.call(kPicking, "button_validate", json::array{json::array{picking_id}});
  if (!validated) return orm.failure();
  if (const std::string wizard = odooActionModel(*validated); !wizard.empty()) {
    // The line holds the whole demand, so Odoo has nothing to ask (a backorder for less, §7 B).
    return orm.fail(DeliveryResult::reject(fmt::format(
        "{}.button_validate of {} asks {}; validate it in Odoo", kPicking, picking_id, wizard)));
  }
  auto done = orm.readOne(kPicking, picking_id, {"name", "state"});
  if (!done) return orm.failure();
  if (odooString(odooField(*done, "state")) != "done") {
    return orm.fail(
        DeliveryResult::retry(fmt::format("{} {} is {} after button_validate", kPicking, picking_id,
                                          odooString(odooField(*done, "state")))));
  }
  return DeliveryResult::delivered(
      200, fmt::format("lot {} {}: {} moved to location {} by {} {} ({})", r.lot_id, r.verb,
                       r.quantity, to, kPicking, picking_id, odooString(odooField(*done, "name"))));
}

DeliveryResult runRelocation(OdooOrm& orm, const Relocation& r) {
  auto to = resolveLocation(orm, r.references, r.location);
  if (!to) return orm.failure();
  int64_t from = 0;
  if (r.from.given()) {
    auto resolved = resolveLocation(orm, r.references, r.from);
    if (!resolved) return orm.failure();
    from = *resolved;
  }
  if (r.quantity > 0) return transferQuantity(orm, r, from, *to);
  return relocateQuants(orm, r, from, *to);
}

Result<OdooOperation> parseRelocation(const OperationParams& p, const std::string& key,
                                      bool release) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"lot_id", "location_id", "location", "from_location_id",
                                  "from_location", "quantity", "picking_type", "message"}));
  Relocation r;
  r.references = p.references();
  r.key = key;
  r.verb = release ? "released" : "held";
  PB_PARAM(lot, p.id("lot_id"));
  PB_PARAM(location, p.location("location_id", "location", true));
  PB_PARAM(from, p.location("from_location_id", "from_location", release));
  PB_PARAM(quantity, p.quantity("quantity", false));
  PB_PARAM(message, p.text("message", false, release ? "Quality release" : "Quality hold"));
  r.lot_id = lot;
  r.location = std::move(location);
  r.from = std::move(from);
  r.quantity = quantity;
  if (quantity > 0) {
    PB_PARAM(picking_type, p.pickingType("picking_type", "internal"));
    r.picking_type = std::move(picking_type);
  } else {
    PB_PARAM(picking_type, p.text("picking_type", false));
    if (!picking_type.empty()) {
      return Status::invalidArgument(fmt::format(
          "{}: 'picking_type' applies only with 'quantity' (whole quants move without a picking)",
          release ? "quarantine.release" : "quarantine"));
    }
  }
  r.message = fmt::format("{} (plantbridge {})", message, key);
  OdooOperation op;
  op.name = release ? "quarantine.release" : "quarantine";
  op.serial_key = fmt::format("stock.lot:{}", r.lot_id);
  op.run = [r = std::move(r)](OdooOrm& orm) { return runRelocation(orm, r); };
  return op;
}

}  // namespace

Result<OdooOperation> parseQuarantineOperation(const OperationParams& p, const std::string& key) {
  return parseRelocation(p, key, false);
}

Result<OdooOperation> parseQuarantineReleaseOperation(const OperationParams& p,
                                                      const std::string& key) {
  return parseRelocation(p, key, true);
}

}  // namespace pb
