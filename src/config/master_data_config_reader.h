// Reads the `master_data` section: the scheduled sync of Odoo master data into the store
// (docs/targets/odoo.md, "Master data").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plantbridge/config/config.h"
#include "yaml_reader.h"

namespace pb::config_internal {

// `targets` are the targets already read: `source` must name one of kind odoo. `schemas` too:
// each of `events` needs one that the events meet.
void readMasterData(YamlReader& reader, const YAML::Node& node, const Loc& at,
                    const std::vector<TargetConfig>& targets,
                    const std::map<std::string, EventSchema>& schemas, MasterDataConfig& out);

}  // namespace pb::config_internal
