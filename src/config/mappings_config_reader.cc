#include "mappings_config_reader.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "config_keys.h"
#include "csv.h"
#include "validators.h"

namespace pb::config_internal {
namespace {

namespace keys = config_keys;

// Where each key of one table was defined ("plant.yaml:12"), so a repeat names the first.
using Definitions = std::map<std::string, std::string>;

std::string where(const std::string& file, int line) { return file + ":" + std::to_string(line); }

std::string inQuotes(std::string_view text) { return "'" + std::string(text) + "'"; }

// Codes are ids machines send: the same rule as canonical asset ids.
bool isCode(std::string_view text) { return isAssetId(text); }

// A CSV file named by a `mappings` key. Its problems carry the CSV's name and line and the key.
struct CsvFile {
  Diagnostics& diagnostics;
  std::string path;
  std::string key;
  void error(int line, std::string message) const {
    diagnostics.add(path, line, key, std::move(message));
  }
};

// The rows of `csv`, header first; nothing (reported) when the file cannot be read as CSV or
// has no header row.
std::optional<std::vector<CsvRow>> readCsvRows(const CsvFile& csv) {
  auto text = readTextFile(csv.path);
  if (!text) {
    csv.error(0, text.status().message());
    return std::nullopt;
  }
  auto rows = parseCsv(*text);
  if (!rows) {
    csv.error(0, rows.status().message());
    return std::nullopt;
  }
  if (rows->empty()) {
    csv.error(1, "the file is empty; the first row must be a header");
    return std::nullopt;
  }
  return std::move(*rows);
}

// Whether `row` has a cell per header column; reported when not.
bool fitsHeader(const CsvFile& csv, const CsvRow& row, const CsvRow& header) {
  if (row.cells.size() == header.cells.size()) return true;
  csv.error(row.line, "row has " + std::to_string(row.cells.size()) + " cells, the header has " +
                          std::to_string(header.cells.size()));
  return false;
}

void readAssetsCsv(const CsvFile& csv, Definitions& defined, std::vector<AssetMapping>& out) {
  auto rows = readCsvRows(csv);
  if (!rows) return;
  const CsvRow& header = rows->front();
  if (header.cells.empty() || header.cells.front() != "asset") {
    return csv.error(header.line, "the header's first column must be 'asset'");
  }
  bool header_ok = true;
  for (size_t i = 1; i < header.cells.size(); ++i) {
    const std::string& column = header.cells[i];
    if (!isIdentifier(column)) {
      csv.error(header.line, "column '" + column + "' is not a valid identifier name");
      header_ok = false;
    }
    for (size_t j = 1; j < i; ++j) {
      if (header.cells[j] == column) {
        csv.error(header.line, "column '" + column + "' appears twice");
        header_ok = false;
      }
    }
  }
  if (!header_ok) return;
  for (size_t r = 1; r < rows->size(); ++r) {
    const CsvRow& row = (*rows)[r];
    if (!fitsHeader(csv, row, header)) continue;
    const std::string& asset = row.cells.front();
    if (!isAssetId(asset)) {
      csv.error(row.line, "'" + asset + "' is not a valid asset id");
      continue;
    }
    if (const auto it = defined.find(asset); it != defined.end()) {
      csv.error(row.line, "asset '" + asset + "' is already mapped at " + it->second);
      continue;
    }
    AssetMapping mapping;
    mapping.asset = asset;
    for (size_t i = 1; i < row.cells.size(); ++i) {
      // An empty cell: this asset has no id in that system.
      if (!row.cells[i].empty()) mapping.fields[header.cells[i]] = row.cells[i];
    }
    if (mapping.fields.empty()) {
      csv.error(row.line, "asset '" + asset + "' maps no identifiers");
      continue;
    }
    defined[asset] = where(csv.path, row.line);
    out.push_back(std::move(mapping));
  }
}

void readAssets(YamlReader& reader, const Section& s, std::vector<AssetMapping>& out) {
  Definitions defined;
  if (const YAML::Node* assets = s.node("assets")) {
    reader.forEachEntry(
        *assets, s.loc("assets"),
        [&](const std::string& asset, const YAML::Node& value, const Loc& loc) {
          if (!isAssetId(asset)) {
            reader.error(loc,
                         "'" + asset + "' is not a valid asset id (no spaces, at most 128 bytes)");
          }
          AssetMapping mapping;
          mapping.asset = asset;
          reader.forEachEntry(
              value, loc, [&](const std::string& key, const YAML::Node& id, const Loc& id_loc) {
                if (!isIdentifier(key)) {
                  reader.error(
                      id_loc,
                      "'" + key + "' is not a valid identifier name (letters, digits, '_')");
                  return;
                }
                if (auto v = reader.string(id, id_loc)) mapping.fields[key] = std::move(*v);
              });
          if (value.IsNull() || (value.IsMap() && value.size() == 0)) {
            reader.error(loc, "maps no identifiers (e.g. work_center: \"7\")");
          }
          defined[asset] = where(reader.file(), loc.line);
          out.push_back(std::move(mapping));
        });
  }
  if (const YAML::Node* csv = s.node("assets_csv")) {
    if (auto path = reader.existingFile(*csv, s.loc("assets_csv"))) {
      readAssetsCsv({reader.diagnostics(), *path, s.loc("assets_csv").key}, defined, out);
    }
  }
}

// One code table: a YAML mapping `table_key` (code -> value) and a CSV file `csv_key` whose
// header is `code_column,value_column`. `check` answers why a value is not acceptable, or
// nothing.
struct CodeTable {
  std::string_view table_key;
  std::string_view csv_key;
  std::string_view code_column;
  std::string_view value_column;
  std::string_view code_noun;  // "reason code", in messages
  std::function<std::optional<std::string>(const std::string& value)> check;
};

void readCodeCsv(const CsvFile& csv, const CodeTable& table, Definitions& defined,
                 std::map<std::string, std::string>& out) {
  auto rows = readCsvRows(csv);
  if (!rows) return;
  const CsvRow& header = rows->front();
  if (header.cells.size() != 2 || header.cells[0] != table.code_column ||
      header.cells[1] != table.value_column) {
    return csv.error(header.line, "the header must be '" + std::string(table.code_column) + "," +
                                      std::string(table.value_column) + "'");
  }
  for (size_t r = 1; r < rows->size(); ++r) {
    const CsvRow& row = (*rows)[r];
    if (!fitsHeader(csv, row, header)) continue;
    const std::string& code = row.cells[0];
    const std::string& value = row.cells[1];
    const std::string what = std::string(table.code_noun) + " " + inQuotes(code);
    if (!isCode(code)) {
      csv.error(row.line, inQuotes(code) + " is not a valid " + std::string(table.code_noun) +
                              " (no spaces, at most 128 bytes)");
      continue;
    }
    if (const auto it = defined.find(code); it != defined.end()) {
      csv.error(row.line, what + " is already mapped at " + it->second);
      continue;
    }
    defined[code] = where(csv.path, row.line);
    if (value.empty()) {
      csv.error(row.line, what + " maps to no " + std::string(table.value_column));
      continue;
    }
    if (auto why = table.check(value)) {
      csv.error(row.line, what + ": " + *why);
      continue;
    }
    out[code] = value;
  }
}

void readCodeTable(YamlReader& reader, const Section& s, const CodeTable& table,
                   std::map<std::string, std::string>& out) {
  Definitions defined;
  const auto read_entry = [&](const std::string& code, const YAML::Node& value, const Loc& loc) {
    defined[code] = where(reader.file(), loc.line);
    const bool valid_code = isCode(code);
    if (!valid_code) {
      reader.error(loc, inQuotes(code) + " is not a valid " + std::string(table.code_noun) +
                            " (no spaces, at most 128 bytes)");
    }
    auto v = reader.string(value, loc);
    if (!v) return;
    if (auto why = table.check(*v)) return reader.error(loc, *why);
    if (valid_code) out[code] = std::move(*v);
  };
  if (const YAML::Node* node = s.node(table.table_key)) {
    reader.forEachEntry(*node, s.loc(table.table_key), read_entry);
  }
  if (const YAML::Node* csv = s.node(table.csv_key)) {
    if (auto path = reader.existingFile(*csv, s.loc(table.csv_key))) {
      readCodeCsv({reader.diagnostics(), *path, s.loc(table.csv_key).key}, table, defined, out);
    }
  }
}

// Odoo record ids are positive whole numbers; anything else cannot be a loss reason.
std::optional<std::string> checkLossId(const std::string& value) {
  const bool digits =
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits && value.find_first_not_of('0') != std::string::npos && value.size() <= 18) {
    return std::nullopt;
  }
  return inQuotes(value) + " is not an Odoo loss reason id (a positive whole number)";
}

// `classes` empty: root_cause_classes is not given, any identifier will do.
std::optional<std::string> checkRootCause(const std::string& value,
                                          const std::vector<std::string>& classes) {
  if (!isIdentifier(value)) {
    return inQuotes(value) + " is not a valid root cause class (letters, digits, '_')";
  }
  if (classes.empty() || std::find(classes.begin(), classes.end(), value) != classes.end()) {
    return std::nullopt;
  }
  std::string listed;
  for (const std::string& c : classes) listed += (listed.empty() ? "" : ", ") + c;
  return "root cause class " + inQuotes(value) + " is not in mappings.root_cause_classes (" +
         listed + ")";
}

void readRootCauseClasses(YamlReader& reader, const Section& s, std::vector<std::string>& out) {
  const YAML::Node* node = s.node("root_cause_classes");
  if (node == nullptr) return;
  const Loc at = s.loc("root_cause_classes");
  auto list = reader.stringList(*node, at);
  if (!list) return;
  if (list->empty()) {
    return reader.error(at, "lists no class; leave it out to allow any root cause class");
  }
  std::map<std::string, int> seen;  // class -> line
  for (auto& [name, loc] : *list) {
    if (!isIdentifier(name)) {
      reader.error(loc, inQuotes(name) + " is not a valid root cause class (letters, digits, '_')");
      continue;
    }
    if (auto [it, fresh] = seen.emplace(name, loc.line); !fresh) {
      reader.error(loc, inQuotes(name) + " is listed twice (first on line " +
                            std::to_string(it->second) + ")");
      continue;
    }
    out.push_back(std::move(name));
  }
}

}  // namespace

void readMappings(YamlReader& reader, const YAML::Node& node, const Loc& at,
                  std::vector<AssetMapping>& assets, CodeMappings& codes) {
  Section s(reader, node, at, keys::kMappings);
  readAssets(reader, s, assets);
  // Classes first: defect_codes' values are checked against them, wherever the keys sit.
  readRootCauseClasses(reader, s, codes.root_cause_classes);
  readCodeTable(
      reader, s,
      {"reason_codes", "reason_codes_csv", "reason_code", "loss", "reason code", checkLossId},
      codes.reason_codes);
  const std::vector<std::string>& classes = codes.root_cause_classes;
  readCodeTable(reader, s,
                {"defect_codes", "defect_codes_csv", "defect_code", "root_cause", "defect code",
                 [&classes](const std::string& v) { return checkRootCause(v, classes); }},
                codes.defect_codes);
}

}  // namespace pb::config_internal
