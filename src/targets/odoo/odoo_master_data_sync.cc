#include "plantbridge/targets/odoo_master_data.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "odoo_maintenance_events.h"
#include "odoo_orm.h"

namespace pb {
namespace {

namespace json = boost::json;

// A model read as record attributes: subject (kind, id or name) -> one context key per field.
struct AttributeSpec {
  std::string_view model;
  std::string_view kind;
  std::string_view subject_field;  // "id", or "name" for orders (events name the MO)
  std::vector<std::pair<std::string_view, std::string_view>> fields;  // Odoo field -> key
};

const std::vector<AttributeSpec>& attributeSpecs() {
  static const std::vector<AttributeSpec> specs = {
      {"mrp.workcenter",
       "work_center",
       "id",
       {{"name", "work_center_name"}, {"code", "work_center_code"}}},
      {"product.product",
       "product",
       "id",
       {{"default_code", "product_code"}, {"name", "product_name"}}},
      {"stock.lot", "lot", "id", {{"name", "lot_name"}, {"product_id", "lot_product"}}},
      {"maintenance.equipment",
       "equipment",
       "id",
       {{"name", "equipment_name"},
        {"serial_no", "equipment_serial"},
        {"maintenance_team_id", "maintenance_team"}}},
      {"mrp.workcenter.productivity.loss",
       "loss",
       "id",
       {{"name", "loss_name"}, {"loss_type", "loss_type"}}},
      {"stock.location", "location", "id", {{"complete_name", "location_name"}}},
      {"maintenance.team", "maintenance_team", "id", {{"name", "maintenance_team_name"}}},
      {"maintenance.stage",
       "maintenance_stage",
       "id",
       {{"name", "maintenance_stage_name"}, {"done", "maintenance_stage_done"}}},
      // Field names as in Odoo 18; all of them are the same in 19 (ODOO19 §4.2, Appendix B).
      {"maintenance.request",
       "maintenance_request",
       "id",
       {{"name", "maintenance_request_name"},
        {"stage_id", "maintenance_stage"},
        {"equipment_id", "equipment"},
        {"maintenance_type", "maintenance_type"},
        {"priority", "maintenance_priority"},
        {"schedule_date", "maintenance_schedule_date"},
        {"close_date", "maintenance_close_date"},
        {"kanban_state", "maintenance_kanban_state"},
        {"done", "maintenance_request_done"}}},
      {"mrp.production", "order", "name", {{"id", "production_id"}, {"product_id", "product"}}},
  };
  return specs;
}

constexpr std::string_view kWorkOrders = "mrp.workorder";
constexpr std::string_view kMaintenanceRequests = "maintenance.request";
// Records with a queued re-read at most; more hints are refused until the queue drains.
constexpr size_t kMaxQueuedHints = 10000;
constexpr std::string_view kHintsHelp =
    "Odoo automation webhooks (hints), by result: received, deduplicated, rejected, queue_full, "
    "reread, reread_failed.";
// Manufacturing orders that are not finished (ODOO18 §3 state selection).
constexpr std::string_view kOpenProductionStates[] = {"confirmed", "progress", "to_close"};

// Odoo's naive UTC datetime, "2026-11-22 06:53:49" with optional fraction (write_date).
std::optional<TimePoint> parseOdooTime(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  std::string text(v.as_string());
  if (text.size() < 19 || text[10] != ' ') return std::nullopt;
  text[10] = 'T';
  auto t = parseRfc3339(text + "Z");
  if (!t.isOk()) return std::nullopt;
  return *t;
}

// A field's value as a fact value: many2one -> its id; false -> "" (no value); numbers
// without a fraction as integers.
std::string factValue(const json::value& v) {
  if (v.is_array()) return v.as_array().empty() ? "" : std::to_string(odooMany2oneId(v));
  if (v.is_bool()) return v.as_bool() ? "true" : "";
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_double()) {
    const double d = v.as_double();
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
    return std::to_string(d);
  }
  if (v.is_string()) return std::string(v.as_string());
  return "";
}

json::array stringArray(std::span<const std::string_view> values) {
  json::array out;
  for (std::string_view v : values) out.emplace_back(json::string(v));
  return out;
}

Status readFailed(std::string_view model, const OdooOrm& orm) {
  const DeliveryResult& f = orm.failure();
  const std::string why = std::string(model) + " search_read: " + f.message;
  if (f.kind == DeliveryResult::Kind::kReject) return Status::invalidArgument(why);
  return Status::unavailable(why);
}

}  // namespace

