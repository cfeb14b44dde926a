// The integration user's API key: from a file (re-read when it changes) or the environment.
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plantbridge/targets/odoo_credentials.h"
#include "support/temp_dir.h"

namespace pb {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

void writeFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

void replaceAtomically(const std::string& path, const std::string& content) {
  writeFile(path + ".new", content);
  std::filesystem::rename(path + ".new", path);
}

std::unique_ptr<OdooCredentials> fromFile(const std::string& path) {
  OdooCredentialSource source;
  source.user = "admin";
  source.key_file = path;
  source.config_key = "targets.erp";
  auto c = OdooCredentials::create(source);
  EXPECT_TRUE(c.isOk()) << c.status().toString();
  return c.isOk() ? std::move(c).value() : nullptr;
}

TEST(OdooCredentialsTest, ReadsTheKeyFileWithoutItsTrailingNewline) {
  test::TempDir dir;
  writeFile(dir.file("key"), "k1\n");
  auto creds = fromFile(dir.file("key"));
  ASSERT_TRUE(creds);
  EXPECT_EQ(creds->user(), "admin");
  EXPECT_EQ(creds->key(), "k1");
  EXPECT_EQ(creds->generation(), 1u);
  EXPECT_EQ(creds->describeSource(), "file " + dir.file("key"));
}

TEST(OdooCredentialsTest, RotatedKeyFileIsReReadWithoutAnyCall) {
  test::TempDir dir;
  writeFile(dir.file("key"), "k1\n");
  auto creds = fromFile(dir.file("key"));
  ASSERT_TRUE(creds);
  ASSERT_EQ(creds->key(), "k1");
  replaceAtomically(dir.file("key"), "k2-rotated\n");  // another inode, another size
  EXPECT_EQ(creds->key(), "k2-rotated");
  EXPECT_EQ(creds->generation(), 2u);
  // Unchanged file: same key, same generation.
  EXPECT_EQ(creds->key(), "k2-rotated");
  EXPECT_EQ(creds->generation(), 2u);
}

TEST(OdooCredentialsTest, InPlaceRewriteIsNoticedToo) {
  test::TempDir dir;
  writeFile(dir.file("key"), "aaaa");
  auto creds = fromFile(dir.file("key"));
  ASSERT_TRUE(creds);
  writeFile(dir.file("key"), "bbbbbb");  // same inode, other size
  EXPECT_EQ(creds->key(), "bbbbbb");
}

TEST(OdooCredentialsTest, ExplicitReloadAnswersWhetherTheKeyChanged) {
  test::TempDir dir;
  writeFile(dir.file("key"), "k1");
  auto creds = fromFile(dir.file("key"));
  ASSERT_TRUE(creds);
  auto same = creds->reload();
  ASSERT_TRUE(same.isOk());
  EXPECT_FALSE(*same);
  replaceAtomically(dir.file("key"), "k2");
  auto changed = creds->reload();
  ASSERT_TRUE(changed.isOk());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(creds->key(), "k2");
}

TEST(OdooCredentialsTest, BrokenKeyFileKeepsThePreviousKey) {
  test::TempDir dir;
  writeFile(dir.file("key"), "k1");
  auto creds = fromFile(dir.file("key"));
  ASSERT_TRUE(creds);
  replaceAtomically(dir.file("key"), "\n");
  EXPECT_EQ(creds->key(), "k1");
  auto reload = creds->reload();
  ASSERT_FALSE(reload.isOk());
  EXPECT_THAT(reload.status().message(), HasSubstr("targets.erp.api_key_file"));
  EXPECT_THAT(reload.status().message(), HasSubstr("is empty"));
  std::filesystem::remove(dir.file("key"));
  EXPECT_EQ(creds->key(), "k1");
  replaceAtomically(dir.file("key"), "k3");
  EXPECT_EQ(creds->key(), "k3");
}

TEST(OdooCredentialsTest, MissingOrEmptyKeyAtStartIsAnErrorNamingTheKey) {
  test::TempDir dir;
  OdooCredentialSource source;
  source.user = "admin";
  source.key_file = dir.file("missing");
  source.config_key = "targets.erp";
  auto missing = OdooCredentials::create(source);
  ASSERT_FALSE(missing.isOk());
  EXPECT_THAT(missing.status().message(), HasSubstr("targets.erp.api_key_file"));
  writeFile(dir.file("empty"), "");
  source.key_file = dir.file("empty");
  EXPECT_FALSE(OdooCredentials::create(source).isOk());
  source.key_file.clear();
  source.user.clear();
  auto no_user = OdooCredentials::create(source);
  ASSERT_FALSE(no_user.isOk());
  EXPECT_THAT(no_user.status().message(), HasSubstr("targets.erp.user"));
}

TEST(OdooCredentialsTest, KeyFromTheEnvironment) {
  ::setenv("PB_TEST_ODOO_KEY", "from-env", 1);
  OdooCredentialSource source;
  source.user = "admin";
  source.key_env = "PB_TEST_ODOO_KEY";
  auto creds = OdooCredentials::create(source);
  ASSERT_TRUE(creds.isOk()) << creds.status().toString();
  EXPECT_EQ((*creds)->key(), "from-env");
  EXPECT_EQ((*creds)->describeSource(), "environment variable PB_TEST_ODOO_KEY");
  EXPECT_THAT((*creds)->describeSource(), Not(HasSubstr("from-env")));
  ::unsetenv("PB_TEST_ODOO_KEY");
  source.key_env = "PB_TEST_ODOO_KEY";
  auto unset = OdooCredentials::create(source);
  ASSERT_FALSE(unset.isOk());
  EXPECT_THAT(unset.status().message(), HasSubstr("PB_TEST_ODOO_KEY is not set"));
}

}  // namespace
}  // namespace pb
