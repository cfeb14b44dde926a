// Every class of config error is reported with its file, line, key and a useful message, and
// all of them at once.
#include <gtest/gtest.h>

#include <cstdlib>

#include "config_test_util.h"
#include "plantbridge/config/config.h"

namespace pb {
namespace {

using testing_util::ScratchDir;

constexpr const char* kSha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

ConfigLoadResult load(const std::string& yaml) { return loadConfigFromString(yaml, "plant.yaml"); }

TEST(ConfigErrorsTest, UnknownKeyIsNamedWithASuggestion) {
  const auto r = load("site: a\nserver:\n  lisen: \"127.0.0.1:1\"\n");
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.errors.size(), 1u) << testing_util::allErrors(r);
  EXPECT_EQ(r.errors[0].toString(),
            "plant.yaml:3: server.lisen: unknown key 'lisen' (did you mean 'listen'?)");
}

TEST(ConfigErrorsTest, UnknownKeyFarFromAnyHasNoSuggestion) {
  const auto r = load("colour: blue\n");
  EXPECT_CONFIG_ERROR(r, 1, "colour", "unknown key 'colour'");
  EXPECT_EQ(r.errors[0].message.find("did you mean"), std::string::npos);
}

TEST(ConfigErrorsTest, UnknownKeyDeepInsideTargets) {
  const auto r = load(R"(targets:
  erp:
    kind: webhook
    url: http://h/x
    retry:
      max_atempts: 3
)");
  EXPECT_CONFIG_ERROR(r, 6, "targets.erp.retry.max_atempts", "did you mean 'max_attempts'?");
}

TEST(ConfigErrorsTest, WrongTypes) {
  const auto r = load(R"(server:
  threads: many
  listen: [a, b]
log:
  json: maybe
store: 5
auth:
  tokens: {name: x}
)");
  EXPECT_CONFIG_ERROR(r, 2, "server.threads", "must be an integer, not 'many'");
  EXPECT_CONFIG_ERROR(r, 3, "server.listen", "must be a string, not a list");
  EXPECT_CONFIG_ERROR(r, 5, "log.json", "must be true or false");
  EXPECT_CONFIG_ERROR(r, 6, "store", "must be a mapping, not '5'");
  EXPECT_CONFIG_ERROR(r, 8, "auth.tokens", "must be a list, not a mapping");
}

TEST(ConfigErrorsTest, OutOfRangeValues) {
  const auto r = load(R"(server:
  threads: 0
  max_records_per_request: 2000000
  max_body_bytes: 12
store:
  high_water_mark: -1
targets:
  t:
    kind: webhook
    url: http://h/x
    concurrency: 5000
    retry: {initial_backoff: 10s, max_backoff: 1s}
qualifiers:
  - {name: q, kind: counter_delta, reset_threshold: 1.5, input_type: a.b}
schemas:
  a.b:
)");
  EXPECT_CONFIG_ERROR(r, 2, "server.threads", "must be from 1 to 256 (got 0)");
  EXPECT_CONFIG_ERROR(r, 3, "server.max_records_per_request", "from 1 to 1000000");
  EXPECT_CONFIG_ERROR(r, 4, "server.max_body_bytes", "must be from 1024 to");
  EXPECT_CONFIG_ERROR(r, 6, "store.high_water_mark", "must be at least 1");
  EXPECT_CONFIG_ERROR(r, 11, "targets.t.concurrency", "from 1 to 1024");
  EXPECT_CONFIG_ERROR(r, 12, "targets.t.retry.max_backoff", "must not be less than initial");
  EXPECT_CONFIG_ERROR(r, 14, "qualifiers[0].reset_threshold", "from 0 to 1 (got 1.5)");
}

TEST(ConfigErrorsTest, MissingRequiredKeys) {
  const auto r = load(R"(routes:
  - name: r
    when: {type: a.b}
targets:
  t:
    url: http://h/x
qualifiers:
  - kind: counter_delta
schemas:
  a.b:
  machine.counter:
)");
  EXPECT_CONFIG_ERROR(r, 2, "routes[0].target", "missing required key");
  EXPECT_CONFIG_ERROR(r, 5, "targets.t.kind", "missing required key");
  EXPECT_CONFIG_ERROR(r, 8, "qualifiers[0].name", "missing required key");
}

TEST(ConfigErrorsTest, DuplicateNames) {
  const auto r = load(std::string(R"(auth:
  tokens:
    - {name: a, sha256: )") +
                      kSha + R"(, scopes: [read]}
    - {name: a, sha256: )" +
                      std::string(64, 'f') + R"(, scopes: [read]}
    - {name: b, sha256: )" +
                      kSha + R"(, scopes: [admin]}
schemas:
  a.b:
  a.b:
mappings:
  assets:
    M1: {work_center: "1"}
    M1: {work_center: "2"}
routes:
  - {name: r, when: {type: a.b}, target: t}
  - {name: r, when: {type: a.b}, target: t}
targets:
  t: {kind: webhook, url: "http://h/x"}
  t: {kind: webhook, url: "http://h/y"}
dedupe:
  - {name: d, types: [a.b, a.b], key: "{{asset}}"}
)");
  EXPECT_CONFIG_ERROR(r, 4, "auth.tokens[1].name", "duplicate token name 'a' (first on line 3)");
  EXPECT_CONFIG_ERROR(r, 5, "auth.tokens[2]", "same token as 'a'");
  EXPECT_CONFIG_ERROR(r, 8, "schemas.a.b", "duplicate key (first defined on line 7)");
  EXPECT_CONFIG_ERROR(r, 12, "mappings.assets.M1", "duplicate key (first defined on line 11)");
  EXPECT_CONFIG_ERROR(r, 15, "routes[1].name", "duplicate route name 'r' (first on line 14)");
  EXPECT_CONFIG_ERROR(r, 18, "targets.t", "duplicate key (first defined on line 17)");
  EXPECT_CONFIG_ERROR(r, 20, "dedupe[0].types[1]", "'a.b' is listed twice");
}

TEST(ConfigErrorsTest, DuplicateKeyInsideASection) {
  const auto r = load("log:\n  level: info\n  level: debug\n");
  EXPECT_CONFIG_ERROR(r, 3, "log.level", "duplicate key (first defined on line 2)");
}

TEST(ConfigErrorsTest, UnresolvedReferences) {
  const auto r = load(R"(schemas:
  downtime.started:
  machine.counter:
    payload:
      count: {type: integer}
      tag: {type: string}
qualifiers:
  - {name: q1, kind: counter_delta, input_type: machine.cnt}
  - {name: q2, kind: counter_delta, key_field: line}
routes:
  - {name: r1, when: {type: downtime.stared}, target: erpp}
  - {name: r2, when: {types: [production.count]}, target: erp}
dedupe:
  - {name: d, types: [alarm.raised], key: "{{asset}}"}
targets:
  erp: {kind: webhook, url: "http://h/x"}
)");
  EXPECT_CONFIG_ERROR(r, 8, "qualifiers[0].input_type", "no schema for input type 'machine.cnt'");
  EXPECT_CONFIG_ERROR(r, 8, "qualifiers[0].input_type", "did you mean 'machine.counter'?");
  EXPECT_CONFIG_ERROR(
      r, 9, "qualifiers[1].value_field",
      "schema 'machine.counter' has no payload field 'counter' (did you mean 'count'?)");
  EXPECT_CONFIG_ERROR(r, 9, "qualifiers[1].key_field", "has no payload field 'line'");
  EXPECT_CONFIG_ERROR(r, 11, "routes[0].when.type",
                      "unknown event type 'downtime.stared': no schema defines it (did you mean "
                      "'downtime.started'?)");
  EXPECT_CONFIG_ERROR(r, 11, "routes[0].target", "unknown target 'erpp' (did you mean 'erp'?)");
  EXPECT_CONFIG_ERROR(r, 14, "dedupe[0].types[0]", "unknown event type 'alarm.raised'");
  // Derived events are validated like any other: the output type needs a schema too.
  EXPECT_CONFIG_ERROR(r, 8, "qualifiers[0].output_type",
                      "no schema for output type 'production.count'");
  EXPECT_CONFIG_ERROR(r, 12, "routes[1].when.types[0]", "unknown event type 'production.count'");
}

TEST(ConfigErrorsTest, QualifierOutputSchemaMustAcceptDerivedEvents) {
  const auto r = load(R"(schemas:
  machine.counter:
  production.count:
    payload:
      quantity: {type: integer, required: true}
      previous_counter: {type: integer, required: true}
      product: {type: string, required: true}
qualifiers:
  - {name: q, kind: counter_delta}
)");
  EXPECT_CONFIG_ERROR(r, 9, "qualifiers[0].output_type",
                      "schema 'production.count' requires payload field 'product', which the "
                      "derived events do not carry");
  EXPECT_EQ(r.errors.size(), 1u) << testing_util::allErrors(r);
}

TEST(ConfigErrorsTest, QualifierCounterFieldMustBeNumeric) {
  const auto r = load(R"(schemas:
  machine.counter: {payload: {counter: {type: string}}}
qualifiers:
  - {name: q, kind: counter_delta}
)");
  EXPECT_CONFIG_ERROR(r, 4, "qualifiers[0].value_field", "must be typed integer to be counted");
}

TEST(ConfigErrorsTest, BadDurations) {
  const auto r = load(R"(store:
  group_commit_window: 5 ms
targets:
  t:
    kind: webhook
    url: http://h/x
    timeout: 30
    retry: {max_age: 1e9d, initial_backoff: -1s}
    circuit_breaker: {open_for: 0}
)");
  EXPECT_CONFIG_ERROR(r, 2, "store.group_commit_window", "not a duration: '5 ms'");
  EXPECT_CONFIG_ERROR(r, 7, "targets.t.timeout", "not a duration: '30' (use e.g. 500ms, 30s");
  EXPECT_CONFIG_ERROR(r, 8, "targets.t.retry.max_age", "not a duration");
  EXPECT_CONFIG_ERROR(r, 8, "targets.t.retry.initial_backoff", "not a duration");
  EXPECT_CONFIG_ERROR(r, 9, "targets.t.circuit_breaker.open_for", "must be from 1ms to 1d");
}

TEST(ConfigErrorsTest, DurationAboveItsMaximum) {
  const auto r = load("store: {group_commit_window: 2s}\n");
  EXPECT_CONFIG_ERROR(r, 1, "store.group_commit_window", "must be from 0ms to 1s (got 2s)");
}

TEST(ConfigErrorsTest, BadUrls) {
  const auto r = load(R"(targets:
  erp: {kind: webhook, url: "ftp://h/x"}
  qms: {kind: webhook, url: "not a url"}
  cmms: {kind: webhook, url: "https://user:pw@h/x"}
  mes: {kind: webhook, url: "http://h:99999/x"}
  wms: {kind: webhook, url: "http:///x"}
)");
  ASSERT_GE(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[0].toString(),
            "plant.yaml:2: targets.erp.url: must be an http(s) URL: scheme 'ftp' is not http or "
            "https");
  EXPECT_CONFIG_ERROR(r, 3, "targets.qms.url", "must be an http(s) URL");
  EXPECT_CONFIG_ERROR(r, 4, "targets.cmms.url", "credentials");
  EXPECT_CONFIG_ERROR(r, 5, "targets.mes.url", "port '99999'");
  EXPECT_CONFIG_ERROR(r, 6, "targets.wms.url", "no host");
}

TEST(ConfigErrorsTest, BadListenAddresses) {
  for (const char* bad : {"8080", "localhost", ":8080", "localhost:http", "::1:8080",
                          "300.1.1.1:80", "bad_host:80", "[::zz]:80", "127.0.0.1:70000"}) {
    const auto r = load(std::string("server:\n  listen: \"") + bad + "\"\n");
    EXPECT_CONFIG_ERROR(r, 2, "server.listen", "expected host:port");
  }
}

TEST(ConfigErrorsTest, BadScopes) {
  const auto r = load(std::string(R"(auth:
  tokens:
    - name: a
      sha256: )") + kSha +
                      R"(
      scopes: [ingest, admn, ingest]
    - name: b
      sha256: )" + std::string(64, 'e') +
                      R"(
      scopes: []
    - name: c
      sha256: )" + std::string(64, 'd') +
                      R"(
      scopes: admin
)");
  EXPECT_CONFIG_ERROR(r, 5, "auth.tokens[0].scopes[1]",
                      "unknown scope 'admn' (scopes are ingest, read, operate, admin) (did you "
                      "mean 'admin'?)");
  EXPECT_CONFIG_ERROR(r, 5, "auth.tokens[0].scopes[2]", "listed twice");
  EXPECT_CONFIG_ERROR(r, 8, "auth.tokens[1].scopes", "at least one scope");
  EXPECT_CONFIG_ERROR(r, 11, "auth.tokens[2].scopes", "must be a list");
}

