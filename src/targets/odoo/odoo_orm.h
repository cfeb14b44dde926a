// A blocking, typed face of the Odoo client for the business operations, which run on threads
// of their own (odoo_operation_executor.h) and read as the straight sequence of Odoo calls they
// are. Each helper makes one Odoo call (one transaction in Odoo). A helper that fails returns
// nothing and keeps the delivery outcome in failure(): Retry for what may pass later, Reject
// with Odoo's message for what will not; the operation returns that outcome as it is.
//
// Not thread-safe: one OdooOrm per running operation.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "plantbridge/targets/odoo.h"

namespace pb {

// A record's external id for an idempotency key: "plantbridge.<key>", the key's characters
// other than [A-Za-z0-9] escaped ('_' as "__", others as "_" and two hex digits) so that two
// keys never share an id, and `suffix` ("-lot") after it for a second record of one key.
std::string odooExternalId(std::string_view key, std::string_view suffix = {});
// The key escaped as odooExternalId escapes it, without the module.
std::string odooEscapedKey(std::string_view key);

// "2026-11-22 05:37:17": Odoo's naive UTC datetime.
std::string odooDatetime(TimePoint at);

class OdooOrm {
 public:
  // Told of every call: its latency, whether it only read (reads take a fraction of a
  // write's time, ODOO18 §11), and whether it failed in a way that may mean Odoo is
  // overloaded (a Retry: timeout, serialization failure, 5xx, 429, connection refused).
  using CallObserver =
      std::function<void(std::chrono::microseconds latency, bool read_only, bool overloaded)>;

  OdooOrm(OdooClient& client, OdooCallMeta meta, CallObserver observer = {})
      : client_(client), meta_(std::move(meta)), observer_(std::move(observer)) {}

  // Odoo calls made so far.
  size_t calls() const { return calls_; }
  // The transaction's idempotency key and correlation id.
  const OdooCallMeta& meta() const { return meta_; }

  // The names of the connected server's version (fields renamed in 19); connects first when
  // the client has not yet (a failure is kept in failure()).
  std::optional<OdooNames> names();

  // The outcome of the helper that failed last.
  const DeliveryResult& failure() const { return failure_; }
  // Records a failure of the operation's own making (a policy refusal, an unexpected answer).
  DeliveryResult fail(DeliveryResult outcome);

  // One call; its result (JSON null for a method that returned nothing).
  std::optional<boost::json::value> call(std::string_view model, std::string_view method,
                                         const boost::json::array& args,
                                         const boost::json::object& kwargs = {});

  // Model.load(fields, [row]) with the external id as the first column: creates the record, or
  // finds the one an earlier attempt created (and writes the same values again). Columns follow
  // the import's conventions ("product_id/.id" for a database id); cells are strings, as an
  // import gives them. Row errors in `messages` are permanent (Reject with Odoo's message).
  std::optional<int64_t> loadOne(std::string_view model, const std::string& external_id,
                                 const std::vector<std::pair<std::string, std::string>>& columns);

  // create([vals]) in `context`: the new record's id.
  std::optional<int64_t> createOne(std::string_view model, boost::json::object vals,
                                   boost::json::object context = {});

  // Creates the wizard a window action opens, in the action's context, and presses `button` on
  // it, as Odoo's UI does (the backorder question, the consumption warning, ...). The button's
  // answer.
  std::optional<boost::json::value> answerWizard(const boost::json::value& action,
                                                 std::string_view button);

  // read([id], fields)[0]; Reject (the record is gone) when Odoo returns no row.
  std::optional<boost::json::object> readOne(std::string_view model, int64_t id,
                                             const std::vector<std::string>& fields);

  // search_read(domain, fields), in `context` when given ({"active_test": false} finds
  // archived records too).
  std::optional<boost::json::array> searchRead(std::string_view model, boost::json::array domain,
                                               const std::vector<std::string>& fields,
                                               int64_t limit = 0, boost::json::object context = {});

 private:
  OdooClient& client_;
  const OdooCallMeta meta_;
  const CallObserver observer_;
  size_t calls_ = 0;
  DeliveryResult failure_;
};

// Small readers for Odoo's values: a many2one is [id, "name"] or false. A field missing from
// `record` reads as false.
const boost::json::value& odooField(const boost::json::object& record, std::string_view name);
int64_t odooMany2oneId(const boost::json::value& v);
std::string odooString(const boost::json::value& v);  // "" for false
double odooNumber(const boost::json::value& v);       // 0 for false

// A window action's res_model ("" when `v` is not an action): how Odoo answers a button that
// needs a wizard (backorder, consumption warning, insufficient quantity).
std::string odooActionModel(const boost::json::value& v);

}  // namespace pb
