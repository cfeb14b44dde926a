// JSON <-> Event. The decoder is the ingest API's gatekeeper: it never throws, and every
// problem it reports names the field ("occurred_at: not RFC 3339: ...").
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/model/event.h"

namespace pb {

struct FieldError {
  std::string field;    // dotted path: "payload.quantity", "context.work_center", "id"
  std::string message;  // "is required", "must be a string", ...
  std::string toString() const { return field + ": " + message; }
};

struct DecodeLimits {
  size_t max_id_length = 128;
  size_t max_string_length = 4096;
  size_t max_context_entries = 64;
};

// Decodes one canonical event object. On failure returns every field error found (not just the
// first). `received_at` is left unset.
Result<Event> decodeEvent(const boost::json::value& json, std::vector<FieldError>& errors,
                          const DecodeLimits& limits = {});
// The canonical JSON form (fixed key order), as journaled and hashed.
boost::json::object encodeEvent(const Event& event);
std::string serializeEvent(const Event& event);
// Parses the journal's stored form back (trusted input: the store's own bytes).
Result<Event> parseStoredEvent(std::string_view json_text);

}  // namespace pb
