#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "plantbridge/model/event_codec.h"
#include "store_test_util.h"

namespace pb {
namespace {

using testing::at;
using testing::makeEvent;
using testing::StoreFixture;

std::vector<Event> events(const std::string& prefix, int n, int first = 0) {
  std::vector<Event> out;
  for (int i = first; i < first + n; ++i) out.push_back(makeEvent(prefix + std::to_string(i)));
  return out;
}

// Waits for every appendAsync callback of a test and keeps what they said.
class Completions {
 public:
  AppendCallback callback() {
    {
      std::lock_guard lock(mu_);
      ++expected_;
    }
    return [this](Status status, std::vector<AppendResult> results) {
      std::lock_guard lock(mu_);
      statuses_.push_back(std::move(status));
      results_.push_back(std::move(results));
      threads_.push_back(std::this_thread::get_id());
      cv_.notify_all();
    };
  }
  void waitAll() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return statuses_.size() == expected_; });
  }
  const std::vector<Status>& statuses() const { return statuses_; }
  const std::vector<std::vector<AppendResult>>& results() const { return results_; }
  const std::vector<std::thread::id>& threads() const { return threads_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t expected_ = 0;
  std::vector<Status> statuses_;
  std::vector<std::vector<AppendResult>> results_;
  std::vector<std::thread::id> threads_;
};

TEST(SqliteJournalTest, AppendAssignsConsecutiveSeqsFromOne) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  EXPECT_EQ(journal.headSeq(), 0);

  auto results = journal.append(events("e", 3));
  ASSERT_TRUE(results.isOk()) << results.status().toString();
  ASSERT_EQ(results->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*results)[i].outcome, AppendOutcome::kAccepted);
    EXPECT_EQ((*results)[i].seq, i + 1);
  }
  EXPECT_EQ(journal.headSeq(), 3);
}

TEST(SqliteJournalTest, DuplicateIdIsNotWrittenTwice) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  ASSERT_TRUE(journal.append(events("e", 3)).isOk());

  auto again = journal.append({makeEvent("e1"), makeEvent("new")});
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ((*again)[0].outcome, AppendOutcome::kDuplicate);
  EXPECT_EQ((*again)[0].seq, 2);  // the earlier record
  EXPECT_EQ((*again)[1].outcome, AppendOutcome::kAccepted);
  EXPECT_EQ((*again)[1].seq, 4);  // the duplicate did not take a seq
  EXPECT_EQ(journal.headSeq(), 4);

  auto all = journal.readAfter(0, 100);
  ASSERT_TRUE(all.isOk());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[3].event.id, "new");
  // The chain was not advanced by the duplicate: record 4 follows record 3.
  EXPECT_EQ((*all)[3].prev_hash, (*all)[2].hash);
}

TEST(SqliteJournalTest, DuplicateWithinOneBatchGetsTheEarlierSeq) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  auto results = journal.append({makeEvent("a"), makeEvent("b"), makeEvent("a")});
  ASSERT_TRUE(results.isOk());
  EXPECT_EQ((*results)[2].outcome, AppendOutcome::kDuplicate);
  EXPECT_EQ((*results)[2].seq, 1);
  EXPECT_EQ(journal.headSeq(), 2);
}

