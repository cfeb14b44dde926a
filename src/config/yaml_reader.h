// Typed, error-collecting reads over yaml-cpp nodes. Nothing here throws or stops at the first
// problem: a failed read records a ConfigError (file, line, dotted key, message) and answers
// "no value", so the loader checks the whole file in one pass.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plantbridge/config/config.h"

namespace pb::config_internal {

// Collects the problems of one load, across the config file and the files it names.
class Diagnostics {
 public:
  void add(std::string file, int line, std::string key, std::string message);
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  // Errors of `main_file` by line first, then those of other files (token file, CSV).
  std::vector<ConfigError> sorted(const std::string& main_file) const;

 private:
  std::vector<ConfigError> errors_;
};

// Where a value sits: its dotted key and 1-based line.
struct Loc {
  std::string key;
  int line = 0;
  Loc child(std::string_view name, int child_line) const {
    return {key.empty() ? std::string(name) : key + "." + std::string(name), child_line};
  }
  Loc item(size_t index, int item_line) const {
    return {key + "[" + std::to_string(index) + "]", item_line};
  }
};

// 1-based line of a node, 0 when yaml-cpp has no position for it.
int lineOf(const YAML::Node& node);
// "a mapping", "a list", "'abc'" — what the user wrote, for "must be X, not Y" messages.
std::string describe(const YAML::Node& node);

// Reads a secret (token or HMAC key) from a file: trailing newlines are dropped, empty or
// oversized files are errors.
Result<std::string> readSecretFile(const std::string& path);
// Reads a whole file (the config, a token file, a CSV table).
Result<std::string> readTextFile(const std::string& path);

// Typed reads for one YAML file.
class YamlReader {
 public:
  YamlReader(Diagnostics& diagnostics, std::string file, std::filesystem::path base_dir);

  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() { return diagnostics_; }
  void error(const Loc& at, std::string message);
  // Relative paths resolve against the directory of the file being read.
  std::string resolvePath(std::string_view raw) const;

  std::optional<std::string> string(const YAML::Node& node, const Loc& at);  // non-empty scalar
  std::optional<int64_t> integer(const YAML::Node& node, const Loc& at, int64_t min,
                                 int64_t max = std::numeric_limits<int64_t>::max());
  std::optional<double> number(const YAML::Node& node, const Loc& at, double min,
                               double max = std::numeric_limits<double>::max());
  std::optional<bool> boolean(const YAML::Node& node, const Loc& at);
  std::optional<Millis> duration(const YAML::Node& node, const Loc& at, Millis min, Millis max);
  std::optional<size_t> byteSize(const YAML::Node& node, const Loc& at, size_t min, size_t max);
  std::optional<std::string> oneOf(const YAML::Node& node, const Loc& at,
                                   std::span<const std::string_view> allowed);
  // A list of non-empty scalars, each with its location. Duplicates are the caller's call.
  std::optional<std::vector<std::pair<std::string, Loc>>> stringList(const YAML::Node& node,
                                                                     const Loc& at);
  // A path to a readable regular file, resolved.
  std::optional<std::string> existingFile(const YAML::Node& node, const Loc& at);

  // A mapping whose keys are names chosen by the user (schemas, targets, assets, headers).
  // Reports a non-mapping, non-scalar keys and duplicate keys; calls fn(key, value, loc) once
  // per distinct key. A null node is an empty mapping.
  template <typename Fn>
  void forEachEntry(const YAML::Node& node, const Loc& at, Fn fn);
  // A list; calls fn(item, loc, index). A null node is an empty list.
  template <typename Fn>
  void forEachItem(const YAML::Node& node, const Loc& at, Fn fn);

 private:
  bool scalar(const YAML::Node& node, const Loc& at, std::string_view expected);

