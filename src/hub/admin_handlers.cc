// The admin API: one event's story, dead letters (list, show, retry, discard) and the
// exception queue. Dead-letter actions are recorded in the audit log, accepted or not.
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>

#include "hub_api_impl.h"

namespace pb {

namespace json = boost::json;

namespace {

HttpResponse jsonAnswer(int status, const json::value& body) {
  return HttpResponse::json(status, json::serialize(body));
}

// Parses an optional integer query parameter in [min, max]; false (with `failure` set) when
// it is present and not such an integer.
bool queryInt(const HttpRequest& request, std::string_view name, int64_t min, int64_t max,
              int64_t fallback, int64_t& out, HttpResponse& failure) {
  out = fallback;
  auto text = request.queryParam(name);
  if (!text) return true;
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || value < min || value > max) {
    failure = HttpResponse::error(400, "bad_request",
                                  std::string(name) + ": must be an integer from " +
                                      std::to_string(min) + " to " + std::to_string(max));
    return false;
  }
  out = value;
  return true;
}

json::value bodyJson(const std::string& body) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) return json::value(body);
  return parsed;
}

json::object attemptJson(const Attempt& a) {
  json::object o;
  o["number"] = a.number;
  o["started_at"] = formatRfc3339(a.started_at);
  o["duration_ms"] = static_cast<double>(a.duration.count()) / 1000.0;
  o["outcome"] = attemptOutcomeName(a.outcome);
  o["http_status"] = a.http_status;
  o["message"] = a.message;
  return o;
}

json::object entryJson(const OutboxEntry& e, bool with_body) {
  json::object o;
  o["id"] = e.tx.id;
  o["seq"] = e.seq;
  o["event_id"] = e.tx.event_id;
  o["correlation_id"] = e.tx.correlation_id;
  o["route"] = e.tx.route;
  o["target"] = e.tx.target;
  o["ordering_key"] = e.tx.ordering_key;
  o["state"] = transactionStateName(e.state);
  o["attempt_count"] = e.attempts;
  o["created_at"] = formatRfc3339(e.tx.created_at);
  if (e.state == TransactionState::kPending) {
    o["next_attempt_at"] = formatRfc3339(e.next_attempt_at);
  }
  o["last_error"] = e.last_error;
  if (with_body) o["body"] = bodyJson(e.tx.body);
  return o;
}

}  // namespace

void HubApi::Impl::showEvent(const HttpRequest& request, const PathParams& params,
                             const Responder& respond) {
  HttpResponse failure;
  if (!authorize(request, {Scope::kRead}, failure)) {
    respond(std::move(failure));
    return;
  }
  const std::string id(params.get("id"));
  auto record = store.journal().findById(id);
  if (!record.isOk()) {
    respond(storeErrorAnswer(record.status()));
    return;
  }
  if (!record->has_value()) {
    respond(HttpResponse::error(404, "not_found", "no event '" + id + "' in the journal"));
    return;
  }
  const JournalRecord& jr = **record;
  auto trace = store.pipeline().traceOf(id);
  auto exception = store.pipeline().exceptionOf(id);
  auto transactions = store.outbox().byEvent(id);
  auto cursor = store.pipeline().cursor();
  if (!trace.isOk() || !exception.isOk() || !transactions.isOk() || !cursor.isOk()) {
    const Status& s = !trace.isOk()          ? trace.status()
                      : !exception.isOk()    ? exception.status()
                      : !transactions.isOk() ? transactions.status()
                                             : cursor.status();
    respond(storeErrorAnswer(s));
    return;
  }

  json::object out;
  out["event"] = encodeEvent(jr.event);
  json::object journal;
  journal["seq"] = jr.seq;
  journal["hash"] = toHex(jr.hash);
  journal["prev_hash"] = toHex(jr.prev_hash);
  out["journal"] = std::move(journal);
  json::object pipeline;
  pipeline["processed"] = jr.seq <= *cursor;
  out["pipeline"] = std::move(pipeline);
  json::array stages;
  for (const StageTrace& t : *trace) {
    json::object o;
    o["stage"] = t.stage;
    o["outcome"] = t.outcome;
    o["detail"] = t.detail;
    o["at"] = formatRfc3339(t.at);
    stages.push_back(std::move(o));
  }
  out["trace"] = std::move(stages);
  if (exception->has_value()) {
    const ExceptionEntry& e = **exception;
    json::object o;
    o["stage"] = e.stage;
    o["reason"] = e.reason;
    o["at"] = formatRfc3339(e.at);
    out["exception"] = std::move(o);
  } else {
    out["exception"] = nullptr;
  }
  json::array txs;
  for (const OutboxEntry& e : *transactions) {
    json::object o = entryJson(e, true);
    auto attempts = store.outbox().attempts(e.tx.id);
    if (!attempts.isOk()) {
      respond(storeErrorAnswer(attempts.status()));
      return;
    }
    json::array list;
    for (const Attempt& a : *attempts) list.push_back(attemptJson(a));
    o["attempts"] = std::move(list);
    txs.push_back(std::move(o));
  }
  out["transactions"] = std::move(txs);
  respond(jsonAnswer(200, out));
}