OdooMasterDataSync::OdooMasterDataSync(OdooClient& client, StoredMasterData& master_data,
                                       MasterDataConfig config, std::vector<AssetMapping> mappings,
                                       const Clock& clock, MetricsRegistry* metrics,
                                       const CodeMappings& codes)
    : client_(client),
      master_data_(master_data),
      config_(std::move(config)),
      mappings_(std::move(mappings)),
      mapped_ids_(odooMappedIds(mappings_, codes)),
      clock_(clock),
      metrics_(metrics) {
  for (const MasterDataModelConfig& m : config_.models) models_[m.model].config = m;
  for (const AssetMapping& mapping : mappings_) {
    auto equipment = mapping.fields.find("equipment");
    if (equipment != mapping.fields.end()) {
      asset_by_equipment_.emplace(equipment->second, mapping.asset);  // the first one wins
    }
  }
}

void OdooMasterDataSync::setEventSink(MasterDataEventSink sink, std::string site) {
  event_sink_ = std::move(sink);
  event_site_ = std::move(site);
}

OdooMasterDataSync::~OdooMasterDataSync() { stop(); }

Status OdooMasterDataSync::syncModel(std::string_view model) {
  auto it = models_.find(model);
  if (it == models_.end()) {
    return Status::invalidArgument("master data: no model " + std::string(model));
  }
  Status status =
      model == kWorkOrders ? syncWorkOrders(it->second) : syncAttributes(model, it->second);
  if (metrics_ != nullptr) {
    metrics_
        ->counter("plantbridge_master_data_reads_total",
                  "Master-data reads from Odoo, per model and outcome.",
                  {{"model", std::string(model)}, {"outcome", status.isOk() ? "ok" : "failed"}})
        .inc();
    metrics_
        ->gauge("plantbridge_master_data_facts", "Master-data facts in the cache (all versions).")
        .set(static_cast<double>(master_data_.size()));
  }
  return status;
}

