#include "plantbridge/connectors/signal_events.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "plantbridge/common/ids.h"

namespace pb {

bool isTruthy(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::bool_:
      return value.get_bool();
    case boost::json::kind::int64:
      return value.get_int64() != 0;
    case boost::json::kind::uint64:
      return value.get_uint64() != 0;
    case boost::json::kind::double_:
      return value.get_double() != 0.0;
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      return !s.empty() && s != "0" && s != "false";
    }
    default:
      return false;
  }
}

SignalEvents::SignalEvents(const ConnectorConfig& config, std::string site)
    : name_(config.name), source_(sourceOf(config)), site_(std::move(site)) {
  for (const SignalConfig& signal : config.signals) {
    SignalState state;
    state.name = signal.name;
    state.asset = signal.asset.empty() ? config.asset : signal.asset;
    for (const SignalEmitConfig& emit : signal.emit) {
      boost::json::value payload = boost::json::parse(emit.payload_json);
      state.rules.push_back({emit.when, emit.type, emit.value_field,
                             payload.is_object() ? payload.as_object() : boost::json::object{}});
    }
    signals_.push_back(std::move(state));
  }
}

std::vector<Event> SignalEvents::apply(const SignalReading& reading) {
  std::vector<Event> events;
  if (!reading.good || reading.signal >= signals_.size()) return events;
  SignalState& signal = signals_[reading.signal];
  const bool truthy = isTruthy(reading.value);
  const std::optional<bool> before = signal.truthy;
  signal.truthy = truthy;
  const std::string value_text = boost::json::serialize(reading.value);
  for (size_t i = 0; i < signal.rules.size(); ++i) {
    const Rule& rule = signal.rules[i];
    bool fires = false;
    switch (rule.when) {
      case SignalEmitConfig::When::kChange:
        fires = true;
        break;
      case SignalEmitConfig::When::kRising:
        fires = truthy && before != true;
        break;
      case SignalEmitConfig::When::kFalling:
        fires = !truthy && before == true;
        break;
    }
    if (fires) events.push_back(makeEvent(signal, i, reading, value_text));
  }
  return events;
}

Event SignalEvents::makeEvent(const SignalState& signal, size_t rule_index,
                              const SignalReading& reading, const std::string& value_text) const {
  const Rule& rule = signal.rules[rule_index];
  Event event;
  event.id = derivedId(source_ + "/" + signal.name + "/" + std::to_string(rule_index),
                       std::to_string(toUnixMicros(reading.at)) + "/" + value_text);
  event.type = rule.type;
  event.occurred_at = reading.at;
  event.site = site_;
  event.source = source_;
  event.asset = signal.asset;
  event.payload = rule.payload;
  if (!rule.value_field.empty()) event.payload[rule.value_field] = reading.value;
  event.correlation_id = event.id;
  return event;
}

}  // namespace pb