void HubApi::Impl::listDeadLetters(const HttpRequest& request, const Responder& respond) {
  HttpResponse failure;
  if (!authorize(request, {Scope::kRead, Scope::kOperate}, failure)) {
    respond(std::move(failure));
    return;
  }
  int64_t before = 0;
  int64_t limit = 0;
  if (!queryInt(request, "before", 0, std::numeric_limits<int64_t>::max(), 0, before, failure) ||
      !queryInt(request, "limit", 1, static_cast<int64_t>(options.max_page_size),
                static_cast<int64_t>(options.default_page_size), limit, failure)) {
    respond(std::move(failure));
    return;
  }
  auto entries = store.outbox().deadLetters(before, static_cast<size_t>(limit));
  if (!entries.isOk()) {
    respond(storeErrorAnswer(entries.status()));
    return;
  }
  json::object out;
  json::array list;
  for (const OutboxEntry& e : *entries) list.push_back(entryJson(e, false));
  out["dead_letters"] = std::move(list);
  if (static_cast<int64_t>(entries->size()) == limit && !entries->empty()) {
    out["next_before"] = entries->back().seq;
  } else {
    out["next_before"] = nullptr;
  }
  respond(jsonAnswer(200, out));
}

void HubApi::Impl::showDeadLetter(const HttpRequest& request, const PathParams& params,
                                  const Responder& respond) {
  HttpResponse failure;
  if (!authorize(request, {Scope::kRead, Scope::kOperate}, failure)) {
    respond(std::move(failure));
    return;
  }
  const std::string id(params.get("id"));
  auto entry = store.outbox().get(id);
  if (!entry.isOk()) {
    respond(storeErrorAnswer(entry.status()));
    return;
  }
  if (!entry->has_value()) {
    respond(HttpResponse::error(404, "not_found", "no transaction '" + id + "'"));
    return;
  }
  if ((*entry)->state != TransactionState::kDead) {
    respond(HttpResponse::error(404, "not_found",
                                "transaction '" + id + "' is not a dead letter (it is " +
                                    transactionStateName((*entry)->state) + ")"));
    return;
  }
  auto attempts = store.outbox().attempts(id);
  if (!attempts.isOk()) {
    respond(storeErrorAnswer(attempts.status()));
    return;
  }
  json::object out = entryJson(**entry, true);
  json::array list;
  for (const Attempt& a : *attempts) list.push_back(attemptJson(a));
  out["attempts"] = std::move(list);
  respond(jsonAnswer(200, out));
}

// The shared shape of retry and discard: authorize (operate), act, audit, answer.
void HubApi::Impl::deadLetterAction(const HttpRequest& request, const std::string& id,
                                    const char* action, const char* new_state, Counter* done,
                                    const std::function<Status()>& act, const Responder& respond) {
  HttpResponse failure;
  auto principal = authorize(request, {Scope::kOperate}, failure);
  if (!principal) {
    if (failure.status == 403) {
      // Who tried, and was refused, is worth keeping. (Unknown callers are not: that would
      // let anyone fill the audit log.)
      auto who = auth.authenticate(request.header("Authorization"));
      AuditRecord denied{clock.now(), who.isOk() ? who->name : "?", action, id,
                         false,       "missing scope 'operate'"};
      if (Status s = store.audit().record(denied); !s.isOk()) {
        spdlog::error("admin API: cannot audit {} of {}: {}", action, id, s.toString());
      }
      admin_metrics.denied->inc();
    }
    respond(std::move(failure));
    return;
  }
  const Status result = act();
  AuditRecord audit{clock.now(), principal->name, action,
                    id,          result.isOk(),   result.isOk() ? "" : result.toString()};
  if (Status s = store.audit().record(audit); !s.isOk()) {
    spdlog::error("admin API: cannot audit {} of {} by {}: {}", action, id, principal->name,
                  s.toString());
  }
  if (!result.isOk()) {
    if (result.code() == StatusCode::kNotFound) {
      respond(HttpResponse::error(
          404, "not_found", "transaction '" + id + "' is not a dead letter: " + result.message()));
    } else {
      respond(storeErrorAnswer(result));
    }
    return;
  }
  done->inc();
  spdlog::info("admin API: {} {} by {}", action, id, principal->name);
  std::string body = R"({"id":)";
  appendJsonString(body, id);
  body += R"(,"state":)";
  appendJsonString(body, new_state);
  body += "}";
  respond(HttpResponse::json(200, std::move(body)));
}

void HubApi::Impl::retryDeadLetter(const HttpRequest& request, const PathParams& params,
                                   const Responder& respond) {
  const std::string id(params.get("id"));
  bool retried = false;
  deadLetterAction(
      request, id, "dlq.retry", "pending", admin_metrics.dlq_retry,
      [&] {
        Status s = store.outbox().retryDead(id, clock.now());
        retried = s.isOk();
        return s;
      },
      respond);
  if (retried && hooks.on_requeued) hooks.on_requeued();
}

void HubApi::Impl::discardDeadLetter(const HttpRequest& request, const PathParams& params,
                                     const Responder& respond) {
  const std::string id(params.get("id"));
  deadLetterAction(
      request, id, "dlq.discard", "discarded", admin_metrics.dlq_discard,
      [&] { return store.outbox().discardDead(id); }, respond);
}

void HubApi::Impl::listExceptions(const HttpRequest& request, const Responder& respond) {
  HttpResponse failure;
  if (!authorize(request, {Scope::kRead}, failure)) {
    respond(std::move(failure));
    return;
  }
  int64_t limit = 0;
  if (!queryInt(request, "limit", 1, static_cast<int64_t>(options.max_page_size),
                static_cast<int64_t>(options.default_page_size), limit, failure)) {
    respond(std::move(failure));
    return;
  }
  auto entries = store.pipeline().exceptions(static_cast<size_t>(limit));
  if (!entries.isOk()) {
    respond(storeErrorAnswer(entries.status()));
    return;
  }
  json::array list;
  for (const ExceptionEntry& e : *entries) {
    json::object o;
    o["event_id"] = e.event_id;
    o["stage"] = e.stage;
    o["reason"] = e.reason;
    o["at"] = formatRfc3339(e.at);
    list.push_back(std::move(o));
  }
  json::object out;
  out["exceptions"] = std::move(list);
  respond(jsonAnswer(200, out));
}

}  // namespace pb