TEST(SqliteJournalTest, ReceivedAtComesFromTheStoreClockWhenUnset) {
  ManualClock clock(at(1'800'000'123));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  Event preset = makeEvent("preset");
  preset.received_at = at(1'700'000'000);
  ASSERT_TRUE(journal.append({makeEvent("unset"), preset}).isOk());

  auto unset = journal.findById("unset");
  ASSERT_TRUE(unset.isOk() && unset->has_value());
  EXPECT_EQ((*unset)->event.received_at, at(1'800'000'123));
  auto kept = journal.findById("preset");
  ASSERT_TRUE(kept.isOk() && kept->has_value());
  EXPECT_EQ((*kept)->event.received_at, at(1'700'000'000));
}

TEST(SqliteJournalTest, RecordBodyIsTheCanonicalSerializationOfTheEvent) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  Event e = makeEvent("e1");
  ASSERT_TRUE(journal.append({e}).isOk());

  auto record = journal.findById("e1");
  ASSERT_TRUE(record.isOk() && record->has_value());
  e.received_at = clock.now();
  EXPECT_EQ((*record)->body, serializeEvent(e));
  EXPECT_EQ((*record)->event.id, "e1");
  EXPECT_EQ((*record)->event.asset, "CNC-07");
  EXPECT_EQ((*record)->event.context.at("work_center"), "WC-7");
  EXPECT_EQ((*record)->event.occurred_at, e.occurred_at);
}

TEST(SqliteJournalTest, FindByIdOfAnUnknownIdFindsNothing) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  auto record = f.open().journal().findById("nope");
  ASSERT_TRUE(record.isOk());
  EXPECT_FALSE(record->has_value());
}

TEST(SqliteJournalTest, ReadAfterReturnsRecordsInSeqOrderUpToTheLimit) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  ASSERT_TRUE(journal.append(events("e", 10)).isOk());
  auto page = journal.readAfter(4, 3);
  ASSERT_TRUE(page.isOk());
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ((*page)[0].seq, 5);
  EXPECT_EQ((*page)[0].event.id, "e4");
  EXPECT_EQ((*page)[2].seq, 7);
  auto end = journal.readAfter(10, 3);
  ASSERT_TRUE(end.isOk());
  EXPECT_TRUE(end->empty());
}

TEST(SqliteJournalTest, EventWithoutIdFailsItsWholeBatchAndWritesNothing) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  std::vector<Event> batch = {makeEvent("good"), makeEvent("")};
  auto results = journal.append(batch);
  ASSERT_FALSE(results.isOk());
  EXPECT_EQ(results.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(results.status().message().find("events[1].id"), std::string::npos)
      << results.status().message();
  EXPECT_EQ(journal.headSeq(), 0);
  auto good = journal.findById("good");
  ASSERT_TRUE(good.isOk());
  EXPECT_FALSE(good->has_value());
}

TEST(SqliteJournalTest, AppendAsyncDoesNotWaitForTheWriterAndCallsBackFromIt) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  SqliteStore& store = f.open();
  Completions done;
  // With the writer held, a blocking appendAsync would never return.
  store.pauseWriter();
  store.journal().appendAsync(events("e", 5), done.callback());
  EXPECT_EQ(store.journal().headSeq(), 0);
  store.resumeWriter();
  done.waitAll();
  ASSERT_TRUE(done.statuses()[0].isOk());
  EXPECT_EQ(done.results()[0].size(), 5u);
  EXPECT_NE(done.threads()[0], std::this_thread::get_id());
  EXPECT_EQ(store.journal().headSeq(), 5);
}

TEST(SqliteJournalTest, QueuedAppendsShareOneCommit) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  SqliteStore& store = f.open();
  const int64_t commits_before = store.writerStats().commits;

  Completions done;
  store.pauseWriter();
  std::vector<std::thread> threads;
  threads.reserve(5);
  for (int t = 0; t < 5; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        store.journal().appendAsync(
            events("t" + std::to_string(t) + "-" + std::to_string(i) + "-", 10), done.callback());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(store.writerStats().queued_jobs, 50);
  store.resumeWriter();
  done.waitAll();

  for (const Status& s : done.statuses()) EXPECT_TRUE(s.isOk()) << s.toString();
  WriterStats stats = store.writerStats();
  EXPECT_EQ(stats.commits - commits_before, 1);
  EXPECT_EQ(stats.largest_batch_jobs, 50);
  EXPECT_EQ(store.journal().headSeq(), 500);
}

TEST(SqliteJournalTest, ABatchHoldsAtMostMaxBatchRecords) {
  ManualClock clock(at(1'800'000'000));
  SqliteStoreOptions options;
  options.max_batch_records = 250;
  StoreFixture f(clock, options);
  SqliteStore& store = f.open();
  const int64_t commits_before = store.writerStats().commits;

  Completions done;
  store.pauseWriter();
  for (int i = 0; i < 10; ++i) {
    store.journal().appendAsync(events("b" + std::to_string(i) + "-", 100), done.callback());
  }
  store.resumeWriter();
  done.waitAll();
  // 100 + 100 fit under 250, a third would not: five commits of two jobs each.
  EXPECT_EQ(store.writerStats().commits - commits_before, 5);
  EXPECT_EQ(store.writerStats().largest_batch_jobs, 2);
  EXPECT_EQ(store.journal().headSeq(), 1000);
}

TEST(SqliteJournalTest, FailedJobInABatchIsRolledBackAloneAndTheOthersCommit) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  SqliteStore& store = f.open();
  const int64_t commits_before = store.writerStats().commits;

  // The middle job appends a derived event and then fails on a transaction without a target:
  // its savepoint must take the derived event (and its chain step) back.
  StepResult bad;
  bad.journal_seq = 1;
  bad.event_id = "x";
  bad.derived_events.push_back(makeEvent("derived-by-bad-job"));
  Transaction no_target = testing::makeTransaction("x/route");
  no_target.target.clear();
  bad.transactions.push_back(no_target);

  Completions done;
  store.pauseWriter();
  store.journal().appendAsync({makeEvent("before")}, done.callback());
  auto failing = std::async(std::launch::async,
                            [&] { return store.pipeline().commitSteps({bad}, std::nullopt); });
  while (store.writerStats().queued_jobs < 2) std::this_thread::yield();
  store.journal().appendAsync({makeEvent("after")}, done.callback());
  store.resumeWriter();
  done.waitAll();
  auto failed = failing.get();

  EXPECT_FALSE(failed.isOk());
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument) << failed.status().toString();
  ASSERT_TRUE(done.statuses()[0].isOk());
  ASSERT_TRUE(done.statuses()[1].isOk());
  EXPECT_EQ(done.results()[0][0].seq, 1);
  EXPECT_EQ(done.results()[1][0].seq, 2);  // seq 2 was not burnt by the rolled-back job
  EXPECT_EQ(store.writerStats().commits - commits_before, 1);
  auto derived = store.journal().findById("derived-by-bad-job");
  ASSERT_TRUE(derived.isOk());
  EXPECT_FALSE(derived->has_value());
  auto report = store.journal().verifyChain();
  ASSERT_TRUE(report.isOk());
  EXPECT_TRUE(report->intact) << report->problem;
}

// Runs with and without durability: durable stores complete appends from the syncer thread.
class ConcurrentAppendTest : public ::testing::TestWithParam<bool> {};

TEST_P(ConcurrentAppendTest, EachIdIsJournaledExactlyOnce) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock, {}, /*durable=*/GetParam());
  SqliteStore& store = f.open();
  constexpr int kIds = 2000;
  constexpr int kThreads = 4;
  constexpr size_t kBatch = 25;

  // Every thread appends every id, in its own order: each id races against itself.
  Completions done;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<int> order(kIds);
      for (int i = 0; i < kIds; ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(t));
      std::vector<Event> batch;
      for (int i : order) {
        batch.push_back(makeEvent("id-" + std::to_string(i)));
        if (batch.size() == kBatch) {
          store.journal().appendAsync(std::move(batch), done.callback());
          batch.clear();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  done.waitAll();

  std::map<int64_t, int> accepted_seqs;
  int accepted = 0;
  for (size_t i = 0; i < done.statuses().size(); ++i) {
    ASSERT_TRUE(done.statuses()[i].isOk()) << done.statuses()[i].toString();
    for (const AppendResult& r : done.results()[i]) {
      if (r.outcome == AppendOutcome::kAccepted) {
        ++accepted;
        ++accepted_seqs[r.seq];
      }
    }
  }
  EXPECT_EQ(accepted, kIds);
  EXPECT_EQ(static_cast<int>(accepted_seqs.size()), kIds);
  EXPECT_EQ(accepted_seqs.begin()->first, 1);
  EXPECT_EQ(accepted_seqs.rbegin()->first, kIds);
  EXPECT_EQ(store.journal().headSeq(), kIds);

  auto records = store.journal().readAfter(0, kIds + 10);
  ASSERT_TRUE(records.isOk());
  std::set<std::string> ids;
  for (const auto& r : *records) ids.insert(r.event.id);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kIds));
  auto report = store.journal().verifyChain();
  ASSERT_TRUE(report.isOk());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->records_checked, kIds);
  if (GetParam()) {
    // Group commit all the way down: fewer fsyncs than commits, fewer commits than appends.
    WriterStats stats = store.writerStats();
    EXPECT_GE(stats.syncs, 1);
    EXPECT_LE(stats.syncs, stats.commits);
    EXPECT_LT(stats.commits, static_cast<int64_t>(done.statuses().size()));
  }
}

