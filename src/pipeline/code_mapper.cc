#include "plantbridge/pipeline/code_mapper.h"

#include <optional>
#include <vector>

#include <boost/json/object.hpp>

#include "text_util.h"

namespace pb {
using pipeline_detail::quoted;

namespace {

// What payload.<field> holds as a code.
struct CodeField {
  enum class Kind { kAbsent, kCode, kNotACode };
  Kind kind = Kind::kAbsent;
  std::string code;
};

// Absent, null and "" are "no code", as templates treat them. Whole numbers count as codes
// because PLCs report reason codes as integers and tables key them as text ("12").
CodeField codeField(const Event& event, std::string_view field) {
  const auto* value = event.payload.if_contains(field);
  if (value == nullptr || value->is_null()) return {};
  if (value->is_string()) {
    if (value->as_string().empty()) return {};
    return {CodeField::Kind::kCode, std::string(value->as_string())};
  }
  if (value->is_int64()) return {CodeField::Kind::kCode, std::to_string(value->as_int64())};
  if (value->is_uint64()) return {CodeField::Kind::kCode, std::to_string(value->as_uint64())};
  return {CodeField::Kind::kNotACode, {}};
}

}  // namespace

CodeMapper::CodeMapper(const CodeMappings& mappings)
    : reason_codes_{"reason_code", "loss", "mappings.reason_codes", "reason code",
                    mappings.reason_codes},
      defect_codes_{"defect_code", "root_cause", "mappings.defect_codes", "defect code",
                    mappings.defect_codes} {}

bool CodeMapper::appliesTo(const Event& event) const {
  for (const Table* table : {&reason_codes_, &defect_codes_}) {
    if (!table->codes.empty() &&
        codeField(event, table->payload_field).kind != CodeField::Kind::kAbsent) {
      return true;
    }
  }
  return false;
}

std::string CodeMapper::explainMissing(const Event& event, const std::string& key) const {
  for (const Table* table : {&reason_codes_, &defect_codes_}) {
    // A table that is not configured explains nothing: the key may come from elsewhere.
    if (key != table->context_key || table->codes.empty()) continue;
    const std::string field = "payload." + std::string(table->payload_field);
    const CodeField found = codeField(event, table->payload_field);
    switch (found.kind) {
      case CodeField::Kind::kAbsent:
        return "the event has no " + field;
      case CodeField::Kind::kNotACode:
        return field + " is not a code (a string or a whole number)";
      case CodeField::Kind::kCode:
        if (!table->codes.contains(found.code)) {
          return std::string(table->noun) + " " + quoted(found.code) + " is not in " +
                 std::string(table->config_key);
        }
        return {};
    }
  }
  return {};
}

Result<StageOutcome> CodeMapper::apply(Event& event, StageContext& /*ctx*/) const {
  struct Planned {
    const Table* table;
    std::string code;
    const std::string* value;
  };
  std::vector<Planned> planned;
  std::vector<std::string> notes;
  std::vector<std::string> conflicts;
  for (const Table* table : {&reason_codes_, &defect_codes_}) {
    if (table->codes.empty()) continue;  // not configured: the field means nothing here
    const CodeField found = codeField(event, table->payload_field);
    if (found.kind == CodeField::Kind::kAbsent) continue;
    if (found.kind == CodeField::Kind::kNotACode) {
      notes.push_back("payload." + std::string(table->payload_field) +
                      " is not a code (a string or a whole number)");
      continue;
    }
    const auto it = table->codes.find(found.code);
    if (it == table->codes.end()) {
      notes.push_back(std::string(table->noun) + " " + quoted(found.code) + " is not in " +
                      std::string(table->config_key));
      continue;
    }
    const std::string key(table->context_key);
    if (const auto carried = event.context.find(key); carried != event.context.end() &&
                                                      !carried->second.empty() &&
                                                      carried->second != it->second) {
      conflicts.push_back("context." + key + " is " + quoted(carried->second) +
                          " on the event but " + std::string(table->noun) + " " +
                          quoted(found.code) + " maps it to " + quoted(it->second));
      continue;
    }
    planned.push_back({table, found.code, &it->second});
  }
  // Check everything before changing anything: a parked event keeps the context it came with.
  if (!conflicts.empty()) return StageOutcome::exception(pipeline_detail::join(conflicts, "; "));
  for (const Planned& p : planned) {
    event.context[std::string(p.table->context_key)] = *p.value;
    notes.push_back(std::string(p.table->noun) + " " + quoted(p.code) + ": " +
                    std::string(p.table->context_key) + "=" + *p.value);
  }
  if (!planned.empty()) return StageOutcome::next("mapped", pipeline_detail::join(notes, "; "));
  if (!notes.empty()) return StageOutcome::next("unknown_code", pipeline_detail::join(notes, "; "));
  return StageOutcome::next("no_code", "the event carries no code the code tables map");
}

}  // namespace pb