TEST(ConfigErrorsTest, ClearTextTokenIsRefusedWithHowToHashIt) {
  const auto r = load("auth:\n  tokens:\n    - {name: a, token: s3cret, scopes: [read]}\n");
  EXPECT_CONFIG_ERROR(r, 3, "auth.tokens[0].token", "printf %s 'THE-TOKEN' | sha256sum");
  EXPECT_CONFIG_ERROR(r, 3, "auth.tokens[0].token", "clear-text tokens are not accepted");
  // The clear token must never be echoed back into logs.
  for (const ConfigError& e : r.errors) {
    EXPECT_EQ(e.toString().find("s3cret"), std::string::npos) << e.toString();
  }
}

TEST(ConfigErrorsTest, BadTokenHashesAndSources) {
  const auto r = load(R"(auth:
  tokens:
    - {name: a, sha256: abc, scopes: [read]}
    - {name: b, scopes: [read]}
    - {name: c, sha256: )" +
                      std::string(kSha) + R"(, token_file: x, scopes: [read]}
    - {name: "bad name", sha256: )" +
                      std::string(64, '0') + R"(, scopes: [read]}
)");
  EXPECT_CONFIG_ERROR(r, 3, "auth.tokens[0].sha256", "must be 64 hex digits");
  EXPECT_CONFIG_ERROR(r, 4, "auth.tokens[1].sha256", "missing");
  EXPECT_CONFIG_ERROR(r, 5, "auth.tokens[2].token_file", "not both");
  EXPECT_CONFIG_ERROR(r, 6, "auth.tokens[3].name", "not a valid name");
}