Status OdooMasterDataSync::syncAttributes(std::string_view model, ModelState& state,
                                          std::optional<int64_t> only_id) {
  const auto& specs = attributeSpecs();
  auto spec_it = std::find_if(specs.begin(), specs.end(),
                              [&](const AttributeSpec& s) { return s.model == model; });
  if (spec_it == specs.end()) {
    return Status::invalidArgument("master data: no model " + std::string(model));
  }
  const AttributeSpec& spec = *spec_it;
  const bool full = !state.synced && !only_id;
  std::vector<std::string> fields = {"id", "write_date", "create_date"};
  if (spec.subject_field != "id") fields.emplace_back(spec.subject_field);
  for (const auto& [field, key] : spec.fields) {
    if (field != "id") fields.emplace_back(field);
  }
  json::array domain;
  if (only_id) {
    domain.emplace_back(json::array{"id", "=", *only_id});
  } else if (!full) {
    auto mark = parseOdooTime(json::string(state.watermark));
    const TimePoint since =
        mark ? *mark - std::chrono::duration_cast<Micros>(config_.overlap) : TimePoint{};
    domain.emplace_back(json::array{"write_date", ">=", json::string(odooDatetime(since))});
  } else if (model == "mrp.production") {
    // Open orders, and those finished within `history` (their product for late events).
    const TimePoint since = clock_.now() - std::chrono::duration_cast<Micros>(config_.history);
    domain.emplace_back("|");
    domain.emplace_back(json::array{"state", "in", stringArray(kOpenProductionStates)});
    domain.emplace_back(json::array{"date_finished", ">=", json::string(odooDatetime(since))});
  } else if (model == kMaintenanceRequests) {
    // Open requests (their stage is not a done one), and those closed within `history`
    // (close_date is a date: ODOO18 §6, fields/maintenance.request.json).
    const TimePoint since = clock_.now() - std::chrono::duration_cast<Micros>(config_.history);
    domain.emplace_back("|");
    domain.emplace_back(json::array{"stage_id.done", "=", false});
    domain.emplace_back(
        json::array{"close_date", ">=", json::string(odooDatetime(since).substr(0, 10))});
  }

  OdooOrm orm(client_, OdooCallMeta{"master-data." + std::string(model), ""});
  auto records = orm.searchRead(model, std::move(domain), fields);
  if (!records) return readFailed(model, orm);

  std::vector<FactHistory> changes;
  std::set<std::string> known;
  std::string watermark = state.watermark;
  // Stage changes, judged against the facts before this read writes its own.
  const bool stage_events = model == kMaintenanceRequests && event_sink_ &&
                            std::find(config_.events.begin(), config_.events.end(),
                                      kMaintenanceStageChanged) != config_.events.end();
  const MaintenanceEventOrigin origin{event_site_, "odoo:" + config_.source, &asset_by_equipment_};
  std::vector<Event> events;
  for (const json::value& v : *records) {
    if (!v.is_object()) continue;
    const json::object& record = v.as_object();
    const std::string subject_id = factValue(odooField(record, spec.subject_field));
    if (subject_id.empty()) continue;
    known.insert(subject_id);
    const json::value& write_date = odooField(record, "write_date");
    const std::optional<TimePoint> changed = parseOdooTime(write_date);
    const std::optional<TimePoint> created = parseOdooTime(odooField(record, "create_date"));
    if (!changed) {
      return Status::invalidArgument(std::string(model) + " " + subject_id +
                                     ": write_date is not an Odoo datetime");
    }
    if (write_date.as_string() > watermark) watermark = std::string(write_date.as_string());
    if (stage_events) {
      // Until the model's first full read, a request without a stage fact is the baseline.
      if (auto event = maintenanceStageEvent(record, master_data_, !state.synced, origin)) {
        events.push_back(std::move(*event));
      }
    }
    const Subject subject{std::string(spec.kind), subject_id};
    for (const auto& [field, key] : spec.fields) {
      const std::string value = factValue(odooField(record, field));
      const std::string key_text(key);
      auto latest = master_data_.latest(subject, key_text);
      if (!latest) {
        if (value.empty()) continue;
        const TimePoint from = created.value_or(*changed);
        changes.push_back({subject, key_text, from, {{value, from, std::nullopt}}});
        continue;
      }
      const bool open = !latest->valid_until.has_value();
      if (open && latest->value == value) continue;  // unchanged: nothing to write
      if (!open && value.empty()) continue;
      const TimePoint from = std::max(*changed, latest->valid_from);
      std::vector<FactInterval> intervals;
      if (!value.empty()) intervals.push_back({value, from, std::nullopt});
      changes.push_back({subject, key_text, from, std::move(intervals)});
    }
  }
  if (!events.empty()) PB_RETURN_IF_ERROR(emitEvents(model, std::move(events)));
  auto written = master_data_.replaceFrom(changes);
  if (!written) return written.status();
  spdlog::debug("master data: {} {} read: {} records, {} rows written", model,
                only_id ? "hinted" : (full ? "full" : "incremental"), records->size(), *written);
  // A hinted read must not move the watermark: records changed before this one but not read
  // yet would fall out of the next incremental read's window.
  if (only_id) return Status::ok();
  state.watermark = watermark;
  if (full) {
    state.synced = true;
    for (const OdooMappedKind& kind : kOdooMappedKinds) {
      if (kind.model == model) checkMappings(kind, known);
    }
  }
  return Status::ok();
}

