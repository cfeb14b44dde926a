// Reads the `mappings` section (docs/configuration.md "mappings"): the asset table
// (canonical asset id -> its ids in each system) and the code tables (a machine's reason and
// defect codes -> Odoo loss reasons and root cause classes), each given in the YAML file, in a
// CSV file, or both. A key defined twice is an error naming where it was first defined.
#pragma once

#include <vector>

#include "plantbridge/config/config.h"
#include "yaml_reader.h"

namespace pb::config_internal {

void readMappings(YamlReader& reader, const YAML::Node& node, const Loc& at,
                  std::vector<AssetMapping>& assets, CodeMappings& codes);

}  // namespace pb::config_internal
