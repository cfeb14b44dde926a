// Loading valid configs: values, defaults, path resolution, secrets, CSV mappings, token files.
#include <gtest/gtest.h>

#include <cstdlib>

#include "config_test_util.h"
#include "plantbridge/common/crypto.h"
#include "plantbridge/config/config.h"

namespace pb {
namespace {

using testing_util::ScratchDir;

constexpr const char* kAbcSha256 =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";  // sha256("abc")

constexpr const char* kFullConfig = R"(
environment: staging
site: plant-1
server:
  listen: "0.0.0.0:9443"
  max_body_bytes: 2MiB
  max_records_per_request: 500
  threads: 4
store:
  path: state/pb.db
  high_water_mark: 5_000
  group_commit_window: 2ms
auth:
  tokens:
    - name: line-1
      sha256: BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD
      scopes: [ingest]
      rate_limit: {per_second: 100}
    - name: ops
      token_file: secrets/ops.token
      scopes: [read, operate]
log:
  level: debug
  json: false
schemas:
  machine.counter:
    payload:
      counter: {type: integer, required: true, min: 0}
      tag: {type: string}
  production.count:
    payload:
      quantity: {type: number, required: true, min: 0, max: 1e6, unit: pcs}
      quality: {type: string, enum: [good, rework]}
    required_context: [work_center]
    max_future_skew: 30s
qualifiers:
  - name: counters
    kind: counter_delta
    key_field: tag
    rollover_at: 65535
    reset_threshold: 0.25
mappings:
  assets:
    CNC-07: {work_center: 7, equipment: "12", cmms_asset: A-1107}
dedupe:
  - name: chatter
    types: [production.count]
    key: "{{asset}}/{{payload.quality}}"
    window: 5m
routes:
  - name: counts
    when: {type: production.count, site: plant-1, payload.quality: good}
    target: erp
    require: [context.work_center]
    body: |
      {"qty": {{payload.quantity}}, "wc": "{{context.work_center}}"}
targets:
  erp:
    kind: webhook
    url: https://erp.example.com/hook
    method: PUT
    headers: {X-Tenant: acme}
    hmac_secret_file: secrets/hmac.key
    timeout: 5s
    concurrency: 8
    rate_limit: {per_second: 20, burst: 40}
    retry: {initial_backoff: 1s, max_backoff: 1m, max_attempts: 7, max_age: 2h}
    circuit_breaker: {failure_threshold: 3, open_for: 10s}
)";

TEST(ConfigLoadTest, FullConfigLoadsEveryValue) {
  ScratchDir dir;
  dir.write("secrets/ops.token", "ops-secret\n");
  dir.write("secrets/hmac.key", "hmac-key\r\n");
  const std::string file = dir.write("plant.yaml", kFullConfig);

  const ConfigLoadResult r = loadConfig(file);
  ASSERT_CONFIG_OK(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.source_file, file);
  EXPECT_EQ(c.environment, "staging");
  EXPECT_EQ(c.site, "plant-1");

  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 9443);
  EXPECT_FALSE(c.server.tls.has_value());
  EXPECT_EQ(c.server.max_body_bytes, 2u * 1024 * 1024);
  EXPECT_EQ(c.server.max_records_per_request, 500u);
  EXPECT_EQ(c.server.threads, 4);

  EXPECT_EQ(c.store.path, (dir.path() / "state/pb.db").string());
  EXPECT_EQ(c.store.high_water_mark, 5000);
  EXPECT_EQ(c.store.group_commit_window, Millis(2));

  ASSERT_EQ(c.auth.tokens.size(), 2u);
  EXPECT_EQ(c.auth.tokens[0].name, "line-1");
  EXPECT_EQ(c.auth.tokens[0].sha256_hex, kAbcSha256);  // normalised to lower case
  EXPECT_EQ(c.auth.tokens[0].scopes, std::vector<Scope>{Scope::kIngest});
  EXPECT_DOUBLE_EQ(c.auth.tokens[0].rate_limit.per_second, 100);
  EXPECT_DOUBLE_EQ(c.auth.tokens[0].rate_limit.burst, 100);             // defaults to per_second
  EXPECT_EQ(c.auth.tokens[1].sha256_hex, toHex(sha256("ops-secret")));  // newline dropped
  EXPECT_EQ(c.auth.tokens[1].scopes, (std::vector<Scope>{Scope::kRead, Scope::kOperate}));
  EXPECT_TRUE(c.auth.token_file.empty());

