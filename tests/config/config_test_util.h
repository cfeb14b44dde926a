// Helpers shared by the config tests: a scratch directory and error matchers.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "plantbridge/config/config.h"

namespace pb::testing_util {

// A fresh directory per test, removed afterwards; config files and secrets go in it.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pb-config-XXXXXX").string();
    const char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& name, const std::string& content) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

inline std::string allErrors(const ConfigLoadResult& r) {
  std::string out;
  for (const ConfigError& e : r.errors) out += "  " + e.toString() + "\n";
  return out;
}

// True when some error sits on `line` at `key` and its message contains `text`.
inline bool hasError(const ConfigLoadResult& r, int line, const std::string& key,
                     const std::string& text) {
  for (const ConfigError& e : r.errors) {
    if (e.line == line && e.key == key && e.message.find(text) != std::string::npos) return true;
  }
  return false;
}

#define EXPECT_CONFIG_ERROR(result, line, key, text)                                   \
  EXPECT_TRUE(::pb::testing_util::hasError((result), (line), (key), (text)))           \
      << "expected line " << (line) << " key '" << (key) << "' containing '" << (text) \
      << "'; got:\n"                                                                   \
      << ::pb::testing_util::allErrors(result)

#define ASSERT_CONFIG_OK(result) \
  ASSERT_TRUE((result).config.has_value()) << ::pb::testing_util::allErrors(result)

}  // namespace pb::testing_util
