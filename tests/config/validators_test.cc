// The single-value checks behind the loader's messages.
#include "validators.h"

#include <gtest/gtest.h>

#include <array>

namespace pb::config_internal {
namespace {

TEST(ParseListenTest, AcceptsHostPortForms) {
  auto v4 = parseListen("127.0.0.1:8080");
  ASSERT_TRUE(v4.isOk());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto name = parseListen("hub.plant-1.local:0");
  ASSERT_TRUE(name.isOk());
  EXPECT_EQ(name->host, "hub.plant-1.local");
  EXPECT_EQ(name->port, 0);
  auto v6 = parseListen("[fe80::1]:443");
  ASSERT_TRUE(v6.isOk());
  EXPECT_EQ(v6->host, "fe80::1");
  EXPECT_EQ(v6->port, 443);
}

TEST(ParseListenTest, RejectsMalformedAddresses) {
  for (const char* bad : {"", "8080", "host:", ":80", "[::1]", "[::1]80", "[::1", "1.2.3:80",
                          "-bad.host:80", "h:65536", "h:-1", "h:8o"}) {
    EXPECT_FALSE(parseListen(bad).isOk()) << bad;
  }
}

TEST(ParseByteSizeTest, UnitsAndOverflow) {
  EXPECT_EQ(*parseByteSize("0"), 0u);
  EXPECT_EQ(*parseByteSize("100B"), 100u);
  EXPECT_EQ(*parseByteSize("4kib"), 4096u);
  EXPECT_EQ(*parseByteSize("3 MB"), 3'000'000u);
  EXPECT_EQ(*parseByteSize("2GiB"), 2ull << 30);
  EXPECT_FALSE(parseByteSize("").isOk());
  EXPECT_FALSE(parseByteSize("MiB").isOk());
  EXPECT_FALSE(parseByteSize("1.5MiB").isOk());
  EXPECT_FALSE(parseByteSize("8 M").isOk());
  EXPECT_FALSE(parseByteSize("-1").isOk());
  EXPECT_FALSE(parseByteSize("99999999999999GiB").isOk());
}

TEST(ParseConfigDurationTest, AcceptsUnitsAndZero) {
  EXPECT_EQ(*parseConfigDuration("0"), std::chrono::milliseconds(0));
  EXPECT_EQ(*parseConfigDuration("500ms"), std::chrono::milliseconds(500));
  EXPECT_EQ(*parseConfigDuration("30s"), std::chrono::seconds(30));
  EXPECT_EQ(*parseConfigDuration("1.5s"), std::chrono::milliseconds(1500));
  EXPECT_EQ(*parseConfigDuration("5m"), std::chrono::minutes(5));
  EXPECT_EQ(*parseConfigDuration("2h"), std::chrono::hours(2));
  EXPECT_EQ(*parseConfigDuration("1d"), std::chrono::hours(24));
}

TEST(ParseConfigDurationTest, RejectsWhatParseDurationMustNeverSee) {
  for (const char* bad : {"", "30", "s", "-1s", "1e3s", "infs", "nans", "5 m", "5min", "1.s", ".5s",
                          "9999999999d", "1.1234567s"}) {
    const auto r = parseConfigDuration(bad);
    ASSERT_FALSE(r.isOk()) << bad;
    EXPECT_NE(r.status().message().find("use e.g. 500ms, 30s, 5m"), std::string::npos) << bad;
  }
}

TEST(CheckHttpUrlTest, AcceptsHttpAndHttps) {
  for (const char* ok :
       {"http://127.0.0.1:9090/plantbridge", "https://erp.example.com",
        "https://erp.example.com:8443/json/2/res.partner?x=1", "http://[::1]:8069/jsonrpc"}) {
    EXPECT_TRUE(checkHttpUrl(ok).isOk()) << ok << ": " << checkHttpUrl(ok).message();
  }
  EXPECT_TRUE(isHttpsUrl("https://h/x"));
  EXPECT_FALSE(isHttpsUrl("http://h/x"));
}

TEST(CheckHttpUrlTest, RejectsEverythingElse) {
  for (const char* bad : {"", "erp.example.com", "/relative", "ftp://h/x", "mailto:a@b", "http://",
                          "http://u:p@h/", "http://h:0/", "http://h:abc/", "https://h/#frag"}) {
    const Status s = checkHttpUrl(bad);
    ASSERT_FALSE(s.isOk()) << bad;
    EXPECT_EQ(s.message().rfind("must be an http(s) URL", 0), 0u) << s.message();
  }
}

TEST(CheckTemplateTest, BalancedPlaceholders) {
  EXPECT_TRUE(checkTemplate("", false).isOk());
  EXPECT_TRUE(checkTemplate("plain", false).isOk());
  EXPECT_TRUE(checkTemplate("{{asset}}/{{ payload.code }}", false).isOk());
  EXPECT_TRUE(checkTemplate("{single} braces", false).isOk());
  EXPECT_FALSE(checkTemplate("{{asset", false).isOk());
  EXPECT_FALSE(checkTemplate("{{a {{b}}", false).isOk());
  EXPECT_FALSE(checkTemplate("a}}", false).isOk());
  EXPECT_TRUE(checkTemplate("a}}", true).isOk());
  EXPECT_FALSE(checkTemplate("{{}}", false).isOk());
  EXPECT_FALSE(checkTemplate("{{  }}", true).isOk());
  EXPECT_TRUE(checkTemplate("{{payload.note?}}-{{ event }}", false).isOk());
  const Status unknown = checkTemplate("{{asset}}/{{contxt.work_center}}", false);
  ASSERT_FALSE(unknown.isOk());
  EXPECT_NE(unknown.message().find("unknown placeholder '{{contxt.work_center}}'"),
            std::string::npos)
      << unknown.message();
  EXPECT_NE(unknown.message().find("did you mean 'context'"), std::string::npos);
  // The engine trims spaces only; a tab is part of the name and makes it invalid.
  EXPECT_FALSE(checkTemplate("{{\tasset}}", false).isOk());
}

TEST(CheckTemplateTest, JsonBodies) {
  EXPECT_TRUE(checkJsonTemplate(R"({"q": {{payload.q}}, "a": "{{asset}}"})").isOk());
  EXPECT_TRUE(checkJsonTemplate(R"({"o": {"n": {{payload.n}}}})").isOk());
  EXPECT_TRUE(checkJsonTemplate(R"([{{payload}}, {"x": []}])").isOk());
  const Status trailing = checkJsonTemplate(R"({"q": {{payload.q}}} extra)");
  EXPECT_FALSE(trailing.isOk());
  EXPECT_NE(trailing.message().find("not valid JSON"), std::string::npos) << trailing.message();
  EXPECT_FALSE(checkJsonTemplate(R"({"q": {{payload.q}})").isOk());
  EXPECT_FALSE(checkJsonTemplate(R"({'q': 1})").isOk());
}

TEST(CheckEventFieldPathTest, FieldsTheTemplateEngineKnows) {
  for (const char* ok :
       {"id", "type", "site", "source", "asset", "occurred_at", "received_at", "correlation_id",
        "causation_id", "schema_version", "payload", "event", "context.work_center", "context.a.b",
        "payload.q", "payload.nested.deeper", "payload.items.0", "payload.alarm-code"}) {
    EXPECT_TRUE(checkEventFieldPath(ok).isOk()) << ok << ": " << checkEventFieldPath(ok).message();
  }
  for (const char* bad : {"", "foo", "asset.x", "context", "context.", "payload.", "payload..x",
                          "payload.a b", "payload.{x}", "contxt.x", "events"}) {
    EXPECT_FALSE(checkEventFieldPath(bad).isOk()) << bad;
  }
  EXPECT_NE(checkEventFieldPath("paylod.q").message().find("did you mean 'payload'"),
            std::string::npos);
}

TEST(CheckEventFieldPathTest, ConditionsNeedOneValue) {
  EXPECT_TRUE(checkEventFieldPath("payload.severity", FieldUse::kMatch).isOk());
  EXPECT_FALSE(checkEventFieldPath("payload", FieldUse::kMatch).isOk());
  EXPECT_FALSE(checkEventFieldPath("event", FieldUse::kMatch).isOk());
}

TEST(NamesTest, Shapes) {
  EXPECT_TRUE(isEventType("production.count"));
  EXPECT_TRUE(isEventType("maintenance.threshold_2"));
  EXPECT_TRUE(isEventType("heartbeat"));
  EXPECT_FALSE(isEventType("Production.count"));
  EXPECT_FALSE(isEventType("production..count"));
  EXPECT_FALSE(isEventType("production.count."));
  EXPECT_FALSE(isEventType("2x.count"));
  EXPECT_TRUE(isName("erp-odoo_17.main"));
  EXPECT_FALSE(isName("has space"));
  EXPECT_FALSE(isName(""));
  EXPECT_TRUE(isIdentifier("work_center"));
  EXPECT_FALSE(isIdentifier("work-center"));
  EXPECT_FALSE(isIdentifier("7wc"));
  EXPECT_TRUE(isAssetId("CNC-07/spindle:1"));
  EXPECT_FALSE(isAssetId("CNC 07"));
  EXPECT_FALSE(isAssetId(std::string(129, 'a')));
  EXPECT_TRUE(isSha256Hex(std::string(64, 'A')));
  EXPECT_FALSE(isSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(isSha256Hex(std::string(64, 'g')));
  EXPECT_TRUE(isHeaderName("X-Plantbridge-Signature"));
  EXPECT_FALSE(isHeaderName("X Sig"));
  EXPECT_FALSE(isHeaderName("X:Sig"));
  EXPECT_TRUE(isHeaderValue("Bearer abc\tdef"));
  EXPECT_FALSE(isHeaderValue("a\r\nInjected: 1"));
}

TEST(DidYouMeanTest, SuggestsOnlyCloseMatches) {
  constexpr std::array<std::string_view, 4> kKeys = {"listen", "threads", "max_body_bytes", "tls"};
  EXPECT_EQ(closestMatch("lisen", kKeys), "listen");
  EXPECT_EQ(closestMatch("Listen", kKeys), "listen");
  EXPECT_EQ(closestMatch("max_body_size", kKeys), "max_body_bytes");
  EXPECT_EQ(closestMatch("tsl", kKeys), "tls");         // a swap of neighbours is one edit
  EXPECT_EQ(closestMatch("tcp", kKeys), std::nullopt);  // short words need a near-exact hit
  EXPECT_EQ(closestMatch("tl", kKeys), "tls");
  EXPECT_EQ(closestMatch("colour", kKeys), std::nullopt);
  EXPECT_EQ(didYouMean("thread", kKeys), " (did you mean 'threads'?)");
  EXPECT_EQ(didYouMean("zzz", kKeys), "");
}

}  // namespace
}  // namespace pb::config_internal
