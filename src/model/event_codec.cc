#include "plantbridge/model/event_codec.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "plantbridge/common/ids.h"

namespace pb {
namespace json = boost::json;

namespace {

constexpr std::string_view kKnownFields[] = {
    "id",    "type",    "occurred_at", "received_at",    "site",         "source",
    "asset", "context", "payload",     "correlation_id", "causation_id", "schema_version"};

bool isKnownField(std::string_view key) {
  for (auto known : kKnownFields) {
    if (key == known) return true;
  }
  return false;
}

bool isValidType(std::string_view type) {
  if (type.empty() || type.size() > 64) return false;
  for (char c : type) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Reads an optional string field; records an error if present with the wrong type or size.
const json::string* stringField(const json::object& obj, std::string_view key, bool required,
                                size_t max_len, std::vector<FieldError>& errors) {
  const json::value* v = obj.if_contains(key);
  if (!v || v->is_null()) {
    if (required) errors.push_back({std::string(key), "is required"});
    return nullptr;
  }
  const json::string* s = v->if_string();
  if (!s) {
    errors.push_back({std::string(key), "must be a string"});
    return nullptr;
  }
  if (s->size() > max_len) {
    errors.push_back(
        {std::string(key), "is longer than " + std::to_string(max_len) + " characters"});
    return nullptr;
  }
  return s;
}

std::string numberText(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  return json::serialize(v);
}

}  // namespace

Result<Event> decodeEvent(const json::value& input, std::vector<FieldError>& errors,
                          const DecodeLimits& limits) {
  size_t errors_before = errors.size();
  const json::object* obj = input.if_object();
  if (!obj) {
    errors.push_back({"", "a record must be a JSON object"});
    return Status::invalidArgument("record is not an object");
  }
  Event event;
  for (const auto& kv : *obj) {
    if (!isKnownField(kv.key())) {
      errors.push_back({std::string(kv.key()), "unknown field"});
    }
  }
  if (obj->contains("received_at")) {
    errors.push_back({"received_at", "is set by the hub and must not be sent"});
  }

  if (auto* id = stringField(*obj, "id", true, limits.max_id_length, errors)) {
    if (!isValidEventId(*id)) {
      errors.push_back({"id", "must be 1-128 characters of A-Z a-z 0-9 . _ : -"});
    } else {
      event.id.assign(id->data(), id->size());
    }
  }
  if (auto* type = stringField(*obj, "type", true, 64, errors)) {
    if (!isValidType(*type)) {
      errors.push_back({"type", "must be lower-case letters, digits, '.', '_' or '-'"});
    } else {
      event.type.assign(type->data(), type->size());
    }
  }
  if (auto* at = stringField(*obj, "occurred_at", true, 64, errors)) {
    auto parsed = parseRfc3339(*at);
    if (!parsed) {
      errors.push_back({"occurred_at", parsed.status().message()});
    } else {
      event.occurred_at = *parsed;
    }
  }
  auto copy_string = [&](std::string_view key, std::string& out) {
    if (auto* s = stringField(*obj, key, false, limits.max_string_length, errors)) {
      out.assign(s->data(), s->size());
    }
  };
  copy_string("site", event.site);
  copy_string("source", event.source);
  copy_string("asset", event.asset);
  copy_string("correlation_id", event.correlation_id);
  copy_string("causation_id", event.causation_id);

  if (const json::value* ctx = obj->if_contains("context"); ctx && !ctx->is_null()) {
    if (const json::object* ctx_obj = ctx->if_object()) {
      if (ctx_obj->size() > limits.max_context_entries) {
        errors.push_back({"context", "has more than " + std::to_string(limits.max_context_entries) +
                                         " entries"});
      } else {
        for (const auto& kv : *ctx_obj) {
          std::string field = "context." + std::string(kv.key());
          if (kv.value().is_string()) {
            const auto& s = kv.value().get_string();
            if (s.size() > limits.max_string_length) {
              errors.push_back({field, "is too long"});
            } else {
              event.context.emplace(std::string(kv.key()), std::string(s.data(), s.size()));
            }
          } else if (kv.value().is_number()) {
            event.context.emplace(std::string(kv.key()), numberText(kv.value()));
          } else if (!kv.value().is_null()) {
            errors.push_back({field, "must be a string or a number"});
          }
        }
      }
    } else {
      errors.push_back({"context", "must be an object"});
    }
  }
  if (const json::value* payload = obj->if_contains("payload"); payload && !payload->is_null()) {
    if (const json::object* p = payload->if_object()) {
      event.payload = *p;
    } else {
      errors.push_back({"payload", "must be an object"});
    }
  }
  if (const json::value* version = obj->if_contains("schema_version"); version) {
    if (version->is_int64() && version->get_int64() >= 1 && version->get_int64() <= 1000) {
      event.schema_version = static_cast<int>(version->get_int64());
    } else {
      errors.push_back({"schema_version", "must be an integer from 1 to 1000"});
    }
  }
  if (errors.size() != errors_before) {
    return Status::invalidArgument(errors[errors_before].toString());
  }
  if (event.correlation_id.empty()) event.correlation_id = event.id;
  return event;
}

json::object encodeEvent(const Event& event) {
  json::object out;
  out.reserve(12);
  out.emplace("id", event.id);
  out.emplace("type", event.type);
  out.emplace("occurred_at", formatRfc3339(event.occurred_at));
  out.emplace("received_at", formatRfc3339(event.received_at));
  out.emplace("site", event.site);
  out.emplace("source", event.source);
  out.emplace("asset", event.asset);
  json::object ctx;
  for (const auto& [k, v] : event.context) ctx.emplace(k, v);
  out.emplace("context", std::move(ctx));
  out.emplace("payload", event.payload);
  out.emplace("correlation_id", event.correlation_id);
  if (!event.causation_id.empty()) out.emplace("causation_id", event.causation_id);
  out.emplace("schema_version", event.schema_version);
  return out;
}

std::string serializeEvent(const Event& event) { return json::serialize(encodeEvent(event)); }

Result<Event> parseStoredEvent(std::string_view json_text) {
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec) return Status::corruption("stored event is not JSON: " + ec.message());
  const json::object* obj = v.if_object();
  if (!obj) return Status::corruption("stored event is not an object");
  Event event;
  auto str = [&](std::string_view key) -> std::string {
    const json::value* f = obj->if_contains(key);
    if (!f || !f->is_string()) return {};
    return std::string(f->get_string());
  };
  event.id = str("id");
  event.type = str("type");
  auto occurred = parseRfc3339(str("occurred_at"));
  auto received = parseRfc3339(str("received_at"));
  if (event.id.empty() || event.type.empty() || !occurred || !received) {
    return Status::corruption("stored event lacks id, type or timestamps");
  }
  event.occurred_at = *occurred;
  event.received_at = *received;
  event.site = str("site");
  event.source = str("source");
  event.asset = str("asset");
  event.correlation_id = str("correlation_id");
  event.causation_id = str("causation_id");
  if (const json::value* ctx = obj->if_contains("context"); ctx && ctx->is_object()) {
    for (const auto& kv : ctx->get_object()) {
      if (kv.value().is_string()) event.context.emplace(kv.key(), kv.value().get_string());
    }
  }
  if (const json::value* p = obj->if_contains("payload"); p && p->is_object()) {
    event.payload = p->get_object();
  }
  if (const json::value* sv = obj->if_contains("schema_version"); sv && sv->is_int64()) {
    event.schema_version = static_cast<int>(sv->get_int64());
  }
  return event;
}

}  // namespace pb