INSTANTIATE_TEST_SUITE_P(SqliteJournalTest, ConcurrentAppendTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Durable" : "NotDurable";
                         });

TEST(SqliteJournalTest, DurableAppendIsSyncedAndVisibleInHeadSeqWhenAcknowledged) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock, {}, /*durable=*/true);
  SqliteStore& store = f.open();
  std::promise<std::pair<int64_t, int64_t>> seen;  // (syncs, headSeq) inside the callback
  store.journal().appendAsync(
      events("d", 3), [&](const Status& status, const std::vector<AppendResult>&) {
        EXPECT_TRUE(status.isOk());
        seen.set_value({store.writerStats().syncs, store.journal().headSeq()});
      });
  auto [syncs, head] = seen.get_future().get();
  EXPECT_GE(syncs, 1);
  EXPECT_EQ(head, 3);
}

TEST(SqliteJournalTest, ReopenedJournalContinuesTheChain) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock, {}, /*durable=*/true);
  ASSERT_TRUE(f.open().journal().append(events("e", 10)).isOk());
  f.closeAndRelease();

  Journal& journal = f.open().journal();
  EXPECT_EQ(journal.headSeq(), 10);
  auto dup = journal.append({makeEvent("e3")});
  ASSERT_TRUE(dup.isOk());
  EXPECT_EQ((*dup)[0].outcome, AppendOutcome::kDuplicate);
  EXPECT_EQ((*dup)[0].seq, 4);
  auto more = journal.append(events("e", 5, 10));
  ASSERT_TRUE(more.isOk());
  EXPECT_EQ(more->front().seq, 11);

  auto records = journal.readAfter(9, 2);
  ASSERT_TRUE(records.isOk());
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[1].prev_hash, (*records)[0].hash);
  auto report = journal.verifyChain();
  ASSERT_TRUE(report.isOk());
  EXPECT_TRUE(report->intact) << report->problem;
  EXPECT_EQ(report->records_checked, 15);
}

