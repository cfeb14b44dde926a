// Reads an odoo target's `locations` and `picking_types`: the Odoo records that route bodies
// name instead of giving Odoo ids (docs/targets/odoo.md, "Named locations and picking types").
#pragma once

#include "plantbridge/config/config.h"
#include "yaml_reader.h"

namespace pb::config_internal {

// `section` is the odoo target's section; every problem is recorded with its line and key.
void readOdooReferences(YamlReader& reader, Section& section, OdooTargetConfig& out);

}  // namespace pb::config_internal
