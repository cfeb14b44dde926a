// The emit rules that make events of signal readings: change, rising, falling; bad quality;
// the first reading; stable ids for the same reading delivered twice.
#include "plantbridge/connectors/signal_events.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace pb {
namespace {

SignalEmitConfig emit(SignalEmitConfig::When when, std::string type, std::string value_field = "",
                      std::string payload = "{}") {
  return {when, std::move(type), std::move(value_field), std::move(payload)};
}

ConnectorConfig machine() {
  ConnectorConfig c;
  c.name = "cnc-07";
  c.kind = "opcua";
  c.asset = "CNC-07";
  SignalConfig counter;
  counter.name = "part_counter";
  counter.emit.push_back(
      emit(SignalEmitConfig::When::kChange, "machine.counter", "counter", R"({"tag":"good"})"));
  SignalConfig alarm;
  alarm.name = "alarm";
  alarm.asset = "CNC-07-SPINDLE";
  alarm.emit.push_back(emit(SignalEmitConfig::When::kRising, "alarm.raised", "active",
                            R"({"alarm_code":"A1","severity":"critical"})"));
  alarm.emit.push_back(emit(SignalEmitConfig::When::kRising, "downtime.started", "",
                            R"({"reason":"equipment_failure"})"));
  alarm.emit.push_back(emit(SignalEmitConfig::When::kFalling, "downtime.ended"));
  c.signals = {counter, alarm};
  return c;
}

SignalReading reading(size_t signal, boost::json::value value, int64_t at_us, bool good = true) {
  return {signal, std::move(value), fromUnixMicros(at_us), good};
}

std::vector<std::string> types(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(e.type);
  return out;
}

TEST(SignalEventsTest, ChangeCarriesTheValueAndTheConstantPayload) {
  SignalEvents rules(machine(), "plant-1");
  const auto events = rules.apply(reading(0, 41, 1'700'000'000'000'000));
  ASSERT_EQ(events.size(), 1u);
  const Event& e = events[0];
  EXPECT_EQ(e.type, "machine.counter");
  EXPECT_EQ(e.site, "plant-1");
  EXPECT_EQ(e.source, "opcua/cnc-07");
  EXPECT_EQ(e.asset, "CNC-07");
  EXPECT_EQ(toUnixMicros(e.occurred_at), 1'700'000'000'000'000);
  EXPECT_EQ(boost::json::serialize(e.payload), R"({"tag":"good","counter":41})");
  EXPECT_FALSE(e.id.empty());
  EXPECT_EQ(e.correlation_id, e.id);
  EXPECT_EQ(rules.apply(reading(0, 42, 1'700'000'000'100'000)).size(), 1u);
}

TEST(SignalEventsTest, EdgesFireOnTransitionsOnly) {
  SignalEvents rules(machine(), "plant-1");
  // Connecting to a machine that is fine: a baseline, no downtime.ended for a downtime that
  // never started.
  EXPECT_TRUE(rules.apply(reading(1, false, 1)).empty());
  EXPECT_TRUE(rules.apply(reading(1, false, 2)).empty());
  const auto raised = rules.apply(reading(1, true, 3));
  EXPECT_EQ(types(raised), (std::vector<std::string>{"alarm.raised", "downtime.started"}));
  EXPECT_EQ(raised[0].asset, "CNC-07-SPINDLE");
  EXPECT_EQ(boost::json::serialize(raised[0].payload),
            R"({"alarm_code":"A1","severity":"critical","active":true})");
  EXPECT_EQ(boost::json::serialize(raised[1].payload), R"({"reason":"equipment_failure"})");
  EXPECT_NE(raised[0].id, raised[1].id);
  EXPECT_TRUE(rules.apply(reading(1, true, 4)).empty());  // still on: no news
  EXPECT_EQ(types(rules.apply(reading(1, false, 5))), (std::vector<std::string>{"downtime.ended"}));
  // Numbers count as on when not 0.
  EXPECT_EQ(types(rules.apply(reading(1, 3, 6))),
            (std::vector<std::string>{"alarm.raised", "downtime.started"}));
  EXPECT_EQ(types(rules.apply(reading(1, 0.0, 7))), (std::vector<std::string>{"downtime.ended"}));
}

TEST(SignalEventsTest, AMachineAlreadyInAlarmWhenWeConnectIsNews) {
  SignalEvents rules(machine(), "plant-1");
  EXPECT_EQ(types(rules.apply(reading(1, true, 10))),
            (std::vector<std::string>{"alarm.raised", "downtime.started"}));
}

TEST(SignalEventsTest, BadQualityEmitsNothingAndKeepsTheEdgeState) {
  SignalEvents rules(machine(), "plant-1");
  EXPECT_TRUE(rules.apply(reading(0, nullptr, 1, /*good=*/false)).empty());
  EXPECT_EQ(rules.apply(reading(1, true, 2)).size(), 2u);
  // The server loses the value for a while: that gap is not a falling edge...
  EXPECT_TRUE(rules.apply(reading(1, nullptr, 3, false)).empty());
  // ...and the alarm still being on afterwards is not a new one.
  EXPECT_TRUE(rules.apply(reading(1, true, 4)).empty());
}

TEST(SignalEventsTest, TheSameReadingTwiceIsTheSameEvent) {
  // Two instances: a restart of plantbridge, the subscription's initial value sent again.
  SignalEvents first(machine(), "plant-1");
  SignalEvents second(machine(), "plant-1");
  const auto a = first.apply(reading(1, true, 1'000));
  const auto b = second.apply(reading(1, true, 1'000));
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(a[0].id, b[0].id);
  EXPECT_EQ(a[1].id, b[1].id);
  // Another time or another value is another event.
  EXPECT_NE(first.apply(reading(0, 5, 1'000))[0].id, second.apply(reading(0, 5, 1'001))[0].id);
  EXPECT_NE(first.apply(reading(0, 5, 2'000))[0].id, second.apply(reading(0, 6, 2'000))[0].id);
}

TEST(SignalEventsTest, Truthiness) {
  EXPECT_TRUE(isTruthy(true));
  EXPECT_FALSE(isTruthy(false));
  EXPECT_TRUE(isTruthy(-1));
  EXPECT_FALSE(isTruthy(0));
  EXPECT_TRUE(isTruthy(0.5));
  EXPECT_TRUE(isTruthy(boost::json::value(uint64_t{7})));
  EXPECT_TRUE(isTruthy("RUNNING"));
  EXPECT_FALSE(isTruthy(""));
  EXPECT_FALSE(isTruthy("0"));
  EXPECT_FALSE(isTruthy("false"));
  EXPECT_FALSE(isTruthy(nullptr));
  EXPECT_FALSE(isTruthy(boost::json::parse("[1]")));
}

}  // namespace
}  // namespace pb
