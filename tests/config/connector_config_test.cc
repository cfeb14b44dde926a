// The connectors section: a complete OPC UA connector read into its typed config, and each
// kind of mistake reported with its line and key, all at once.
#include <gtest/gtest.h>

#include <cstdlib>

#include "config_test_util.h"
#include "plantbridge/config/config.h"

namespace pb {
namespace {

using testing_util::ScratchDir;

ConfigLoadResult load(const std::string& yaml) { return loadConfigFromString(yaml, "plant.yaml"); }

constexpr const char* kSchemas = R"(site: plant-1
schemas:
  machine.counter:
    payload:
      counter: {type: integer, required: true}
  alarm.raised:
    payload:
      alarm_code: {type: string, required: true}
  downtime.started: {}
  downtime.ended: {}
)";

TEST(ConnectorConfigTest, ReadsACompleteOpcUaConnector) {
  ScratchDir dir;
  dir.write("cnc.pw", "cnc-07-secret\n");
  const std::string path = dir.write("plant.yaml", std::string(kSchemas) + R"(connectors:
  cnc-07:
    kind: opcua
    endpoint: opc.tcp://127.0.0.1:4840/UA/CNC
    asset: CNC-07
    user: operator
    password_file: cnc.pw
    publishing_interval: 250ms
    request_timeout: 3s
    reconnect: {initial_backoff: 200ms, max_backoff: 10s}
    signals:
      - name: part_counter
        path: "/2:CNC07/2:PartCounter"
        sampling_interval: 100ms
        emit:
          - {type: machine.counter, value_field: counter, payload: {tag: good, line: 3, quoted: "7"}}
      - name: alarm
        node: "ns=2;s=CNC07.AlarmActive"
        asset: CNC-07-B
        queue_size: 5
        deadband: {absolute: 0.5}
        emit:
          - {when: rising, type: alarm.raised, payload: {alarm_code: A1}}
          - {when: rising, type: downtime.started}
          - {when: falling, type: downtime.ended}
)");
  const auto r = loadConfig(path);
  ASSERT_TRUE(r.config) << testing_util::allErrors(r);
  ASSERT_EQ(r.config->connectors.size(), 1u);
  const ConnectorConfig& c = r.config->connectors[0];
  EXPECT_EQ(c.name, "cnc-07");
  EXPECT_EQ(c.kind, "opcua");
  EXPECT_EQ(c.asset, "CNC-07");
  EXPECT_EQ(c.opcua.endpoint, "opc.tcp://127.0.0.1:4840/UA/CNC");
  EXPECT_EQ(c.opcua.user, "operator");
  EXPECT_EQ(c.opcua.password, "cnc-07-secret");
  EXPECT_EQ(c.opcua.password_file, (dir.path() / "cnc.pw").string());
  EXPECT_EQ(c.opcua.publishing_interval, Millis(250));
  EXPECT_EQ(c.opcua.request_timeout, Millis(3000));
  EXPECT_EQ(c.opcua.reconnect_initial_backoff, Millis(200));
  EXPECT_EQ(c.opcua.reconnect_max_backoff, Millis(10000));
  EXPECT_EQ(c.opcua.security_policy, "None");
  ASSERT_EQ(c.signals.size(), 2u);
  EXPECT_EQ(c.signals[0].path, "/2:CNC07/2:PartCounter");
  EXPECT_EQ(c.signals[0].sampling_interval, Millis(100));
  ASSERT_EQ(c.signals[0].emit.size(), 1u);
  EXPECT_EQ(c.signals[0].emit[0].when, SignalEmitConfig::When::kChange);
  EXPECT_EQ(c.signals[0].emit[0].value_field, "counter");
  // Plain scalars keep their YAML type; a quoted one stays a string.
  EXPECT_EQ(c.signals[0].emit[0].payload_json, R"({"tag":"good","line":3,"quoted":"7"})");
  EXPECT_EQ(c.signals[1].node_id, "ns=2;s=CNC07.AlarmActive");
  EXPECT_EQ(c.signals[1].asset, "CNC-07-B");
  EXPECT_EQ(c.signals[1].queue_size, 5u);
  EXPECT_EQ(c.signals[1].deadband, SignalConfig::Deadband::kAbsolute);
  EXPECT_DOUBLE_EQ(c.signals[1].deadband_value, 0.5);
  ASSERT_EQ(c.signals[1].emit.size(), 3u);
  EXPECT_EQ(c.signals[1].emit[0].when, SignalEmitConfig::When::kRising);
  EXPECT_EQ(c.signals[1].emit[2].when, SignalEmitConfig::When::kFalling);
  EXPECT_EQ(c.signals[1].emit[2].payload_json, "{}");
}

TEST(ConnectorConfigTest, EveryMistakeIsNamedAtOnce) {
  const auto r = load(std::string(kSchemas) + R"(connectors:
  cnc-07:
    kind: opcua
    endpoint: http://127.0.0.1:4840
    user: operator
    security_policy: Basic256Sha256
    reconnect: {initial_backoff: 5s, max_backoff: 1s}
    signals:
      - name: counter
        node: "ns=2;s=X"
        path: "/2:X"
        emit:
          - {type: machine.counter}
      - name: counter
        emit:
          - {when: sometimes, type: machine.count, value_field: counter}
      - name: alarm
        path: "/2:Alarm"
        deadband: {absolute: 1, percent: 5}
        emit:
          - {when: rising, type: alarm.raised, payload: {nested: {a: 1}}}
  press:
    kind: modbus
    endpoint: opc.tcp://h
    asset: P-1
    signals: []
)");
  EXPECT_FALSE(r.config);
  const std::string c = "connectors.cnc-07";
  EXPECT_CONFIG_ERROR(r, 14, c + ".endpoint", "is not an OPC UA endpoint (opc.tcp://");
  EXPECT_CONFIG_ERROR(r, 15, c + ".user", "user 'operator' needs a password");
  EXPECT_CONFIG_ERROR(r, 16, c + ".security_policy", "Basic256Sha256 with Sign or SignAndEncrypt");
  EXPECT_CONFIG_ERROR(r, 17, c + ".reconnect.max_backoff", "must not be less than initial_backoff");
  EXPECT_CONFIG_ERROR(r, 19, c + ".signals[0]", "no asset");
  EXPECT_CONFIG_ERROR(r, 21, c + ".signals[0].path", "either node (a NodeId) or path");
  EXPECT_CONFIG_ERROR(r, 23, c + ".signals[0].emit[0]", "missing: value_field");
  EXPECT_CONFIG_ERROR(r, 24, c + ".signals[1].name",
                      "duplicate signal name 'counter' (first on line 19)");
  EXPECT_CONFIG_ERROR(r, 24, c + ".signals[1]", "missing: which node to watch");
  EXPECT_CONFIG_ERROR(r, 26, c + ".signals[1].emit[0].when", "not one of change, rising, falling");
  EXPECT_CONFIG_ERROR(r, 26, c + ".signals[1].emit[0].type",
                      "unknown event type 'machine.count': no schema defines it (did you mean "
                      "'machine.counter'?)");
  EXPECT_CONFIG_ERROR(r, 29, c + ".signals[2].deadband.percent", "either absolute or percent");
  EXPECT_CONFIG_ERROR(r, 31, c + ".signals[2].emit[0].payload.nested", "scalars, not a mapping");
  EXPECT_CONFIG_ERROR(r, 33, "connectors.press.kind", "'modbus' is not one of opcua");
  EXPECT_CONFIG_ERROR(r, 36, "connectors.press.signals", "must list at least one signal");
  EXPECT_EQ(r.errors.size(), 17u) << testing_util::allErrors(r);
}

TEST(ConnectorConfigTest, PasswordNeedsAUserAndItsVariable) {
  setenv("PB_TEST_EMPTY_PASSWORD", "", 1);
  const auto r = load(std::string(kSchemas) + R"(connectors:
  a:
    kind: opcua
    endpoint: opc.tcp://h:4840
    asset: M-1
    password_env: PB_TEST_NO_SUCH_VARIABLE
    signals: [{name: s, node: "i=2258", emit: [{type: downtime.started, when: rising}]}]
  b:
    kind: opcua
    endpoint: opc.tcp://h:4840
    asset: M-1
    user: operator
    password_env: PB_TEST_EMPTY_PASSWORD
    security_policy: Basic256Sha256
    security_mode: SignAndEncrypt
    signals: [{name: s, node: "i=2258", emit: [{type: downtime.started, when: rising}]}]
)");
  EXPECT_CONFIG_ERROR(r, 16, "connectors.a.password_env",
                      "environment variable PB_TEST_NO_SUCH_VARIABLE is not set");
  EXPECT_CONFIG_ERROR(r, 23, "connectors.b.password_env",
                      "environment variable PB_TEST_EMPTY_PASSWORD is empty");
  EXPECT_EQ(r.errors.size(), 2u) << testing_util::allErrors(r);
}

}  // namespace
}  // namespace pb