TEST(ConfigErrorsTest, UnbalancedTemplates) {
  const auto r = load(R"(schemas:
  alarm.raised:
dedupe:
  - {name: d, types: [alarm.raised], key: "{{asset}/{{payload.code}}"}
  - {name: e, types: [alarm.raised], key: "{{asset"}
  - {name: f, types: [alarm.raised], key: "asset}}"}
  - {name: g, types: [alarm.raised], key: "{{ }}"}
routes:
  - name: r
    when: {type: alarm.raised}
    target: t
    ordering_key: "{{context.work_center"
    body: '{"a": {{payload.code}'
  - name: s
    when: {type: alarm.raised}
    target: t
    body: '{"a": {{payload.code}} '
targets:
  t: {kind: webhook, url: "http://h/x"}
)");
  EXPECT_CONFIG_ERROR(r, 4, "dedupe[0].key", "is not closed before the next '{{'");
  EXPECT_CONFIG_ERROR(r, 5, "dedupe[1].key", "is never closed with '}}'");
  EXPECT_CONFIG_ERROR(r, 6, "dedupe[2].key", "has no matching '{{'");
  EXPECT_CONFIG_ERROR(r, 7, "dedupe[3].key", "empty placeholder");
  EXPECT_CONFIG_ERROR(r, 12, "routes[0].ordering_key", "never closed");
  EXPECT_CONFIG_ERROR(r, 13, "routes[0].body", "never closed");
  EXPECT_CONFIG_ERROR(r, 17, "routes[1].body", "not valid JSON once its placeholders are filled");
}

