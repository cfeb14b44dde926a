// POST /v1/events: authenticate, limit, parse, decode and validate each record, append the
// valid ones to the journal (group commit) and answer once they are durable.
#include <spdlog/spdlog.h>

#include <boost/json/monotonic_resource.hpp>
#include <cmath>
#include <memory>
#include <vector>

#include "hub_api_impl.h"
#include "plantbridge/hub/ingest_decoder.h"

namespace pb {

namespace {

enum class RecordStatus : uint8_t { kRejected, kPending, kAccepted, kDuplicate };

struct RecordOutcome {
  RecordStatus status = RecordStatus::kRejected;
  std::string id;
  std::vector<FieldError> errors;
  size_t line = 0;  // NDJSON only
};

// One request's progress, shared with the journal's callback.
struct IngestState {
  std::vector<RecordOutcome> records;
  std::vector<size_t> appended;  // record index of each appended event, in order
  Responder respond;
  size_t rejected = 0;
};

void appendRecordJson(std::string& out, size_t index, const RecordOutcome& r) {
  out += R"({"index":)";
  out += std::to_string(index);
  if (!r.id.empty()) {
    out += R"(,"id":)";
    appendJsonString(out, r.id);
  }
  switch (r.status) {
    case RecordStatus::kAccepted:
      out += R"(,"status":"accepted")";
      break;
    case RecordStatus::kDuplicate:
      out += R"(,"status":"duplicate")";
      break;
    case RecordStatus::kPending:  // not reached: every pending record is resolved first
    case RecordStatus::kRejected:
      out += R"(,"status":"rejected")";
      if (r.line != 0) {
        out += R"(,"line":)";
        out += std::to_string(r.line);
      }
      out += R"(,"errors":[)";
      for (size_t i = 0; i < r.errors.size(); ++i) {
        if (i > 0) out += ',';
        out += R"({"field":)";
        appendJsonString(out, r.errors[i].field);
        out += R"(,"message":)";
        appendJsonString(out, r.errors[i].message);
        out += '}';
      }
      out += ']';
      break;
  }
  out += '}';
}

std::string resultsJson(const std::vector<RecordOutcome>& records, size_t accepted,
                        size_t duplicates, size_t rejected) {
  std::string out;
  out.reserve(64 + records.size() * 64);
  out += R"({"results":[)";
  for (size_t i = 0; i < records.size(); ++i) {
    if (i > 0) out += ',';
    appendRecordJson(out, i, records[i]);
  }
  out += R"(],"accepted":)";
  out += std::to_string(accepted);
  out += R"(,"duplicates":)";
  out += std::to_string(duplicates);
  out += R"(,"rejected":)";
  out += std::to_string(rejected);
  out += '}';
  return out;
}

// The record's "id" when it has a string one, to echo in its rejection.
std::string idOf(const boost::json::value& record) {
  const auto* obj = record.if_object();
  if (obj == nullptr) return {};
  const auto* id = obj->if_contains("id");
  if (id == nullptr || !id->is_string()) return {};
  const auto& s = id->get_string();
  return std::string(s.data(), std::min<size_t>(s.size(), 256));
}

std::string retryAfterSeconds(std::chrono::microseconds wait) {
  const auto seconds = static_cast<int64_t>(std::ceil(static_cast<double>(wait.count()) / 1e6));
  return std::to_string(std::max<int64_t>(1, seconds));
}

}  // namespace

void HubApi::Impl::ingest(const HttpRequest& request, Responder respond) {
  const auto started = clock.steadyNow();
  auto answer = [this, started](const Responder& r, HttpResponse response) {
    ingest_metrics.requests(response.status).inc();
    ingest_metrics.latency->observe(
        std::chrono::duration<double>(clock.steadyNow() - started).count());
    r(std::move(response));
  };
  ingest_metrics.body_bytes->inc(request.body.size());

  HttpResponse failure;
  auto principal = authorize(request, {Scope::kIngest}, failure);
  if (!principal) {
    answer(respond, std::move(failure));
    return;
  }
  if (request.body.size() > options.max_body_bytes) {
    answer(respond, HttpResponse::error(413, "payload_too_large",
                                        "the body is larger than " +
                                            std::to_string(options.max_body_bytes) + " bytes"));
    return;
  }
  int64_t backlog_now = 0;
  if (overloaded(&backlog_now)) {
    answer(respond, overloadedAnswer(backlog_now));
    return;
  }
  std::chrono::microseconds wait{0};
  if (principal->limiter->empty(started, &wait)) {
    HttpResponse r = HttpResponse::error(429, "rate_limited",
                                         "token '" + principal->name + "' is over its rate limit");
    r.headers.add("Retry-After", retryAfterSeconds(wait));
    answer(respond, std::move(r));
    return;
  }

  // Parse into a per-request arena: the whole DOM is dropped at once when this returns
  // (decoded events own their data).
  boost::json::monotonic_resource arena(std::min<size_t>(
      request.body.size() + request.body.size() / 2 + 1024, size_t{64} * 1024 * 1024));
  IngestRecords parsed(&arena);
  IngestParseError parse_error;
  const IngestParseOutcome outcome =
      parseIngestBody(request.body, isNdjsonContentType(request.header("Content-Type")),
                      options.max_records_per_request, parsed, parse_error);
  if (outcome == IngestParseOutcome::kMalformed) {
    std::string body = R"({"error":{"code":"malformed_json","message":)";
    appendJsonString(body, "the body is not valid JSON: " + parse_error.message + " at line " +
                               std::to_string(parse_error.line) + ", column " +
                               std::to_string(parse_error.column) + " (byte offset " +
                               std::to_string(parse_error.offset) + ")");
    body += R"(,"offset":)" + std::to_string(parse_error.offset);
    body += R"(,"line":)" + std::to_string(parse_error.line);
    body += R"(,"column":)" + std::to_string(parse_error.column) + "}}";
    answer(respond, HttpResponse::json(400, std::move(body)));
    return;
  }
  if (outcome == IngestParseOutcome::kTooManyRecords) {
    answer(respond,
           HttpResponse::error(413, "too_many_records",
                               "a request may carry at most " +
                                   std::to_string(options.max_records_per_request) + " records"));
    return;
  }

  const size_t n = parsed.records.size();
  if (!principal->limiter->unlimited()) {
    const double burst = principal->limiter->config().burst > 0
                             ? principal->limiter->config().burst
                             : std::max(principal->limiter->config().per_second, 1.0);
    if (static_cast<double>(n) > burst) {
      answer(respond, HttpResponse::error(413, "too_many_records",
                                          "the request has " + std::to_string(n) +
                                              " records, more than token '" + principal->name +
                                              "' may send at once (" +
                                              std::to_string(static_cast<int64_t>(burst)) + ")"));
      return;
    }
    if (!principal->limiter->tryTake(static_cast<double>(n), started, &wait)) {
      HttpResponse r = HttpResponse::error(
          429, "rate_limited", "token '" + principal->name + "' is over its rate limit");
      r.headers.add("Retry-After", retryAfterSeconds(wait));
      answer(respond, std::move(r));
      return;
    }
  }

  auto state = std::make_shared<IngestState>();
  state->records.resize(n);
  std::vector<Event> events;
  events.reserve(n);
  state->appended.reserve(n);
  const TimePoint now = clock.now();
  std::vector<FieldError> errors;
  for (size_t i = 0; i < n; ++i) {
    RecordOutcome& out = state->records[i];
    const boost::json::value& record = parsed.records[i];
    errors.clear();
    auto event = decodeEvent(record, errors, options.decode_limits);
    if (event.isOk()) errors = schemas.validate(*event, now);
    if (!event.isOk() || !errors.empty()) {
      out.status = RecordStatus::kRejected;
      out.id = idOf(record);
      out.errors = std::move(errors);
      errors = {};
      if (!parsed.lines.empty()) out.line = parsed.lines[i];
      ++state->rejected;
      continue;
    }
    out.status = RecordStatus::kPending;
    out.id = event->id;
    state->appended.push_back(i);
    events.push_back(std::move(event).value());
  }
  if (events.empty()) {
    ingest_metrics.rejected->inc(state->rejected);
    const int status = n > 0 ? 422 : 200;
    answer(respond, HttpResponse::json(status, resultsJson(state->records, 0, 0, state->rejected)));
    return;
  }

  state->respond = std::move(respond);
  appendStarted();
  store.journal().appendAsync(
      std::move(events), [this, state, answer](Status status, std::vector<AppendResult> results) {
        // On the store's writer thread: only bookkeeping and the answer's JSON here.
        if (status.isOk() && results.size() != state->appended.size()) {
          status = Status::internal("the journal answered " + std::to_string(results.size()) +
                                    " results for " + std::to_string(state->appended.size()) +
                                    " records");
        }
        if (!status.isOk()) {
          spdlog::error("ingest: journal append failed: {}", status.toString());
          noteStoreFailure(status);
          HttpResponse r = HttpResponse::error(
              503, "store_unavailable",
              "the journal could not store the records (none of this request was kept): " +
                  status.message());
          r.headers.add("Retry-After",
                        std::to_string(std::max<int64_t>(1, options.overload_retry_after.count())));
          answer(state->respond, std::move(r));
          appendFinished();
          return;
        }
        size_t accepted = 0;
        size_t duplicates = 0;
        for (size_t k = 0; k < results.size(); ++k) {
          RecordOutcome& out = state->records[state->appended[k]];
          if (results[k].outcome == AppendOutcome::kAccepted) {
            out.status = RecordStatus::kAccepted;
            ++accepted;
          } else {
            out.status = RecordStatus::kDuplicate;
            ++duplicates;
          }
        }
        noteStoreSuccess();
        ingest_metrics.rejected->inc(state->rejected);
        ingest_metrics.accepted->inc(accepted);
        ingest_metrics.duplicates->inc(duplicates);
        if (accepted > 0) {
          cached_backlog.fetch_add(static_cast<int64_t>(accepted), std::memory_order_relaxed);
          if (hooks.on_appended) hooks.on_appended();
        }
        answer(state->respond, HttpResponse::json(200, resultsJson(state->records, accepted,
                                                                   duplicates, state->rejected)));
        appendFinished();
      });
}

}  // namespace pb
