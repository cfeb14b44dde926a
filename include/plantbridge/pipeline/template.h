// A small template engine for dedupe keys, ordering keys and request bodies.
//
// Placeholders: {{id}} {{type}} {{asset}} {{site}} {{source}} {{occurred_at}}
// {{received_at}} {{correlation_id}} {{causation_id}} {{schema_version}} {{context.<key>}}
// {{payload}} (the whole payload) {{payload.<a>[.<b>...]}} (nested; array elements by index)
// {{event}} (the whole canonical event), and values the caller adds for one rendering
// ({{running_total}}, a route's; config.h). A trailing '?' ({{payload.note?}}) marks the
// placeholder optional; any other placeholder whose field is not set (missing, null or "")
// makes rendering fail, so nothing is ever rendered half-formed.
//
// Text templates (keys) substitute a value's text: strings as they are, numbers in shortest
// form, booleans as true/false, objects and arrays as JSON. An unset optional renders "".
//
// JSON templates (bodies) know whether a placeholder stands inside a JSON string:
//  - outside quotes it is replaced by the value as JSON, keeping its type:
//    {"qty": {{payload.quantity}}} -> {"qty": 12}, {"wc": {{context.work_center}}} ->
//    {"wc": "7"}; an unset optional renders null;
//  - inside quotes it is replaced by the value's text, JSON-escaped: {"note": "lot
//    {{context.lot}}"} -> {"note": "lot L-\"7\""}; an unset optional renders nothing.
// A JSON template is checked when parsed (with placeholders stood in) and every rendering is
// checked again, so a body that is not valid JSON never leaves the route stage.
//
// Thread-safety: a parsed Template is immutable.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/model/event.h"

namespace pb {

enum class TemplateSyntax { kText, kJson };

class Template {
 public:
  Template() = default;  // the empty template: renders ""

  // Parses once, at start-up. Errors name the offset and the placeholder:
  // "unknown placeholder '{{payload..x}}' at offset 12: empty path segment".
  static Result<Template> parse(std::string_view text, TemplateSyntax syntax);

  // Values added to one rendering by name, e.g. {"running_total": 42}.
  using Values = std::map<std::string, boost::json::value, std::less<>>;

  // Renders against `event` (and `values`, which may be null). Fails with InvalidArgument naming
  // every required field that is not set ("context.order is not set"), or if a JSON rendering
  // is not valid JSON.
  Result<std::string> render(const Event& event, const Values* values = nullptr) const;

  bool empty() const { return segments_.empty(); }
  const std::string& source() const { return source_; }
  TemplateSyntax syntax() const { return syntax_; }
  // The field paths of the placeholders, in order (optional ones included).
  std::vector<std::string> fields() const;

 private:
  struct Segment {
    std::string literal;  // text before the placeholder (or the trailing text)
    std::string field;    // empty for a trailing literal
    bool optional = false;
    bool in_string = false;  // JSON templates: the placeholder stands inside quotes
  };
  std::vector<Segment> segments_;
  TemplateSyntax syntax_ = TemplateSyntax::kText;
  std::string source_;
};

// True when `path` names an event field a template, a route match or a `require` may use (see
// above); otherwise false and `why` says what is wrong.
bool isValidFieldPath(std::string_view path, std::string* why = nullptr);

// The value of `path` on `event`, or nullopt when it is not set (missing, JSON null or an empty
// string). Context values are strings; {{event}} is the canonical event JSON.
std::optional<boost::json::value> resolveField(const Event& event, std::string_view path);

// A value's text form: strings as they are, numbers in shortest round-trip form, true/false,
// null as "", objects and arrays as JSON.
std::string valueText(const boost::json::value& value);
// A value as JSON text, numbers in shortest round-trip form (1.5, not 1.5E0).
std::string jsonText(const boost::json::value& value);

}  // namespace pb
