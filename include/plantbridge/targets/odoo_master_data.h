// The Odoo master-data sync (docs/targets/odoo.md, "Master data"): reads Odoo's work centers,
// products, lots, equipment, loss reasons, locations, maintenance teams, stages and requests,
// and open manufacturing and work orders on a schedule per model, and writes them as facts with
// validity intervals into the store-backed master data that the enrich stage reads.
//
// Facts (subject kind(id) -> context key):
//   work_center(<mrp.workcenter id>)  -> order (MO name), work_order (mrp.workorder id): the
//        work order in progress on the work center, from its date_start until its
//        date_finished (or its write_date when it stopped being in progress otherwise); of two
//        in progress at once, the one that started last.
//   work_center(id) -> work_center_name, work_center_code
//   order(<MO name>) -> production_id (mrp.production id), product (product.product id)
//   product(id) -> product_code (default_code), product_name
//   lot(id) -> lot_name, lot_product
//   equipment(id) -> equipment_name, equipment_serial, maintenance_team
//   loss(id) -> loss_name, loss_type
//   location(id) -> location_name (complete_name)
//   maintenance_team(id) -> maintenance_team_name
//   maintenance_stage(id) -> maintenance_stage_name, maintenance_stage_done
//   maintenance_request(id) -> maintenance_request_name, maintenance_stage, equipment,
//        maintenance_type, maintenance_priority, maintenance_schedule_date,
//        maintenance_close_date, maintenance_kanban_state, maintenance_request_done
// Record attributes are valid from the record's create_date; a change closes the old value
// and opens the new one at the record's write_date.
//
// Hints (docs/targets/odoo.md, "Changes from Odoo: webhooks"): an Odoo automation webhook says
// that one record changed. hint() queues a re-read of that record `webhook_delay` later (Odoo 18
// posts before its transaction commits); hints for a record whose re-read is still queued are
// collapsed into it. The re-read is a search_read [("id", "=", id)] applied like a scheduled
// read, except that it never moves the model's write_date watermark: the scheduled incremental
// read (with its overlap) stays the fallback that catches lost or rolled-back webhooks.
//
// Events (docs/targets/odoo.md, "Maintenance stage changes"): with master_data.events listing
// maintenance.stage_changed and a sink set, a read (scheduled or hinted) that finds a request in
// another stage than its maintenance_stage fact hands a maintenance.stage_changed event to the
// sink before it writes the facts; when the sink refuses, the read fails and writes nothing, so
// the next read sees the change again. Event ids are derived from (request, stage,
// write_date): reading a change twice gives a journal duplicate, not a second event.
//
// Thread-safety: syncModel/syncDue/rereadDueHints are for one thread at a time (the sync's own
// thread once start() ran, or a test); hint(), hintStats(), waitForRereads() and
// mappingProblems() may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/model/event.h"
#include "plantbridge/pipeline/stored_master_data.h"
#include "plantbridge/targets/odoo.h"
#include "plantbridge/targets/odoo_mapped_ids.h"

namespace pb {

// Where the sync puts the business events it makes: the contract of a connector's EventSink
// (connectors/connector.h), and the hub passes the same journal sink (schema check, high-water
// mark). Ok: durable, or rejected by its schema (logged); an error: nothing is known durable.
using MasterDataEventSink = std::function<Status(std::vector<Event>&& events)>;

class OdooMasterDataSync {
 public:
  // `client`, `master_data`, `clock` and `metrics` (may be null) must outlive the sync.
  // The ids `mappings` (config mappings.assets) and `codes` (mappings.reason_codes) map to
  // Odoo records (odoo_mapped_ids.h) are checked against Odoo after the first full read of
  // their model (work centers, equipment, loss reasons).
  OdooMasterDataSync(OdooClient& client, StoredMasterData& master_data, MasterDataConfig config,
                     std::vector<AssetMapping> mappings, const Clock& clock,
                     MetricsRegistry* metrics, const CodeMappings& codes = {});
  ~OdooMasterDataSync();
  OdooMasterDataSync(const OdooMasterDataSync&) = delete;
  OdooMasterDataSync& operator=(const OdooMasterDataSync&) = delete;

