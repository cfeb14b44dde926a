#include "plantbridge/common/metrics.h"

#include <gtest/gtest.h>

namespace pb {
namespace {

TEST(MetricsRegistryTest, SameNameAndLabelsIsTheSameCounter) {
  MetricsRegistry r;
  r.counter("x_total", "x", {{"target", "a"}}).inc();
  r.counter("x_total", "x", {{"target", "a"}}).inc(2);
  EXPECT_EQ(r.counter("x_total", "x", {{"target", "a"}}).value(), 3u);
  EXPECT_EQ(r.counter("x_total", "x", {{"target", "b"}}).value(), 0u);
}

TEST(MetricsRegistryTest, RendersPrometheusTextWithCumulativeBuckets) {
  MetricsRegistry r;
  r.counter("pb_events_total", "Events.", {{"status", "accepted"}}).inc(5);
  r.gauge("pb_depth", "Depth.").set(7);
  auto& h = r.histogram("pb_latency_seconds", "Latency.", {}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE pb_events_total counter"), std::string::npos);
  EXPECT_NE(text.find("pb_events_total{status=\"accepted\"} 5"), std::string::npos);
  EXPECT_NE(text.find("pb_depth 7"), std::string::npos);
  EXPECT_NE(text.find("pb_latency_seconds_bucket{le=\"0.10000000000000001\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("pb_latency_seconds_bucket{le=\"1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("pb_latency_seconds_bucket{le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(text.find("pb_latency_seconds_count 3"), std::string::npos);
}

TEST(MetricsRegistryTest, CollectorsRunBeforeRender) {
  MetricsRegistry r;
  auto& g = r.gauge("pb_journal_records", "Records.");
  int calls = 0;
  r.addCollector([&] { g.set(++calls * 10); });
  EXPECT_NE(r.render().find("pb_journal_records 10"), std::string::npos);
  EXPECT_NE(r.render().find("pb_journal_records 20"), std::string::npos);
}

}  // namespace
}  // namespace pb
