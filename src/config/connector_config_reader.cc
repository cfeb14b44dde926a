#include "connector_config_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "config_keys.h"
#include "validators.h"

namespace pb::config_internal {
namespace {

namespace keys = config_keys;

std::optional<SignalEmitConfig::When> whenFromName(std::string_view name) {
  if (name == "change") return SignalEmitConfig::When::kChange;
  if (name == "rising") return SignalEmitConfig::When::kRising;
  if (name == "falling") return SignalEmitConfig::When::kFalling;
  return std::nullopt;
}

// A plain YAML scalar becomes a JSON boolean or number when it reads as one; a quoted one
// stays a string ("7" quoted is the string 7).
boost::json::value scalarToJson(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "!") {
    if (text == "true") return true;
    if (text == "false") return false;
    int64_t integer = 0;
    const char* end = text.data() + text.size();
    if (auto [p, ec] = std::from_chars(text.data(), end, integer); ec == std::errc() && p == end) {
      return integer;
    }
    double number = 0;
    if (auto [p, ec] = std::from_chars(text.data(), end, number);
        ec == std::errc() && p == end && std::isfinite(number)) {
      return number;
    }
  }
  return boost::json::string(text);
}

class ConnectorReader {
 public:
  ConnectorReader(YamlReader& reader, const EventTypeCheck& check_event_type)
      : r_(reader), check_event_type_(check_event_type) {}

  void read(const YAML::Node& node, const Loc& at, std::vector<ConnectorConfig>& out) {
    r_.forEachEntry(
        node, at, [&](const std::string& name, const YAML::Node& value, const Loc& loc) {
          if (!isName(name)) {
            r_.error(loc, "'" + name +
                              "' is not a valid connector name (letters, digits, '.', '_', '-')");
          }
          ConnectorConfig connector;
          connector.name = name;
          // Only one kind so far; the kind's table decides which keys are allowed.
          Section s(r_, value, loc, keys::kOpcUaConnector);
          if (!s.isMap()) return;
          if (s.require("kind")) s.readOneOf("kind", connector.kind, keys::kConnectorKinds);
          if (s.read("site", connector.site) && !isName(connector.site)) {
            r_.error(s.loc("site"), "'" + connector.site + "' is not a valid site name");
          }
          if (s.read("asset", connector.asset) && !isAssetId(connector.asset)) {
            r_.error(s.loc("asset"), "'" + connector.asset + "' is not a valid asset id");
          }
          readOpcUa(s, connector.opcua);
          if (s.require("signals")) {
            readSignals(*s.node("signals"), s.loc("signals"), connector);
          }
          out.push_back(std::move(connector));
        });
  }

 private:
  void readOpcUa(Section& s, OpcUaConnectorConfig& out) {
    if (s.require("endpoint") && s.read("endpoint", out.endpoint)) {
      constexpr std::string_view kScheme = "opc.tcp://";
      if (out.endpoint.rfind(kScheme, 0) != 0 || out.endpoint.size() == kScheme.size()) {
        r_.error(s.loc("endpoint"),
                 "'" + out.endpoint + "' is not an OPC UA endpoint (opc.tcp://host[:port][/path])");
      }
    }
    s.read("user", out.user);
    SecretValue password;
    if (readSecretKeys(r_, s, {"password_file", "password_env", ""}, password)) {
      out.password = std::move(password.value);
      out.password_file = std::move(password.file);
      out.password_env = std::move(password.env);
      if (out.user.empty()) {
        r_.error(s.loc(s.has("password_file") ? "password_file" : "password_env"),
                 "a password needs a user: set `user` too, or remove it to log in anonymously");
      }
    } else if (!out.user.empty() && !s.has("password_file") && !s.has("password_env")) {
      r_.error(s.loc("user"),
               "user '" + out.user + "' needs a password: password_file or password_env");
    }
    const bool policy =
        s.readOneOf("security_policy", out.security_policy, keys::kSecurityPolicies);
    const bool mode = s.readOneOf("security_mode", out.security_mode, keys::kSecurityModes);
    if ((policy || mode) && (out.security_policy == "None") != (out.security_mode == "None")) {
      r_.error(s.loc(mode ? "security_mode" : "security_policy"),
               "security_policy None goes with security_mode None, and Basic256Sha256 with Sign "
               "or SignAndEncrypt (policy " +
                   out.security_policy + ", mode " + out.security_mode + ")");
    }
    s.readPath("pki_dir", out.pki_dir);
    s.read("publishing_interval", out.publishing_interval, Millis(10), std::chrono::hours(1));
    s.read("connect_timeout", out.connect_timeout, Millis(100), std::chrono::minutes(10));
    s.read("request_timeout", out.request_timeout, Millis(100), std::chrono::minutes(10));
    if (const YAML::Node* n = s.node("reconnect")) {
      Section rs(r_, *n, s.loc("reconnect"), keys::kReconnect);
      rs.read("initial_backoff", out.reconnect_initial_backoff, Millis(10), std::chrono::hours(1));
      rs.read("max_backoff", out.reconnect_max_backoff, Millis(10), std::chrono::hours(1));
      if (out.reconnect_max_backoff < out.reconnect_initial_backoff) {
        r_.error(rs.loc("max_backoff"), "must not be less than initial_backoff");
      }
    }
  }

