// A pipeline over the real embedded store, in a scratch directory: for runner and replay tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "pipeline_test_util.h"
#include "plantbridge/common/metrics.h"
#include "plantbridge/pipeline/pipeline.h"
#include "plantbridge/store/store.h"

namespace pb::test {

class SqlitePipelineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteStoreOptions options;
    options.path = dir_.file("plantbridge.db");
    options.durable = false;  // these tests are about the pipeline, not fsync
    auto store = openSqliteStore(options, clock_);
    ASSERT_TRUE(store.isOk()) << store.status().toString();
    store_ = std::move(*store);
    usePipeline(plantConfig());
  }
  void TearDown() override {
    if (store_) store_->close();
  }

  void usePipeline(const Config& config) {
    auto p = Pipeline::create(config, nullptr, clock_, metrics_);
    ASSERT_TRUE(p.isOk()) << p.status().toString();
    pipeline_ = std::move(*p);
  }

  void append(std::vector<Event> events) {
    auto r = store_->journal().append(std::move(events));
    ASSERT_TRUE(r.isOk()) << r.status().toString();
  }

  int64_t outboxSize(const std::string& event_id) {
    auto entries = store_->outbox().byEvent(event_id);
    EXPECT_TRUE(entries.isOk());
    return entries.isOk() ? static_cast<int64_t>(entries->size()) : -1;
  }

  ScratchDir dir_;
  ManualClock clock_{at("2026-11-22T12:00:00Z")};
  MetricsRegistry metrics_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Pipeline> pipeline_;
};

}  // namespace pb::test
