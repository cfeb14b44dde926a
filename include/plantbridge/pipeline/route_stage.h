// Stage 6, route: routes from config turn an event into transactions. A route matches on the
// event type(s) (none listed: every type) and on equality conditions over site, source, asset,
// type, context.<key> or payload.<path>. Every matching route yields one Transaction with id
// "<event id>/<route name>" (stable across replays: the outbox ignores an id it has), the
// route's target, an ordering key (default: context.work_center; the asset when the key does not
// render) and the rendered body (default: the whole canonical event).
//
// All or nothing: if any matching route cannot be completed — a `require` field is not set,
// a placeholder does not render, the body is not valid JSON — the event is parked with every
// reason ("route count-to-erp: context.work_center is not set (no mapping for asset
// 'CNC-99')") and no route's transaction is planned, so a later replay plans them all.
//
// Running totals: a route with `running_total: {of, per}` keeps, per rendered `per` key, the
// sum of `of` over the events it planned (stage state "route/<name>/total/<key>", committed
// with the transaction, so each event is added exactly once) and renders it as
// {{running_total}}. A replay never changes a total: an event whose transaction live
// processing planned is skipped by that route (the outbox has it), and one it never planned is
// parked, since posting it would make the next live total undo it.
#pragma once

#include <memory>
#include <vector>

#include "plantbridge/config/config.h"
#include "plantbridge/pipeline/map_stage.h"
#include "plantbridge/pipeline/stage.h"
#include "plantbridge/pipeline/template.h"

namespace pb {

class RouteStage final : public Stage {
 public:
  // Checks every route (name set and unique, target set, match and require keys are field
  // paths, templates parse) and adds all problems to `errors` (key "routes.<name>.<field>");
  // null if there was any. `mapper` (may be null) explains unmapped context in reasons ("no
  // mapping for asset 'CNC-99'", "reason code 'XYZ' is not in mappings.reason_codes") and must
  // outlive the stage.
  static std::unique_ptr<RouteStage> create(const std::vector<RouteConfig>& routes,
                                            const MapStage* mapper,
                                            std::vector<ConfigError>& errors);
  std::string_view name() const override { return "route"; }
  Result<StageOutcome> apply(Event& event, StageContext& ctx) const override;

  static std::string transactionId(const std::string& event_id, const std::string& route);

 private:
  struct Route {
    RouteConfig config;
    Template ordering_key;  // empty: the default
    Template body;
    Template total_per;  // running_total.per
  };
  // What a running-total route adds for this event: the state to commit and the body value.
  struct TotalStep {
    std::string state_key;
    std::string new_total;  // JSON number text
    Template::Values values;
  };
  // The route's new running total with `event` added (live), or why not (a problem text).
  Result<TotalStep> addToTotal(const Route& route, const Event& event, StageContext& ctx) const;
  RouteStage(std::vector<Route> routes, const MapStage* mapper)
      : routes_(std::move(routes)), mapper_(mapper) {}
  bool matches(const Route& route, const Event& event) const;
  std::string explainMissing(const Event& event, const std::string& field) const;

  std::vector<Route> routes_;
  const MapStage* mapper_;
};

}  // namespace pb
