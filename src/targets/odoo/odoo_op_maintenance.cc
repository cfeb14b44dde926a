// maintenance.request and maintenance.stage (ODOO18 §6).
//
//   {"operation": "maintenance.request", "name": "Spindle jam on Assembly 2",
//    "equipment_id": 1, "maintenance_type": "corrective", "priority": "3",
//    "schedule_date": "2026-11-23T08:00:00Z", "duration": 1.5, "team_id": 1,
//    "description": "<p>Raised by plantbridge</p>"}
//   {"operation": "maintenance.stage", "request_id": 6, "stage_id": 3}
//
// A request is loaded under plantbridge.<key>. Requests on one equipment run one at a time:
// concurrent creates on the same equipment collide on its stored counters, which Odoo retries
// for up to 18.8 s (ODOO18 §0, §11). A stage change reads the request first and writes only
// when the stage differs; a done stage (Repaired, Scrap) closes the request (Odoo sets
// close_date, and spawns the next occurrence of a recurring preventive request).
#include <fmt/format.h>
#include <boost/json.hpp>

#include "odoo_operations.h"

namespace pb {
namespace {

namespace json = boost::json;

constexpr const char* kRequest = "maintenance.request";

struct Request {
  std::string external_id;
  std::vector<std::pair<std::string, std::string>> columns;
  int64_t equipment_id = 0;
};

DeliveryResult runRequest(OdooOrm& orm, const Request& r) {
  auto id = orm.loadOne(kRequest, r.external_id, r.columns);
  if (!id) return orm.failure();
  return DeliveryResult::delivered(
      200, fmt::format("{} {} for equipment {}", kRequest, *id, r.equipment_id));
}

DeliveryResult runStage(OdooOrm& orm, int64_t request_id, int64_t stage_id) {
  auto request = orm.readOne(kRequest, request_id, {"stage_id"});
  if (!request) return orm.failure();
  if (odooMany2oneId(odooField(*request, "stage_id")) == stage_id) {
    return DeliveryResult::delivered(
        200, fmt::format("{} {} is in stage {} already", kRequest, request_id, stage_id));
  }
  if (!orm.call(kRequest, "write",
                json::array{json::array{request_id}, json::object{{"stage_id", stage_id}}})) {
    return orm.failure();
  }
  return DeliveryResult::delivered(
      200, fmt::format("{} {} moved to stage {}", kRequest, request_id, stage_id));
}

}  // namespace

Result<OdooOperation> parseMaintenanceRequestOperation(const OperationParams& p,
                                                       const std::string& key) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"name", "equipment_id", "maintenance_type", "priority",
                                  "schedule_date", "duration", "team_id", "description"}));
  PB_PARAM(name, p.text("name", true));
  PB_PARAM(equipment, p.id("equipment_id"));
  PB_PARAM(type, p.choice("maintenance_type", {"corrective", "preventive"}));
  PB_PARAM(priority, p.choice("priority", {"0", "1", "2", "3"}));
  PB_PARAM(schedule, p.datetime("schedule_date", false));
  PB_PARAM(duration, p.quantity("duration", false));
  PB_PARAM(team, p.optionalId("team_id"));
  PB_PARAM(description, p.text("description", false));
  Request r;
  r.external_id = odooExternalId(key);
  r.equipment_id = equipment;
  r.columns = {{"name", name},
               {"equipment_id/.id", std::to_string(equipment)},
               {"maintenance_type", type},
               {"priority", priority}};
  if (!schedule.empty()) r.columns.emplace_back("schedule_date", schedule);
  if (duration > 0) r.columns.emplace_back("duration", fmt::format("{}", duration));
  if (team > 0) r.columns.emplace_back("maintenance_team_id/.id", std::to_string(team));
  if (!description.empty()) r.columns.emplace_back("description", description);
  OdooOperation op;
  op.name = "maintenance.request";
  op.serial_key = fmt::format("maintenance.equipment:{}", equipment);
  op.run = [r = std::move(r)](OdooOrm& orm) { return runRequest(orm, r); };
  return op;
}

Result<OdooOperation> parseMaintenanceStageOperation(const OperationParams& p,
                                                     const std::string& key) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"request_id", "stage_id"}));
  PB_PARAM(request, p.id("request_id"));
  PB_PARAM(stage, p.id("stage_id"));
  OdooOperation op;
  op.name = "maintenance.stage";
  op.serial_key = fmt::format("{}:{}", kRequest, request);
  op.run = [request, stage](OdooOrm& orm) { return runStage(orm, request, stage); };
  return op;
}

}  // namespace pb