TEST(ConfigErrorsTest, UnknownPlaceholdersAreNamed) {
  const auto r = load(R"(schemas:
  alarm.raised:
dedupe:
  - {name: d, types: [alarm.raised], key: "{{asset}}/{{payload.code}}/{{shfit}}"}
routes:
  - name: r
    when: {type: alarm.raised}
    target: t
    body: '{"wc": {{contxt.work_center}}, "note": "{{payload.note?}}", "e": {{event}}}'
targets:
  t: {kind: webhook, url: "http://h/x"}
)");
  EXPECT_CONFIG_ERROR(r, 4, "dedupe[0].key", "unknown placeholder '{{shfit}}'");
  EXPECT_CONFIG_ERROR(r, 9, "routes[0].body",
                      "unknown placeholder '{{contxt.work_center}}': unknown event field "
                      "'contxt.work_center' (did you mean 'context'?)");
  EXPECT_EQ(r.errors.size(), 2u) << testing_util::allErrors(r);
}

TEST(ConfigErrorsTest, JsonBodiesMayEndObjectsWithDoubleBraces) {
  const auto r = load(R"(schemas:
  alarm.raised:
routes:
  - name: r
    when: {type: alarm.raised}
    target: t
    body: '{"a": {"b": {{payload.code}}}, "c": "{{asset}}"}'
targets:
  t: {kind: webhook, url: "http://h/x"}
)");
  ASSERT_CONFIG_OK(r);
}

TEST(ConfigErrorsTest, BadRouteConditions) {
  const auto r = load(R"(schemas:
  a.b:
routes:
  - {name: r1, when: {type: a.b, types: [a.b]}, target: t}
  - {name: r2, when: {site: x}, target: t}
  - {name: r3, when: {type: a.b, contxt.work_center: "7", payload: x}, target: t}
  - {name: r4, when: [a.b], target: t, require: [payload..x, foo]}
targets:
  t: {kind: webhook, url: "http://h/x"}
)");
  EXPECT_CONFIG_ERROR(r, 4, "routes[0].when", "either type or types, not both");
  EXPECT_CONFIG_ERROR(r, 5, "routes[1].when", "missing: give the event type");
  EXPECT_CONFIG_ERROR(r, 6, "routes[2].when.contxt.work_center", "did you mean 'context'?");
  EXPECT_CONFIG_ERROR(r, 6, "routes[2].when.payload", "cannot match on the whole payload");
  EXPECT_CONFIG_ERROR(r, 7, "routes[3].when", "must be a mapping");
  EXPECT_CONFIG_ERROR(r, 7, "routes[3].require[0]", "has an empty path segment");
  EXPECT_CONFIG_ERROR(r, 7, "routes[3].require[1]", "unknown event field 'foo'");
}

