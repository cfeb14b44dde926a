// Signals into events at the connector: the `emit` rules of a connector's signals
// (connectors.<name>.signals[].emit[], docs/connectors/opcua.md "Signals and events").
//
// - change: every Good reading becomes an event with the value in `value_field`;
// - rising / falling: a reading whose truthiness (a boolean, or a number other than 0) differs
//   from the signal's previous one. The first reading of a signal has no previous one: it
//   raises `rising` events when truthy (a machine already in alarm when we connect is news)
//   and never `falling` ones.
// A reading of Bad or Uncertain quality emits nothing and leaves the edge state alone: a gap is
// never reported as data.
//
// Event ids are derived from (connector, signal, rule, reading time, value), so the same
// reading delivered twice -- a notification republished after a reconnect, a subscription's
// initial values after a restart of plantbridge -- becomes the same event id, which the
// journal answers as a duplicate.
// Thread-safety: one thread at a time (a connector's own).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/model/event.h"

namespace pb {

struct SignalReading {
  size_t signal = 0;  // index into ConnectorConfig::signals
  boost::json::value value;
  TimePoint at{};    // when the source says the value was taken
  bool good = true;  // Good quality
};

class SignalEvents {
 public:
  // `site` is the connector's site (or the config's). The config has been validated.
  SignalEvents(const ConnectorConfig& config, std::string site);

  // The events of one reading, in the order of the signal's emit rules.
  std::vector<Event> apply(const SignalReading& reading);

  static std::string sourceOf(const ConnectorConfig& config) {
    return config.kind + "/" + config.name;
  }

 private:
  struct Rule {
    SignalEmitConfig::When when;
    std::string type;
    std::string value_field;
    boost::json::object payload;
  };
  struct SignalState {
    std::string name;
    std::string asset;
    std::vector<Rule> rules;
    std::optional<bool> truthy;  // of the previous Good reading
  };

  Event makeEvent(const SignalState& signal, size_t rule_index, const SignalReading& reading,
                  const std::string& value_text) const;

  std::string name_;
  std::string source_;
  std::string site_;
  std::vector<SignalState> signals_;
};

// Whether a value counts as "on" for rising/falling: true, or a number other than 0; a string
// is on when non-empty and not "0"/"false".
bool isTruthy(const boost::json::value& value);

}  // namespace pb
