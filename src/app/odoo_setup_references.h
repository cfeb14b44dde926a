// The part of `plantbridge odoo setup` that looks after the records an odoo target's config
// names (docs/targets/odoo.md, "plantbridge odoo setup"): its `locations` and `picking_types`.
#pragma once

#include <cstddef>

#include "odoo_orm.h"
#include "plantbridge/config/config.h"

namespace pb {

// Every configured location exists and is active (one with `create: true` that Odoo lacks is
// created), every configured picking type exists and is active (an archived one is activated
// with write {"active": true}, ODOO18 §7 B). Prints a line per record ("ok: ...", "created
// ...", "activated ...", "would ..." when `dry_run`, which only reads) and answers how many
// problems it printed.
size_t setUpOdooReferences(OdooOrm& orm, const TargetConfig& target, bool dry_run);

}  // namespace pb
