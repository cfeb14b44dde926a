// quarantine and quarantine.release: a lot's stock moved into (out of) a quarantine location
// with Odoo's stock.quant.relocate wizard (ODOO18 §7, way A: whole quants, one done move each).
//
//   {"operation": "quarantine", "lot_id": 16, "location_id": 38, "message": "QA hold"}
//   {"operation": "quarantine.release", "lot_id": 16, "from_location_id": 38,
//    "location_id": 8}
//
// The lot's quants are read first: those that are where they should go already are left
// alone, so a retry after a relocation that landed finds nothing left to move and reports the
// lot as held (released). A lot with no stock at all is a dead letter: there is nothing to hold.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "odoo_operations.h"

namespace pb {
namespace {

namespace json = boost::json;

constexpr const char* kQuant = "stock.quant";
constexpr const char* kRelocate = "stock.quant.relocate";

struct Relocation {
  int64_t lot_id = 0;
  int64_t from_location_id = 0;  // 0: every internal location but the destination
  int64_t location_id = 0;       // the destination
  std::string message;
  const char* verb = "";  // "held" / "released"
};

DeliveryResult runRelocation(OdooOrm& orm, const Relocation& r) {
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
    if (location == r.location_id) {
      already += quantity;
    } else if (r.from_location_id == 0 || location == r.from_location_id) {
      to_move.emplace_back(odooMany2oneId(odooField(quant, "id")));
      moving += quantity;
    }
  }
  if (to_move.empty()) {
    if (already > 0) {
      return DeliveryResult::delivered(200, fmt::format("lot {} {} already ({} in location {})",
                                                        r.lot_id, r.verb, already, r.location_id));
    }
    return orm.fail(DeliveryResult::reject(
        fmt::format("lot {} has no stock{} to move to location {}", r.lot_id,
                    r.from_location_id != 0 ? fmt::format(" in location {}", r.from_location_id)
                                            : std::string(),
                    r.location_id)));
  }
  const json::object wizard_values{
      {"quant_ids", json::array{json::array{6, 0, to_move}}},
      {"dest_location_id", r.location_id},
      {"message", r.message},
  };
  auto wizard = orm.createOne(kRelocate, wizard_values);
  if (!wizard) return orm.failure();
  if (!orm.call(kRelocate, "action_relocate_quants", json::array{json::array{*wizard}})) {
    return orm.failure();
  }
  return DeliveryResult::delivered(
      200, fmt::format("lot {} {}: {} moved to location {} ({} quant(s))", r.lot_id, r.verb, moving,
                       r.location_id, to_move.size()));
}

Result<OdooOperation> makeRelocation(Relocation r, const char* name) {
  OdooOperation op;
  op.name = name;
  op.serial_key = fmt::format("stock.lot:{}", r.lot_id);
  op.run = [r = std::move(r)](OdooOrm& orm) { return runRelocation(orm, r); };
  return op;
}

}  // namespace

Result<OdooOperation> parseQuarantineOperation(const OperationParams& p, const std::string& key) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"lot_id", "location_id", "message"}));
  PB_PARAM(lot, p.id("lot_id"));
  PB_PARAM(location, p.id("location_id"));
  PB_PARAM(message, p.text("message", false, "Quality hold"));
  return makeRelocation(
      {lot, 0, location, fmt::format("{} (plantbridge {})", message, key), "held"}, "quarantine");
}

Result<OdooOperation> parseQuarantineReleaseOperation(const OperationParams& p,
                                                      const std::string& key) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"lot_id", "from_location_id", "location_id", "message"}));
  PB_PARAM(lot, p.id("lot_id"));
  PB_PARAM(from, p.id("from_location_id"));
  PB_PARAM(location, p.id("location_id"));
  PB_PARAM(message, p.text("message", false, "Quality release"));
  return makeRelocation(
      {lot, from, location, fmt::format("{} (plantbridge {})", message, key), "released"},
      "quarantine.release");
}

}  // namespace pb
