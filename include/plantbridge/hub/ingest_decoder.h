// Splits an ingest request body into its records, without judging them: the syntax layer of
// POST /v1/events (each record is then decoded and validated on its own, so one bad record
// never costs the good ones; a body that is not JSON at all is refused as a whole).
//
// Accepted bodies: a JSON array of records; a single JSON object; NDJSON (one record per
// line; any whitespace between records is accepted). A body is read as NDJSON when the
// Content-Type says so, or when it holds more than one top-level value.
//
// Pure and allocation-bounded by the body size; never throws except std::bad_alloc. Fuzzed
// (tests/fuzz).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/storage_ptr.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pb {

enum class IngestFormat { kArray, kObject, kNdjson };
const char* ingestFormatName(IngestFormat f);

struct IngestRecords {
  // The records are allocated from `storage` (e.g. a per-request monotonic_resource).
  explicit IngestRecords(boost::json::storage_ptr storage = {}) : records(std::move(storage)) {}

  IngestFormat format = IngestFormat::kArray;
  boost::json::array records;
  // NDJSON only: the 1-based line on which each record starts.
  std::vector<size_t> lines;
};

struct IngestParseError {
  std::string message;  // "syntax error", "incomplete JSON", "unexpected data after the array"
  size_t offset = 0;    // 0-based byte offset in the body
  size_t line = 1;      // 1-based line of that byte
  size_t column = 1;    // 1-based byte column in that line
};

enum class IngestParseOutcome { kOk, kMalformed, kTooManyRecords };

// True for application/x-ndjson, application/ndjson, application/jsonl,
// application/x-jsonlines (parameters such as "; charset=utf-8" ignored).
bool isNdjsonContentType(std::string_view content_type);

// Parses `body` into `out` (whose records must be empty), allocating from out's storage.
// kTooManyRecords as soon as there are more than `max_records`.
IngestParseOutcome parseIngestBody(std::string_view body, bool ndjson, size_t max_records,
                                   IngestRecords& out, IngestParseError& error);

}  // namespace pb
