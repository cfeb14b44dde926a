// Reads the `connectors` section: plant-floor sources that run inside `plantbridge run`. Each
// kind's keys and checks live here; what needs the connector's own code (parsing an OPC UA
// NodeId or browse path) is checked by the connector at start-up and by check-config.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "plantbridge/config/config.h"
#include "yaml_reader.h"

namespace pb::config_internal {

// Records an event type a connector emits, for the cross-check against schemas; answers
// whether the name is a valid event type.
using EventTypeCheck = std::function<bool(const Loc& at, const std::string& type)>;

void readConnectors(YamlReader& reader, const YAML::Node& node, const Loc& at,
                    const EventTypeCheck& check_event_type, std::vector<ConnectorConfig>& out);

}  // namespace pb::config_internal