Status OdooMasterDataSync::syncWorkOrders(ModelState& state, std::optional<int64_t> only_id) {
  const bool full = !state.synced && !only_id;
  const TimePoint now = clock_.now();
  const Micros history = std::chrono::duration_cast<Micros>(config_.history);
  json::array domain;
  if (only_id) {
    domain.emplace_back(json::array{"id", "=", *only_id});
  } else if (full) {
    domain.emplace_back("|");
    domain.emplace_back(json::array{"state", "=", "progress"});
    domain.emplace_back(
        json::array{"date_finished", ">=", json::string(odooDatetime(now - history))});
  } else {
    auto mark = parseOdooTime(json::string(state.watermark));
    const TimePoint since =
        mark ? *mark - std::chrono::duration_cast<Micros>(config_.overlap) : TimePoint{};
    domain.emplace_back(json::array{"write_date", ">=", json::string(odooDatetime(since))});
  }
  OdooOrm orm(client_, OdooCallMeta{"master-data.mrp.workorder", ""});
  auto records = orm.searchRead(
      kWorkOrders, std::move(domain),
      {"workcenter_id", "production_id", "state", "date_start", "date_finished", "write_date"});
  if (!records) return readFailed(kWorkOrders, orm);

  std::set<int64_t> touched;  // work centers whose timeline may have changed
  std::string watermark = state.watermark;
  for (const json::value& v : *records) {
    if (!v.is_object()) continue;
    const json::object& record = v.as_object();
    const int64_t id = odooMany2oneId(odooField(record, "id"));
    const json::value& write_value = odooField(record, "write_date");
    const std::optional<TimePoint> write_date = parseOdooTime(write_value);
    if (id <= 0 || !write_date) continue;
    if (write_value.as_string() > watermark) watermark = std::string(write_value.as_string());
    const std::string wo_state = odooString(odooField(record, "state"));
    const int64_t work_center = odooMany2oneId(odooField(record, "workcenter_id"));
    const json::value& production = odooField(record, "production_id");
    const std::string order = production.is_array() && production.as_array().size() >= 2
                                  ? odooString(production.as_array()[1])
                                  : std::string();
    const std::optional<TimePoint> start = parseOdooTime(odooField(record, "date_start"));
    const std::optional<TimePoint> finished = parseOdooTime(odooField(record, "date_finished"));
    auto known = work_orders_.find(id);
    if (known != work_orders_.end() && known->second.work_center != work_center) {
      touched.insert(known->second.work_center);  // moved to another work center
    }
    if (wo_state == "progress") {
      if (work_center <= 0 || order.empty()) continue;
      WorkOrder wo{work_center, order, toUnixMicros(start.value_or(*write_date)), std::nullopt};
      work_orders_[id] = wo;
      touched.insert(work_center);
    } else if (known != work_orders_.end() || (wo_state == "done" && start && finished)) {
      // Stopped being in progress (done, cancelled, paused back), or ran between two reads.
      if (!start && known == work_orders_.end()) continue;
      if (work_center <= 0 || order.empty()) continue;
      const int64_t start_us = start ? toUnixMicros(*start) : known->second.start_us;
      const int64_t end_us =
          toUnixMicros(wo_state == "done" || wo_state == "cancel" ? finished.value_or(*write_date)
                                                                  : *write_date);
      work_orders_[id] = WorkOrder{work_center, order, start_us, std::max(end_us, start_us)};
      touched.insert(work_center);
    }
  }

  // Each touched work center's timeline, from the earliest start known, as the sync sees it.
  std::vector<FactHistory> changes;
  for (int64_t wc : touched) {
    std::vector<std::pair<int64_t, const WorkOrder*>> mine;
    for (const auto& [id, wo] : work_orders_) {
      if (wo.work_center == wc) mine.emplace_back(id, &wo);
    }
    const Subject subject{"work_center", std::to_string(wc)};
    if (mine.empty()) continue;
    std::set<int64_t> bounds;
    for (const auto& [id, wo] : mine) {
      bounds.insert(wo->start_us);
      if (wo->end_us) bounds.insert(*wo->end_us);
    }
    const int64_t from_us = *bounds.begin();
    FactHistory orders{subject, "order", fromUnixMicros(from_us), {}};
    FactHistory work{subject, "work_order", fromUnixMicros(from_us), {}};
    for (auto b = bounds.begin(); b != bounds.end(); ++b) {
      const int64_t t = *b;
      const auto next = std::next(b);
      // The work order running at t that started last.
      int64_t best_id = 0;
      const WorkOrder* best = nullptr;
      for (const auto& [id, wo] : mine) {
        if (wo->start_us > t || (wo->end_us && *wo->end_us <= t)) continue;
        if (best == nullptr || wo->start_us > best->start_us ||
            (wo->start_us == best->start_us && id > best_id)) {
          best = wo;
          best_id = id;
        }
      }
      if (best == nullptr) continue;
      const std::optional<TimePoint> until =
          next == bounds.end() ? std::nullopt : std::optional<TimePoint>(fromUnixMicros(*next));
      auto extend = [&](FactHistory& h, const std::string& value) {
        if (!h.intervals.empty() && h.intervals.back().value == value &&
            h.intervals.back().until == fromUnixMicros(t)) {
          h.intervals.back().until = until;
        } else {
          h.intervals.push_back({value, fromUnixMicros(t), until});
        }
      };
      extend(orders, best->order);
      extend(work, std::to_string(best_id));
    }
    changes.push_back(std::move(orders));
    changes.push_back(std::move(work));
  }
  auto written = master_data_.replaceFrom(changes);
  if (!written) return written.status();
  spdlog::debug("master data: mrp.workorder {} read: {} records, {} work centers, {} rows written",
                only_id ? "hinted" : (full ? "full" : "incremental"), records->size(),
                touched.size(), *written);
  if (!only_id) {  // see syncAttributes: hinted reads leave the watermark alone
    state.watermark = watermark;
    state.synced = true;
  }
  // Forget work orders that ended longer than `history` ago (their facts stay in the store).
  const int64_t horizon = toUnixMicros(now - history);
  std::erase_if(work_orders_, [&](const auto& entry) {
    return entry.second.end_us && *entry.second.end_us < horizon;
  });
  return Status::ok();
}

