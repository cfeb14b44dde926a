#include "plantbridge/pipeline/schema_registry.h"

#include <cmath>

#include "plantbridge/pipeline/template.h"
#include "text_util.h"

namespace pb {
namespace json = boost::json;
using pipeline_detail::formatDuration;
using pipeline_detail::quoted;

namespace {

const char* typeNoun(FieldSchema::Type type) {
  switch (type) {
    case FieldSchema::Type::kNumber:
      return "a number";
    case FieldSchema::Type::kInteger:
      return "an integer";
    case FieldSchema::Type::kString:
      return "a string";
    case FieldSchema::Type::kBoolean:
      return "a boolean";
    case FieldSchema::Type::kObject:
      return "an object";
    case FieldSchema::Type::kArray:
      return "an array";
    case FieldSchema::Type::kAny:
      return "any value";
  }
  return "a value";
}

bool isIntegral(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  // 12.0 is an integer written as a decimal; 12.5 is not. Nothing is rounded.
  return v.is_double() && std::isfinite(v.get_double()) &&
         std::trunc(v.get_double()) == v.get_double();
}

bool hasType(const json::value& v, FieldSchema::Type type) {
  switch (type) {
    case FieldSchema::Type::kNumber:
      return v.is_number();
    case FieldSchema::Type::kInteger:
      return isIntegral(v);
    case FieldSchema::Type::kString:
      return v.is_string();
    case FieldSchema::Type::kBoolean:
      return v.is_bool();
    case FieldSchema::Type::kObject:
      return v.is_object();
    case FieldSchema::Type::kArray:
      return v.is_array();
    case FieldSchema::Type::kAny:
      return true;
  }
  return false;
}

double asDouble(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

void checkField(const FieldSchema& field, const json::object& payload,
                std::vector<FieldError>& errors) {
  std::string path = "payload." + field.name;
  const json::value* v = payload.if_contains(field.name);
  if (!v || v->is_null()) {
    if (field.required) errors.push_back({path, "is required"});
    return;
  }
  if (!hasType(*v, field.type)) {
    errors.push_back({path, std::string("must be ") + typeNoun(field.type) + " (got " +
                                jsonText(*v).substr(0, 64) + ")"});
    return;
  }
  if (v->is_number()) {
    double d = asDouble(*v);
    if (field.min && d < *field.min) {
      errors.push_back({path, "must be >= " + valueText(json::value(*field.min)) + " (got " +
                                  valueText(*v) + ")"});
    }
    if (field.max && d > *field.max) {
      errors.push_back({path, "must be <= " + valueText(json::value(*field.max)) + " (got " +
                                  valueText(*v) + ")"});
    }
  }
  if (!field.allowed.empty()) {
    std::string text = valueText(*v);
    bool ok = false;
    for (const auto& allowed : field.allowed) ok = ok || allowed == text;
    if (!ok) {
      std::string list;
      for (size_t i = 0; i < field.allowed.size(); ++i) {
        if (i > 0) list += ", ";
        list += quoted(field.allowed[i]);
      }
      errors.push_back({path, "must be one of " + list + " (got " + quoted(text) + ")"});
    }
  }
  if (!field.unit.empty()) {
    if (const json::value* unit = payload.if_contains("unit"); unit && !unit->is_null()) {
      if (!unit->is_string() || unit->get_string() != field.unit) {
        errors.push_back({"payload.unit", "must be " + quoted(field.unit) + " for " + path +
                                              " (got " + quoted(valueText(*unit)) + ")"});
      }
    }
  }
}

}  // namespace

SchemaRegistry::SchemaRegistry(std::map<std::string, EventSchema> schemas)
    : schemas_(std::make_move_iterator(schemas.begin()), std::make_move_iterator(schemas.end())) {}

bool SchemaRegistry::knows(std::string_view type) const {
  return schemas_.find(type) != schemas_.end();
}

std::vector<FieldError> SchemaRegistry::validate(const Event& event, TimePoint now) const {
  std::vector<FieldError> errors;
  auto it = schemas_.find(event.type);
  if (it == schemas_.end()) {
    errors.push_back({"type", "unknown event type " + quoted(event.type)});
    return errors;
  }
  const EventSchema& schema = it->second;
  for (const auto& field : schema.payload) checkField(field, event.payload, errors);
  for (const auto& key : schema.required_context) {
    auto ctx = event.context.find(key);
    if (ctx == event.context.end() || ctx->second.empty()) {
      errors.push_back({"context." + key, "is required"});
    }
  }
  auto allowed = std::chrono::duration_cast<Micros>(schema.max_future_skew);
  if (event.occurred_at > now + allowed) {
    errors.push_back(
        {"occurred_at", formatRfc3339(event.occurred_at) + " is " +
                            formatDuration(std::chrono::duration_cast<std::chrono::seconds>(
                                event.occurred_at - now)) +
                            " in the future (at most " + formatDuration(allowed) + " allowed)"});
  }
  return errors;
}

}  // namespace pb
