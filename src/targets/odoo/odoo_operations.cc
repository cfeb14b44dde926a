// The table of business operations and the typed reader of their parameters.
#include "odoo_operations.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace pb {
namespace {

namespace json = boost::json;

using Parser = Result<OdooOperation> (*)(const OperationParams&, const std::string&);

struct OperationEntry {
  std::string_view name;
  Parser parse;
};

constexpr OperationEntry kOperations[] = {
    {"downtime", parseDowntimeOperation},
    {"scrap", parseScrapOperation},
    {"maintenance.request", parseMaintenanceRequestOperation},
    {"maintenance.stage", parseMaintenanceStageOperation},
    {"production.quantity", parseProductionQuantityOperation},
    {"production.done", parseProductionDoneOperation},
    {"consumption", parseConsumptionOperation},
    {"message", parseMessageOperation},
    {"quarantine", parseQuarantineOperation},
    {"quarantine.release", parseQuarantineReleaseOperation},
};

std::optional<json::object> parseObject(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

}  // namespace

bool isOdooOperationBody(std::string_view body) {
  // Cheap test first: the low-level form never has this key.
  if (body.find("\"operation\"") == std::string_view::npos) return false;
  auto object = parseObject(body);
  return object && object->contains("operation");
}

std::string_view odooOperationNames() {
  return "downtime, scrap, maintenance.request, maintenance.stage, production.quantity, "
         "production.done, consumption, message, quarantine, quarantine.release";
}

Result<OdooOperation> parseOdooOperation(std::string_view body, std::string_view key,
                                         OdooReferences* references) {
  auto object = parseObject(body);
  if (!object) return Status::invalidArgument("the body is not a JSON object");
  const json::value* name = object->if_contains("operation");
  if (name == nullptr || !name->is_string()) {
    return Status::invalidArgument("'operation' must be a string");
  }
  for (const OperationEntry& entry : kOperations) {
    if (entry.name == name->as_string()) {
      OperationParams params(entry.name, *object, references);
      // The body's `ref` names the record when several events share it.
      auto ref = params.text("ref", false, std::string(key));
      if (!ref.isOk()) return ref.status();
      return entry.parse(params, std::move(ref).value());
    }
  }
  return Status::invalidArgument(fmt::format("unknown operation '{}' (known: {})",
                                             std::string(name->as_string()), odooOperationNames()));
}

Status OperationParams::bad(std::string_view name, std::string_view why) const {
  return Status::invalidArgument(fmt::format("{}: '{}' {}", operation_, name, why));
}

Result<int64_t> OperationParams::optionalId(std::string_view name) const {
  const json::value* v = body_.if_contains(name);
  if (v == nullptr || v->is_null()) return int64_t{0};
  // Context values are text, so a route's {{context.production_id}} renders "2": an id given as
  // a string of digits is the same id.
  int64_t id = 0;
  if (v->is_int64()) {
    id = v->as_int64();
  } else if (v->is_string()) {
    const std::string_view digits = v->as_string();
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc() || end != digits.data() + digits.size()) id = 0;
  }
  if (id <= 0) return bad(name, "must be an Odoo record id (a positive integer)");
  return id;
}

Result<int64_t> OperationParams::id(std::string_view name) const {
  auto v = optionalId(name);
  if (v.isOk() && v.value() == 0) return bad(name, "is required (an Odoo record id)");
  return v;
}

Result<std::string> OperationParams::text(std::string_view name, bool required,
                                          std::string fallback) const {
  const json::value* v = body_.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) return bad(name, "is required");
    return fallback;
  }
  if (!v->is_string()) return bad(name, "must be a string");
  if (required && v->as_string().empty()) return bad(name, "must not be empty");
  return std::string(v->as_string());
}

Result<std::string> OperationParams::choice(std::string_view name,
                                            std::initializer_list<std::string_view> choices) const {
  auto v = text(name, false, std::string(*choices.begin()));
  if (!v.isOk()) return v;
  std::string known;
  for (std::string_view c : choices) {
    if (c == v.value()) return v;
    known += known.empty() ? "" : ", ";
    known += c;
  }
  return bad(name, fmt::format("must be one of {} (got '{}')", known, v.value()));
}

Result<double> OperationParams::quantity(std::string_view name, bool required) const {
  const json::value* v = body_.if_contains(name);
  if (v == nullptr || v->is_null()) {
    if (required) return bad(name, "is required (a quantity > 0)");
    return -1.0;
  }
  double q = 0;
  if (v->is_double()) {
    q = v->as_double();
  } else if (v->is_int64()) {
    q = static_cast<double>(v->as_int64());
  } else if (v->is_uint64()) {
    q = static_cast<double>(v->as_uint64());
  } else {
    return bad(name, "must be a number");
  }
  if (!std::isfinite(q) || q <= 0) return bad(name, "must be a quantity > 0");
  return q;
}