  void readSignals(const YAML::Node& node, const Loc& at, ConnectorConfig& connector) {
    std::map<std::string, int> names;
    r_.forEachItem(node, at, [&](const YAML::Node& item, const Loc& loc, size_t) {
      Section s(r_, item, loc, keys::kSignal);
      if (!s.isMap()) return;
      SignalConfig signal;
      if (s.require("name") && s.read("name", signal.name)) {
        if (!isName(signal.name)) {
          r_.error(s.loc("name"), "'" + signal.name + "' is not a valid signal name");
        } else if (const auto it = names.find(signal.name); it != names.end()) {
          r_.error(s.loc("name"), "duplicate signal name '" + signal.name + "' (first on line " +
                                      std::to_string(it->second) + ")");
        } else {
          names[signal.name] = s.loc("name").line;
        }
      }
      const bool by_node = s.read("node", signal.node_id);
      const bool by_path = s.read("path", signal.path);
      if (by_node && by_path) {
        r_.error(s.loc("path"), "give either node (a NodeId) or path (a browse path), not both");
      } else if (!s.has("node") && !s.has("path")) {
        r_.error(s.at(),
                 "missing: which node to watch, as node (e.g. \"ns=2;s=CNC07.PartCounter\") "
                 "or path (e.g. \"/2:CNC07/2:PartCounter\")");
      }
      if (s.read("asset", signal.asset) && !isAssetId(signal.asset)) {
        r_.error(s.loc("asset"), "'" + signal.asset + "' is not a valid asset id");
      }
      if (signal.asset.empty() && connector.asset.empty() && !s.has("asset")) {
        r_.error(s.at(),
                 "no asset: set `asset` on the signal or on the connector, so its events "
                 "say which machine they are about");
      }
      Millis sampling{0};
      if (s.read("sampling_interval", sampling, Millis(0), std::chrono::hours(1))) {
        signal.sampling_interval = sampling;
      }
      s.readInt("queue_size", signal.queue_size, 1, 10'000);
      if (const YAML::Node* n = s.node("deadband")) readDeadband(*n, s.loc("deadband"), signal);
      if (s.require("emit")) readEmits(*s.node("emit"), s.loc("emit"), signal);
      connector.signals.push_back(std::move(signal));
    });
    if (node.IsSequence() && node.size() == 0) r_.error(at, "must list at least one signal");
  }

  void readDeadband(const YAML::Node& node, const Loc& at, SignalConfig& signal) {
    Section s(r_, node, at, keys::kDeadband);
    if (!s.isMap()) return;
    if (s.has("absolute") && s.has("percent")) {
      r_.error(s.loc("percent"), "give either absolute or percent, not both");
    } else if (s.readDouble("absolute", signal.deadband_value, 0)) {
      signal.deadband = SignalConfig::Deadband::kAbsolute;
    } else if (s.readDouble("percent", signal.deadband_value, 0, 100)) {
      signal.deadband = SignalConfig::Deadband::kPercent;
    } else if (!s.has("absolute") && !s.has("percent")) {
      r_.error(at, "missing: absolute (in the value's unit) or percent (of its EURange)");
    }
  }

  void readEmits(const YAML::Node& node, const Loc& at, SignalConfig& signal) {
    r_.forEachItem(node, at, [&](const YAML::Node& item, const Loc& loc, size_t) {
      Section s(r_, item, loc, keys::kEmit);
      if (!s.isMap()) return;
      SignalEmitConfig emit;
      std::string when = "change";
      if (s.readOneOf("when", when, keys::kEmitWhen)) emit.when = *whenFromName(when);
      if (s.require("type") && s.read("type", emit.type)) {
        check_event_type_(s.loc("type"), emit.type);
      }
      if (s.read("value_field", emit.value_field) && !isIdentifier(emit.value_field)) {
        r_.error(s.loc("value_field"),
                 "'" + emit.value_field + "' is not a valid payload field name");
      }
      if (emit.when == SignalEmitConfig::When::kChange && emit.value_field.empty() &&
          s.has("type")) {
        r_.error(s.at(),
                 "missing: value_field, the payload field that carries the new value "
                 "(a change without its value says nothing)");
      }
      boost::json::object payload;
      if (const YAML::Node* n = s.node("payload")) {
        r_.forEachEntry(
            *n, s.loc("payload"),
            [&](const std::string& field, const YAML::Node& value, const Loc& field_loc) {
              if (!isIdentifier(field)) {
                r_.error(field_loc, "'" + field + "' is not a valid payload field name");
              } else if (field == emit.value_field) {
                r_.error(field_loc, "'" + field +
                                        "' is the value_field, which the signal's value "
                                        "fills");
              } else if (!value.IsScalar()) {
                r_.error(field_loc, "constant payload values are scalars, not " + describe(value));
              } else {
                payload[field] = scalarToJson(value);
              }
            });
      }
      emit.payload_json = boost::json::serialize(payload);
      signal.emit.push_back(std::move(emit));
    });
    if (node.IsSequence() && node.size() == 0) {
      r_.error(at, "must list at least one event to emit");
    }
  }

  YamlReader& r_;
  const EventTypeCheck& check_event_type_;
};

}  // namespace

void readConnectors(YamlReader& reader, const YAML::Node& node, const Loc& at,
                    const EventTypeCheck& check_event_type, std::vector<ConnectorConfig>& out) {
  ConnectorReader(reader, check_event_type).read(node, at, out);
}

}  // namespace pb::config_internal