  Diagnostics& diagnostics_;
  std::string file_;
  std::filesystem::path base_dir_;
};

// A key that is recognised but refused, with the reason (e.g. clear-text `token`).
struct RefusedKey {
  std::string_view key;
  std::string_view message;
};

// The largest value of Int that also fits an int64_t (size_t's does not).
template <typename Int>
inline constexpr int64_t kMaxOf = static_cast<int64_t>(
    std::min<uint64_t>(std::numeric_limits<Int>::max(), std::numeric_limits<int64_t>::max()));

// One mapping with a fixed set of keys (a config_keys table). Unknown keys are reported by name
// with a suggestion, duplicates with the line of the first.
class Section {
 public:
  Section(YamlReader& reader, const YAML::Node& node, Loc at,
          std::span<const std::string_view> keys, std::span<const RefusedKey> refused = {});

  bool isMap() const { return is_map_; }
  // Whether a refused key was present (so follow-on "missing" errors can be skipped).
  bool sawRefused() const { return saw_refused_; }
  const Loc& at() const { return at_; }
  bool has(std::string_view key) const { return find(key) != nullptr; }
  // The value of `key`, or nullptr when absent.
  const YAML::Node* node(std::string_view key) const;
  // Location of `key`; the section's own when the key is absent.
  Loc loc(std::string_view key) const;
  // Records "missing required key" when absent.
  bool require(std::string_view key);

  // Each assigns `out` only when the key is present and valid, and answers whether it did.
  bool read(std::string_view key, std::string& out);
  bool read(std::string_view key, bool& out);
  bool read(std::string_view key, Millis& out, Millis min, Millis max);
  bool readPath(std::string_view key, std::string& out);  // resolved, need not exist
  bool readOneOf(std::string_view key, std::string& out, std::span<const std::string_view> allowed);
  template <typename Int>
  bool readInt(std::string_view key, Int& out, int64_t min, int64_t max = kMaxOf<Int>) {
    const YAML::Node* n = node(key);
    if (n == nullptr) return false;
    const auto v = reader_.integer(*n, loc(key), min, max);
    if (v) out = static_cast<Int>(*v);
    return v.has_value();
  }
  bool readDouble(std::string_view key, double& out, double min,
                  double max = std::numeric_limits<double>::max());

 private:
  struct Entry {
    std::string_view key;  // points into the keys table
    YAML::Node node;
    int line;
  };
  const Entry* find(std::string_view key) const;

  YamlReader& reader_;
  Loc at_;
  std::span<const std::string_view> keys_;
  bool is_map_ = false;
  bool saw_refused_ = false;
  std::vector<Entry> entries_;
};

// A secret given in a file (`file_key`, kept so it can be re-read after a rotation) or in an
// environment variable (`env_key`), never both. `missing` is the error when neither is given;
// empty: the secret is optional. Answers whether a secret was read.
struct SecretKeys {
  std::string_view file_key;
  std::string_view env_key;
  std::string_view missing;
};
struct SecretValue {
  std::string value;
  std::string file;  // resolved path, when from a file
  std::string env;   // variable name, when from the environment
};
bool readSecretKeys(YamlReader& reader, Section& section, const SecretKeys& keys, SecretValue& out);

template <typename Fn>
void YamlReader::forEachEntry(const YAML::Node& node, const Loc& at, Fn fn) {
  if (node.IsNull()) return;
  if (!node.IsMap()) {
    error(at, "must be a mapping, not " + describe(node));
    return;
  }
  std::vector<std::pair<std::string, int>> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies, not references: yaml-cpp's iterator hands out a temporary pair.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    const int line = lineOf(key);
    if (!key.IsScalar()) {
      error({at.key, line}, "keys must be plain names, not " + describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    bool duplicate = false;
    for (const auto& [seen_name, seen_line] : seen) {
      if (seen_name == name) {
        error(at.child(name, line),
              "duplicate key (first defined on line " + std::to_string(seen_line) + ")");
        duplicate = true;
        break;
      }
    }
    if (duplicate) continue;
    seen.emplace_back(name, line);
    fn(name, value, at.child(name, line));
  }
}

template <typename Fn>
void YamlReader::forEachItem(const YAML::Node& node, const Loc& at, Fn fn) {
  if (node.IsNull()) return;
  if (!node.IsSequence()) {
    error(at, "must be a list, not " + describe(node));
    return;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node item = node[i];
    const int line = lineOf(item);
    fn(item, at.item(i, line > 0 ? line : at.line), i);
  }
}

}  // namespace pb::config_internal