  EXPECT_EQ(c.log.level, "debug");
  EXPECT_FALSE(c.log.json);

  ASSERT_EQ(c.schemas.size(), 2u);
  const EventSchema& count = c.schemas.at("production.count");
  EXPECT_EQ(count.type, "production.count");
  ASSERT_EQ(count.payload.size(), 2u);
  EXPECT_EQ(count.payload[0].name, "quantity");  // file order kept
  EXPECT_EQ(count.payload[0].type, FieldSchema::Type::kNumber);
  EXPECT_TRUE(count.payload[0].required);
  EXPECT_EQ(count.payload[0].min, 0.0);
  EXPECT_EQ(count.payload[0].max, 1e6);
  EXPECT_EQ(count.payload[0].unit, "pcs");
  EXPECT_EQ(count.payload[1].allowed, (std::vector<std::string>{"good", "rework"}));
  EXPECT_FALSE(count.payload[1].required);
  EXPECT_EQ(count.required_context, std::vector<std::string>{"work_center"});
  EXPECT_EQ(count.max_future_skew, std::chrono::seconds(30));
  EXPECT_EQ(c.schemas.at("machine.counter").max_future_skew, std::chrono::minutes(5));

  ASSERT_EQ(c.counter_qualifiers.size(), 1u);
  const CounterQualifierConfig& q = c.counter_qualifiers[0];
  EXPECT_EQ(q.name, "counters");
  EXPECT_EQ(q.input_type, "machine.counter");
  EXPECT_EQ(q.output_type, "production.count");
  EXPECT_EQ(q.value_field, "counter");
  EXPECT_EQ(q.key_field, "tag");
  EXPECT_EQ(q.rollover_at, 65535);
  EXPECT_DOUBLE_EQ(q.reset_threshold, 0.25);

  ASSERT_EQ(c.asset_mappings.size(), 1u);
  EXPECT_EQ(c.asset_mappings[0].asset, "CNC-07");
  EXPECT_EQ(c.asset_mappings[0].fields,
            (std::map<std::string, std::string>{
                {"work_center", "7"}, {"equipment", "12"}, {"cmms_asset", "A-1107"}}));

  ASSERT_EQ(c.dedupe_rules.size(), 1u);
  EXPECT_EQ(c.dedupe_rules[0].types, std::vector<std::string>{"production.count"});
  EXPECT_EQ(c.dedupe_rules[0].key_template, "{{asset}}/{{payload.quality}}");
  EXPECT_EQ(c.dedupe_rules[0].window, std::chrono::minutes(5));

  ASSERT_EQ(c.routes.size(), 1u);
  const RouteConfig& route = c.routes[0];
  EXPECT_EQ(route.name, "counts");
  EXPECT_EQ(route.types, std::vector<std::string>{"production.count"});
  EXPECT_EQ(route.match,
            (std::map<std::string, std::string>{{"site", "plant-1"}, {"payload.quality", "good"}}));
  EXPECT_EQ(route.target, "erp");
  EXPECT_EQ(route.ordering_key_template, "{{context.work_center}}");
  EXPECT_EQ(route.require, std::vector<std::string>{"context.work_center"});
  EXPECT_EQ(route.body_template,
            "{\"qty\": {{payload.quantity}}, \"wc\": \"{{context.work_center}}\"}\n");

  ASSERT_EQ(c.targets.size(), 1u);
  const TargetConfig& t = c.targets[0];
  EXPECT_EQ(t.name, "erp");
  EXPECT_EQ(t.kind, "webhook");
  EXPECT_EQ(t.concurrency, 8);
  EXPECT_DOUBLE_EQ(t.rate_limit.per_second, 20);
  EXPECT_DOUBLE_EQ(t.rate_limit.burst, 40);
  EXPECT_EQ(t.retry.initial_backoff, std::chrono::seconds(1));
  EXPECT_EQ(t.retry.max_backoff, std::chrono::minutes(1));
  EXPECT_EQ(t.retry.max_attempts, 7);
  EXPECT_EQ(t.retry.max_age, std::chrono::hours(2));
  EXPECT_EQ(t.circuit_breaker.failure_threshold, 3);
  EXPECT_EQ(t.circuit_breaker.open_for, std::chrono::seconds(10));
  EXPECT_EQ(t.webhook.url, "https://erp.example.com/hook");
  EXPECT_EQ(t.webhook.method, "PUT");
  EXPECT_EQ(t.webhook.headers, (std::map<std::string, std::string>{{"X-Tenant", "acme"}}));
  EXPECT_EQ(t.webhook.hmac_secret, "hmac-key");
  EXPECT_EQ(t.webhook.hmac_secret_file, (dir.path() / "secrets/hmac.key").string());
  EXPECT_EQ(t.webhook.signature_header, "X-Plantbridge-Signature");
  EXPECT_EQ(t.webhook.timeout, std::chrono::seconds(5));
}

