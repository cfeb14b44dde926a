#include "yaml_reader.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "validators.h"

namespace pb::config_internal {
namespace {

std::string rangeText(int64_t min, int64_t max) {
  if (max == std::numeric_limits<int64_t>::max()) return "at least " + std::to_string(min);
  return "from " + std::to_string(min) + " to " + std::to_string(max);
}

std::string numberText(double v) {
  std::string s = std::to_string(v);
  // std::to_string(0.5) is "0.500000": trim the zeros the user did not write.
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

std::string durationText(Millis d) {
  const int64_t ms = d.count();
  if (ms % 86'400'000 == 0 && ms != 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0 && ms != 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0 && ms != 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0 && ms != 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string listText(std::span<const std::string_view> items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out;
}

// Integers as YAML writes them: optional sign, digits, '_' allowed between digits.
std::optional<int64_t> parseInteger(std::string_view text) {
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_' && i > 0 && i + 1 < text.size()) continue;
    digits += c;
  }
  if (!digits.empty() && digits.front() == '+') digits.erase(0, 1);
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return std::nullopt;
  }
  return value;
}

}  // namespace

void Diagnostics::add(std::string file, int line, std::string key, std::string message) {
  errors_.push_back({std::move(file), line, std::move(key), std::move(message)});
}

std::vector<ConfigError> Diagnostics::sorted(const std::string& main_file) const {
  std::vector<ConfigError> out = errors_;
  std::stable_sort(out.begin(), out.end(), [&](const ConfigError& a, const ConfigError& b) {
    const bool a_other = a.file != main_file;
    const bool b_other = b.file != main_file;
    if (a_other != b_other) return !a_other;
    if (a.file != b.file) return a.file < b.file;
    return a.line < b.line;
  });
  return out;
}

int lineOf(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? mark.line + 1 : 0;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Null:
      return "empty";
    case YAML::NodeType::Scalar: {
      std::string text = node.Scalar();
      if (text.size() > 40) text = text.substr(0, 40) + "...";
      return "'" + text + "'";
    }
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

Result<std::string> readSecretFile(const std::string& path) {
  constexpr size_t kMaxSecretBytes = size_t{64} * 1024;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Status::notFound("file '" + path + "' does not exist");
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::invalidArgument("'" + path + "' is not a regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::ioError("cannot read '" + path + "'");
  std::string content;
  content.resize(kMaxSecretBytes + 1);
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(in.gcount()));
  if (content.size() > kMaxSecretBytes) {
    return Status::invalidArgument("'" + path + "' is larger than 64 KiB; is it the right file?");
  }
  // Editors and `echo` add a newline that is not part of the secret.
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) {
    content.pop_back();
  }
  if (content.empty()) return Status::invalidArgument("file '" + path + "' is empty");
  return content;
}

Result<std::string> readTextFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::invalidArgument("is a directory, not a config file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return Status::notFound(std::string("cannot open: ") + std::strerror(err));
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return Status::ioError("read failed");
  return content.str();
}

YamlReader::YamlReader(Diagnostics& diagnostics, std::string file, std::filesystem::path base_dir)
    : diagnostics_(diagnostics), file_(std::move(file)), base_dir_(std::move(base_dir)) {}

void YamlReader::error(const Loc& at, std::string message) {
  diagnostics_.add(file_, at.line, at.key, std::move(message));
}

std::string YamlReader::resolvePath(std::string_view raw) const {
  std::filesystem::path p(raw);
  if (p.is_absolute() || base_dir_.empty()) return p.lexically_normal().string();
  return (base_dir_ / p).lexically_normal().string();
}

bool YamlReader::scalar(const YAML::Node& node, const Loc& at, std::string_view expected) {
  if (node.IsScalar()) return true;
  if (node.IsNull()) {
    error(at, "has no value (expected " + std::string(expected) + ")");
  } else {
    error(at, "must be " + std::string(expected) + ", not " + describe(node));
  }
  return false;
}

std::optional<std::string> YamlReader::string(const YAML::Node& node, const Loc& at) {
  if (!scalar(node, at, "a string")) return std::nullopt;
  if (node.Scalar().empty()) {
    error(at, "must not be empty");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<int64_t> YamlReader::integer(const YAML::Node& node, const Loc& at, int64_t min,
                                           int64_t max) {
  if (!scalar(node, at, "an integer")) return std::nullopt;
  const auto value = parseInteger(node.Scalar());
  if (!value) {
    error(at, "must be an integer, not " + describe(node));
    return std::nullopt;
  }
  if (*value < min || *value > max) {
    error(at, "must be " + rangeText(min, max) + " (got " + std::to_string(*value) + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<double> YamlReader::number(const YAML::Node& node, const Loc& at, double min,
                                         double max) {
  if (!scalar(node, at, "a number")) return std::nullopt;
  const std::string& text = node.Scalar();
  double value = 0;
  const char* begin = text.data();
  if (!text.empty() && text.front() == '+') ++begin;
  const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    error(at, "must be a number, not " + describe(node));
    return std::nullopt;
  }
  if (value < min || value > max) {
    const std::string range = max == std::numeric_limits<double>::max()
                                  ? "at least " + numberText(min)
                                  : "from " + numberText(min) + " to " + numberText(max);
    error(at, "must be " + range + " (got " + text + ")");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& node, const Loc& at) {
  if (!scalar(node, at, "true or false")) return std::nullopt;
  bool value = false;
  if (!YAML::convert<bool>::decode(node, value)) {
    error(at, "must be true or false, not " + describe(node));
    return std::nullopt;
  }
  return value;
}

std::optional<Millis> YamlReader::duration(const YAML::Node& node, const Loc& at, Millis min,
                                           Millis max) {
  if (!scalar(node, at, "a duration such as 500ms, 30s or 5m")) return std::nullopt;
  auto parsed = parseConfigDuration(node.Scalar());
  if (!parsed) {
    error(at, parsed.status().message());
    return std::nullopt;
  }
  if (*parsed < min || *parsed > max) {
    error(at, "must be from " + durationText(min) + " to " + durationText(max) + " (got " +
                  node.Scalar() + ")");
    return std::nullopt;
  }
  return *parsed;
}

std::optional<size_t> YamlReader::byteSize(const YAML::Node& node, const Loc& at, size_t min,
                                           size_t max) {
  if (!scalar(node, at, "a size such as 8MiB")) return std::nullopt;
  auto parsed = parseByteSize(node.Scalar());
  if (!parsed) {
    error(at, parsed.status().message());
    return std::nullopt;
  }
  if (*parsed < min || *parsed > max) {
    error(at, "must be from " + std::to_string(min) + " to " + std::to_string(max) +
                  " bytes (got " + node.Scalar() + ")");
    return std::nullopt;
  }
  return *parsed;
}

std::optional<std::string> YamlReader::oneOf(const YAML::Node& node, const Loc& at,
                                             std::span<const std::string_view> allowed) {
  auto value = string(node, at);
  if (!value) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return value;
  error(at, "'" + *value + "' is not one of " + listText(allowed) + didYouMean(*value, allowed));
  return std::nullopt;
}

std::optional<std::vector<std::pair<std::string, Loc>>> YamlReader::stringList(
    const YAML::Node& node, const Loc& at) {
  if (!node.IsSequence()) {
    error(at, "must be a list such as [a, b], not " + describe(node));
    return std::nullopt;
  }
  std::vector<std::pair<std::string, Loc>> out;
  bool ok = true;
  forEachItem(node, at, [&](const YAML::Node& item, const Loc& loc, size_t) {
    auto value = string(item, loc);
    if (value) {
      out.emplace_back(std::move(*value), loc);
    } else {
      ok = false;
    }
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::string> YamlReader::existingFile(const YAML::Node& node, const Loc& at) {
  const auto raw = string(node, at);
  if (!raw) return std::nullopt;
  std::string path = resolvePath(*raw);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    error(at, "file '" + path + "' does not exist");
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    error(at, "'" + path + "' is not a regular file");
    return std::nullopt;
  }
  if (!std::ifstream(path)) {
    error(at, "cannot read '" + path + "'");
    return std::nullopt;
  }
  return path;
}

Section::Section(YamlReader& reader, const YAML::Node& node, Loc at,
                 std::span<const std::string_view> keys, std::span<const RefusedKey> refused)
    : reader_(reader), at_(std::move(at)), keys_(keys) {
  if (node.IsNull()) {
    is_map_ = true;  // "server:" with nothing under it: all defaults
    return;
  }
  if (!node.IsMap()) {
    reader_.error(at_, "must be a mapping, not " + describe(node));
    return;
  }
  is_map_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies, not references: yaml-cpp's iterator hands out a temporary pair.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    const int line = lineOf(key);
    if (!key.IsScalar()) {
      reader_.error({at_.key, line}, "keys must be plain names, not " + describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    const Loc key_loc = at_.child(name, line);
    const auto refusal = std::find_if(refused.begin(), refused.end(),
                                      [&](const RefusedKey& r) { return r.key == name; });
    if (refusal != refused.end()) {
      reader_.error(key_loc, std::string(refusal->message));
      saw_refused_ = true;
      continue;
    }
    const auto known = std::find(keys_.begin(), keys_.end(), name);
    if (known == keys_.end()) {
      reader_.error(key_loc, "unknown key '" + name + "'" + didYouMean(name, keys_));
      continue;
    }
    if (const Entry* first = find(name)) {
      reader_.error(key_loc,
                    "duplicate key (first defined on line " + std::to_string(first->line) + ")");
      continue;
    }
    entries_.push_back({*known, value, line});
  }
}

const Section::Entry* Section::find(std::string_view key) const {
  // A key missing from the table is a bug in the loader, not in the user's file.
  assert(std::find(keys_.begin(), keys_.end(), key) != keys_.end());
  for (const Entry& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

const YAML::Node* Section::node(std::string_view key) const {
  const Entry* e = find(key);
  return e == nullptr ? nullptr : &e->node;
}

Loc Section::loc(std::string_view key) const {
  const Entry* e = find(key);
  return at_.child(key, e == nullptr ? at_.line : e->line);
}

bool Section::require(std::string_view key) {
  if (has(key)) return true;
  // Only a mapping can miss a key; a wrong-typed section has been reported already.
  if (is_map_) reader_.error(loc(key), "missing required key");
  return false;
}

bool Section::read(std::string_view key, std::string& out) {
  const YAML::Node* n = node(key);
  if (n == nullptr) return false;
  auto v = reader_.string(*n, loc(key));
  if (v) out = std::move(*v);
  return v.has_value();
}

bool Section::read(std::string_view key, bool& out) {
  const YAML::Node* n = node(key);
  if (n == nullptr) return false;
  const auto v = reader_.boolean(*n, loc(key));
  if (v) out = *v;
  return v.has_value();
}

bool Section::read(std::string_view key, Millis& out, Millis min, Millis max) {
  const YAML::Node* n = node(key);
  if (n == nullptr) return false;
  const auto v = reader_.duration(*n, loc(key), min, max);
  if (v) out = *v;
  return v.has_value();
}

bool Section::readPath(std::string_view key, std::string& out) {
  std::string raw;
  if (!read(key, raw)) return false;
  out = reader_.resolvePath(raw);
  return true;
}

bool Section::readOneOf(std::string_view key, std::string& out,
                        std::span<const std::string_view> allowed) {
  const YAML::Node* n = node(key);
  if (n == nullptr) return false;
  auto v = reader_.oneOf(*n, loc(key), allowed);
  if (v) out = std::move(*v);
  return v.has_value();
}

bool Section::readDouble(std::string_view key, double& out, double min, double max) {
  const YAML::Node* n = node(key);
  if (n == nullptr) return false;
  const auto v = reader_.number(*n, loc(key), min, max);
  if (v) out = *v;
  return v.has_value();
}

bool readSecretKeys(YamlReader& reader, Section& section, const SecretKeys& keys,
                    SecretValue& out) {
  const bool from_file = section.has(keys.file_key);
  const bool from_env = section.has(keys.env_key);
  if (from_file && from_env) {
    reader.error(section.loc(keys.env_key), "give either " + std::string(keys.file_key) + " or " +
                                                std::string(keys.env_key) + ", not both");
    return false;
  }
  if (!from_file && !from_env) {
    if (!keys.missing.empty()) reader.error(section.at(), std::string(keys.missing));
    return false;
  }
  if (from_file) {
    const Loc at = section.loc(keys.file_key);
    const auto path = reader.existingFile(*section.node(keys.file_key), at);
    if (!path) return false;
    auto secret = readSecretFile(*path);
    if (!secret) {
      reader.error(at, secret.status().message());
      return false;
    }
    out.file = *path;
    out.value = std::move(*secret);
    return true;
  }
  const Loc at = section.loc(keys.env_key);
  std::string name;
  if (!section.read(keys.env_key, name)) return false;
  if (!isIdentifier(name)) {
    reader.error(at, "'" + name + "' is not a valid environment variable name");
    return false;
  }
  const char* value = std::getenv(name.c_str());
  if (value == nullptr || *value == '\0') {
    reader.error(at,
                 "environment variable " + name + (value == nullptr ? " is not set" : " is empty"));
    return false;
  }
  out.env = name;
  out.value = value;
  return true;
}

}  // namespace pb::config_internal