Result<std::string> OperationParams::datetime(std::string_view name, bool required) const {
  auto v = text(name, required);
  if (!v.isOk() || v.value().empty()) return v;
  const std::string& s = v.value();
  // Odoo's own form passes through (a route may have it from Odoo already).
  if (s.size() == 19 && s[4] == '-' && s[10] == ' ' && s[13] == ':') {
    auto parsed = parseRfc3339(s.substr(0, 10) + "T" + s.substr(11) + "Z");
    if (parsed.isOk()) return s;
  }
  auto parsed = parseRfc3339(s);
  if (!parsed.isOk()) {
    return bad(name,
               "must be a time in RFC 3339 (2026-11-22T05:37:17Z) or Odoo's "
               "'2026-11-22 05:37:17' (UTC)");
  }
  return odooDatetime(parsed.value());
}

Result<bool> OperationParams::flag(std::string_view name, bool fallback) const {
  const json::value* v = body_.if_contains(name);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_bool()) return bad(name, "must be true or false");
  return v->as_bool();
}

Result<LocationParam> OperationParams::location(std::string_view id_key, std::string_view name_key,
                                                bool required) const {
  const bool has_id = body_.contains(id_key) && !body_.at(id_key).is_null();
  const bool has_name = body_.contains(name_key) && !body_.at(name_key).is_null();
  if (has_id && has_name) {
    return bad(name_key, fmt::format("and '{}' name the same location: give one of them", id_key));
  }
  LocationParam location;
  if (has_name) {
    auto name = text(name_key, true);
    if (!name.isOk()) return name.status();
    if (references_ == nullptr || !references_->hasLocation(name.value())) {
      return bad(name_key, fmt::format("'{}' is not a location of the target's `locations` config",
                                       name.value()));
    }
    location.name = std::move(name).value();
    return location;
  }
  if (!has_id && required) {
    return bad(id_key, fmt::format("is required (an Odoo record id; or give '{}', a name of the "
                                   "target's `locations` config)",
                                   name_key));
  }
  auto id = optionalId(id_key);
  if (!id.isOk()) return id.status();
  location.id = id.value();
  return location;
}

Result<std::vector<OdooLotQuantity>> OperationParams::lots(std::string_view name) const {
  std::vector<OdooLotQuantity> out;
  const json::value* v = body_.if_contains(name);
  if (v == nullptr || v->is_null()) return out;
  constexpr std::string_view kShape = "must be a list of {\"lot_id\": <id>, \"quantity\": <q>}";
  if (!v->is_array() || v->as_array().empty()) return bad(name, kShape);
  for (const json::value& item : v->as_array()) {
    if (!item.is_object()) return bad(name, kShape);
    OperationParams entry(operation_, item.as_object(), references_);
    const std::string item_name = fmt::format("{}[{}]", name, out.size());
    for (const auto& [key, value] : item.as_object()) {
      if (key != "lot_id" && key != "quantity") {
        return bad(item_name,
                   fmt::format("has '{}', which is neither lot_id nor quantity", std::string(key)));
      }
    }
    auto lot = entry.id("lot_id");
    if (!lot.isOk()) return bad(item_name, lot.status().message());
    auto quantity = entry.quantity("quantity", true);
    if (!quantity.isOk()) return bad(item_name, quantity.status().message());
    for (const OdooLotQuantity& earlier : out) {
      if (earlier.lot_id == lot.value()) {
        return bad(item_name, fmt::format("names lot {} a second time", lot.value()));
      }
    }
    out.push_back({lot.value(), quantity.value()});
  }
  return out;
}

Result<std::string> OperationParams::pickingType(std::string_view name,
                                                 std::string fallback) const {
  auto type = text(name, false, std::move(fallback));
  if (!type.isOk()) return type;
  if (references_ == nullptr || !references_->hasPickingType(type.value())) {
    return bad(name, fmt::format("'{}' is not a picking type of the target's `picking_types` "
                                 "config",
                                 type.value()));
  }
  return type;
}

std::optional<int64_t> resolveLocation(OdooOrm& orm, OdooReferences* references,
                                       const LocationParam& location) {
  if (location.name.empty()) return location.id;
  auto info = references->location(orm, location.name);
  if (!info) return std::nullopt;
  if (info->usage != "internal") {
    orm.fail(DeliveryResult::reject(fmt::format(
        "location '{}' (id {}) is not an internal location (usage {}): stock cannot be held there",
        location.name, info->id, info->usage)));
    return std::nullopt;
  }
  return info->id;
}

Status OperationParams::onlyKnown(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : body_) {
    if (key == "operation" || key == "ref") continue;
    bool found = false;
    for (std::string_view k : known) found = found || k == key;
    if (!found) return bad(key, "is not a parameter of this operation");
  }
  return Status::ok();
}

bool setQtyProducing(OdooOrm& orm, int64_t production_id, double current, double wanted) {
  if (std::fabs(current - wanted) < 1e-9) return true;
  if (!orm.call("mrp.production", "write",
                json::array{json::array{production_id}, json::object{{"qty_producing", wanted}}})) {
    return false;
  }
  return orm.call("mrp.production", "set_qty_producing", json::array{json::array{production_id}})
      .has_value();
}

}  // namespace pb
