// Stage 2, qualify: counter_delta qualifiers turn cumulative machine counter readings
// (`machine.counter`) into `production.count` events carrying the delta.
//
// For each configured qualifier whose input_type matches, per (qualifier, asset, key) the last
// reading and its occurred_at are kept as stage state ("qualify/<name>/<asset>[/<key>]"). A
// reading
//  - with no earlier reading is the baseline: state only, no event;
//  - older than the last one (out of order) is not used and the state is left alone;
//  - equal to the last one changes nothing (no event);
//  - above the last one derives `quantity = reading - last`;
//  - below the last one is a rollover when the counter wraps (rollover_at > 0) and the counts
//    the wrap implies, (rollover_at - last) + reading + 1, are at most reset_threshold of the
//    range (rollover_at + 1): the last reading was close to the maximum. Otherwise it is a reset
//    (the counter restarted from 0): `quantity = reading`.
// The derived event has id derivedId(source id, "qualify/<name>"), causation_id = source id,
// the source's correlation id, site, source, asset, context and occurred_at, and payload
// {quantity, counter, previous_counter, previous_at, qualifier[, key][, rollover|reset]}. It is
// appended to the journal and goes through the stages itself when the cursor reaches it.
//
// Replay never derives: a delta depends on the reading before it, and live processing has
// already accounted for every interval (a reading that was never qualified is covered by the
// next reading's delta, counters being cumulative). So in replay mode the qualifier neither
// reads nor writes counter state; it notes the id live processing would have derived so the
// replayer can re-run that event if it exists (docs/pipeline.md, "Replay").
#pragma once

#include <vector>

#include "plantbridge/config/config.h"
#include "plantbridge/pipeline/stage.h"

namespace pb {

class CounterQualifier final : public Stage {
 public:
  explicit CounterQualifier(std::vector<CounterQualifierConfig> qualifiers)
      : qualifiers_(std::move(qualifiers)) {}
  std::string_view name() const override { return "qualify"; }
  // Events of no qualifier's input type pass untouched. A reading that is missing, not a
  // non-negative integer, or above rollover_at parks the event.
  Result<StageOutcome> apply(Event& event, StageContext& ctx) const override;

  static std::string stateKey(const CounterQualifierConfig& qualifier, const std::string& asset,
                              const std::string& key);
  static std::string derivedEventId(const CounterQualifierConfig& qualifier,
                                    const std::string& source_event_id);

 private:
  std::vector<CounterQualifierConfig> qualifiers_;
};

}  // namespace pb