TEST(ConfigErrorsTest, BadSchemaFields) {
  const auto r = load(R"(schemas:
  Production.Count:
  quality.result:
    payload:
      result: {type: strng}
      verdict: {type: string, min: 0, unit: mm}
      value: {type: number, min: 5, max: 1, enum: [a]}
      code: {type: string, enum: [x, x]}
      bad-name: {}
      level: {type: integer, enum: [1, 02, x]}
    required_context: [work_center, work_center]
    max_future_skew: soon
)");
  EXPECT_CONFIG_ERROR(r, 2, "schemas.Production.Count", "not a valid event type");
  EXPECT_CONFIG_ERROR(r, 5, "schemas.quality.result.payload.result.type",
                      "'strng' is not one of number, integer, string, boolean, object, array, any "
                      "(did you mean 'string'?)");
  EXPECT_CONFIG_ERROR(r, 6, "schemas.quality.result.payload.verdict.min",
                      "applies to number and integer fields");
  EXPECT_CONFIG_ERROR(r, 6, "schemas.quality.result.payload.verdict.unit",
                      "applies to number and integer fields");
  EXPECT_CONFIG_ERROR(r, 7, "schemas.quality.result.payload.value.max",
                      "must not be less than min");
  EXPECT_CONFIG_ERROR(r, 7, "schemas.quality.result.payload.value.enum",
                      "applies to string and integer fields");
  EXPECT_CONFIG_ERROR(r, 8, "schemas.quality.result.payload.code.enum[1]", "listed twice");
  EXPECT_CONFIG_ERROR(r, 9, "schemas.quality.result.payload.bad-name", "not a valid field name");
  EXPECT_CONFIG_ERROR(r, 10, "schemas.quality.result.payload.level.enum[1]",
                      "'02' is not an integer written plainly");
  EXPECT_CONFIG_ERROR(r, 10, "schemas.quality.result.payload.level.enum[2]",
                      "'x' is not an integer");
  EXPECT_CONFIG_ERROR(r, 11, "schemas.quality.result.required_context[1]", "listed twice");
  EXPECT_CONFIG_ERROR(r, 12, "schemas.quality.result.max_future_skew", "not a duration: 'soon'");
}

TEST(ConfigErrorsTest, BadEnumValues) {
  const auto r = load(R"(environment: prod
log: {level: verbose}
targets:
  t: {kind: qms, url: "http://h/x", method: post}
qualifiers:
  - {name: q, kind: edge_trigger, input_type: a.b}
schemas:
  a.b:
)");
  EXPECT_CONFIG_ERROR(r, 1, "environment",
                      "'prod' is not one of development, test, staging, production");
  EXPECT_CONFIG_ERROR(r, 2, "log.level", "'verbose' is not one of trace");
  EXPECT_CONFIG_ERROR(r, 4, "targets.t.kind", "'qms' is not one of webhook, odoo");
  EXPECT_CONFIG_ERROR(r, 4, "targets.t.method", "(did you mean 'POST'?)");
  EXPECT_CONFIG_ERROR(r, 6, "qualifiers[0].kind", "is not one of counter_delta");
}

TEST(ConfigErrorsTest, BadHeaders) {
  const auto r = load(R"(targets:
  t:
    kind: webhook
    url: http://h/x
    hmac_secret_env: PB_TEST_SECRET_FOR_HEADERS
    headers:
      X-Ok: fine
      x-ok: again
      Content-Length: "5"
      "Bad Header": x
      X-Plantbridge-Signature: forged
)");
  EXPECT_CONFIG_ERROR(r, 8, "targets.t.headers.x-ok", "set twice (first on line 7");
  EXPECT_CONFIG_ERROR(r, 9, "targets.t.headers.Content-Length", "set by the HTTP client");
  EXPECT_CONFIG_ERROR(r, 10, "targets.t.headers.Bad Header", "not a valid HTTP header name");
  EXPECT_CONFIG_ERROR(r, 11, "targets.t.headers.X-Plantbridge-Signature",
                      "conflicts with signature_header");
}

TEST(ConfigErrorsTest, CaFileOnlyForHttps) {
  ScratchDir dir;
  dir.write("ca.pem", "x");
  const auto r = loadConfig(dir.write("c.yaml",
                                      "targets:\n  t: {kind: webhook, url: \"http://h/x\", "
                                      "ca_file: ca.pem}\n"));
  EXPECT_CONFIG_ERROR(r, 2, "targets.t.ca_file", "applies only to https URLs");
}

