// The shipped example config loads, and docs/configuration.md documents every accepted key.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config_keys.h"
#include "config_test_util.h"
#include "plantbridge/common/crypto.h"
#include "plantbridge/config/config.h"

namespace pb {
namespace {

std::filesystem::path sourceDir() {
  if (const char* dir = std::getenv("PB_SOURCE_DIR"); dir != nullptr && *dir != '\0') return dir;
  return PB_SOURCE_DIR_DEFAULT;
}

const TokenConfig* findToken(const Config& c, const std::string& name) {
  for (const TokenConfig& t : c.auth.tokens) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// The commented-out connector at the end of the example is valid once uncommented, so the
// example people copy from cannot rot.
TEST(ExampleConfigTest, TheCommentedConnectorLoadsWhenUncommented) {
  std::ifstream in(sourceDir() / "examples/plant.yaml");
  std::ostringstream out;
  bool in_block = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "# connectors:") in_block = true;
    if (in_block && line.rfind("# ", 0) == 0) line = line.substr(2);
    out << line << "\n";
  }
  ASSERT_TRUE(in_block) << "examples/plant.yaml has no '# connectors:' block";
  testing_util::ScratchDir dir;
  dir.write("demo-webhook-secret", "secret");
  const ConfigLoadResult r = loadConfig(dir.write("plant.yaml", out.str()));
  ASSERT_CONFIG_OK(r);
  ASSERT_EQ(r.config->connectors.size(), 1u);
  EXPECT_EQ(r.config->connectors[0].signals.size(), 2u);
}

TEST(ExampleConfigTest, LoadsWithoutErrors) {
  const ConfigLoadResult r = loadConfig((sourceDir() / "examples/plant.yaml").string());
  ASSERT_CONFIG_OK(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8080);
  // Relative to the example's directory: the repository's ./data, which git ignores.
  EXPECT_EQ(c.store.path, (sourceDir() / "data/plantbridge.db").lexically_normal());

  // The clear demo tokens written in the file's comments match the hashes it configures.
  const TokenConfig* ingest = findToken(c, "demo-ingest");
  ASSERT_NE(ingest, nullptr);
  EXPECT_EQ(ingest->sha256_hex, toHex(sha256("demo-ingest-token")));
  EXPECT_EQ(ingest->scopes, std::vector<Scope>{Scope::kIngest});
  const TokenConfig* admin = findToken(c, "demo-admin");
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->sha256_hex, toHex(sha256("demo-admin-token")));
  for (Scope s : {Scope::kAdmin, Scope::kOperate, Scope::kRead}) {
    EXPECT_NE(std::find(admin->scopes.begin(), admin->scopes.end(), s), admin->scopes.end())
        << scopeName(s);
  }

  for (const char* type : {"machine.counter", "production.count", "downtime.started",
                           "downtime.ended", "alarm.raised", "scrap.reported", "quality.result"}) {
    EXPECT_EQ(c.schemas.count(type), 1u) << type;
  }
  ASSERT_EQ(c.counter_qualifiers.size(), 1u);
  EXPECT_EQ(c.counter_qualifiers[0].input_type, "machine.counter");
  EXPECT_EQ(c.counter_qualifiers[0].output_type, "production.count");

  const auto cnc = std::find_if(c.asset_mappings.begin(), c.asset_mappings.end(),
                                [](const AssetMapping& m) { return m.asset == "CNC-07"; });
  ASSERT_NE(cnc, c.asset_mappings.end());
  EXPECT_EQ(cnc->fields.at("work_center"), "7");
  EXPECT_EQ(cnc->fields.at("equipment"), "12");
  EXPECT_EQ(cnc->fields.at("cmms_asset"), "A-1107");
  EXPECT_EQ(c.code_mappings.reason_codes.at("JAM"), "2");
  EXPECT_EQ(c.code_mappings.defect_codes.at("D-SCRATCH"), "surface");
  EXPECT_FALSE(c.code_mappings.root_cause_classes.empty());

  ASSERT_FALSE(c.dedupe_rules.empty());
  EXPECT_EQ(c.dedupe_rules[0].types, std::vector<std::string>{"alarm.raised"});

  ASSERT_EQ(c.targets.size(), 1u);
  EXPECT_EQ(c.targets[0].kind, "webhook");
  EXPECT_EQ(c.targets[0].webhook.url, "http://127.0.0.1:9090/plantbridge");
  EXPECT_FALSE(c.targets[0].webhook.hmac_secret.empty());
  ASSERT_FALSE(c.routes.empty());
  for (const RouteConfig& route : c.routes) EXPECT_EQ(route.target, "demo-sink") << route.name;
}

std::string readDocs() {
  std::ifstream in(sourceDir() / "docs/configuration.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConfigDocsTest, EveryAcceptedKeyIsDocumented) {
  const std::string docs = readDocs();
  ASSERT_FALSE(docs.empty()) << "docs/configuration.md is missing";
  for (const config_keys::Section& section : config_keys::kSections) {
    for (std::string_view key : section.keys) {
      const std::string path = section.path.empty()
                                   ? std::string(key)
                                   : std::string(section.path) + "." + std::string(key);
      EXPECT_NE(docs.find("`" + path + "`"), std::string::npos)
          << "docs/configuration.md does not document `" << path << "`";
    }
  }
}

TEST(ConfigDocsTest, EveryValueSetIsDocumented) {
  const std::string docs = readDocs();
  ASSERT_FALSE(docs.empty()) << "docs/configuration.md is missing";
  for (const auto& values : {std::span<const std::string_view>(config_keys::kEnvironments),
                             std::span<const std::string_view>(config_keys::kScopes),
                             std::span<const std::string_view>(config_keys::kLogLevels),
                             std::span<const std::string_view>(config_keys::kFieldTypes),
                             std::span<const std::string_view>(config_keys::kQualifierKinds),
                             std::span<const std::string_view>(config_keys::kTargetKinds),
                             std::span<const std::string_view>(config_keys::kMethods),
                             std::span<const std::string_view>(config_keys::kConnectorKinds),
                             std::span<const std::string_view>(config_keys::kEmitWhen),
                             std::span<const std::string_view>(config_keys::kSecurityPolicies),
                             std::span<const std::string_view>(config_keys::kSecurityModes)}) {
    for (std::string_view v : values) {
      EXPECT_NE(docs.find("`" + std::string(v) + "`"), std::string::npos)
          << "docs/configuration.md does not mention `" << v << "`";
    }
  }
}

}  // namespace
}  // namespace pb