// Events of two types, one per minute from t0; every third one is a downtime.
std::vector<Event> timeline(int n, TimePoint t0) {
  std::vector<Event> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    out.push_back(makeEvent("t" + std::to_string(i),
                            i % 3 == 0 ? "downtime.started" : "production.count",
                            t0 + std::chrono::minutes(i)));
  }
  return out;
}

TEST(SqliteJournalTest, ScanFiltersByOccurredAtRangeAndTypeInSeqOrder) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  const TimePoint t0 = at(1'790'000'000);
  // Out of time order in the journal, like events replayed after an outage.
  std::vector<Event> batch = timeline(30, t0);
  std::reverse(batch.begin(), batch.begin() + 10);
  ASSERT_TRUE(journal.append(batch).isOk());

  ReplayFilter filter;
  filter.since = t0 + std::chrono::minutes(5);
  filter.until = t0 + std::chrono::minutes(20);  // exclusive
  auto page = journal.scan(filter, 0, 100);
  ASSERT_TRUE(page.isOk()) << page.status().toString();
  ASSERT_EQ(page->size(), 15u);
  for (size_t i = 1; i < page->size(); ++i) EXPECT_LT((*page)[i - 1].seq, (*page)[i].seq);
  for (const auto& r : *page) {
    EXPECT_GE(r.event.occurred_at, *filter.since);
    EXPECT_LT(r.event.occurred_at, *filter.until);
  }

  filter.types = {"downtime.started"};
  auto downtimes = journal.scan(filter, 0, 100);
  ASSERT_TRUE(downtimes.isOk());
  EXPECT_EQ(downtimes->size(), 5u);  // minutes 6, 9, 12, 15, 18
  for (const auto& r : *downtimes) EXPECT_EQ(r.event.type, "downtime.started");

  // Paging: after_seq is the last seq of the previous page.
  std::vector<int64_t> paged;
  int64_t after = 0;
  for (;;) {
    auto p = journal.scan(ReplayFilter{filter.since, filter.until, {}}, after, 4);
    ASSERT_TRUE(p.isOk());
    if (p->empty()) break;
    for (const auto& r : *p) paged.push_back(r.seq);
    after = p->back().seq;
  }
  ASSERT_EQ(paged.size(), 15u);
  for (size_t i = 0; i < paged.size(); ++i) EXPECT_EQ(paged[i], (*page)[i].seq);
}