TEST(ConfigLoadTest, OmittedKeysTakeTheirDefaults) {
  ScratchDir dir;
  const ConfigLoadResult r = loadConfig(dir.write("min.yaml", "site: plant-1\n"));
  ASSERT_CONFIG_OK(r);
  const Config& c = *r.config;
  EXPECT_EQ(c.environment, "development");
  EXPECT_EQ(c.server.host, "127.0.0.1");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.server.max_body_bytes, 8u * 1024 * 1024);
  EXPECT_EQ(c.server.max_records_per_request, 10000u);
  EXPECT_EQ(c.server.threads, 2);
  // The default store path is relative too, so it resolves against the config's directory.
  EXPECT_EQ(c.store.path, (dir.path() / "data/plantbridge.db").string());
  EXPECT_EQ(c.store.high_water_mark, 1'000'000);
  EXPECT_EQ(c.store.group_commit_window, Millis(0));
  EXPECT_TRUE(c.auth.tokens.empty());
  EXPECT_EQ(c.log.level, "info");
  EXPECT_TRUE(c.log.json);
  EXPECT_TRUE(c.schemas.empty());
  EXPECT_TRUE(c.routes.empty());
  EXPECT_TRUE(c.targets.empty());
}

TEST(ConfigLoadTest, NestedDefaultsApplyInsideGivenSections) {
  const ConfigLoadResult r = loadConfigFromString(R"(
schemas:
  scrap.reported:
  production.count:
  alarm.raised: {payload: {code: {}}}
qualifiers:
  - {name: q, kind: counter_delta, input_type: alarm.raised, value_field: code}
routes:
  - {name: r, when: {types: [scrap.reported, production.count]}, target: t}
targets:
  t: {kind: webhook, url: "http://127.0.0.1:9/x"}
server:
)");
  ASSERT_CONFIG_OK(r);
  const Config& c = *r.config;
  EXPECT_TRUE(c.schemas.at("scrap.reported").payload.empty());
  EXPECT_EQ(c.schemas.at("alarm.raised").payload[0].type, FieldSchema::Type::kAny);
  EXPECT_EQ(c.counter_qualifiers[0].output_type, "production.count");
  EXPECT_DOUBLE_EQ(c.counter_qualifiers[0].reset_threshold, 0.5);
  EXPECT_EQ(c.counter_qualifiers[0].rollover_at, 0);
  EXPECT_EQ(c.routes[0].ordering_key_template, "{{context.work_center}}");
  EXPECT_TRUE(c.routes[0].body_template.empty());
  const TargetConfig& t = c.targets[0];
  EXPECT_EQ(t.concurrency, 4);
  EXPECT_DOUBLE_EQ(t.rate_limit.per_second, 0);
  EXPECT_EQ(t.retry.initial_backoff, Millis(500));
  EXPECT_EQ(t.retry.max_backoff, std::chrono::minutes(5));
  EXPECT_EQ(t.retry.max_attempts, 20);
  EXPECT_EQ(t.retry.max_age, std::chrono::hours(24));
  EXPECT_EQ(t.circuit_breaker.failure_threshold, 5);
  EXPECT_EQ(t.circuit_breaker.open_for, std::chrono::seconds(30));
  EXPECT_EQ(t.webhook.method, "POST");
  EXPECT_EQ(t.webhook.timeout, std::chrono::seconds(10));
  EXPECT_TRUE(t.webhook.hmac_secret.empty());
  EXPECT_EQ(c.server.port, 8080);
}

TEST(ConfigLoadTest, ListenAcceptsIpv6AndPortZero) {
  const ConfigLoadResult r = loadConfigFromString("server: {listen: \"[::1]:0\"}\n");
  ASSERT_CONFIG_OK(r);
  EXPECT_EQ(r.config->server.host, "::1");
  EXPECT_EQ(r.config->server.port, 0);
}

TEST(ConfigLoadTest, AbsolutePathsAreKept) {
  ScratchDir dir;
  const std::string file = dir.write("c.yaml", "store: {path: /var/lib/plantbridge/pb.db}\n");
  const ConfigLoadResult r = loadConfig(file);
  ASSERT_CONFIG_OK(r);
  EXPECT_EQ(r.config->store.path, "/var/lib/plantbridge/pb.db");
}