TEST(ConfigErrorsTest, MissingSecretsNameTheirKey) {
  unsetenv("PB_TEST_UNSET_VARIABLE");
  setenv("PB_TEST_EMPTY_VARIABLE", "", 1);
  ScratchDir dir;
  dir.write("empty.key", "\n");
  const auto r = loadConfig(dir.write("plant.yaml", R"(targets:
  a: {kind: webhook, url: "http://h/x", hmac_secret_file: secrets/missing.key}
  b: {kind: webhook, url: "http://h/x", hmac_secret_env: PB_TEST_UNSET_VARIABLE}
  c: {kind: webhook, url: "http://h/x", hmac_secret_env: PB_TEST_EMPTY_VARIABLE}
  d: {kind: webhook, url: "http://h/x", hmac_secret_file: empty.key}
  e: {kind: webhook, url: "http://h/x", hmac_secret_file: empty.key, hmac_secret_env: X}
auth:
  tokens:
    - {name: t, token_file: nope.token, scopes: [read]}
server:
  tls: {cert: cert.pem}
)"));
  unsetenv("PB_TEST_EMPTY_VARIABLE");
  EXPECT_CONFIG_ERROR(r, 2, "targets.a.hmac_secret_file", "secrets/missing.key' does not exist");
  EXPECT_CONFIG_ERROR(r, 3, "targets.b.hmac_secret_env",
                      "environment variable PB_TEST_UNSET_VARIABLE is not set");
  EXPECT_CONFIG_ERROR(r, 4, "targets.c.hmac_secret_env", "is empty");
  EXPECT_CONFIG_ERROR(r, 5, "targets.d.hmac_secret_file", "is empty");
  EXPECT_CONFIG_ERROR(r, 6, "targets.e.hmac_secret_env", "not both");
  EXPECT_CONFIG_ERROR(r, 9, "auth.tokens[0].token_file", "nope.token' does not exist");
  EXPECT_CONFIG_ERROR(r, 11, "server.tls.cert", "cert.pem' does not exist");
  EXPECT_CONFIG_ERROR(r, 11, "server.tls.key", "missing required key");
}

TEST(ConfigErrorsTest, YamlSyntaxErrorIsOneErrorWithItsLine) {
  const auto r = load("site: a\nserver:\n  listen: [1, 2\nlog: {}\n");
  ASSERT_EQ(r.errors.size(), 1u) << testing_util::allErrors(r);
  EXPECT_EQ(r.errors[0].file, "plant.yaml");
  EXPECT_GT(r.errors[0].line, 0);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(ConfigErrorsTest, BadIndentationIsASyntaxError) {
  const auto r = load("site: a\n  server: x\n");
  ASSERT_EQ(r.errors.size(), 1u) << testing_util::allErrors(r);
  EXPECT_EQ(r.errors[0].line, 2);
}

TEST(ConfigErrorsTest, MissingFileIsOneClearError) {
  const auto r = loadConfig("/nonexistent/plant.yaml");
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].toString(),
            "/nonexistent/plant.yaml: cannot open: No such file or directory");
}

TEST(ConfigErrorsTest, EmptyOrNonMappingFile) {
  EXPECT_CONFIG_ERROR(load(""), 1, "", "the file is empty");
  EXPECT_CONFIG_ERROR(load("# only a comment\n"), 1, "", "the file is empty");
  EXPECT_CONFIG_ERROR(load("- a\n- b\n"), 1, "", "must be a mapping, not a list");
  EXPECT_CONFIG_ERROR(load("site: a\n---\nsite: b\n"), 2, "", "only one YAML document");
}

// yaml-cpp 0.7's LoadAll never returns on these (jbeder/yaml-cpp#1040); the loader must.
TEST(ConfigErrorsTest, StrayCommaIsASyntaxErrorNotAHang) {
  EXPECT_CONFIG_ERROR(load(","), 1, "", "YAML syntax error: unexpected ','");
  EXPECT_CONFIG_ERROR(load("# comment\n, the rest\n"), 2, "", "YAML syntax error: unexpected ','");
  EXPECT_CONFIG_ERROR(load("[a], b\n"), 1, "", "YAML syntax error");
}

TEST(ConfigErrorsTest, AllErrorsAreReportedAtOnceInLineOrder) {
  const auto r = load(R"(environment: prod
server:
  listen: localhost
  threads: -3
store:
  group_commit_window: soon
log:
  levl: debug
routes:
  - {name: r, when: {type: no.such}, target: nowhere}
targets:
  t: {kind: webhook, url: "gopher://h"}
)");
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.errors.size(), 8u) << testing_util::allErrors(r);
  const std::vector<int> lines = {1, 3, 4, 6, 8, 10, 10, 12};
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(r.errors[i].line, lines[i]) << i;
}

TEST(ConfigErrorsTest, BadAssetMappings) {
  const auto r = load(R"(mappings:
  assets:
    "CNC 07": {work_center: "7"}
    CNC-08: {}
    CNC-09: {work-center: "9", equipment: [1]}
  asset_csv: x.csv
)");
  EXPECT_CONFIG_ERROR(r, 3, "mappings.assets.CNC 07", "not a valid asset id");
  EXPECT_CONFIG_ERROR(r, 4, "mappings.assets.CNC-08", "maps no identifiers");
  EXPECT_CONFIG_ERROR(r, 5, "mappings.assets.CNC-09.work-center", "not a valid identifier name");
  EXPECT_CONFIG_ERROR(r, 5, "mappings.assets.CNC-09.equipment", "must be a string, not a list");
  EXPECT_CONFIG_ERROR(r, 6, "mappings.asset_csv", "did you mean 'assets_csv'?");
}

