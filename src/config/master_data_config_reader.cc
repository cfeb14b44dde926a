#include "master_data_config_reader.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config_keys.h"
#include "validators.h"

namespace pb::config_internal {
namespace {

namespace keys = config_keys;

constexpr Millis kMinEvery{std::chrono::seconds(1)};
constexpr Millis kMaxEvery{std::chrono::hours(24 * 7)};
constexpr Millis kMaxOverlap{std::chrono::hours(24)};
constexpr Millis kMaxHistory{std::chrono::hours(24 * 366)};
constexpr Millis kMaxKeep{std::chrono::hours(24 * 3660)};
constexpr Millis kMaxWebhookDelay{std::chrono::minutes(1)};
constexpr size_t kMinWebhookSecret = 24;

std::string modelList() {
  std::string out;
  for (std::string_view m : keys::kMasterDataModels) {
    if (!out.empty()) out += ", ";
    out += m;
  }
  return out;
}

// What each event of kMasterDataEvents carries (docs/targets/odoo.md, "Maintenance stage
// changes"): the model it comes from, the payload fields and context keys every event has. A
// schema that requires anything else would make the journal reject every one of them.
struct MadeEvent {
  std::string_view type;
  std::string_view model;
  std::vector<std::string_view> payload;
  std::vector<std::string_view> context;
};
const MadeEvent* madeEvent(std::string_view type) {
  static const MadeEvent made[] = {
      {"maintenance.stage_changed",
       "maintenance.request",
       {"request_id", "name", "stage_id", "stage_name", "done"},
       {"maintenance_request"}},
  };
  for (const MadeEvent& e : made) {
    if (e.type == type) return &e;
  }
  return nullptr;
}

std::string joined(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out;
}

// `events` once `models` is read: each a known event, from an enabled model, with a schema
// that the events meet (the journal validates them like any other).
void readEvents(YamlReader& reader, const YAML::Node& node, const Loc& at,
                const std::map<std::string, EventSchema>& schemas, MasterDataConfig& out) {
  const auto types = reader.stringList(node, at);
  if (!types) return;
  std::vector<std::string_view> schema_types;
  schema_types.reserve(schemas.size());
  for (const auto& [type, schema] : schemas) schema_types.push_back(type);
  for (const auto& [type, loc] : *types) {
    const MadeEvent* made = madeEvent(type);
    if (made == nullptr) {
      reader.error(loc, "'" + type + "' is not an event the master-data sync makes (" +
                            joined(keys::kMasterDataEvents) + ")");
      continue;
    }
    if (std::find(out.events.begin(), out.events.end(), type) != out.events.end()) {
      reader.error(loc, "'" + type + "' is listed twice");
      continue;
    }
    auto model =
        std::find_if(out.models.begin(), out.models.end(),
                     [&](const MasterDataModelConfig& m) { return m.model == made->model; });
    if (model != out.models.end() && !model->enabled) {
      reader.error(loc, "'" + type + "' comes from reading " + std::string(made->model) +
                            ", which master_data.models." + std::string(made->model) +
                            " disables: no such event would be made");
      continue;
    }
    auto schema = schemas.find(type);
    if (schema == schemas.end()) {
      std::string message = "no schema for '" + type + "'";
      message += ": the journal rejects events without one, so every one of them would be ";
      message += "dropped; add schemas." + type + " (docs/targets/odoo.md shows one)";
      message += didYouMean(type, schema_types);
      reader.error(loc, std::move(message));
      continue;
    }
    bool fits = true;
    for (const FieldSchema& f : schema->second.payload) {
      if (!f.required ||
          std::find(made->payload.begin(), made->payload.end(), f.name) != made->payload.end()) {
        continue;
      }
      fits = false;
      reader.error(loc, "schema '" + type + "' requires payload field '" + f.name +
                            "', which not every such event carries (each has " +
                            joined(made->payload) + ")");
    }
    for (const std::string& key : schema->second.required_context) {
      if (std::find(made->context.begin(), made->context.end(), key) != made->context.end()) {
        continue;
      }
      fits = false;
      std::string message = "schema '" + type + "' requires context.";
      message += key;
      message += ", which not every such event carries (each has " + joined(made->context) + ")";
      reader.error(loc, std::move(message));
    }
    if (fits) out.events.push_back(type);
  }
}

}  // namespace

void readMasterData(YamlReader& reader, const YAML::Node& node, const Loc& at,
                    const std::vector<TargetConfig>& targets,
                    const std::map<std::string, EventSchema>& schemas, MasterDataConfig& out) {
  Section s(reader, node, at, keys::kMasterData);
  if (!s.isMap()) return;
  if (s.require("source") && s.read("source", out.source)) {
    auto it = std::find_if(targets.begin(), targets.end(),
                           [&](const TargetConfig& t) { return t.name == out.source; });
    if (it == targets.end()) {
      reader.error(s.loc("source"), "'" + out.source + "' is not a configured target");
    } else if (it->kind != "odoo") {
      reader.error(s.loc("source"), "target '" + out.source + "' is of kind " + it->kind +
                                        "; master data is read from an odoo target");
    }
  }
  s.read("every", out.every, kMinEvery, kMaxEvery);
  s.read("overlap", out.overlap, Millis(0), kMaxOverlap);
  s.read("history", out.history, Millis(0), kMaxHistory);
  if (s.read("keep", out.keep, Millis(0), kMaxKeep) && out.keep.count() > 0 &&
      out.keep < out.history) {
    // The first read after a restart writes facts that old; forgetting them again at once
    // would leave late events without their order.
    reader.error(s.loc("keep"), "must be at least `history` (or 0: keep for ever)");
  }
  SecretValue secret;
  if (readSecretKeys(reader, s, {"webhook_secret_file", "webhook_secret_env", ""}, secret)) {
    // It is a path segment of the URL Odoo posts to, and the only thing that authenticates it.
    const bool url_safe = std::all_of(secret.value.begin(), secret.value.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
             c == '~';
    });
    const Loc loc = s.loc(secret.file.empty() ? "webhook_secret_env" : "webhook_secret_file");
    if (secret.value.size() < kMinWebhookSecret) {
      reader.error(loc, "the webhook secret must be at least " + std::to_string(kMinWebhookSecret) +
                            " characters long");
    } else if (!url_safe) {
      reader.error(loc, "the webhook secret goes into a URL: only letters, digits and - _ . ~");
    } else {
      out.webhook_secret = std::move(secret.value);
      out.webhook_secret_file = std::move(secret.file);
      out.webhook_secret_env = std::move(secret.env);
    }
  }
  s.read("webhook_delay", out.webhook_delay, Millis(0), kMaxWebhookDelay);
  out.models.clear();
  for (std::string_view m : keys::kMasterDataModels) {
    out.models.push_back({std::string(m), out.every, true});
  }
  if (const YAML::Node* models = s.node("models")) {
    reader.forEachEntry(
        *models, s.loc("models"),
        [&](const std::string& name, const YAML::Node& v, const Loc& loc) {
          auto it = std::find_if(out.models.begin(), out.models.end(),
                                 [&](const MasterDataModelConfig& m) { return m.model == name; });
          if (it == out.models.end()) {
            reader.error(loc, "'" + name + "' is not a model the master-data sync reads (" +
                                  modelList() + ")");
            return;
          }
          Section m(reader, v, loc, keys::kMasterDataModel);
          m.read("every", it->every, kMinEvery, kMaxEvery);
          m.read("enabled", it->enabled);
        });
  }
  if (const YAML::Node* events = s.node("events")) {
    readEvents(reader, *events, s.loc("events"), schemas, out);
  }
}

}  // namespace pb::config_internal