TEST(ConfigLoadTest, TlsFilesResolveAgainstTheConfigDirectory) {
  ScratchDir dir;
  dir.write("tls/cert.pem", "cert");
  dir.write("tls/key.pem", "key");
  const ConfigLoadResult r = loadConfig(
      dir.write("c.yaml", "server:\n  tls: {cert: tls/cert.pem, key: ./tls/../tls/key.pem}\n"));
  ASSERT_CONFIG_OK(r);
  ASSERT_TRUE(r.config->server.tls.has_value());
  EXPECT_EQ(r.config->server.tls->cert_file, (dir.path() / "tls/cert.pem").string());
  EXPECT_EQ(r.config->server.tls->key_file, (dir.path() / "tls/key.pem").string());
}

TEST(ConfigLoadTest, HmacSecretFromEnvironment) {
  setenv("PB_TEST_HMAC_SECRET", "from-env", 1);
  const ConfigLoadResult r = loadConfigFromString(R"(
targets:
  sink: {kind: webhook, url: "http://localhost:9090/x", hmac_secret_env: PB_TEST_HMAC_SECRET,
         signature_header: X-Sig}
)");
  unsetenv("PB_TEST_HMAC_SECRET");
  ASSERT_CONFIG_OK(r);
  EXPECT_EQ(r.config->targets[0].webhook.hmac_secret, "from-env");
  EXPECT_EQ(r.config->targets[0].webhook.hmac_secret_env, "PB_TEST_HMAC_SECRET");
  EXPECT_EQ(r.config->targets[0].webhook.signature_header, "X-Sig");
}

TEST(ConfigLoadTest, SizesAcceptUnits) {
  for (const auto& [text, bytes] :
       std::vector<std::pair<std::string, size_t>>{{"1048576", 1048576},
                                                   {"512KiB", 512 * 1024},
                                                   {"8MiB", 8 * 1024 * 1024},
                                                   {"10MB", 10'000'000},
                                                   {"1 GiB", 1024 * 1024 * 1024}}) {
    const ConfigLoadResult r = loadConfigFromString("server: {max_body_bytes: " + text + "}\n");
    ASSERT_CONFIG_OK(r);
    EXPECT_EQ(r.config->server.max_body_bytes, bytes) << text;
  }
}

TEST(ConfigLoadTest, AssetsCsvAddsMappingsAfterInlineOnes) {
  ScratchDir dir;
  dir.write("maps/assets.csv",
            "\xEF\xBB\xBF"
            "asset,work_center,equipment,cmms_asset\r\n"
            "PRESS-02,3,20,A-2002\r\n"
            "\r\n"
            "\"LATHE,1\",4,,\"A-\"\"Q\"\"\"\r\n");
  const ConfigLoadResult r = loadConfig(dir.write("c.yaml", R"(
mappings:
  assets:
    CNC-07: {work_center: "7"}
  assets_csv: maps/assets.csv
)"));
  ASSERT_CONFIG_OK(r);
  const auto& m = r.config->asset_mappings;
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].asset, "CNC-07");
  EXPECT_EQ(m[1].asset, "PRESS-02");
  EXPECT_EQ(m[1].fields, (std::map<std::string, std::string>{
                             {"work_center", "3"}, {"equipment", "20"}, {"cmms_asset", "A-2002"}}));
  EXPECT_EQ(m[2].asset, "LATHE,1");
  // The empty equipment cell means "no id in that system", not an empty id.
  EXPECT_EQ(m[2].fields,
            (std::map<std::string, std::string>{{"work_center", "4"}, {"cmms_asset", "A-\"Q\""}}));
}

