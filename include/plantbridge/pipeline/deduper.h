// Stage 5, dedupe: duplicate and chatter suppression. Each rule whose types match renders its
// key template ("{{asset}}/{{payload.alarm_code}}"); if the key was recorded within the rule's
// window the event stops here ("suppressed: duplicate of key 'CNC-07/E42' within 60s (rule
// alarm-chatter)"), otherwise the key is recorded until occurred_at + window. Windows are in
// event time (occurred_at), so events that arrive late in a burst after an outage are judged
// by when they happened. The window is fixed from the first occurrence, not sliding. A rule
// whose key does not render (a field not set) does not apply to the event.
//
// Windows in event time must survive the store's purge of expired keys, which goes by the
// store's clock: a key is stored to expire at occurred_at + window + kLateArrivalRetention and
// looked up at occurred_at + kLateArrivalRetention. The comparison is exactly "within the
// window", and keys stay long enough to judge events that arrive up to a day late.
//
// Each decision is also kept as stage state ("dedupe-decision/<rule>/<event id>") so a replay
// repeats it instead of suppressing an event as a duplicate of itself (docs/pipeline.md).
#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "plantbridge/config/config.h"
#include "plantbridge/pipeline/stage.h"
#include "plantbridge/pipeline/template.h"

namespace pb {

class Deduper final : public Stage {
 public:
  // Parses every key template; all problems are added to `errors` (key
  // "dedupe_rules.<name>.key"), and null is returned if there was any.
  static std::unique_ptr<Deduper> create(const std::vector<DedupeRuleConfig>& rules,
                                         std::vector<ConfigError>& errors);
  std::string_view name() const override { return "dedupe"; }

  static constexpr std::chrono::hours kLateArrivalRetention{24};
  Result<StageOutcome> apply(Event& event, StageContext& ctx) const override;

  static std::string storeKey(const std::string& rule, const std::string& rendered_key);
  static std::string decisionKey(const std::string& rule, const std::string& event_id);

 private:
  struct Rule {
    DedupeRuleConfig config;
    Template key;
  };
  explicit Deduper(std::vector<Rule> rules) : rules_(std::move(rules)) {}
  std::vector<Rule> rules_;
};

}  // namespace pb
