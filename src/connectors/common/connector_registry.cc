#include "plantbridge/connectors/connector.h"

namespace pb {

Status ConnectorRegistry::add(const std::string& kind, ConnectorKind factory) {
  if (kind.empty()) return Status::invalidArgument("a connector kind needs a name");
  if (!kinds_.emplace(kind, std::move(factory)).second) {
    return Status::alreadyExists("connector kind '" + kind + "' is registered twice");
  }
  return Status::ok();
}

std::vector<ConfigError> ConnectorRegistry::check(const Config& config) const {
  std::vector<ConfigError> errors;
  for (const ConnectorConfig& connector : config.connectors) {
    const std::string prefix = "connectors." + connector.name;
    const auto it = kinds_.find(connector.kind);
    if (it == kinds_.end()) {
      errors.push_back({config.source_file, 0, prefix + ".kind",
                        "unknown connector kind '" + connector.kind + "'"});
      continue;
    }
    if (!it->second.check) continue;
    for (auto& [key, message] : it->second.check(connector)) {
      std::string full_key = prefix;
      if (!key.empty()) full_key.append(".").append(key);
      errors.push_back({config.source_file, 0, std::move(full_key), std::move(message)});
    }
  }
  return errors;
}

Result<std::unique_ptr<Connector>> ConnectorRegistry::create(const ConnectorConfig& config,
                                                             ConnectorContext context) const {
  const auto it = kinds_.find(config.kind);
  if (it == kinds_.end()) {
    return Status::invalidArgument("connectors." + config.name + ".kind: unknown connector kind '" +
                                   config.kind + "'");
  }
  return it->second.create(config, std::move(context));
}

}  // namespace pb
