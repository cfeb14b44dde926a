// OPC UA values as people and JSON see them: for `plantbridge opcua browse` and for the
// connector, which puts signal values into event payloads.
#pragma once

#include <cstddef>
#include <string>

#include <boost/json/value.hpp>

#include "plantbridge/connectors/opcua/types.h"

namespace pb::opcua {

// "2:SpindleSpeed": the namespace index is part of the name, and what a path needs.
std::string qualifiedNameText(const QualifiedName& name);
// The status name without its hex code ("Good", "BadNodeIdUnknown"); hex when unnamed.
std::string statusName(StatusCode status);

// One line of text: strings quoted, times in RFC 3339, arrays cut after `max_elements`.
std::string variantText(const Variant& value, size_t max_elements = 8);
// JSON: booleans, numbers (NaN and infinities as text, which JSON lacks), strings, localized
// text as its text, arrays as arrays; other types as their text form; Null as null.
boost::json::value variantJson(const Variant& value);

}  // namespace pb::opcua
