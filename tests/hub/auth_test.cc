#include "plantbridge/hub/auth.h"

#include <gtest/gtest.h>

#include <thread>

namespace pb {
namespace {

using namespace std::chrono_literals;

TokenConfig token(std::string name, std::string_view secret, std::vector<Scope> scopes,
                  RateLimitConfig rate = {}) {
  return TokenConfig{std::move(name), hashToken(secret), std::move(scopes), rate};
}

TEST(HashTokenTest, IsLowerCaseHexSha256) {
  EXPECT_EQ(hashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuthenticatorTest, KnownBearerTokenIsItsPrincipal) {
  Authenticator auth({token("edge-1", "s3cret", {Scope::kIngest}),
                      token("ops", "other", {Scope::kRead, Scope::kOperate})});
  auto p = auth.authenticate("Bearer s3cret");
  ASSERT_TRUE(p.isOk()) << p.status().toString();
  EXPECT_EQ(p->name, "edge-1");
  EXPECT_TRUE(p->has(Scope::kIngest));
  EXPECT_FALSE(p->has(Scope::kRead));
  auto ops = auth.authenticate("bearer   other ");
  ASSERT_TRUE(ops.isOk());
  EXPECT_EQ(ops->name, "ops");
  EXPECT_TRUE(ops->has(Scope::kOperate));
  EXPECT_FALSE(ops->has(Scope::kIngest));
}

TEST(AuthenticatorTest, AdminImpliesEveryScope) {
  Authenticator auth({token("root", "r", {Scope::kAdmin})});
  auto p = auth.authenticate("Bearer r");
  ASSERT_TRUE(p.isOk());
  for (Scope s : {Scope::kIngest, Scope::kRead, Scope::kOperate, Scope::kAdmin}) {
    EXPECT_TRUE(p->has(s)) << scopeName(s);
  }
}

TEST(AuthenticatorTest, MissingMalformedAndUnknownAreUnauthenticated) {
  Authenticator auth({token("a", "good", {Scope::kIngest})});
  for (std::string_view header :
       {"", "Bearer", "Bearer ", "Basic Z29vZA==", "good", "Bearergood", "Bearer bad"}) {
    auto p = auth.authenticate(header);
    ASSERT_FALSE(p.isOk()) << header;
    EXPECT_EQ(p.status().code(), StatusCode::kUnauthenticated) << header;
  }
  EXPECT_EQ(auth.authenticate("").status().message(), "missing bearer token");
  EXPECT_EQ(auth.authenticate("Bearer bad").status().message(), "unknown token");
}

TEST(AuthenticatorTest, UpperCaseHashesAreAcceptedAndMalformedOnesSkipped) {
  std::string upper = hashToken("t");
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Authenticator auth({TokenConfig{"upper", upper, {Scope::kRead}, {}},
                      TokenConfig{"short", "abcd", {Scope::kRead}, {}}});
  EXPECT_EQ(auth.tokenCount(), 1u);
  EXPECT_TRUE(auth.authenticate("Bearer t").isOk());
}

TEST(AuthenticatorTest, ReplacingTokensTakesEffectAndKeepsUnchangedBuckets) {
  RateLimitConfig rate{10, 10};
  Authenticator auth({token("edge", "old", {Scope::kIngest}, rate)});
  const auto now = std::chrono::steady_clock::now();
  auto before = auth.authenticate("Bearer old");
  ASSERT_TRUE(before.isOk());
  ASSERT_TRUE(before->limiter->tryTake(10, now, nullptr));

  // Rotation: same name and limit, new secret. The bucket is not refilled by the reload.
  EXPECT_EQ(auth.replaceTokens({token("edge", "new", {Scope::kIngest}, rate)}), 1u);
  EXPECT_FALSE(auth.authenticate("Bearer old").isOk());
  auto after = auth.authenticate("Bearer new");
  ASSERT_TRUE(after.isOk());
  EXPECT_EQ(after->limiter, before->limiter);
  std::chrono::microseconds wait{0};
  EXPECT_FALSE(after->limiter->tryTake(1, now, &wait));
  EXPECT_EQ(wait, 100ms);

  // A changed limit is a new bucket.
  auth.replaceTokens({token("edge", "new", {Scope::kIngest}, RateLimitConfig{20, 20})});
  auto changed = auth.authenticate("Bearer new");
  ASSERT_TRUE(changed.isOk());
  EXPECT_NE(changed->limiter, before->limiter);
}

TEST(AuthenticatorTest, ConcurrentReloadAndAuthenticationAreSafe) {
  Authenticator auth({token("a", "x", {Scope::kIngest})});
  std::atomic<bool> stop{false};
  std::thread reloader([&] {
    for (int i = 0; i < 200; ++i) {
      auth.replaceTokens(
          {token("a", "x", {Scope::kIngest}), token("b" + std::to_string(i), "y", {Scope::kRead})});
    }
    stop = true;
  });
  int ok = 0;
  while (!stop) ok += auth.authenticate("Bearer x").isOk() ? 1 : 0;
  reloader.join();
  EXPECT_GT(ok, 0);
  EXPECT_TRUE(auth.authenticate("Bearer y").isOk());
}

TEST(RateLimiterTest, UnlimitedAlwaysTakes) {
  RateLimiter limiter(RateLimitConfig{});
  EXPECT_TRUE(limiter.unlimited());
  EXPECT_TRUE(limiter.tryTake(1e9, std::chrono::steady_clock::now(), nullptr));
  EXPECT_FALSE(limiter.empty(std::chrono::steady_clock::now(), nullptr));
}

TEST(RateLimiterTest, EmptyBucketSaysHowLongToWait) {
  RateLimiter limiter(RateLimitConfig{2, 4});
  const auto t0 = std::chrono::steady_clock::time_point(1h);
  EXPECT_TRUE(limiter.tryTake(4, t0, nullptr));
  std::chrono::microseconds wait{0};
  EXPECT_TRUE(limiter.empty(t0, &wait));
  EXPECT_EQ(wait, 500ms);
  EXPECT_FALSE(limiter.tryTake(2, t0 + 500ms, &wait));
  EXPECT_EQ(wait, 500ms);
  EXPECT_TRUE(limiter.tryTake(2, t0 + 1s, nullptr));
}

}  // namespace
}  // namespace pb
