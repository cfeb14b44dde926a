// Where the connectors inside `plantbridge run` put their events: the journal, as ingest does,
// after the same schema check. Acknowledged means durable here too: the sink answers once the
// journal committed. Above the store's high-water mark it refuses (the connector holds its
// events and its source keeps them) instead of growing the backlog without bound.
#pragma once

#include <functional>
#include <string>

#include "plantbridge/common/metrics.h"
#include "plantbridge/common/time.h"
#include "plantbridge/connectors/connector.h"
#include "plantbridge/pipeline/schema_registry.h"
#include "plantbridge/store/store.h"

namespace pb {

struct JournalSinkOptions {
  std::string connector;
  int64_t high_water_mark = 0;        // journal backlog above which the sink refuses; 0: none
  std::function<void()> on_appended;  // wakes the pipeline
};

// Rejected events (their schema says no) are logged with every reason and counted in
// plantbridge_connector_events_total{outcome="rejected"}; retrying cannot fix them.
EventSink makeJournalSink(Store& store, const SchemaRegistry& schemas, MetricsRegistry& metrics,
                          const Clock& clock, JournalSinkOptions options);

}  // namespace pb
