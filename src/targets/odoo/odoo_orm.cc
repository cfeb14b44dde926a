// The blocking ORM helpers of the business operations (odoo_orm.h).
#include "odoo_orm.h"

#include <chrono>
#include <ctime>
#include <future>
#include <memory>

#include <fmt/format.h>
#include <boost/json.hpp>

namespace pb {

namespace json = boost::json;

std::string odooExternalId(std::string_view key, std::string_view suffix) {
  return "plantbridge." + odooEscapedKey(key) + std::string(suffix);
}

std::string odooEscapedKey(std::string_view key) {
  std::string out;
  for (const char c : key) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum) {
      out += c;
    } else if (c == '_') {
      out += "__";
    } else {
      out += fmt::format("_{:02x}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

std::string odooDatetime(TimePoint at) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch());
  const std::time_t t = seconds.count();
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<OdooNames> OdooOrm::names() {
  if (client_.serverInfo()) return client_.names();
  std::promise<Result<OdooServerInfo>> promise;
  auto connected = promise.get_future();
  client_.connectAsync([&promise](Result<OdooServerInfo> r) { promise.set_value(std::move(r)); });
  Result<OdooServerInfo> info = connected.get();
  if (!info.isOk()) {
    failure_ = DeliveryResult::retry("connecting to Odoo: " + info.status().message());
    return std::nullopt;
  }
  return client_.names();
}

DeliveryResult OdooOrm::fail(DeliveryResult outcome) {
  failure_ = std::move(outcome);
  return failure_;
}

std::optional<json::value> OdooOrm::call(std::string_view model, std::string_view method,
                                         const json::array& args, const json::object& kwargs) {
  OdooCall call;
  call.model = std::string(model);
  call.method = std::string(method);
  call.args_json = json::serialize(args);
  call.kwargs_json = json::serialize(kwargs);
  // The client answers on its own I/O thread, never on this one, so waiting here is safe. Its
  // timeout bounds the wait.
  const auto started = std::chrono::steady_clock::now();
  auto promise = std::make_shared<std::promise<OdooCallResult>>();
  auto answer = promise->get_future();
  client_.callAsync(std::move(call), meta_,
                    [promise](OdooCallResult r) { promise->set_value(std::move(r)); });
  OdooCallResult r = answer.get();
  ++calls_;
  if (observer_) {
    observer_(std::chrono::duration_cast<std::chrono::microseconds>(
                  std::chrono::steady_clock::now() - started),
              method == "read" || method == "search_read",
              r.outcome.kind == DeliveryResult::Kind::kRetry);
  }
  if (r.outcome.kind != DeliveryResult::Kind::kDelivered) {
    const std::string context = fmt::format("{}.{}: ", model, method);
    r.outcome.message.insert(0, context);
    failure_ = std::move(r.outcome);
    return std::nullopt;
  }
  boost::system::error_code ec;
  json::value value = json::parse(r.result_json, ec);
  if (ec) {
    failure_ = DeliveryResult::retry(
        fmt::format("{}.{}: the answer is not JSON ({})", model, method, ec.message()));
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> OdooOrm::loadOne(
    std::string_view model, const std::string& external_id,
    const std::vector<std::pair<std::string, std::string>>& columns) {
  json::array fields{"id"};
  json::array row{json::string(external_id)};
  for (const auto& [column, cell] : columns) {
    fields.emplace_back(column);
    row.emplace_back(cell);
  }
  auto answer = call(model, "load", json::array{fields, json::array{row}});
  if (!answer) return std::nullopt;
  // {"ids": [9], "messages": [], "nextrow": 0}, or {"ids": false, "messages": [{...}]}: row
  // errors come back as messages and nothing is written (ODOO18 §8, ODOO19 §1 capture 33).
  const json::object* result = answer->if_object();
  const json::value* ids_value = result == nullptr ? nullptr : result->if_contains("ids");
  const json::array* ids = ids_value == nullptr ? nullptr : ids_value->if_array();
  if (result == nullptr || ids == nullptr || ids->size() != 1 || !(*ids)[0].is_int64()) {
    std::string why;
    if (const auto* messages = result == nullptr ? nullptr : result->if_contains("messages")) {
      for (const json::value& m : messages->is_array() ? messages->as_array() : json::array{}) {
        if (!m.is_object()) continue;
        if (!why.empty()) why += "; ";
        if (const auto* field = m.as_object().if_contains("field")) {
          why += odooString(*field) + ": ";
        }
        if (const auto* message = m.as_object().if_contains("message")) {
          why += odooString(*message);
        }
      }
    }
    if (why.empty()) why = "unexpected answer " + json::serialize(*answer);
    fail(DeliveryResult::reject(fmt::format("{}.load of {}: {}", model, external_id, why)));
    return std::nullopt;
  }
  return (*ids)[0].as_int64();
}

std::optional<int64_t> OdooOrm::createOne(std::string_view model, json::object vals,
                                          json::object context) {
  json::object kwargs;
  if (!context.empty()) kwargs["context"] = std::move(context);
  auto created = call(model, "create", json::array{json::array{std::move(vals)}}, kwargs);
  if (!created) return std::nullopt;
  // create([vals]) answers [id] (a list in, a list out), create(vals) an id.
  const int64_t id = created->is_array() && !created->as_array().empty()
                         ? odooMany2oneId(created->as_array()[0])
                         : odooMany2oneId(*created);
  if (id <= 0) {
    fail(DeliveryResult::retry(
        fmt::format("{}.create: unexpected answer {}", model, json::serialize(*created))));
    return std::nullopt;
  }
  return id;
}

std::optional<json::value> OdooOrm::answerWizard(const json::value& action,
                                                 std::string_view button) {
  const std::string model = odooActionModel(action);
  json::object context;
  if (const auto* c = action.as_object().if_contains("context"); c != nullptr && c->is_object()) {
    context = c->as_object();
  }
  auto wizard = createOne(model, json::object{}, context);
  if (!wizard) return std::nullopt;
  return call(model, button, json::array{json::array{*wizard}},
              json::object{{"context", std::move(context)}});
}

std::optional<json::object> OdooOrm::readOne(std::string_view model, int64_t id,
                                             const std::vector<std::string>& fields) {
  json::array field_list(fields.begin(), fields.end());
  auto answer = call(model, "read", json::array{json::array{id}, field_list});
  if (!answer) return std::nullopt;
  const json::array* rows = answer->if_array();
  if (rows == nullptr || rows->empty() || !(*rows)[0].is_object()) {
    // read drops missing ids silently (ODOO19 §1.1): the record was deleted.
    fail(DeliveryResult::reject(fmt::format("{} {} does not exist (deleted in Odoo?)", model, id)));
    return std::nullopt;
  }
  return (*rows)[0].as_object();
}

std::optional<json::array> OdooOrm::searchRead(std::string_view model, json::array domain,
                                               const std::vector<std::string>& fields,
                                               int64_t limit, json::object context) {
  json::object kwargs{{"fields", json::array(fields.begin(), fields.end())}};
  if (limit > 0) kwargs["limit"] = limit;
  if (!context.empty()) kwargs["context"] = std::move(context);
  auto answer = call(model, "search_read", json::array{std::move(domain)}, kwargs);
  if (!answer) return std::nullopt;
  if (!answer->is_array()) {
    fail(DeliveryResult::retry(
        fmt::format("{}.search_read: unexpected answer {}", model, json::serialize(*answer))));
    return std::nullopt;
  }
  return std::move(answer->as_array());
}

const json::value& odooField(const json::object& record, std::string_view name) {
  static const json::value false_value(false);
  const json::value* v = record.if_contains(name);
  return v == nullptr ? false_value : *v;
}

int64_t odooMany2oneId(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (const json::array* pair = v.if_array(); pair != nullptr && !pair->empty()) {
    if ((*pair)[0].is_int64()) return (*pair)[0].as_int64();
  }
  return 0;
}

std::string odooString(const json::value& v) {
  if (const json::string* s = v.if_string()) return std::string(*s);
  return {};
}

double odooNumber(const json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  return 0;
}

std::string odooActionModel(const json::value& v) {
  const json::object* action = v.if_object();
  if (action == nullptr) return {};
  const json::value* model = action->if_contains("res_model");
  return model == nullptr ? std::string() : odooString(*model);
}

}  // namespace pb
