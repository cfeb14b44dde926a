// The real `plantbridge odoo setup` against the Odoo test double, as the Odoo version the test
// is parameterized with (18 or 19): the double with the integration user's key, a webhook
// secret file, and a runner for the command on `config_`.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "odoo_double_process.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace pb::test {

inline constexpr const char* kSetupKey = "3f1c0a9e5b7d2c4e6f8a1b3d5c7e9f0a2b4c6d8e";
inline constexpr const char* kSetupSecret = "hook-0123456789abcdefghijklmn";

class OdooSetupFixture : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    key_file_ = dir_.file("odoo.key");
    std::ofstream(key_file_) << kSetupKey << "\n";
    std::ofstream(dir_.file("hook.secret")) << kSetupSecret << "\n";
    OdooDoubleOptions options;
    options.version = GetParam();
    options.api_key_file = key_file_;
    ASSERT_TRUE(double_.start(options, dir_.file("double.stderr")).isOk());
  }

  // `plantbridge odoo setup <config_> <extra...>`: its exit code and output.
  CommandResult setup(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {plantbridgeBinary(), "odoo", "setup", config_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = runCommand(argv, std::chrono::seconds(60));
    EXPECT_TRUE(r.isOk()) << r.status().toString();
    return r.isOk() ? *r : CommandResult{};
  }

  TempDir dir_;
  std::string key_file_;
  std::string config_;
  OdooDoubleProcess double_;
};

}  // namespace pb::test
