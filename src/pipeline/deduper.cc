#include "plantbridge/pipeline/deduper.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <set>

#include "text_util.h"

namespace pb {
namespace json = boost::json;
using pipeline_detail::formatDuration;
using pipeline_detail::quoted;

namespace {

constexpr std::string_view kPassed = "passed";
constexpr std::string_view kSuppressed = "suppressed";

bool appliesTo(const DedupeRuleConfig& rule, const std::string& type) {
  return rule.types.empty() ||
         std::find(rule.types.begin(), rule.types.end(), type) != rule.types.end();
}

std::string encodeDecision(std::string_view decision, const std::string& key) {
  json::object o;
  o["decision"] = decision;
  o["key"] = key;
  return jsonText(o);
}

std::string decodeDecision(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  const json::value* d = v.get_object().if_contains("decision");
  return d && d->is_string() ? std::string(d->get_string()) : std::string();
}

}  // namespace

std::unique_ptr<Deduper> Deduper::create(const std::vector<DedupeRuleConfig>& rules,
                                         std::vector<ConfigError>& errors) {
  size_t errors_before = errors.size();
  std::vector<Rule> parsed;
  std::set<std::string> names;
  for (const auto& rule : rules) {
    std::string prefix = "dedupe_rules." + rule.name;
    if (rule.name.empty()) errors.push_back({"", 0, "dedupe_rules", "a rule has no name"});
    if (!names.insert(rule.name).second) {
      errors.push_back({"", 0, prefix, "duplicate rule name " + quoted(rule.name)});
    }
    if (rule.window <= Millis{0}) errors.push_back({"", 0, prefix + ".window", "must be positive"});
    if (rule.key_template.empty()) {
      errors.push_back({"", 0, prefix + ".key", "is required"});
      continue;
    }
    auto key = Template::parse(rule.key_template, TemplateSyntax::kText);
    if (!key.isOk()) {
      errors.push_back({"", 0, prefix + ".key", key.status().message()});
      continue;
    }
    parsed.push_back({rule, std::move(*key)});
  }
  if (errors.size() != errors_before) return nullptr;
  return std::unique_ptr<Deduper>(new Deduper(std::move(parsed)));
}

std::string Deduper::storeKey(const std::string& rule, const std::string& rendered_key) {
  return "dedupe/" + rule + "/" + rendered_key;
}

std::string Deduper::decisionKey(const std::string& rule, const std::string& event_id) {
  return "dedupe-decision/" + rule + "/" + event_id;
}

Result<StageOutcome> Deduper::apply(Event& event, StageContext& ctx) const {
  std::vector<std::string> details;
  struct Pass {
    std::string key;
    TimePoint expires_at;
    const Rule* rule;
  };
  std::vector<Pass> passes;
  const bool replay = ctx.state.replaying();
  for (const auto& rule : rules_) {
    if (!appliesTo(rule.config, event.type)) continue;
    const std::string& name = rule.config.name;
    auto rendered = rule.key.render(event);
    if (!rendered.isOk()) {
      details.push_back("rule " + quoted(name) + " not applied: " + rendered.status().message());
      continue;
    }
    std::string key = storeKey(name, *rendered);
    auto window = std::chrono::duration_cast<Micros>(rule.config.window);
    std::string suppressed_detail = "suppressed: duplicate of key " + quoted(*rendered) +
                                    " within " + formatDuration(window) + " (rule " + quoted(name) +
                                    ")";

    // A replay repeats the decision live processing made for this very event; without it, the
    // key the event itself recorded would make it a duplicate of itself.
    bool consult_store = true;
    if (replay) {
      auto decided = ctx.state.committedState(decisionKey(name, event.id));
      if (!decided.isOk()) return decided.status();
      std::string decision = decided->has_value() ? decodeDecision(**decided) : std::string();
      if (decision == kSuppressed) {
        return StageOutcome::stop("suppressed", suppressed_detail + ", as when first processed");
      }
      // Passed live: its own key is in the store; judge it only against this replay's events.
      if (decision == kPassed) consult_store = false;
    }
    auto seen =
        ctx.state.dedupeKeySeen(key, event.occurred_at + kLateArrivalRetention, consult_store);
    if (!seen.isOk()) return seen.status();
    if (*seen) {
      if (!replay)
        ctx.state.setState(ctx.step, decisionKey(name, event.id), encodeDecision(kSuppressed, key));
      return StageOutcome::stop("suppressed", suppressed_detail);
    }
    passes.push_back({std::move(key), event.occurred_at + window + kLateArrivalRetention, &rule});
  }
  // Only an event that no rule suppresses records its keys: a suppressed event must not
  // extend or start another rule's window.
  for (auto& p : passes) {
    if (!replay)
      ctx.state.setState(ctx.step, decisionKey(p.rule->config.name, event.id),
                         encodeDecision(kPassed, p.key));
    details.push_back("rule " + quoted(p.rule->config.name) + ": key " +
                      quoted(p.key.substr(storeKey(p.rule->config.name, "").size())) +
                      " recorded for events until " +
                      formatRfc3339(p.expires_at - kLateArrivalRetention));
    ctx.state.addDedupeKey(ctx.step, std::move(p.key), p.expires_at);
  }
  if (details.empty()) return StageOutcome::next("passed", "no dedupe rule for " + event.type);
  return StageOutcome::next("passed", pipeline_detail::join(details, "; "));
}

}  // namespace pb
