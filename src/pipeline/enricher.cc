#include "plantbridge/pipeline/enricher.h"

#include <set>

#include "text_util.h"

namespace pb {
using pipeline_detail::quoted;

namespace {

std::string describe(const Subject& s) { return s.kind + " " + quoted(s.id); }

}  // namespace

Result<StageOutcome> Enricher::apply(Event& event, StageContext& ctx) const {
  if (!master_data_) return StageOutcome::next("passed", "no master data configured");
  std::set<Subject> asked;
  std::vector<std::string> added;
  std::vector<std::string> conflicts;
  // Which subject gave each key, for reasons that name both sides of a disagreement.
  std::map<std::string, Subject> origin;
  Event enriched = event;
  for (int round = 0; round < kMaxRounds; ++round) {
    std::vector<Subject> subjects;
    auto consider = [&](Subject s) {
      if (s.id.empty() || asked.contains(s)) return;
      asked.insert(s);
      subjects.push_back(std::move(s));
    };
    consider({"asset", enriched.asset});
    consider({"site", enriched.site});
    for (const auto& [key, value] : enriched.context) consider({key, value});
    if (subjects.empty()) break;

    auto facts = master_data_->factsAt(subjects, enriched.occurred_at);
    if (!facts.isOk()) return facts.status();
    bool grew = false;
    for (const auto& fact : *facts) {
      auto it = enriched.context.find(fact.key);
      if (it == enriched.context.end() || it->second.empty()) {
        enriched.context[fact.key] = fact.value;
        origin[fact.key] = fact.subject;
        added.push_back(fact.key + "=" + fact.value + " (from " + describe(fact.subject) + ")");
        grew = true;
      } else if (it->second != fact.value) {
        auto from = origin.find(fact.key);
        std::string holder = from == origin.end()
                                 ? "the event carries " + quoted(it->second)
                                 : describe(from->second) + " gives " + quoted(it->second);
        conflicts.push_back("context." + fact.key + ": " + holder + " but " +
                            describe(fact.subject) + " gives " + quoted(fact.value) + " at " +
                            formatRfc3339(enriched.occurred_at));
      }
    }
    if (!grew) break;
  }
  if (!conflicts.empty()) return StageOutcome::exception(pipeline_detail::join(conflicts, "; "));
  event = std::move(enriched);
  if (added.empty()) {
    return StageOutcome::next("passed", "no master data at " + formatRfc3339(event.occurred_at));
  }
  return StageOutcome::next("enriched", "at " + formatRfc3339(event.occurred_at) + ": " +
                                            pipeline_detail::join(added, ", "));
}

}  // namespace pb
