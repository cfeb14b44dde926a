// The canonical business Event (DESIGN.md, "The canonical model").
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>

#include "plantbridge/common/time.h"

namespace pb {

struct Event {
  std::string id;    // stable id (ULID/UUIDv7 or the source's own); the idempotency key
  std::string type;  // "production.count", "downtime.started", ...
  TimePoint occurred_at{};
  TimePoint received_at{};  // set by the hub when journaled
  std::string site;
  std::string source;  // the connector or client that produced it
  std::string asset;   // canonical asset id (machine), e.g. "CNC-07"
  // Work center, order, work_order, product, lot, serial, shift, operator, ... Flat strings so
  // templates and mapping can address them as context.<key>.
  std::map<std::string, std::string> context;
  boost::json::object payload;
  std::string correlation_id;
  std::string causation_id;  // the event this one was derived from, if any
  int schema_version = 1;
};

}  // namespace pb
