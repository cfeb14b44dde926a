#include "plantbridge/pipeline/route_stage.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include <boost/json/parse.hpp>

#include "text_util.h"

namespace pb {
namespace json = boost::json;
using pipeline_detail::quoted;

namespace {

constexpr std::string_view kDefaultBody = "{{event}}";

// Route matches compare scalar fields; the whole payload or event cannot be compared.
bool isMatchablePath(const std::string& path) {
  return path != "payload" && path != "event" && isValidFieldPath(path);
}

bool usesRunningTotal(const Template& t) {
  auto fields = t.fields();
  return std::find(fields.begin(), fields.end(), kRunningTotalPlaceholder) != fields.end();
}

// `previous` (a committed total, JSON number text) plus `amount`. Counts stay integers; any
// fraction (kilograms, metres) makes the total a double.
Result<json::value> addAmount(const std::optional<std::string>& previous,
                              const json::value& amount) {
  json::value total = static_cast<int64_t>(0);
  if (previous) {
    boost::system::error_code ec;
    total = json::parse(*previous, ec);
    if (ec || !total.is_number()) {
      return Status::internal("running total state is not a number: " + *previous);
    }
  }
  if (total.is_int64() && amount.is_int64()) {
    return json::value(total.get_int64() + amount.get_int64());
  }
  return json::value(total.to_number<double>() + amount.to_number<double>());
}

}  // namespace

std::unique_ptr<RouteStage> RouteStage::create(const std::vector<RouteConfig>& routes,
                                               const MapStage* mapper,
                                               std::vector<ConfigError>& errors) {
  size_t errors_before = errors.size();
  std::vector<Route> parsed;
  std::set<std::string> names;
  for (const auto& config : routes) {
    std::string prefix = "routes." + config.name;
    auto error = [&](std::string key, std::string message) {
      errors.push_back({"", 0, std::move(key), std::move(message)});
    };
    if (config.name.empty()) error("routes", "a route has no name");
    if (!names.insert(config.name).second)
      error(prefix, "duplicate route name " + quoted(config.name));
    if (config.target.empty()) error(prefix + ".target", "is required");
    for (const auto& [field, value] : config.match) {
      std::string why;
      if (!isMatchablePath(field)) {
        if (!isValidFieldPath(field, &why)) why = "not a scalar field";
        error(fmt::format("{}.match.{}", prefix, field),
              fmt::format("cannot match on {}: {}", quoted(field), why));
      }
    }
    for (const auto& field : config.require) {
      std::string why;
      if (!isValidFieldPath(field, &why)) {
        error(prefix + ".require", quoted(field) + " is not a field: " + why);
      }
    }
    Route route{config, {}, {}, {}};
    if (!config.ordering_key_template.empty()) {
      auto key = Template::parse(config.ordering_key_template, TemplateSyntax::kText);
      if (key.isOk()) {
        route.ordering_key = std::move(*key);
        if (usesRunningTotal(route.ordering_key)) {
          error(prefix + ".ordering_key", "{{running_total}} can only be used in the body");
        }
      } else {
        error(prefix + ".ordering_key", key.status().message());
      }
    }
    if (config.running_total) {
      auto per = Template::parse(config.running_total->per_template, TemplateSyntax::kText);
      if (!per.isOk()) {
        error(prefix + ".running_total.per", per.status().message());
      } else if (usesRunningTotal(*per)) {
        error(prefix + ".running_total.per", "cannot use {{running_total}} itself");
      } else {
        route.total_per = std::move(*per);
      }
      std::string why;
      if (!config.running_total->of.starts_with("payload.") ||
          !isValidFieldPath(config.running_total->of, &why)) {
        error(prefix + ".running_total.of", quoted(config.running_total->of) +
                                                " is not a payload field" +
                                                (why.empty() ? "" : ": " + why));
      }
    }
    std::string_view body_text =
        config.body_template.empty() ? kDefaultBody : std::string_view(config.body_template);
    auto body = Template::parse(body_text, TemplateSyntax::kJson);
    if (body.isOk()) {
      route.body = std::move(*body);
      if (usesRunningTotal(route.body) && !config.running_total) {
        error(prefix + ".body",
              "uses {{running_total}} but the route has no running_total (of, per)");
      } else if (!usesRunningTotal(route.body) && config.running_total) {
        error(prefix + ".running_total", "is set but the body does not use {{running_total}}");
      }
    } else {
      error(prefix + ".body", body.status().message());
    }
    parsed.push_back(std::move(route));
  }
  if (errors.size() != errors_before) return nullptr;
  return std::unique_ptr<RouteStage>(new RouteStage(std::move(parsed), mapper));
}

std::string RouteStage::transactionId(const std::string& event_id, const std::string& route) {
  return event_id + "/" + route;
}

bool RouteStage::matches(const Route& route, const Event& event) const {
  const auto& types = route.config.types;
  if (!types.empty() && std::find(types.begin(), types.end(), event.type) == types.end()) {
    return false;
  }
  for (const auto& [field, expected] : route.config.match) {
    auto value = resolveField(event, field);
    if (!value || valueText(*value) != expected) return false;
  }
  return true;
}

std::string RouteStage::explainMissing(const Event& event, const std::string& field) const {
  if (field.starts_with("context.")) {
    std::string key = field.substr(8);
    std::string hint = mapper_ ? mapper_->explainMissing(event, key) : std::string();
    std::string master = "master data gave none at " + formatRfc3339(event.occurred_at);
    if (hint.empty()) return " (not on the event; " + master + ")";
    if (hint.starts_with("the mapping")) return " (" + hint + " and " + master + ")";
    return " (" + hint + ")";
  }
  if (field.starts_with("payload.")) return " (not in the payload)";
  return {};
}

Result<RouteStage::TotalStep> RouteStage::addToTotal(const Route& route, const Event& event,
                                                     StageContext& ctx) const {
  const RunningTotalConfig& config = *route.config.running_total;
  auto per = route.total_per.render(event);
  if (!per.isOk()) return Status::invalidArgument("running_total.per: " + per.status().message());
  auto amount = resolveField(event, config.of);
  if (!amount) return Status::invalidArgument(config.of + " is not set (running_total.of)");
  if (!amount->is_number()) {
    return Status::invalidArgument(config.of + " is " + jsonText(*amount) +
                                   ", not a number (running_total.of)");
  }
  TotalStep step;
  step.state_key = "route/" + route.config.name + "/total/" + *per;
  auto previous = ctx.state.state(step.state_key);
  if (!previous.isOk()) return previous.status();
  auto total = addAmount(*previous, *amount);
  if (!total.isOk()) return total.status();
  step.new_total = jsonText(*total);
  step.values.emplace(std::string(kRunningTotalPlaceholder), std::move(*total));
  return step;
}

Result<StageOutcome> RouteStage::apply(Event& event, StageContext& ctx) const {
  std::vector<Transaction> planned;
  std::vector<std::string> problems;
  std::vector<std::string> matched;
  std::vector<std::string> skipped;                         // replay: planned live already
  std::vector<std::pair<std::string, std::string>> totals;  // state to commit if routed
  for (const auto& route : routes_) {
    if (!matches(route, event)) continue;
    const std::string& name = route.config.name;
    matched.push_back(name);
    std::string who = "route " + name + ": ";
    size_t problems_before = problems.size();
    for (const auto& field : route.config.require) {
      if (!resolveField(event, field)) {
        problems.push_back(who + field + " is not set" + explainMissing(event, field));
      }
    }
    if (problems.size() != problems_before) continue;

    // Order is kept per (target, ordering key), default the work center. The key shapes only
    // the order of delivery, not what is posted, so an event whose key does not render (say,
    // an unmapped machine) is ordered per asset instead of being parked; `require` is the
    // way to insist on a field.
    std::string ordering_key;
    if (!route.ordering_key.empty()) {
      auto key = route.ordering_key.render(event);
      if (key.isOk()) ordering_key = std::move(*key);
    } else if (auto wc = event.context.find("work_center"); wc != event.context.end()) {
      ordering_key = wc->second;
    }
    if (ordering_key.empty()) ordering_key = event.asset;
    const std::string tx_id = transactionId(event.id, name);
    Template::Values values;
    if (route.config.running_total) {
      if (ctx.state.replaying()) {
        // A replay must not move a total (route_stage.h): the event was counted live, or it
        // cannot be counted now.
        auto planned_live = ctx.state.transactionCommitted(tx_id);
        if (!planned_live.isOk()) return planned_live.status();
        if (*planned_live) {
          skipped.push_back(name + " (running total: planned live already)");
        } else {
          problems.push_back(
              who + "keeps a running total that only live processing adds to, and live " +
              "processing never counted this event; replaying it would post a total the next " +
              "live one undoes. Add its " + route.config.running_total->of +
              " in the target by hand and discard this exception");
        }
        continue;
      }
      auto step = addToTotal(route, event, ctx);
      if (!step.isOk()) {
        if (step.status().code() != StatusCode::kInvalidArgument) return step.status();
        problems.push_back(who + step.status().message());
        continue;
      }
      totals.emplace_back(step->state_key, step->new_total);
      values = std::move(step->values);
    }
    auto body = route.body.render(event, values.empty() ? nullptr : &values);
    if (!body.isOk()) {
      problems.push_back(who + "body: " + body.status().message());
      continue;
    }
    Transaction tx;
    tx.id = tx_id;
    tx.event_id = event.id;
    tx.correlation_id = event.correlation_id.empty() ? event.id : event.correlation_id;
    tx.route = name;
    tx.target = route.config.target;
    tx.ordering_key = std::move(ordering_key);
    tx.body = std::move(*body);
    tx.created_at = ctx.now;
    planned.push_back(std::move(tx));
  }
  if (matched.empty()) return StageOutcome::next("no_route", "no route matches " + event.type);
  // All or nothing (route_stage.h): a parked event plans no transaction at all.
  if (!problems.empty()) return StageOutcome::exception(pipeline_detail::join(problems, "; "));
  for (auto& [key, value] : totals) ctx.state.setState(ctx.step, std::move(key), std::move(value));
  std::vector<std::string> parts;
  parts.reserve(planned.size());
  for (const auto& tx : planned) {
    parts.push_back(tx.route + " -> " + tx.target + " (" + tx.id + ", ordering key " +
                    quoted(tx.ordering_key) + ")");
  }
  for (auto& tx : planned) ctx.step.transactions.push_back(std::move(tx));
  parts.insert(parts.end(), skipped.begin(), skipped.end());
  return StageOutcome::next("routed", pipeline_detail::join(parts, "; "));
}

}  // namespace pb
