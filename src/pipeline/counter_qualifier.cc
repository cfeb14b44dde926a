#include "plantbridge/pipeline/counter_qualifier.h"

#include <boost/json/parse.hpp>
#include <cmath>
#include <limits>

#include "plantbridge/common/ids.h"
#include "plantbridge/pipeline/template.h"
#include "text_util.h"

namespace pb {
namespace json = boost::json;
using pipeline_detail::quoted;

namespace {

struct LastReading {
  int64_t reading = 0;
  TimePoint occurred_at{};
};

// A counter reading is a non-negative integer; 1200.0 is accepted, 1200.5 is not (never
// silently rounded).
std::optional<int64_t> readingOf(const json::value& v) {
  if (v.is_int64()) {
    if (v.get_int64() < 0) return std::nullopt;
    return v.get_int64();
  }
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (!std::isfinite(d) || d < 0 || std::trunc(d) != d || d >= 9.2e18) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

std::string encodeState(int64_t reading, const Event& event) {
  json::object state;
  state["reading"] = reading;
  state["occurred_at"] = formatRfc3339(event.occurred_at);
  state["event_id"] = event.id;
  return jsonText(state);
}

std::optional<LastReading> decodeState(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& obj = v.get_object();
  const json::value* reading = obj.if_contains("reading");
  const json::value* at = obj.if_contains("occurred_at");
  if (!reading || !at || !at->is_string()) return std::nullopt;
  auto r = readingOf(*reading);
  auto t = parseRfc3339(at->get_string());
  if (!r || !t) return std::nullopt;
  return LastReading{*r, *t};
}

Result<StageOutcome> qualifyOne(const CounterQualifierConfig& q, Event& event, StageContext& ctx) {
  std::string who = " (qualifier " + quoted(q.name) + ")";
  const std::string value_path = "payload." + q.value_field;
  const json::value* raw = event.payload.if_contains(q.value_field);
  if (!raw || raw->is_null()) return StageOutcome::exception(value_path + ": is required" + who);
  std::optional<int64_t> reading = readingOf(*raw);
  if (!reading) {
    return StageOutcome::exception(value_path +
                                   ": must be a non-negative integer counter reading (got " +
                                   jsonText(*raw).substr(0, 64) + ")" + who);
  }
  if (q.rollover_at > 0 && *reading > q.rollover_at) {
    return StageOutcome::exception(value_path + ": " + std::to_string(*reading) +
                                   " is above the counter's rollover_at " +
                                   std::to_string(q.rollover_at) + who);
  }
  if (event.asset.empty()) return StageOutcome::exception("asset: is required" + who);
  // A reading without the key field is the asset's untagged counter (the schema decides
  // whether the field is required).
  std::string key;
  if (!q.key_field.empty()) {
    if (const json::value* k = event.payload.if_contains(q.key_field)) key = valueText(*k);
  }
  std::string derived_id = CounterQualifier::derivedEventId(q, event.id);
  std::string counter_name = quoted(event.asset) + (key.empty() ? "" : " key " + quoted(key));

  if (ctx.state.replaying()) {
    // See counter_qualifier.h: replay never derives and never touches counter state.
    ctx.state.noteDerivedCandidate(derived_id);
    return StageOutcome::next("not_requalified",
                              "counter readings are not re-qualified in replay; live processing's "
                              "derived event for this reading, if any, is " +
                                  derived_id);
  }

  std::string state_key = CounterQualifier::stateKey(q, event.asset, key);
  auto stored = ctx.state.state(state_key);
  if (!stored.isOk()) return stored.status();
  std::optional<LastReading> last;
  if (stored->has_value()) last = decodeState(**stored);

  if (!last) {
    ctx.state.setState(ctx.step, state_key, encodeState(*reading, event));
    std::string why = stored->has_value() ? " (stored state was unreadable)" : "";
    return StageOutcome::next("baseline", "baseline: first reading " + std::to_string(*reading) +
                                              " of counter " + counter_name + why + who);
  }
  if (event.occurred_at < last->occurred_at) {
    return StageOutcome::next(
        "out_of_order", "out of order: reading " + std::to_string(*reading) + " at " +
                            formatRfc3339(event.occurred_at) + " is older than the last reading " +
                            std::to_string(last->reading) + " at " +
                            formatRfc3339(last->occurred_at) + "; not used for a delta" + who);
  }

  int64_t delta = 0;
  std::string how;
  bool rollover = false;
  bool reset = false;
  if (*reading >= last->reading) {
    delta = *reading - last->reading;
    how = std::to_string(last->reading) + " -> " + std::to_string(*reading);
  } else {
    // A last reading above rollover_at (the config was changed since) cannot have wrapped.
    const bool can_wrap = q.rollover_at > 0 && last->reading <= q.rollover_at;
    int64_t wrapped = can_wrap ? (q.rollover_at - last->reading) + *reading + 1 : 0;
    double range = static_cast<double>(q.rollover_at) + 1;
    if (can_wrap && static_cast<double>(wrapped) <= q.reset_threshold * range) {
      rollover = true;
      delta = wrapped;
      how = std::to_string(last->reading) + " -> " + std::to_string(*reading) + ", rollover at " +
            std::to_string(q.rollover_at);
    } else {
      reset = true;
      delta = *reading;
      how = "reset detected: " + std::to_string(last->reading) + " -> " + std::to_string(*reading) +
            ", counted from 0";
    }
  }
  ctx.state.setState(ctx.step, state_key, encodeState(*reading, event));
  if (delta == 0) {
    std::string detail =
        reset ? how + ", nothing counted" : "reading " + std::to_string(*reading) + " unchanged";
    return StageOutcome::next("unchanged", detail + who);
  }

  Event derived;
  derived.id = derived_id;
  derived.type = q.output_type;
  derived.occurred_at = event.occurred_at;
  derived.site = event.site;
  derived.source = event.source;
  derived.asset = event.asset;
  derived.context = event.context;
  derived.correlation_id = event.correlation_id.empty() ? event.id : event.correlation_id;
  derived.causation_id = event.id;
  derived.payload["quantity"] = delta;
  derived.payload["counter"] = *reading;
  derived.payload["previous_counter"] = last->reading;
  derived.payload["previous_at"] = formatRfc3339(last->occurred_at);
  derived.payload["qualifier"] = q.name;
  if (!key.empty()) derived.payload["key"] = key;
  if (rollover) derived.payload["rollover"] = true;
  if (reset) derived.payload["reset"] = true;
  ctx.step.derived_events.push_back(std::move(derived));
  return StageOutcome::next("derived", "delta " + std::to_string(delta) + " (" + how + ") as " +
                                           q.output_type + " " + derived_id + who);
}

}  // namespace

std::string CounterQualifier::stateKey(const CounterQualifierConfig& qualifier,
                                       const std::string& asset, const std::string& key) {
  std::string out = "qualify/" + qualifier.name + "/" + asset;
  if (!key.empty()) out += "/" + key;
  return out;
}

std::string CounterQualifier::derivedEventId(const CounterQualifierConfig& qualifier,
                                             const std::string& source_event_id) {
  return derivedId(source_event_id, "qualify/" + qualifier.name);
}

Result<StageOutcome> CounterQualifier::apply(Event& event, StageContext& ctx) const {
  std::vector<std::string> details;
  std::string outcome;
  for (const auto& q : qualifiers_) {
    if (q.input_type != event.type) continue;
    auto one = qualifyOne(q, event, ctx);
    if (!one.isOk()) return one.status();
    // One unusable reading parks the event, whichever qualifier found it.
    if (one->kind == StageOutcome::Kind::kException) return one;
    if (outcome.empty() || one->outcome == "derived") outcome = one->outcome;
    details.push_back(std::move(one->detail));
  }
  if (details.empty()) return StageOutcome::next("passed", "no qualifier takes " + event.type);
  return StageOutcome::next(std::move(outcome), pipeline_detail::join(details, "; "));
}

}  // namespace pb
