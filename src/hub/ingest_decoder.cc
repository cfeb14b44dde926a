#include "plantbridge/hub/ingest_decoder.h"

#include <algorithm>
#include <boost/json/parser.hpp>

#include "plantbridge/http/message.h"

namespace pb {

namespace json = boost::json;

namespace {

bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

size_t skipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && isJsonSpace(s[pos])) ++pos;
  return pos;
}

size_t countNewlines(std::string_view s, size_t from, size_t to) {
  return static_cast<size_t>(std::count(s.begin() + static_cast<std::ptrdiff_t>(from),
                                        s.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
}

IngestParseOutcome fail(std::string_view body, size_t offset, std::string message,
                        IngestParseError& error) {
  offset = std::min(offset, body.size());
  error.message = std::move(message);
  error.offset = offset;
  const size_t last_newline = offset == 0 ? std::string_view::npos : body.rfind('\n', offset - 1);
  error.line = 1 + countNewlines(body, 0, offset);
  error.column = last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
  return IngestParseOutcome::kMalformed;
}

std::string describe(const boost::system::error_code& ec) {
  if (ec == json::error::incomplete) return "incomplete JSON: the body ends inside a value";
  return ec.message();
}

}  // namespace

const char* ingestFormatName(IngestFormat f) {
  switch (f) {
    case IngestFormat::kArray:
      return "array";
    case IngestFormat::kObject:
      return "object";
    case IngestFormat::kNdjson:
      return "ndjson";
  }
  return "?";
}

bool isNdjsonContentType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && isJsonSpace(type.back())) type.remove_suffix(1);
  while (!type.empty() && isJsonSpace(type.front())) type.remove_prefix(1);
  return equalsIgnoreCase(type, "application/x-ndjson") ||
         equalsIgnoreCase(type, "application/ndjson") ||
         equalsIgnoreCase(type, "application/jsonl") ||
         equalsIgnoreCase(type, "application/x-jsonlines");
}

IngestParseOutcome parseIngestBody(std::string_view body, bool ndjson, size_t max_records,
                                   IngestRecords& out, IngestParseError& error) {
  const json::storage_ptr& storage = out.records.storage();
  out.records.clear();
  out.lines.clear();
  size_t pos = 0;
  if (body.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // a UTF-8 byte order mark
  size_t line = 1 + countNewlines(body, 0, skipSpace(body, pos));
  pos = skipSpace(body, pos);
  if (pos == body.size()) {
    if (ndjson) {
      out.format = IngestFormat::kNdjson;
      return IngestParseOutcome::kOk;
    }
    return fail(body, pos, "the body is empty: expected a JSON array, an object or NDJSON", error);
  }

  unsigned char temp[4096];
  json::parser parser(json::storage_ptr(), json::parse_options(), temp, sizeof(temp));

  if (!ndjson && body[pos] == '[') {
    out.format = IngestFormat::kArray;
    parser.reset(storage);
    boost::system::error_code ec;
    const size_t n = parser.write_some(body.data() + pos, body.size() - pos, ec);
    if (ec) return fail(body, pos + n, describe(ec), error);
    const size_t end = pos + n;  // write_some consumed trailing whitespace too
    if (end != body.size()) {
      return fail(body, end, "unexpected data after the JSON array", error);
    }
    json::value root = parser.release();
    out.records = std::move(root.as_array());  // same storage: the elements move, not copy
    if (out.records.size() > max_records) return IngestParseOutcome::kTooManyRecords;
    return IngestParseOutcome::kOk;
  }
  if (!ndjson && body[pos] != '{') {
    return fail(body, pos, "expected a JSON array, an object or NDJSON", error);
  }

  // A sequence of values separated by whitespace (NDJSON, or one object).
  while (pos < body.size()) {
    if (out.records.size() == max_records) return IngestParseOutcome::kTooManyRecords;
    parser.reset(storage);
    boost::system::error_code ec;
    const size_t n = parser.write_some(body.data() + pos, body.size() - pos, ec);
    if (ec) return fail(body, pos + n, describe(ec), error);
    out.records.push_back(parser.release());
    out.lines.push_back(line);
    const size_t next = skipSpace(body, pos + n);
    line += countNewlines(body, pos, next);
    pos = next;
  }
  if (ndjson || out.records.size() > 1) {
    out.format = IngestFormat::kNdjson;
  } else {
    out.format = IngestFormat::kObject;
    out.lines.clear();
  }
  return IngestParseOutcome::kOk;
}

}  // namespace pb
