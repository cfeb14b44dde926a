// maintenance.request and maintenance.stage (ODOO18 §6).
//
//   {"operation": "maintenance.request", "name": "Spindle jam on Assembly 2",
//    "equipment_id": 1, "maintenance_type": "corrective", "priority": "3",
//    "schedule_date": "2026-11-23T08:00:00Z", "duration": 1.5, "team_id": 1,
//    "description": "<p>Raised by plantbridge</p>"}
//   {"operation": "maintenance.stage", "request_id": 6, "stage_id": 3}
//   {"operation": "maintenance.stage", "request_ref": "alarm-17", "stage": "Repaired"}
//
// A request is loaded under plantbridge.<key>. Requests on one equipment run one at a time:
// concurrent creates on the same equipment collide on its stored counters, which Odoo retries
// for up to 18.8 s (ODOO18 §0, §11). A stage change reads the request first and writes only
// when the stage differs; a done stage (Repaired, Scrap) closes the request (Odoo sets
// close_date, and spawns the next occurrence of a recurring preventive request).
//
// `request_ref` names a request by the ref it was loaded under (plantbridge.<ref>). Odoo has no
// read-only way for the integration user to find a record by its external id: ir.model.data
// is closed to it (§8), and load() with only the id column would write (and create where the
// model's required fields have defaults). So the target remembers the ids its own
// maintenance.request loads answered, in memory: a ref loaded before the hub's last restart
// (or not loaded yet) is retried until it is, or the retry policy gives up.
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
  OdooReferences* references = nullptr;
};

DeliveryResult runRequest(OdooOrm& orm, const Request& r) {
  auto id = orm.loadOne(kRequest, r.external_id, r.columns);
  if (!id) return orm.failure();
  if (r.references != nullptr) r.references->rememberLoaded(r.external_id, *id);
  return DeliveryResult::delivered(
      200, fmt::format("{} {} for equipment {}", kRequest, *id, r.equipment_id));
}

struct StageChange {
  int64_t request_id = 0;
  std::string request_ref;  // when request_id is 0
  int64_t stage_id = 0;
  std::string stage;  // a stage name, when stage_id is 0
  OdooReferences* references = nullptr;
};

DeliveryResult runStage(OdooOrm& orm, const StageChange& change) {
  int64_t request_id = change.request_id;
  if (request_id == 0) {
    auto loaded = change.references == nullptr
                      ? std::nullopt
                      : change.references->loaded(odooExternalId(change.request_ref));
    if (!loaded) {
      return orm.fail(DeliveryResult::retry(fmt::format(
          "{} '{}' ({}) has not been loaded by this hub since it started: not created yet, or "
          "created before a restart (then give request_id)",
          kRequest, change.request_ref, odooExternalId(change.request_ref))));
    }
    request_id = *loaded;
  }
  int64_t stage_id = change.stage_id;
  if (stage_id == 0) {
    if (change.references == nullptr) {
      return orm.fail(DeliveryResult::reject("maintenance.stage: no target to resolve 'stage' by"));
    }
    auto found = change.references->maintenanceStage(orm, change.stage);
    if (!found) return orm.failure();
    stage_id = *found;
  }
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
  r.references = p.references();
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
                                                     const std::string& /*key*/) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"request_id", "request_ref", "stage_id", "stage"}));
  StageChange change;
  change.references = p.references();
  PB_PARAM(request_ref, p.text("request_ref", false));
  PB_PARAM(request, p.optionalId("request_id"));
  if ((request == 0) == request_ref.empty()) {
    return Status::invalidArgument(
        "maintenance.stage: give 'request_id' (an Odoo id) or 'request_ref' (the ref the "
        "maintenance.request operation was given), exactly one");
  }
  PB_PARAM(stage_name, p.text("stage", false));
  PB_PARAM(stage, p.optionalId("stage_id"));
  if ((stage == 0) == stage_name.empty()) {
    return Status::invalidArgument(
        "maintenance.stage: give 'stage_id' (an Odoo id) or 'stage' (the stage's name), exactly "
        "one");
  }
  change.request_id = request;
  change.request_ref = std::move(request_ref);
  change.stage_id = stage;
  change.stage = std::move(stage_name);
  OdooOperation op;
  op.name = "maintenance.stage";
  op.serial_key = request != 0 ? fmt::format("{}:{}", kRequest, request)
                               : fmt::format("{}:{}", kRequest, odooExternalId(change.request_ref));
  op.run = [change = std::move(change)](OdooOrm& orm) { return runStage(orm, change); };
  return op;
}

}  // namespace pb
