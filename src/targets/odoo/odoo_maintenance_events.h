// maintenance.stage_changed (docs/targets/odoo.md, "Maintenance stage changes"): the canonical
// event the master-data sync makes when it reads a maintenance.request whose stage is not the
// one its facts know. The sync decides when to look; this file decides whether a record is a
// change and what the event says. It only reads the facts (before the sync writes the new
// ones), so a change is seen once per (request, stage, write_date) however often it is read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "plantbridge/model/event.h"
#include "plantbridge/pipeline/stored_master_data.h"

namespace pb {

inline constexpr std::string_view kMaintenanceStageChanged = "maintenance.stage_changed";

// What the event needs besides the record and the facts.
struct MaintenanceEventOrigin {
  std::string site;    // Event.site
  std::string source;  // Event.source, "odoo:<target>"
  // mappings.assets: equipment id -> the asset mapped to it (the first one in the config).
  const std::map<std::string, std::string>* asset_by_equipment = nullptr;
};

// Same (request, stage, write_date), same id: a duplicate webhook, a poll that overlaps a
// re-read, or a restart before the facts were written gives a journal duplicate, never a
// second event.
std::string maintenanceStageEventId(int64_t request_id, int64_t stage_id,
                                    std::string_view write_date);

// The event for `record` (a maintenance.request as search_read answers it, with id, name,
// stage_id, equipment_id, maintenance_type, done and write_date) when its stage differs from
// the open maintenance_request(<id>).maintenance_stage fact, or when there is no such fact and
// `baseline` is false (a request created since the baseline). No event for the baseline (the
// first read of a request the facts have never seen), an unchanged stage, or a record without
// a stage or a valid write_date.
std::optional<Event> maintenanceStageEvent(const boost::json::object& record,
                                           const StoredMasterData& facts, bool baseline,
                                           const MaintenanceEventOrigin& origin);

}  // namespace pb
