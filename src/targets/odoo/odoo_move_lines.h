// Puts given lots on a stock move: what the consumption of lot-tracked components and the
// partial quarantine (an internal picking) both need. ODOO18 §3 step 5: "to force a specific
// lot, write the stock.move.line (lot_id, quantity, picked)"; §7 B writes the line Odoo
// reserved (FIFO picked another lot) the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "odoo_orm.h"

namespace pb {

struct OdooLotQuantity {
  int64_t lot_id = 0;
  double quantity = 0;
};

// The stock move whose lines are set.
struct OdooMoveRef {
  int64_t id = 0;
  int64_t product_id = 0;
  int64_t location_id = 0;
  int64_t location_dest_id = 0;
};

// Sets the move's lines to exactly `lots`, in order, all picked: its lines are read first
// (by id); line i gets lots[i] (written only when it differs, so a retry writes nothing), a
// missing line is created with stock.move.line.load under odooExternalId(key, "-line<i>"),
// lines beyond the lots get quantity 0 (Odoo drops them when the move is done). Answers how
// many calls wrote something; nothing on a failed call (orm.failure()).
std::optional<size_t> setOdooMoveLots(OdooOrm& orm, const OdooMoveRef& move,
                                      const std::vector<OdooLotQuantity>& lots,
                                      const std::string& key);

}  // namespace pb
