// Part of stage 3, map (MapStage): the codes a machine reports -> what they mean elsewhere,
// from the code tables in config (docs/configuration.md "mappings"):
//   payload.reason_code -> context.loss        (mappings.reason_codes: an Odoo loss reason id)
//   payload.defect_code -> context.root_cause  (mappings.defect_codes: a root cause class)
// A code is a string, or a whole number written as text (PLCs send numeric codes). A table
// that is not configured is not applied. The rules are AssetMapper's: context the event
// already carries is never overwritten (the same value is fine, a different one parks the
// event); a code that is not in its table adds nothing and the trace says so ("reason code
// 'XYZ' is not in mappings.reason_codes"), so a route that requires context.loss parks the
// event with that reason.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "plantbridge/config/config.h"
#include "plantbridge/pipeline/stage.h"

namespace pb {

class CodeMapper final : public Stage {
 public:
  explicit CodeMapper(const CodeMappings& mappings);
  std::string_view name() const override { return "map"; }
  // Continues with "mapped" (a code was found), "unknown_code" (codes, none in their table) or
  // "no_code" (the event carries no code a configured table maps); parks on a conflict.
  Result<StageOutcome> apply(Event& event, StageContext& ctx) const override;

  // Whether apply() has anything to look at: the event carries a code of a configured table.
  bool appliesTo(const Event& event) const;
  // Why context `key` is not set on `event`, when `key` is one this mapper sets ("loss",
  // "root_cause"): "the event has no payload.reason_code", "reason code 'XYZ' is not in
  // mappings.reason_codes". Empty for other keys, for a table that is not configured, and
  // when the code maps.
  std::string explainMissing(const Event& event, const std::string& key) const;

 private:
  struct Table {
    std::string_view payload_field;  // "reason_code"
    std::string_view context_key;    // "loss"
    std::string_view config_key;     // "mappings.reason_codes"
    std::string_view noun;           // "reason code"
    std::map<std::string, std::string> codes;
  };
  Table reason_codes_;
  Table defect_codes_;
};

}  // namespace pb
