// message: a note in a record's chatter that says what plantbridge did and why, with the
// correlation id that finds the event's whole trace (docs/operations.md, "Logs").
//
//   {"operation": "message", "model": "mrp.production", "res_id": 6,
//    "body": "Lot LOT-42 quarantined: inspection INS-7 failed (surface defects)"}
//
// The note ends with "[plantbridge <key>, correlation <id>]". The record's messages are
// searched for that mark first, so a retry after a lost answer does not post the note twice.
// It is posted as an internal note (message_type comment, subtype mail.mt_note): followers are
// not e-mailed.
#include <fmt/format.h>
#include <boost/json.hpp>

#include "odoo_operations.h"

namespace pb {
namespace {

namespace json = boost::json;

struct Note {
  std::string model;
  int64_t res_id = 0;
  std::string body;
  std::string key;
};

bool isModelName(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

DeliveryResult runNote(OdooOrm& orm, const Note& n) {
  const std::string mark = fmt::format(
      "[plantbridge {}, correlation {}]", n.key,
      orm.meta().correlation_id.empty() ? std::string("none") : orm.meta().correlation_id);
  auto earlier = orm.searchRead(
      "mail.message",
      json::array{json::array{"model", "=", n.model}, json::array{"res_id", "=", n.res_id},
                  json::array{"body", "ilike", fmt::format("plantbridge {},", n.key)}},
      {"id"}, 1);
  if (!earlier) return orm.failure();
  if (!earlier->empty()) {
    return DeliveryResult::delivered(
        200, fmt::format("note on {} {} was posted already (mail.message {})", n.model, n.res_id,
                         odooMany2oneId(odooField((*earlier)[0].as_object(), "id"))));
  }
  auto posted = orm.call(n.model, "message_post", json::array{json::array{n.res_id}},
                         json::object{{"body", n.body + " " + mark},
                                      {"message_type", "comment"},
                                      {"subtype_xmlid", "mail.mt_note"}});
  if (!posted) return orm.failure();
  return DeliveryResult::delivered(200, fmt::format("note posted on {} {}", n.model, n.res_id));
}

}  // namespace

Result<OdooOperation> parseMessageOperation(const OperationParams& p, const std::string& key) {
  PB_RETURN_IF_ERROR(p.onlyKnown({"model", "res_id", "body"}));
  PB_PARAM(model, p.text("model", true));
  PB_PARAM(res_id, p.id("res_id"));
  PB_PARAM(body, p.text("body", true));
  if (!isModelName(model)) {
    return Status::invalidArgument(
        fmt::format("message: 'model' must be an Odoo model name (got '{}')", model));
  }
  OdooOperation op;
  op.name = "message";
  op.serial_key = fmt::format("{}:{}", model, res_id);
  op.run = [n = Note{model, res_id, body, key}](OdooOrm& orm) { return runNote(orm, n); };
  return op;
}

}  // namespace pb