TEST(ConfigErrorsTest, AssetsCsvErrorsNameTheCsvFileAndLine) {
  ScratchDir dir;
  const std::string csv = dir.write("assets.csv",
                                    "asset,work_center\n"
                                    "CNC-07,7\n"
                                    "CNC-08,8,extra\n"
                                    "CNC-07,9\n"
                                    "CNC-10,\n"
                                    "\"CNC-11,11\n");
  const std::string config = dir.write("plant.yaml", R"(mappings:
  assets:
    CNC-07: {work_center: "7"}
  assets_csv: assets.csv
)");
  const auto r = loadConfig(config);
  std::string errors = testing_util::allErrors(r);
  ASSERT_EQ(r.errors.size(), 1u) << errors;
  // An unterminated quote makes the whole file unreadable: one error, no guessing.
  EXPECT_EQ(r.errors[0].file, csv);
  EXPECT_NE(r.errors[0].message.find("line 6: quote is never closed"), std::string::npos) << errors;

  dir.write("assets.csv",
            "asset,work_center\n"
            "CNC-07,7\n"
            "CNC-08,8,extra\n"
            "CNC-08,9\n"
            "CNC-10,\n");
  const auto r2 = loadConfig(config);
  errors = testing_util::allErrors(r2);
  ASSERT_EQ(r2.errors.size(), 3u) << errors;
  for (const ConfigError& e : r2.errors) {
    EXPECT_EQ(e.file, csv);
    EXPECT_EQ(e.key, "mappings.assets_csv");
  }
  EXPECT_EQ(r2.errors[0].line, 2);
  EXPECT_NE(r2.errors[0].message.find("'CNC-07' is already mapped at " + config + ":3"),
            std::string::npos)
      << errors;
  EXPECT_EQ(r2.errors[1].line, 3);
  EXPECT_NE(r2.errors[1].message.find("row has 3 cells, the header has 2"), std::string::npos);
  EXPECT_EQ(r2.errors[2].line, 5);
  EXPECT_NE(r2.errors[2].message.find("maps no identifiers"), std::string::npos);
}

TEST(ConfigErrorsTest, AssetsCsvNeedsAnAssetHeader) {
  ScratchDir dir;
  dir.write("a.csv", "machine,work_center\nM1,1\n");
  const auto r = loadConfig(dir.write("c.yaml", "mappings: {assets_csv: a.csv}\n"));
  ASSERT_EQ(r.errors.size(), 1u) << testing_util::allErrors(r);
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_NE(r.errors[0].message.find("first column must be 'asset'"), std::string::npos);
}

TEST(ConfigErrorsTest, BadCodeTables) {
  const auto r = load(R"(mappings:
  reason_codes:
    "JAM 1": "2"
    JAM: ""
    E-42: [2]
    SETUP: 3x
    NO-MAT: "0"
    JAM: "4"
  defect_codes:
    D1: surface
    D2: paint
    D3: "bad class"
  root_cause_classes: [surface, dimension, 1st, surface]
  reason_code_csv: r.csv
)");
  EXPECT_FALSE(r.config.has_value());
  EXPECT_CONFIG_ERROR(r, 3, "mappings.reason_codes.JAM 1", "not a valid reason code");
  EXPECT_CONFIG_ERROR(r, 4, "mappings.reason_codes.JAM", "must not be empty");
  EXPECT_CONFIG_ERROR(r, 5, "mappings.reason_codes.E-42", "must be a string, not a list");
  EXPECT_CONFIG_ERROR(r, 6, "mappings.reason_codes.SETUP",
                      "'3x' is not an Odoo loss reason id (a positive whole number)");
  EXPECT_CONFIG_ERROR(r, 7, "mappings.reason_codes.NO-MAT", "'0' is not an Odoo loss reason id");
  EXPECT_CONFIG_ERROR(r, 8, "mappings.reason_codes.JAM", "duplicate key (first defined on line 4)");
  EXPECT_CONFIG_ERROR(r, 11, "mappings.defect_codes.D2",
                      "root cause class 'paint' is not in mappings.root_cause_classes (surface, "
                      "dimension)");
  EXPECT_CONFIG_ERROR(r, 12, "mappings.defect_codes.D3",
                      "'bad class' is not a valid root cause class (letters, digits, '_')");
  EXPECT_CONFIG_ERROR(r, 13, "mappings.root_cause_classes[2]",
                      "'1st' is not a valid root cause class");
  EXPECT_CONFIG_ERROR(r, 13, "mappings.root_cause_classes[3]",
                      "'surface' is listed twice (first on line 13)");
  EXPECT_CONFIG_ERROR(r, 14, "mappings.reason_code_csv", "did you mean 'reason_codes_csv'?");
  EXPECT_EQ(r.errors.size(), 11u) << testing_util::allErrors(r);
}

TEST(ConfigErrorsTest, AnEmptyRootCauseClassListIsAnError) {
  const auto r = load("mappings:\n  root_cause_classes: []\n");
  EXPECT_CONFIG_ERROR(r, 2, "mappings.root_cause_classes", "lists no class");
}

