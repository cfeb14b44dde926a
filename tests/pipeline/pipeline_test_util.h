// Helpers for pipeline tests: events from JSON, fixed times, and an in-memory PipelineStore
// (for stage tests that need committed state without a database).
#pragma once

#include <stdlib.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/model/event.h"
#include "plantbridge/pipeline/stage.h"
#include "plantbridge/store/pipeline_store.h"

namespace pb::test {

inline TimePoint at(const char* rfc3339) {
  auto t = parseRfc3339(rfc3339);
  return t.isOk() ? *t : TimePoint{};
}

inline boost::json::object payloadOf(const char* json) {
  return boost::json::parse(json).as_object();
}

inline Event makeEvent(std::string id, std::string type, std::string asset, TimePoint occurred_at,
                       const char* payload_json = "{}") {
  Event e;
  e.id = std::move(id);
  e.type = std::move(type);
  e.asset = std::move(asset);
  e.occurred_at = occurred_at;
  e.received_at = occurred_at;
  e.site = "plant-1";
  e.source = "edge-1";
  e.correlation_id = "corr-" + e.id;
  e.payload = payloadOf(payload_json);
  return e;
}

// Holds what a stage needs to run one event outside a pipeline.
struct StageHarness {
  explicit StageHarness(PipelineStore* store = nullptr, PipelineMode mode = PipelineMode::kLive)
      : state(store, mode) {}
  // Runs `stage` over `event` with a fresh StepResult (kept in `step` for inspection).
  Result<StageOutcome> run(const Stage& stage, Event& event) {
    step = StepResult{};
    step.event_id = event.id;
    StageContext ctx{now, state, step};
    return stage.apply(event, ctx);
  }
  TimePoint now = at("2026-11-22T10:00:00Z");
  BatchState state;
  StepResult step;
};

// PipelineStore in memory: commits apply state, dedupe keys, exceptions and transaction ids.
class FakePipelineStore final : public PipelineStore {
 public:
  Result<int64_t> cursor() override {
    std::lock_guard lock(mutex_);
    return cursor_;
  }
  Result<int64_t> commitSteps(const std::vector<StepResult>& steps,
                              std::optional<int64_t> new_cursor) override {
    std::lock_guard lock(mutex_);
    if (fail_commits) return Status::unavailable("fake store: commit refused");
    int64_t fresh = 0;
    for (const auto& step : steps) {
      for (const auto& u : step.state_updates) state_[u.key] = u.value;
      for (const auto& k : step.dedupe_keys) {
        auto& slot = dedupe_[k.key];
        if (slot < k.expires_at) slot = k.expires_at;
      }
      for (const auto& tx : step.transactions) fresh += tx_ids_.insert(tx.id).second ? 1 : 0;
      if (step.exception) {
        exceptions_[step.event_id] = *step.exception;
      } else {
        exceptions_.erase(step.event_id);
      }
      for (const auto& t : step.trace) traces_[t.event_id].push_back(t);
    }
    if (new_cursor) cursor_ = *new_cursor;
    ++commits;
    return fresh;
  }
  Result<std::optional<std::string>> getState(const std::string& key) override {
    std::lock_guard lock(mutex_);
    if (fail_reads) return Status::unavailable("fake store: read refused");
    auto it = state_.find(key);
    if (it == state_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<bool> dedupeKeySeen(const std::string& key, TimePoint now) override {
    std::lock_guard lock(mutex_);
    if (fail_reads) return Status::unavailable("fake store: read refused");
    auto it = dedupe_.find(key);
    return it != dedupe_.end() && it->second > now;
  }
  Result<bool> hasTransaction(const std::string& id) override {
    std::lock_guard lock(mutex_);
    if (fail_reads) return Status::unavailable("fake store: read refused");
    return tx_ids_.contains(id);
  }
  Result<std::vector<StageTrace>> traceOf(const std::string& event_id) override {
    std::lock_guard lock(mutex_);
    return traces_[event_id];
  }
  Result<std::vector<ExceptionEntry>> exceptions(size_t limit) override {
    std::lock_guard lock(mutex_);
    std::vector<ExceptionEntry> out;
    for (const auto& [id, e] : exceptions_) {
      if (out.size() < limit) out.push_back(e);
    }
    return out;
  }
  Result<std::optional<ExceptionEntry>> exceptionOf(const std::string& event_id) override {
    std::lock_guard lock(mutex_);
    auto it = exceptions_.find(event_id);
    if (it == exceptions_.end()) return std::optional<ExceptionEntry>();
    return std::optional<ExceptionEntry>(it->second);
  }
  Result<int64_t> backlog() override { return int64_t{0}; }

  void putState(const std::string& key, const std::string& value) {
    std::lock_guard lock(mutex_);
    state_[key] = value;
  }
  void putDedupeKey(const std::string& key, TimePoint expires_at) {
    std::lock_guard lock(mutex_);
    dedupe_[key] = expires_at;
  }
  std::map<std::string, std::string> allState() {
    std::lock_guard lock(mutex_);
    return state_;
  }

  bool fail_reads = false;
  bool fail_commits = false;
  int commits = 0;

 private:
  std::mutex mutex_;
  int64_t cursor_ = 0;
  std::map<std::string, std::string> state_;
  std::map<std::string, TimePoint> dedupe_;
  std::set<std::string> tx_ids_;
  std::map<std::string, ExceptionEntry> exceptions_;
  std::map<std::string, std::vector<StageTrace>> traces_;
};

// A plant for end-to-end pipeline tests: counters on CNC-07 become production.count events
// routed to the ERP by work center; alarms are de-duplicated and routed to the CMMS.
inline Config plantConfig() {
  Config c;
  c.source_file = "plant.yaml";
  c.site = "plant-1";
  EventSchema counter{"machine.counter",
                      {{"counter", FieldSchema::Type::kInteger, true, 0.0, {}, {}, {}}},
                      {},
                      std::chrono::minutes(5)};
  EventSchema count{"production.count",
                    {{"quantity", FieldSchema::Type::kInteger, true, 0.0, {}, {}, {}}},
                    {},
                    std::chrono::minutes(5)};
  EventSchema alarm{"alarm.raised",
                    {{"alarm_code", FieldSchema::Type::kString, true, {}, {}, {}, {}}},
                    {},
                    std::chrono::minutes(5)};
  c.schemas = {{counter.type, counter}, {count.type, count}, {alarm.type, alarm}};
  CounterQualifierConfig q;
  q.name = "part-counter";
  q.rollover_at = 65535;
  c.counter_qualifiers = {q};
  c.asset_mappings = {{"CNC-07", {{"work_center", "7"}, {"cmms_asset", "A-1107"}}}};
  c.dedupe_rules = {{"alarm-chatter",
                     {"alarm.raised"},
                     "{{asset}}/{{payload.alarm_code}}",
                     std::chrono::seconds(60)}};
  RouteConfig to_erp;
  to_erp.name = "count-to-erp";
  to_erp.types = {"production.count"};
  to_erp.target = "erp";
  to_erp.ordering_key_template = "{{context.work_center}}";
  to_erp.require = {"context.work_center"};
  to_erp.body_template =
      R"({"workcenter_id": {{context.work_center}}, "qty": {{payload.quantity}}, "ref": "{{id}}"})";
  RouteConfig to_cmms;
  to_cmms.name = "alarm-to-cmms";
  to_cmms.types = {"alarm.raised"};
  to_cmms.target = "cmms";
  to_cmms.require = {"context.cmms_asset"};
  to_cmms.body_template =
      R"({"asset": "{{context.cmms_asset}}", "code": "{{payload.alarm_code}}"})";
  c.routes = {to_erp, to_cmms};
  TargetConfig erp;
  erp.name = "erp";
  erp.kind = "webhook";
  TargetConfig cmms = erp;
  cmms.name = "cmms";
  c.targets = {erp, cmms};
  return c;
}

inline Event counterReading(const std::string& id, int64_t value, const char* when,
                            const std::string& asset = "CNC-07") {
  Event e = makeEvent(id, "machine.counter", asset, at(when));
  e.payload["counter"] = value;
  return e;
}

inline Event productionCount(const std::string& id, int64_t quantity, const char* when,
                             const std::string& asset = "CNC-07") {
  Event e = makeEvent(id, "production.count", asset, at(when));
  e.payload["quantity"] = quantity;
  return e;
}

inline Event alarmRaised(const std::string& id, const char* code, const char* when,
                         const std::string& asset = "CNC-07") {
  Event e = makeEvent(id, "alarm.raised", asset, at(when));
  e.payload["alarm_code"] = code;
  return e;
}

// A fresh directory, removed with everything in it at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pb-pipeline-XXXXXX").string();
    if (char* made = mkdtemp(pattern.data())) path_ = made;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace pb::test