Status OdooMasterDataSync::emitEvents(std::string_view model, std::vector<Event>&& events) {
  const size_t count = events.size();
  std::vector<std::string> lines;
  lines.reserve(count);
  for (const Event& e : events) {
    lines.push_back(std::string(model) + " " + e.context.at("maintenance_request") +
                    " moved to stage " + std::to_string(e.payload.at("stage_id").as_int64()) +
                    " (" + std::string(e.payload.at("stage_name").as_string()) + "): event " +
                    e.id + " " + std::string(kMaintenanceStageChanged));
  }
  if (Status s = event_sink_(std::move(events)); !s.isOk()) {
    // Nothing of this read is written: the facts would mark the stages as seen.
    return Status::unavailable("master data: " + std::to_string(count) + " " +
                               std::string(kMaintenanceStageChanged) +
                               " events not journaled, read again next time: " + s.toString());
  }
  for (const std::string& line : lines) spdlog::info("master data: {}", line);
  return Status::ok();
}

void OdooMasterDataSync::checkMappings(const OdooMappedKind& kind,
                                       const std::set<std::string>& known) {
  std::vector<std::string> problems;
  for (const OdooMappedId& mapped : mapped_ids_) {
    if (mapped.field != kind.field || known.contains(mapped.id)) continue;
    problems.push_back(odooMappedIdMissing(kind, mapped));
    spdlog::warn("master data: {}", problems.back());
  }
  const std::string field(kind.field);
  if (metrics_ != nullptr) {
    metrics_
        ->gauge("plantbridge_master_data_unresolved_mappings",
                "Mapped ids (mappings.assets, mappings.reason_codes) that Odoo does not have, "
                "per field.",
                {{"field", field}})
        .set(static_cast<double>(problems.size()));
  }
  std::lock_guard lock(mutex_);
  problems_[field] = std::move(problems);
}

std::vector<std::string> OdooMasterDataSync::mappingProblems() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [field, problems] : problems_)
    out.insert(out.end(), problems.begin(), problems.end());
  return out;
}

OdooMasterDataSync::HintResult OdooMasterDataSync::hint(std::string_view model, int64_t id) {
  auto it = models_.find(model);  // models_'s keys never change after construction
  if (it == models_.end() || !it->second.config.enabled || id <= 0) {
    return HintResult::kUnknownModel;
  }
  const auto due = clock_.steadyNow() + config_.webhook_delay;
  {
    std::lock_guard lock(mutex_);
    auto key = std::make_pair(std::string(model), id);
    if (hints_.contains(key)) {
      ++hint_stats_.deduplicated;
      return HintResult::kDuplicate;
    }
    if (hints_.size() >= kMaxQueuedHints) return HintResult::kQueueFull;
    hints_.emplace(std::move(key), due);
    ++hint_stats_.queued;
  }
  wake_.notify_all();
  return HintResult::kQueued;
}

std::vector<std::string> OdooMasterDataSync::hintModels() const {
  std::vector<std::string> out;
  for (const MasterDataModelConfig& m : config_.models) {
    if (m.enabled) out.push_back(m.model);
  }
  return out;
}

