#include "odoo_maintenance_events.h"

#include <charconv>
#include <system_error>
#include <utility>

#include <boost/json/array.hpp>

#include "odoo_orm.h"
#include "plantbridge/common/ids.h"

namespace pb {
namespace {

namespace json = boost::json;

// Odoo's naive UTC datetime as search_read answers it ("2026-11-22 09:00:00", maybe with a
// fraction).
std::optional<TimePoint> parseWriteDate(const std::string& text) {
  if (text.size() < 19 || text[10] != ' ') return std::nullopt;
  std::string rfc3339 = text;
  rfc3339[10] = 'T';
  auto t = parseRfc3339(rfc3339 + "Z");
  if (!t.isOk()) return std::nullopt;
  return *t;
}

// The display name of a many2one as search_read answers it ([id, "name"]); "" for false.
std::string many2oneName(const json::value& v) {
  if (!v.is_array() || v.as_array().size() < 2) return {};
  return odooString(v.as_array()[1]);
}

// The open value of a fact, if any: a closed one is history, not what Odoo says now.
std::optional<std::string> openValue(const StoredMasterData& facts, const Subject& subject,
                                     const std::string& key) {
  auto latest = facts.latest(subject, key);
  if (!latest || latest->valid_until.has_value()) return std::nullopt;
  return latest->value;
}

}  // namespace

std::string maintenanceStageEventId(int64_t request_id, int64_t stage_id,
                                    std::string_view write_date) {
  return derivedId("odoo/maintenance.request/" + std::to_string(request_id),
                   "stage/" + std::to_string(stage_id) + "@" + std::string(write_date));
}

std::optional<Event> maintenanceStageEvent(const json::object& record,
                                           const StoredMasterData& facts, bool baseline,
                                           const MaintenanceEventOrigin& origin) {
  const int64_t id = odooMany2oneId(odooField(record, "id"));
  const json::value& stage_value = odooField(record, "stage_id");
  const int64_t stage = odooMany2oneId(stage_value);
  const std::string write_date = odooString(odooField(record, "write_date"));
  const std::optional<TimePoint> changed_at = parseWriteDate(write_date);
  if (id <= 0 || stage <= 0 || !changed_at) return std::nullopt;

  const std::string request_id = std::to_string(id);
  const std::optional<std::string> known =
      openValue(facts, {"maintenance_request", request_id}, "maintenance_stage");
  if (known && *known == std::to_string(stage)) return std::nullopt;  // seen already
  if (!known && baseline) return std::nullopt;  // what Odoo had before we looked

  Event event;
  event.id = maintenanceStageEventId(id, stage, write_date);
  event.type = std::string(kMaintenanceStageChanged);
  event.occurred_at = *changed_at;
  event.site = origin.site;
  event.source = origin.source;
  event.correlation_id = event.id;
  event.context["maintenance_request"] = request_id;
  const int64_t equipment = odooMany2oneId(odooField(record, "equipment_id"));
  if (equipment > 0) {
    const std::string equipment_id = std::to_string(equipment);
    event.context["equipment"] = equipment_id;
    if (origin.asset_by_equipment != nullptr) {
      auto asset = origin.asset_by_equipment->find(equipment_id);
      if (asset != origin.asset_by_equipment->end()) event.asset = asset->second;
    }
  }

  json::object& payload = event.payload;
  payload["request_id"] = id;
  payload["name"] = odooString(odooField(record, "name"));
  payload["stage_id"] = stage;
  // The stage's name as the facts knew it when the request changed; Odoo's current display
  // name when the stages are not read (master_data.models.maintenance.stage disabled).
  std::string stage_name =
      openValue(facts, {"maintenance_stage", std::to_string(stage)}, "maintenance_stage_name")
          .value_or(std::string());
  if (stage_name.empty()) stage_name = many2oneName(stage_value);
  payload["stage_name"] = stage_name;
  if (known) {
    int64_t previous = 0;
    const auto [end, ec] = std::from_chars(known->data(), known->data() + known->size(), previous);
    // Absent for a request first seen after the baseline (it was created since).
    if (ec == std::errc() && end == known->data() + known->size() && previous > 0) {
      payload["previous_stage_id"] = previous;
    }
  }
  const json::value& done = odooField(record, "done");
  payload["done"] = done.is_bool() && done.as_bool();
  const std::string type = odooString(odooField(record, "maintenance_type"));
  if (!type.empty()) payload["maintenance_type"] = type;
  return event;
}

}  // namespace pb
