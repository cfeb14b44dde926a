#include "master_data_config_reader.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>

#include "config_keys.h"

namespace pb::config_internal {
namespace {

namespace keys = config_keys;

constexpr Millis kMinEvery{std::chrono::seconds(1)};
constexpr Millis kMaxEvery{std::chrono::hours(24 * 7)};
constexpr Millis kMaxOverlap{std::chrono::hours(24)};
constexpr Millis kMaxHistory{std::chrono::hours(24 * 366)};
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

}  // namespace

void readMasterData(YamlReader& reader, const YAML::Node& node, const Loc& at,
                    const std::vector<TargetConfig>& targets, MasterDataConfig& out) {
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
}

}  // namespace pb::config_internal
