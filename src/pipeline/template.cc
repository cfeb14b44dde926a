#include "plantbridge/pipeline/template.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/stream_parser.hpp>
#include <cmath>
#include <utility>

#include "plantbridge/common/json_text.h"
#include "plantbridge/config/config.h"
#include "plantbridge/model/event_codec.h"
#include "text_util.h"

namespace pb {
namespace json = boost::json;

namespace {

constexpr std::string_view kPlainFields[] = {
    "id",          "type",           "asset",        "site",           "source",  "occurred_at",
    "received_at", "correlation_id", "causation_id", "schema_version", "payload", "event"};

// Characters that would make a placeholder ambiguous or unreadable.
bool isBadPathChar(char c) {
  return c == '{' || c == '}' || c == '"' || c == '\\' || c == ' ' || c == '\t' || c == '\n' ||
         c == '\r' || static_cast<unsigned char>(c) < 0x20;
}

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::optional<json::value> stringIfSet(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return json::value(json::string(s));
}

void appendJson(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      out += std::to_string(v.get_int64());
      return;
    case json::kind::uint64:
      out += std::to_string(v.get_uint64());
      return;
    case json::kind::double_: {
      double d = v.get_double();
      // JSON has no NaN or infinity; the parser never produces them, but code might.
      out += std::isfinite(d) ? fmt::format("{}", d) : std::string("null");
      return;
    }
    case json::kind::string:
      out += '"';
      appendJsonEscaped(out, v.get_string());
      out += '"';
      return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ',';
        first = false;
        appendJson(out, item);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += '"';
        appendJsonEscaped(out, kv.key());
        out += "\":";
        appendJson(out, kv.value());
      }
      out += '}';
      return;
    }
  }
}

// Checks `text` is one complete JSON value; on failure says where (offset into `text`).
Status checkJson(std::string_view text, size_t* error_offset) {
  json::stream_parser parser;
  boost::system::error_code ec;
  size_t consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) {
    parser.finish(ec);
    consumed = text.size();
  }
  if (ec) {
    if (error_offset) *error_offset = consumed;
    return Status::invalidArgument(ec.message());
  }
  return Status::ok();
}

}  // namespace

std::string jsonText(const json::value& value) {
  std::string out;
  appendJson(out, value);
  return out;
}

std::string valueText(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  if (value.is_null()) return {};
  return jsonText(value);
}

