// downtime: a productivity loss on a work center (ODOO18 §5 "Record a downtime over RPC").
//
//   {"operation": "downtime", "ref": "<the interval's id>", "work_center_id": 3, "loss_id": 2,
//    "started_at": "2026-11-22T04:52:17Z", "ended_at": "...", "description": "Spindle jam",
//    "block": true}
//
// The start, the end and a late closed interval of one stop share `ref`, so they land on one
// mrp.workcenter.productivity line (external id plantbridge.<ref>): the start creates it open
// and blocks the work center (button_block, what Odoo's UI does: it also stops the running work
// orders); the end loads the same line with date_end, which unblocks the work center (its
// working_state is computed from open lines). An end that arrives before its start, or alone,
// creates the closed interval; a start that arrives after its end leaves the line closed.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "odoo_operations.h"

namespace pb {
namespace {

namespace json = boost::json;

constexpr const char* kProductivity = "mrp.workcenter.productivity";

struct Downtime {
  std::string external_id;
  int64_t work_center_id = 0;
  int64_t loss_id = 0;
  std::string started_at;
  std::string ended_at;  // "" while the stop goes on
  std::string description;
  bool block = true;
};

DeliveryResult runDowntime(OdooOrm& orm, const Downtime& d) {
  std::vector<std::pair<std::string, std::string>> columns = {
      {"workcenter_id/.id", std::to_string(d.work_center_id)},
      {"loss_id/.id", std::to_string(d.loss_id)},
      {"date_start", d.started_at},
  };
  if (!d.ended_at.empty()) columns.emplace_back("date_end", d.ended_at);
  if (!d.description.empty()) columns.emplace_back("description", d.description);
  auto line = orm.loadOne(kProductivity, d.external_id, columns);
  if (!line) return orm.failure();
  if (!d.ended_at.empty()) {
    return DeliveryResult::delivered(
        200, fmt::format("{} {} closed ({} to {}) on work center {}", kProductivity, *line,
                         d.started_at, d.ended_at, d.work_center_id));
  }
  // Read first: a line the end has closed already must not block the work center again.
  auto state = orm.readOne(kProductivity, *line, {"date_end"});
  if (!state) return orm.failure();
  const bool open = odooString(odooField(*state, "date_end")).empty();
  if (open && d.block &&
      !orm.call(kProductivity, "button_block", json::array{json::array{*line}})) {
    return orm.failure();
  }
  return DeliveryResult::delivered(200,
                                   fmt::format("{} {} {} on work center {}{}", kProductivity, *line,
                                               open ? "open" : "already closed", d.work_center_id,
                                               open && d.block ? " (blocked)" : ""));
}

}  // namespace

Result<OdooOperation> parseDowntimeOperation(const OperationParams& p, const std::string& key) {
  PB_RETURN_IF_ERROR(
      p.onlyKnown({"work_center_id", "loss_id", "started_at", "ended_at", "description", "block"}));
  Downtime d;
  d.external_id = odooExternalId(key);
  PB_PARAM(work_center, p.id("work_center_id"));
  PB_PARAM(loss, p.id("loss_id"));
  PB_PARAM(started, p.datetime("started_at", true));
  PB_PARAM(ended, p.datetime("ended_at", false));
  PB_PARAM(description, p.text("description", false));
  PB_PARAM(block, p.flag("block", true));
  if (!ended.empty() && ended < started) {
    return Status::invalidArgument(
        fmt::format("downtime: 'ended_at' {} is before 'started_at' {}", ended, started));
  }
  d.work_center_id = work_center;
  d.loss_id = loss;
  d.started_at = std::move(started);
  d.ended_at = std::move(ended);
  d.description = std::move(description);
  d.block = block;
  OdooOperation op;
  op.name = "downtime";
  op.serial_key = fmt::format("mrp.workcenter:{}", work_center);
  op.run = [d = std::move(d)](OdooOrm& orm) { return runDowntime(orm, d); };
  return op;
}

}  // namespace pb
