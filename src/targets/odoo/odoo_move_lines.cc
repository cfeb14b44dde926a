// Lots on a stock move's lines (odoo_move_lines.h).
#include "odoo_move_lines.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace pb {

namespace json = boost::json;

namespace {

constexpr const char* kMoveLine = "stock.move.line";

bool sameQuantity(double a, double b) { return std::fabs(a - b) < 1e-9; }

}  // namespace

std::optional<size_t> setOdooMoveLots(OdooOrm& orm, const OdooMoveRef& move,
                                      const std::vector<OdooLotQuantity>& lots,
                                      const std::string& key) {
  auto rows = orm.searchRead(kMoveLine, json::array{json::array{"move_id", "=", move.id}},
                             {"lot_id", "quantity", "picked"});
  if (!rows) return std::nullopt;
  std::vector<json::object> lines;
  for (json::value& r : *rows) lines.push_back(std::move(r.as_object()));
  // By id, so that every attempt pairs the same line with the same lot.
  std::sort(lines.begin(), lines.end(), [](const json::object& a, const json::object& b) {
    return odooMany2oneId(odooField(a, "id")) < odooMany2oneId(odooField(b, "id"));
  });
  size_t writes = 0;
  for (size_t i = 0; i < std::max(lines.size(), lots.size()); ++i) {
    if (i >= lines.size()) {
      const OdooLotQuantity& lot = lots[i];
      auto id = orm.loadOne(kMoveLine, odooExternalId(key, fmt::format("-line{}", i)),
                            {{"move_id/.id", std::to_string(move.id)},
                             {"product_id/.id", std::to_string(move.product_id)},
                             {"lot_id/.id", std::to_string(lot.lot_id)},
                             {"quantity", fmt::format("{}", lot.quantity)},
                             {"picked", "true"},
                             {"location_id/.id", std::to_string(move.location_id)},
                             {"location_dest_id/.id", std::to_string(move.location_dest_id)}});
      if (!id) return std::nullopt;
      ++writes;
      continue;
    }
    const json::object& line = lines[i];
    const int64_t line_id = odooMany2oneId(odooField(line, "id"));
    const double quantity = odooNumber(odooField(line, "quantity"));
    json::object vals;
    if (i < lots.size()) {
      const OdooLotQuantity& lot = lots[i];
      if (odooMany2oneId(odooField(line, "lot_id")) != lot.lot_id) vals["lot_id"] = lot.lot_id;
      if (!sameQuantity(quantity, lot.quantity)) vals["quantity"] = lot.quantity;
      if (odooField(line, "picked") != true) vals["picked"] = true;
    } else if (!sameQuantity(quantity, 0)) {
      vals["quantity"] = 0;
    }
    if (vals.empty()) continue;
    if (!orm.call(kMoveLine, "write", json::array{json::array{line_id}, std::move(vals)})) {
      return std::nullopt;
    }
    ++writes;
  }
  return writes;
}

}  // namespace pb