bool isValidFieldPath(std::string_view path, std::string* why) {
  auto fail = [&](std::string message) {
    if (why) *why = std::move(message);
    return false;
  };
  for (auto plain : kPlainFields) {
    if (path == plain) return true;
  }
  for (char c : path) {
    if (isBadPathChar(c)) return fail("spaces, quotes, braces and control characters not allowed");
  }
  if (path.starts_with("context.")) {
    if (path.size() == 8) return fail("context key missing after 'context.'");
    return true;
  }
  if (path.starts_with("payload.")) {
    std::string_view rest = path.substr(8);
    size_t start = 0;
    while (true) {
      size_t dot = rest.find('.', start);
      std::string_view segment =
          rest.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (segment.empty()) return fail("empty path segment");
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return true;
  }
  return fail(
      "expected id, type, asset, site, source, occurred_at, received_at, correlation_id, "
      "causation_id, schema_version, context.<key>, payload, payload.<path> or event");
}

std::optional<json::value> resolveField(const Event& event, std::string_view path) {
  if (path == "id") return stringIfSet(event.id);
  if (path == "type") return stringIfSet(event.type);
  if (path == "asset") return stringIfSet(event.asset);
  if (path == "site") return stringIfSet(event.site);
  if (path == "source") return stringIfSet(event.source);
  if (path == "correlation_id") return stringIfSet(event.correlation_id);
  if (path == "causation_id") return stringIfSet(event.causation_id);
  if (path == "occurred_at") return json::value(json::string(formatRfc3339(event.occurred_at)));
  if (path == "received_at") {
    if (event.received_at == TimePoint{}) return std::nullopt;
    return json::value(json::string(formatRfc3339(event.received_at)));
  }
  if (path == "schema_version") return json::value(static_cast<int64_t>(event.schema_version));
  if (path == "payload") return json::value(event.payload);
  if (path == "event") return json::value(encodeEvent(event));
  if (path.starts_with("context.")) {
    auto it = event.context.find(std::string(path.substr(8)));
    if (it == event.context.end()) return std::nullopt;
    return stringIfSet(it->second);
  }
  if (path.starts_with("payload.")) {
    std::string_view rest = path.substr(8);
    const json::value* current = nullptr;
    const json::object* object = &event.payload;
    size_t start = 0;
    while (true) {
      size_t dot = rest.find('.', start);
      std::string_view segment =
          rest.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (object) {
        current = object->if_contains(segment);
      } else if (current && current->is_array() && isDigits(segment)) {
        const json::array& array = current->get_array();
        size_t index = std::stoull(std::string(segment));
        current = index < array.size() ? &array[index] : nullptr;
      } else {
        current = nullptr;
      }
      if (!current) return std::nullopt;
      if (dot == std::string_view::npos) break;
      object = current->if_object();
      start = dot + 1;
    }
    if (current->is_null()) return std::nullopt;
    if (current->is_string() && current->get_string().empty()) return std::nullopt;
    return *current;
  }
  return std::nullopt;
}

Result<Template> Template::parse(std::string_view text, TemplateSyntax syntax) {
  Template t;
  t.syntax_ = syntax;
  t.source_ = std::string(text);
  // The probe is the template with placeholders stood in (null outside quotes, nothing inside),
  // checked as JSON; `offsets` maps probe offsets back to template offsets for the error.
  std::string probe;
  std::vector<std::pair<size_t, size_t>> offsets;  // (probe offset, template offset)
  Segment current;
  bool in_string = false;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "{{") == 0) {
      size_t close = text.find("}}", i + 2);
      if (close == std::string_view::npos) {
        return Status::invalidArgument("unclosed '{{' at offset " + std::to_string(i));
      }
      std::string_view inner = text.substr(i + 2, close - i - 2);
      while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
      while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
      bool optional = false;
      if (!inner.empty() && inner.back() == '?') {
        optional = true;
        inner.remove_suffix(1);
      }
      std::string why;
      if (!isRouteValuePlaceholder(inner) && !isValidFieldPath(inner, &why)) {
        return Status::invalidArgument("unknown placeholder '" +
                                       std::string(text.substr(i, close + 2 - i)) + "' at offset " +
                                       std::to_string(i) + ": " + why);
      }
      current.field = std::string(inner);
      current.optional = optional;
      current.in_string = in_string;
      t.segments_.push_back(std::move(current));
      current = Segment{};
      if (syntax == TemplateSyntax::kJson && !in_string) probe += "null";
      i = close + 2;
      offsets.emplace_back(probe.size(), i);
      continue;
    }
    char c = text[i];
    if (syntax == TemplateSyntax::kJson) {
      if (in_string && c == '\\' && i + 1 < text.size()) {
        // An escape: the next character is part of it (\" does not end the string).
        current.literal += text.substr(i, 2);
        probe += text.substr(i, 2);
        i += 2;
        continue;
      }
      if (c == '"') in_string = !in_string;
    }
    current.literal += c;
    probe += c;
    ++i;
  }
  if (!current.literal.empty()) t.segments_.push_back(std::move(current));

  if (syntax == TemplateSyntax::kJson) {
    size_t probe_offset = 0;
    if (Status s = checkJson(probe, &probe_offset); !s.isOk()) {
      size_t template_offset = probe_offset;
      for (const auto& [p, t_off] : offsets) {
        if (p <= probe_offset) template_offset = t_off + (probe_offset - p);
      }
      return Status::invalidArgument("not valid JSON near offset " +
                                     std::to_string(template_offset) + ": " + s.message());
    }
  }
  return t;
}

std::vector<std::string> Template::fields() const {
  std::vector<std::string> out;
  for (const auto& s : segments_) {
    if (!s.field.empty()) out.push_back(s.field);
  }
  return out;
}

Result<std::string> Template::render(const Event& event, const Values* values) const {
  std::string out;
  std::vector<std::string> missing;
  for (const auto& segment : segments_) {
    out += segment.literal;
    if (segment.field.empty()) continue;
    std::optional<json::value> value;
    if (isRouteValuePlaceholder(segment.field)) {
      if (values) {
        if (auto it = values->find(segment.field); it != values->end()) value = it->second;
      }
    } else {
      value = resolveField(event, segment.field);
    }
    if (!value) {
      if (!segment.optional) {
        missing.push_back(segment.field + " is not set");
      } else if (syntax_ == TemplateSyntax::kJson && !segment.in_string) {
        out += "null";
      }
      continue;
    }
    if (syntax_ == TemplateSyntax::kText) {
      out += valueText(*value);
    } else if (segment.in_string) {
      if (value->is_string()) {
        appendJsonEscaped(out, value->get_string());
      } else {
        appendJsonEscaped(out, jsonText(*value));
      }
    } else {
      appendJson(out, *value);
    }
  }
  if (!missing.empty()) return Status::invalidArgument(pipeline_detail::join(missing, "; "));
  if (syntax_ == TemplateSyntax::kJson) {
    if (Status s = checkJson(out, nullptr); !s.isOk()) {
      return Status::invalidArgument("rendered body is not valid JSON: " + s.message());
    }
  }
  return out;
}

}  // namespace pb