std::optional<std::chrono::steady_clock::time_point> OdooMasterDataSync::nextHintDue() const {
  std::lock_guard lock(mutex_);
  std::optional<std::chrono::steady_clock::time_point> next;
  for (const auto& [key, due] : hints_) {
    if (!next || due < *next) next = due;
  }
  return next;
}

size_t OdooMasterDataSync::rereadDueHints() {
  std::vector<std::pair<std::string, int64_t>> due;
  {
    std::lock_guard lock(mutex_);
    const auto now = clock_.steadyNow();
    for (auto it = hints_.begin(); it != hints_.end();) {
      if (it->second <= now) {
        due.push_back(it->first);
        it = hints_.erase(it);  // a hint from now on queues another re-read
      } else {
        ++it;
      }
    }
  }
  for (const auto& [model, id] : due) {
    ModelState& state = models_.find(model)->second;
    const Status status =
        model == kWorkOrders ? syncWorkOrders(state, id) : syncAttributes(model, state, id);
    if (status.isOk()) {
      spdlog::info("master data: {} {} re-read after an Odoo webhook", model, id);
    } else {
      spdlog::warn(
          "master data: re-reading {} {} after a webhook failed; the scheduled read will catch "
          "up: {}",
          model, id, status.toString());
    }
    if (metrics_ != nullptr) {
      metrics_
          ->counter("plantbridge_odoo_webhook_hints_total", std::string(kHintsHelp),
                    {{"result", status.isOk() ? "reread" : "reread_failed"}})
          .inc();
    }
    {
      std::lock_guard lock(mutex_);
      ++(status.isOk() ? hint_stats_.reread : hint_stats_.failed);
    }
    wake_.notify_all();
  }
  return due.size();
}

OdooMasterDataSync::HintStats OdooMasterDataSync::hintStats() const {
  std::lock_guard lock(mutex_);
  return hint_stats_;
}

bool OdooMasterDataSync::waitForRereads(uint64_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return wake_.wait_for(lock, timeout,
                        [&] { return hint_stats_.reread + hint_stats_.failed >= count; });
}

void OdooMasterDataSync::syncDue() {
  const auto now = std::chrono::steady_clock::now();
  // In the order of config_.models: reference data before the orders that point at it.
  for (const MasterDataModelConfig& m : config_.models) {
    ModelState& state = models_[m.model];
    if (!m.enabled || state.next_due > now) continue;
    {
      std::lock_guard lock(mutex_);
      if (stop_) return;
    }
    if (Status s = syncModel(m.model); !s.isOk()) {
      spdlog::warn("master data: reading {} failed, trying again at the next period: {}", m.model,
                   s.toString());
    }
    state.next_due = now + m.every;
  }
  forgetOldFacts(now);
}

void OdooMasterDataSync::forgetOldFacts(std::chrono::steady_clock::time_point now) {
  if (config_.keep.count() == 0 || now < next_retention_) return;
  next_retention_ = now + std::chrono::hours(1);
  auto removed = master_data_.forgetEndedBefore(clock_.now() - config_.keep);
  if (!removed.isOk()) {
    spdlog::warn(
        "master data: forgetting facts older than `keep` failed, trying again in an "
        "hour: {}",
        removed.status().toString());
  } else if (*removed > 0) {
    spdlog::info("master data: forgot {} facts that ended more than {} h ago (keep)", *removed,
                 std::chrono::duration_cast<std::chrono::hours>(config_.keep).count());
  }
}

void OdooMasterDataSync::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void OdooMasterDataSync::run() {
  for (;;) {
    syncDue();
    rereadDueHints();
    auto next = std::chrono::steady_clock::time_point::max();
    for (const auto& [name, state] : models_) {
      if (state.config.enabled) next = std::min(next, state.next_due);
    }
    // Hints are due in the injected clock's steady time; the wait is in real steady time.
    if (auto hint_due = nextHintDue()) {
      next = std::min(next, std::chrono::steady_clock::now() + (*hint_due - clock_.steadyNow()));
    }
    const uint64_t queued = hintStats().queued;
    std::unique_lock lock(mutex_);
    auto woken = [&] { return stop_ || hint_stats_.queued != queued; };
    if (next == std::chrono::steady_clock::time_point::max()) {
      wake_.wait(lock, woken);
    } else {
      wake_.wait_until(lock, next, woken);
    }
    if (stop_) return;
  }
}

void OdooMasterDataSync::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace pb