TEST(ConfigErrorsTest, CodeCsvErrorsNameTheCsvFileAndLine) {
  ScratchDir dir;
  const std::string csv = dir.write("reasons.csv",
                                    "reason_code,loss\n"
                                    "JAM,7\n"
                                    "SETUP,3,extra\n"
                                    "NO-MAT,1\n"
                                    "NO-MAT,2\n"
                                    "E-STOP,\n"
                                    "BAD CODE,4\n"
                                    "SLOW,fast\n");
  const std::string defects = dir.write("defects.csv",
                                        "defect_code,root_cause\n"
                                        "D1,surface\n"
                                        "D2,paint\n");
  const std::string config = dir.write("plant.yaml", R"(mappings:
  reason_codes:
    JAM: "2"
  reason_codes_csv: reasons.csv
  defect_codes_csv: defects.csv
  root_cause_classes: [surface]
)");
  const auto r = loadConfig(config);
  const std::string errors = testing_util::allErrors(r);
  ASSERT_EQ(r.errors.size(), 7u) << errors;
  const auto expect = [&](size_t i, const std::string& file, const std::string& key, int line,
                          const std::string& text) {
    EXPECT_EQ(r.errors[i].file, file) << i;
    EXPECT_EQ(r.errors[i].key, key) << i;
    EXPECT_EQ(r.errors[i].line, line) << i;
    EXPECT_NE(r.errors[i].message.find(text), std::string::npos) << i << ": " << errors;
  };
  // Errors of other files than the config come by file name, then line.
  expect(0, defects, "mappings.defect_codes_csv", 3,
         "defect code 'D2': root cause class 'paint' is not in mappings.root_cause_classes");
  expect(1, csv, "mappings.reason_codes_csv", 2,
         "reason code 'JAM' is already mapped at " + config + ":3");
  expect(2, csv, "mappings.reason_codes_csv", 3, "row has 3 cells, the header has 2");
  expect(3, csv, "mappings.reason_codes_csv", 5,
         "reason code 'NO-MAT' is already mapped at " + csv + ":4");
  expect(4, csv, "mappings.reason_codes_csv", 6, "reason code 'E-STOP' maps to no loss");
  expect(5, csv, "mappings.reason_codes_csv", 7, "'BAD CODE' is not a valid reason code");
  expect(6, csv, "mappings.reason_codes_csv", 8,
         "reason code 'SLOW': 'fast' is not an Odoo loss reason id");
}

TEST(ConfigErrorsTest, CodeCsvNeedsItsHeader) {
  ScratchDir dir;
  dir.write("r.csv", "code,loss\nJAM,1\n");
  dir.write("d.csv", "");
  const auto r = loadConfig(
      dir.write("c.yaml", "mappings: {reason_codes_csv: r.csv, defect_codes_csv: d.csv}\n"));
  ASSERT_EQ(r.errors.size(), 2u) << testing_util::allErrors(r);
  EXPECT_TRUE(testing_util::hasError(r, 1, "mappings.reason_codes_csv",
                                     "the header must be 'reason_code,loss'"))
      << testing_util::allErrors(r);
  EXPECT_TRUE(testing_util::hasError(r, 1, "mappings.defect_codes_csv", "the file is empty"))
      << testing_util::allErrors(r);
}

TEST(ConfigErrorsTest, TokenFileErrorsNameTheTokenFile) {
  ScratchDir dir;
  const std::string tokens = dir.write("tokens.yaml", std::string(R"(- name: main
  sha256: )") + std::string(64, 'a') + R"(
  scopes: [read]
- name: other
  token: clear
  scopes: [read]
)");
  const auto r = loadConfig(dir.write("plant.yaml", std::string(R"(auth:
  token_file: tokens.yaml
  tokens:
    - {name: main, sha256: )") + kSha + R"(, scopes: [ingest]}
)"));
  EXPECT_FALSE(r.config.has_value());
  const std::string errors = testing_util::allErrors(r);
  // The refused clear-text token is reported once, without a follow-on "missing sha256".
  ASSERT_EQ(r.errors.size(), 2u) << errors;
  EXPECT_EQ(r.errors[0].file, tokens);
  EXPECT_EQ(r.errors[0].line, 1);
  EXPECT_NE(r.errors[0].message.find("token name 'main' is also used in"), std::string::npos);
  EXPECT_EQ(r.errors[1].key, "[1].token");
  EXPECT_EQ(r.errors[1].line, 5);

  const Result<std::vector<TokenConfig>> direct = loadTokenFile(tokens);
  ASSERT_FALSE(direct.isOk());
  EXPECT_EQ(direct.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(direct.status().message().find(tokens + ":5: [1].token: clear-text tokens"),
            std::string::npos)
      << direct.status().message();
}

TEST(ConfigErrorsTest, TokenFileMustBeAList) {
  ScratchDir dir;
  const Result<std::vector<TokenConfig>> r =
      loadTokenFile(dir.write("t.yaml", "tokens:\n  - {name: a}\n"));
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("a token file is a YAML list"), std::string::npos)
      << r.status().message();
  const Result<std::vector<TokenConfig>> missing = loadTokenFile(dir.path() / "nope.yaml");
  ASSERT_FALSE(missing.isOk());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST(ConfigErrorsTest, RateLimitBurstMustLetSomethingThrough) {
  const auto r = load(std::string(R"(auth:
  tokens:
    - name: a
      sha256: )") + kSha +
                      R"(
      scopes: [ingest]
      rate_limit: {per_second: 10, burst: 0.5}
)");
  EXPECT_CONFIG_ERROR(r, 6, "auth.tokens[0].rate_limit.burst", "must be at least 1");
}

}  // namespace
}  // namespace pb
