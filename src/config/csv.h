// A small RFC 4180 reader for mapping tables exported from spreadsheets (assets_csv).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"

namespace pb::config_internal {

struct CsvRow {
  int line = 0;  // 1-based line the row starts on
  std::vector<std::string> cells;
};

// Comma-separated, '"' quoting with "" as an escaped quote, LF or CRLF line ends, a leading
// UTF-8 byte-order mark ignored (spreadsheets write one). Blank lines are skipped; spaces around
// unquoted cells are trimmed. An unterminated quote is an error naming its line.
Result<std::vector<CsvRow>> parseCsv(std::string_view text);

}  // namespace pb::config_internal
