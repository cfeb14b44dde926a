// The schema registry: per event type, what a valid payload and context look like. Used by
// ingest (to reject a bad record with reasons naming the field) and by the validate stage.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"
#include "plantbridge/model/event.h"
#include "plantbridge/model/event_codec.h"

namespace pb {

class SchemaRegistry {
 public:
  explicit SchemaRegistry(std::map<std::string, EventSchema> schemas);

  // Every problem with the event, each naming its field: unknown type ("type: unknown event
  // type 'foo'"), payload fields (type, required, min/max, enum, unit), required context keys,
  // occurred_at too far in the future of `now`. Empty when valid. Never silently fixes.
  std::vector<FieldError> validate(const Event& event, TimePoint now) const;
  bool knows(std::string_view type) const;

 private:
  std::map<std::string, EventSchema, std::less<>> schemas_;
};

}  // namespace pb