TEST(SqliteJournalTest, ScanOfALargeRangeWalksInSeqOrder) {
  // More matches than the index plan takes: the scan walks the journal instead, same answer.
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  const TimePoint t0 = at(1'790'000'000);
  ASSERT_TRUE(journal.append(timeline(5000, t0)).isOk());

  ReplayFilter filter;
  filter.since = t0 + std::chrono::minutes(100);
  filter.types = {"production.count"};
  int64_t after = 0, count = 0, last_seq = 0;
  for (;;) {
    auto p = journal.scan(filter, after, 1000);
    ASSERT_TRUE(p.isOk()) << p.status().toString();
    if (p->empty()) break;
    for (const auto& r : *p) {
      EXPECT_GT(r.seq, last_seq);
      last_seq = r.seq;
      EXPECT_EQ(r.event.type, "production.count");
      EXPECT_GE(r.event.occurred_at, *filter.since);
      ++count;
    }
    after = p->back().seq;
  }
  auto expected = journal.countMatching(filter);
  ASSERT_TRUE(expected.isOk());
  EXPECT_EQ(count, *expected);
  EXPECT_EQ(count, 3267);  // minutes 100..4999 that are not multiples of 3
}

TEST(SqliteJournalTest, CountMatchingCountsByRangeAndTypes) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  Journal& journal = f.open().journal();
  const TimePoint t0 = at(1'790'000'000);
  ASSERT_TRUE(journal.append(timeline(30, t0)).isOk());

  auto all = journal.countMatching({});
  ASSERT_TRUE(all.isOk());
  EXPECT_EQ(*all, 30);
  auto until = journal.countMatching({std::nullopt, t0 + std::chrono::minutes(10), {}});
  ASSERT_TRUE(until.isOk());
  EXPECT_EQ(*until, 10);
  auto typed = journal.countMatching(
      {t0 + std::chrono::minutes(3), std::nullopt, {"downtime.started", "scrap.reported"}});
  ASSERT_TRUE(typed.isOk());
  EXPECT_EQ(*typed, 9);  // minutes 3, 6, ..., 27
}

TEST(SqliteJournalTest, AppendsAfterCloseFailWithUnavailable) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  SqliteStore& store = f.open();
  store.close();
  auto sync = store.journal().append({makeEvent("late")});
  ASSERT_FALSE(sync.isOk());
  EXPECT_EQ(sync.status().code(), StatusCode::kUnavailable);

  Completions done;
  store.journal().appendAsync({makeEvent("late-async")}, done.callback());
  done.waitAll();
  EXPECT_EQ(done.statuses()[0].code(), StatusCode::kUnavailable);
}

TEST(SqliteJournalTest, CloseWritesWhatIsQueuedFirst) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  SqliteStore& store = f.open();
  Completions done;
  store.pauseWriter();
  for (int i = 0; i < 10; ++i) {
    store.journal().appendAsync(events("q" + std::to_string(i) + "-", 3), done.callback());
  }
  store.close();  // overrides the pause, drains the queue, stops
  done.waitAll();
  for (const Status& s : done.statuses()) EXPECT_TRUE(s.isOk()) << s.toString();
  f.closeAndRelease();
  EXPECT_EQ(f.open().journal().headSeq(), 30);
}

TEST(SqliteJournalTest, SynchronousCallFromAnAppendCallbackFailsInsteadOfDeadlocking) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock);
  SqliteStore& store = f.open();
  std::promise<Status> inner;
  store.journal().appendAsync({makeEvent("outer")},
                              [&](const Status&, const std::vector<AppendResult>&) {
                                auto r = store.journal().append({makeEvent("inner")});
                                inner.set_value(r.isOk() ? Status::ok() : r.status());
                              });
  Status status = inner.get_future().get();
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_NE(status.message().find("deadlock"), std::string::npos);
}

TEST(SqliteJournalTest, DurableStoreKeepsAcknowledgedRecordsAcrossReopen) {
  ManualClock clock(at(1'800'000'000));
  StoreFixture f(clock, {}, /*durable=*/true);
  SqliteStore& store = f.open();
  Completions done;
  for (int i = 0; i < 20; ++i) {
    store.journal().appendAsync(events("d" + std::to_string(i) + "-", 5), done.callback());
  }
  done.waitAll();
  f.closeAndRelease();
  Journal& journal = f.open().journal();
  EXPECT_EQ(journal.headSeq(), 100);
  auto count = journal.countMatching({});
  ASSERT_TRUE(count.isOk());
  EXPECT_EQ(*count, 100);
}

}  // namespace
}  // namespace pb