  // Before start(): where maintenance.stage_changed events go (when master_data.events lists it),
  // and the site they carry. Without a sink no events are made; the facts are written all the
  // same.
  void setEventSink(MasterDataEventSink sink, std::string site);

  // Reads one model now: in full the first time, by write_date afterwards. Unavailable when
  // Odoo could not be asked (the next run tries again), InvalidArgument for an answer that
  // makes no sense, or the store's error.
  Status syncModel(std::string_view model);
  // Reads every enabled model whose period has passed (all of them on the first call).
  void syncDue();

  enum class HintResult { kQueued, kDuplicate, kUnknownModel, kQueueFull };
  // Queues a re-read of one record; never blocks on Odoo. kUnknownModel: not a model the sync
  // reads (or disabled); kQueueFull: too many records queued (the scheduled read catches up).
  HintResult hint(std::string_view model, int64_t id);
  // The models hint() accepts: the enabled ones.
  std::vector<std::string> hintModels() const;
  // Re-reads every queued record whose delay has passed (clock.steadyNow()); answers how many.
  size_t rereadDueHints();

  struct HintStats {
    uint64_t queued = 0;        // hints that queued a re-read
    uint64_t deduplicated = 0;  // hints collapsed into a queued re-read
    uint64_t reread = 0;        // re-reads done (the record applied, or found gone)
    uint64_t failed = 0;        // re-reads that failed (Odoo unavailable, ...)
  };
  HintStats hintStats() const;
  // Waits until at least `count` re-reads finished (done or failed); false on timeout.
  bool waitForRereads(uint64_t count, std::chrono::milliseconds timeout) const;

  // A thread that runs syncDue() on schedule and re-reads hinted records until stop().
  void start();
  void stop();

  // One line per mapped id that Odoo does not have, from the latest check.
  std::vector<std::string> mappingProblems() const;

 private:
  struct WorkOrder {
    int64_t work_center = 0;
    std::string order;  // the MO's name
    int64_t start_us = 0;
    std::optional<int64_t> end_us;  // unset: in progress
  };
  struct ModelState {
    MasterDataModelConfig config;
    bool synced = false;    // a full read happened
    std::string watermark;  // newest write_date seen, Odoo's text
    std::chrono::steady_clock::time_point next_due{};
  };

  // `only_id`: read just that record (a hint) and leave the watermark alone.
  Status syncAttributes(std::string_view model, ModelState& state,
                        std::optional<int64_t> only_id = std::nullopt);
  Status syncWorkOrders(ModelState& state, std::optional<int64_t> only_id = std::nullopt);
  std::optional<std::chrono::steady_clock::time_point> nextHintDue() const;
  // Retention (MasterDataConfig::keep), at most once an hour.
  void forgetOldFacts(std::chrono::steady_clock::time_point now);

  void checkMappings(const OdooMappedKind& kind, const std::set<std::string>& known);
  // Hands the stage changes of one read to the sink; the read's facts wait for its answer.
  Status emitEvents(std::string_view model, std::vector<Event>&& events);
  void run();

  OdooClient& client_;
  StoredMasterData& master_data_;
  const MasterDataConfig config_;
  const std::vector<AssetMapping> mappings_;
  // The ids of mappings_ and of the code mappings that name Odoo records.
  const std::vector<OdooMappedId> mapped_ids_;
  std::map<std::string, std::string> asset_by_equipment_;  // from mappings_, first one wins
  MasterDataEventSink event_sink_;                         // unset: no events
  std::string event_site_;
  const Clock& clock_;
  MetricsRegistry* metrics_;
  std::map<std::string, ModelState, std::less<>> models_;
  std::chrono::steady_clock::time_point next_retention_{};
  std::map<int64_t, WorkOrder> work_orders_;  // in progress, or ended within `history`

  mutable std::mutex mutex_;  // problems_, stop_, hints_, hint_stats_
  std::map<std::string, std::vector<std::string>> problems_;  // by mapping field
  // Queued re-reads: (model, id) -> when (clock.steadyNow()) it is due.
  std::map<std::pair<std::string, int64_t>, std::chrono::steady_clock::time_point> hints_;
  HintStats hint_stats_;
  mutable std::condition_variable wake_;  // stop, a new hint, a re-read finished
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace pb
