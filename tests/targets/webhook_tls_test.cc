// HTTPS: certificate verification against a CA file, SNI, host name checks.
#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sink_process.h"
#include "webhook_test_util.h"

namespace pb {
namespace {

using Kind = DeliveryResult::Kind;
using test::deliverAndWait;
using test::hookTx;
using test::makeOrDie;
using test::webhookConfig;
using ::testing::HasSubstr;

class WebhookTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "pb-tls-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto files = test::writeSelfSignedCertificate(dir_);
    ASSERT_TRUE(files.isOk()) << files.status().toString();
    cert_ = files->first;
    ASSERT_TRUE(sink_.start({"--tls-cert", files->first, "--tls-key", files->second}).isOk());
  }
  void TearDown() override {
    sink_.stop();
    std::filesystem::remove_all(dir_);
  }
  std::string localhostUrl() const {
    return "https://localhost:" + std::to_string(sink_.port()) + "/hook";
  }

  std::string dir_;
  std::string cert_;
  test::SinkProcess sink_;
  SystemClock clock_;
};

TEST_F(WebhookTlsTest, VerifiesTheServerAgainstTheCaFileAndSendsSni) {
  TargetConfig config = webhookConfig(localhostUrl());
  config.webhook.ca_file = cert_;
  auto target = makeOrDie(config, clock_);
  ASSERT_TRUE(target);
  const DeliveryResult r = deliverAndWait(*target, hookTx("a"));
  EXPECT_EQ(r.kind, Kind::kDelivered) << r.message;
  EXPECT_EQ(deliverAndWait(*target, hookTx("b")).kind, Kind::kDelivered);
  auto recent = sink_.recentJson();
  ASSERT_TRUE(recent.isOk());
  EXPECT_THAT(*recent, HasSubstr(R"("sni":"localhost")"));
  EXPECT_EQ(*sink_.stat("distinct"), 2);
}

TEST_F(WebhookTlsTest, UntrustedCertificateIsARetryableTlsError) {
  // No ca_file: the system's trust store does not know this self-signed certificate.
  auto target = makeOrDie(webhookConfig(localhostUrl()), clock_);
  ASSERT_TRUE(target);
  const DeliveryResult r = deliverAndWait(*target, hookTx("a"));
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_THAT(r.message, HasSubstr("TLS error"));
  EXPECT_THAT(r.message, HasSubstr("certificate verify failed"));
  EXPECT_EQ(*sink_.stat("requests"), 0);
}

TEST_F(WebhookTlsTest, HostNameMismatchIsRefused) {
  // The certificate names "localhost" only; connecting by IP must fail verification.
  TargetConfig config = webhookConfig(sink_.url());  // https://127.0.0.1:<port>/hook
  config.webhook.ca_file = cert_;
  auto target = makeOrDie(config, clock_);
  ASSERT_TRUE(target);
  const DeliveryResult r = deliverAndWait(*target, hookTx("a"));
  EXPECT_EQ(r.kind, Kind::kRetry);
  EXPECT_THAT(r.message, HasSubstr("TLS error"));
  EXPECT_EQ(*sink_.stat("requests"), 0);
}

}  // namespace
}  // namespace pb