TEST(ConfigLoadTest, CodeTablesLoadFromYamlAndCsv) {
  ScratchDir dir;
  dir.write("maps/reasons.csv",
            "reason_code,loss\r\n"
            "NO-MAT,1\r\n"
            "\r\n"
            "\"E,42\",3\r\n");
  dir.write("maps/defects.csv", "defect_code,root_cause\nD-CRACK,material\n");
  const ConfigLoadResult r = loadConfig(dir.write("c.yaml", R"(
mappings:
  reason_codes:
    JAM: "2"
    12: 5
  reason_codes_csv: maps/reasons.csv
  defect_codes: {D-SCRATCH: surface}
  defect_codes_csv: maps/defects.csv
  root_cause_classes: [surface, dimension, material]
)"));
  ASSERT_CONFIG_OK(r);
  const CodeMappings& m = r.config->code_mappings;
  EXPECT_EQ(m.reason_codes, (std::map<std::string, std::string>{
                                {"JAM", "2"}, {"12", "5"}, {"NO-MAT", "1"}, {"E,42", "3"}}));
  EXPECT_EQ(m.defect_codes, (std::map<std::string, std::string>{{"D-SCRATCH", "surface"},
                                                                {"D-CRACK", "material"}}));
  EXPECT_EQ(m.root_cause_classes, (std::vector<std::string>{"surface", "dimension", "material"}));
}

TEST(ConfigLoadTest, WithoutRootCauseClassesAnyIdentifierIsAClass) {
  const ConfigLoadResult r =
      loadConfigFromString("mappings:\n  defect_codes: {D1: paint_run, D2: surface}\n");
  ASSERT_CONFIG_OK(r);
  EXPECT_EQ(r.config->code_mappings.defect_codes.at("D1"), "paint_run");
  EXPECT_TRUE(r.config->code_mappings.root_cause_classes.empty());
  EXPECT_TRUE(r.config->code_mappings.reason_codes.empty());
}

TEST(ConfigLoadTest, TokenFileIsCheckedAtLoadAndKeptForReload) {
  ScratchDir dir;
  const std::string tokens = dir.write("tokens.yaml", std::string(R"(
- name: mes
  sha256: )") + kAbcSha256 + R"(
  scopes: [ingest, read]
)");
  const ConfigLoadResult r = loadConfig(dir.write("c.yaml", "auth: {token_file: tokens.yaml}\n"));
  ASSERT_CONFIG_OK(r);
  EXPECT_EQ(r.config->auth.token_file, tokens);
  // The file's tokens are loaded by loadTokenFile (at start and on SIGHUP), not merged here.
  EXPECT_TRUE(r.config->auth.tokens.empty());

  const Result<std::vector<TokenConfig>> loaded = loadTokenFile(tokens);
  ASSERT_TRUE(loaded.isOk()) << loaded.status().toString();
  ASSERT_EQ(loaded->size(), 1u);
  EXPECT_EQ((*loaded)[0].name, "mes");
  EXPECT_EQ((*loaded)[0].sha256_hex, kAbcSha256);
  EXPECT_EQ((*loaded)[0].scopes, (std::vector<Scope>{Scope::kIngest, Scope::kRead}));
}

TEST(ConfigLoadTest, TokenFileTokensMayReadTheirOwnTokenFiles) {
  ScratchDir dir;
  dir.write("keys/a.token", "secret-a");
  const std::string tokens =
      dir.write("keys/tokens.yaml", "- {name: a, token_file: a.token, scopes: [admin]}\n");
  const Result<std::vector<TokenConfig>> loaded = loadTokenFile(tokens);
  ASSERT_TRUE(loaded.isOk()) << loaded.status().toString();
  EXPECT_EQ((*loaded)[0].sha256_hex, toHex(sha256("secret-a")));
}

TEST(ConfigLoadTest, EmptyTokenFileHasNoTokens) {
  ScratchDir dir;
  const Result<std::vector<TokenConfig>> loaded = loadTokenFile(dir.write("t.yaml", ""));
  ASSERT_TRUE(loaded.isOk()) << loaded.status().toString();
  EXPECT_TRUE(loaded->empty());
}

TEST(ConfigLoadTest, ScopeNames) {
  EXPECT_STREQ(scopeName(Scope::kIngest), "ingest");
  EXPECT_STREQ(scopeName(Scope::kRead), "read");
  EXPECT_STREQ(scopeName(Scope::kOperate), "operate");
  EXPECT_STREQ(scopeName(Scope::kAdmin), "admin");
}

TEST(ConfigErrorTest, ToStringNamesFileLineAndKey) {
  EXPECT_EQ((ConfigError{"plant.yaml", 42, "targets.erp.url", "must be an http(s) URL"}).toString(),
            "plant.yaml:42: targets.erp.url: must be an http(s) URL");
  EXPECT_EQ((ConfigError{"plant.yaml", 0, "", "cannot open: No such file or directory"}).toString(),
            "plant.yaml: cannot open: No such file or directory");
  EXPECT_EQ((ConfigError{"plant.yaml", 3, "", "YAML syntax error: x"}).toString(),
            "plant.yaml:3: YAML syntax error: x");
}

}  // namespace
}  // namespace pb
