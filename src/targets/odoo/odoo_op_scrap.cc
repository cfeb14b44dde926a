// scrap: a validated stock.scrap (ODOO18 §7).
//
//   {"operation": "scrap", "product_id": 33, "quantity": 1, "lot_id": 16, "production_id": 6,
//    "workorder_id": 7, "on_insufficient": "reject"}
//
// The scrap is loaded under plantbridge.<key> with origin <key>, read, and validated unless it
// is done already. When the stock is short, action_validate answers the
// stock.warn.insufficient.qty.scrap wizard instead of validating; `on_insufficient` says what
// then: "reject" (the default: a dead letter, the scrap stays a draft in Odoo for a person to
// decide), "retry" (later, when stock may have arrived), or "force" (the wizard's action_done,
// which scraps anyway and lets the quant go negative).
#include <fmt/format.h>
#include <boost/json.hpp>

#include "odoo_operations.h"

namespace pb {
namespace {

namespace json = boost::json;

constexpr const char* kScrap = "stock.scrap";
constexpr const char* kInsufficientWizard = "stock.warn.insufficient.qty.scrap";

struct Scrap {
  std::string external_id;
  std::string origin;
  int64_t product_id = 0;
  double quantity = 0;
  int64_t lot_id = 0;
  int64_t production_id = 0;
  int64_t workorder_id = 0;
  std::string on_insufficient;
};

void addId(std::vector<std::pair<std::string, std::string>>& columns, const char* column,
           int64_t id) {
  if (id > 0) columns.emplace_back(column, std::to_string(id));
}

DeliveryResult runScrap(OdooOrm& orm, const Scrap& s) {
  std::vector<std::pair<std::string, std::string>> columns = {
      {"product_id/.id", std::to_string(s.product_id)},
      {"scrap_qty", fmt::format("{}", s.quantity)},
      {"origin", s.origin},
  };
  addId(columns, "lot_id/.id", s.lot_id);
  addId(columns, "production_id/.id", s.production_id);
  addId(columns, "workorder_id/.id", s.workorder_id);
  auto scrap = orm.loadOne(kScrap, s.external_id, columns);
  if (!scrap) return orm.failure();
  auto state = orm.readOne(kScrap, *scrap, {"state", "name"});
  if (!state) return orm.failure();
  auto done = [&](std::string_view how) {
    auto after = orm.readOne(kScrap, *scrap, {"state", "name"});
    const std::string name = after ? odooString(odooField(*after, "name")) : std::string();
    return DeliveryResult::delivered(200, fmt::format("{} {} ({}) {}", kScrap, *scrap, name, how));
  };
  if (odooString(odooField(*state, "state")) == "done") return done("was validated already");
  auto validated = orm.call(kScrap, "action_validate", json::array{json::array{*scrap}});
  if (!validated) return orm.failure();
  if (odooActionModel(*validated) != kInsufficientWizard) return done("validated");
  const std::string why = fmt::format(
      "{} {}: not enough stock for {} of product {}{} (Odoo answered the insufficient-quantity "
      "wizard; on_insufficient is '{}')",
      kScrap, *scrap, s.quantity, s.product_id,
      s.lot_id > 0 ? fmt::format(" in lot {}", s.lot_id) : std::string(), s.on_insufficient);
  if (s.on_insufficient == "reject") return orm.fail(DeliveryResult::reject(why));
  if (s.on_insufficient == "retry") return orm.fail(DeliveryResult::retry(why));
  if (!orm.answerWizard(*validated, "action_done")) return orm.failure();
  return done("validated despite insufficient stock (on_insufficient: force)");
}

}  // namespace

Result<OdooOperation> parseScrapOperation(const OperationParams& p, const std::string& key) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"product_id", "quantity", "lot_id", "production_id",
                                  "workorder_id", "origin", "on_insufficient"}));
  Scrap s;
  s.external_id = odooExternalId(key);
  PB_PARAM(product, p.id("product_id"));
  PB_PARAM(quantity, p.quantity("quantity", true));
  PB_PARAM(lot, p.optionalId("lot_id"));
  PB_PARAM(production, p.optionalId("production_id"));
  PB_PARAM(workorder, p.optionalId("workorder_id"));
  PB_PARAM(origin, p.text("origin", false, key));
  PB_PARAM(policy, p.choice("on_insufficient", {"reject", "retry", "force"}));
  s.product_id = product;
  s.quantity = quantity;
  s.lot_id = lot;
  s.production_id = production;
  s.workorder_id = workorder;
  s.origin = std::move(origin);
  s.on_insufficient = std::move(policy);
  OdooOperation op;
  op.name = "scrap";
  op.serial_key = production > 0 ? fmt::format("mrp.production:{}", production)
                                 : fmt::format("product.product:{}", product);
  op.run = [s = std::move(s)](OdooOrm& orm) { return runScrap(orm, s); };
  return op;
}

}  // namespace pb
