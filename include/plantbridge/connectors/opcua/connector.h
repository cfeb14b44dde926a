// The OPC UA connector (kind: opcua, docs/connectors/opcua.md): one SubscriptionKeeper per
// configured server, its signals made into events by their emit rules and handed to the
// journal; connection state and counters in /metrics.
#pragma once

#include "plantbridge/connectors/connector.h"

namespace pb {

// Explicit registration of kind "opcua".
Status registerOpcUaConnector(ConnectorRegistry& registry);

}  // namespace pb
