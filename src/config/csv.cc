#include "csv.h"

namespace pb::config_internal {
namespace {

std::string trimmed(const std::string& s) {
  const size_t begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const size_t end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

}  // namespace

Result<std::vector<CsvRow>> parseCsv(std::string_view text) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());

  std::vector<CsvRow> rows;
  CsvRow row;
  std::string cell;
  bool cell_quoted = false;
  bool row_has_content = false;
  int line = 1;
  row.line = 1;

  const auto end_cell = [&] {
    row.cells.push_back(cell_quoted ? cell : trimmed(cell));
    cell.clear();
    cell_quoted = false;
  };
  const auto end_row = [&](int next_line) {
    end_cell();
    // A line with nothing on it is spacing, not a row of one empty cell.
    if (row_has_content) rows.push_back(std::move(row));
    row = CsvRow{};
    row.line = next_line;
    row_has_content = false;
  };

  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"' && trimmed(cell).empty() && !cell_quoted) {
      // A quoted cell: read to the closing quote, which may be lines away.
      const int quote_line = line;
      cell.clear();
      cell_quoted = true;
      row_has_content = true;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            cell += '"';
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        cell += text[i++];
      }
      if (!closed) {
        return Status::invalidArgument("line " + std::to_string(quote_line) +
                                       ": quote is never closed");
      }
      // Only spaces may follow a closing quote before the separator.
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
        return Status::invalidArgument("line " + std::to_string(line) +
                                       ": unexpected text after a closing quote");
      }
      continue;
    }
    if (c == ',') {
      end_cell();
      row_has_content = true;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // CRLF: the '\n' ends the row.
    } else if (c == '\n') {
      ++line;
      end_row(line);
    } else {
      if (c != ' ' && c != '\t') row_has_content = true;
      cell += c;
    }
    ++i;
  }
  end_row(line);
  return rows;
}

}  // namespace pb::config_internal
