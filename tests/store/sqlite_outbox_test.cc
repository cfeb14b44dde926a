#include <gtest/gtest.h>

#include "store_test_util.h"

namespace pb {
namespace {

using testing::at;
using testing::makeTransaction;
using testing::StoreFixture;
using namespace std::chrono_literals;

class SqliteOutboxTest : public ::testing::Test {
 protected:
  SqliteOutboxTest() : clock_(at(1'800'000'000)), f_(clock_) { f_.open(); }

  Outbox& outbox() { return f_.store().outbox(); }

  // Adds transactions through the pipeline store, the way the hub does.
  int64_t add(std::vector<Transaction> txs) {
    StepResult step;
    step.event_id = "ev";
    step.transactions = std::move(txs);
    auto added = f_.store().pipeline().commitSteps({step}, std::nullopt);
    EXPECT_TRUE(added.isOk()) << added.status().toString();
    return added.isOk() ? *added : -1;
  }

  std::vector<std::string> dueIds(const std::string& target, TimePoint now,
                                  const std::set<std::string>& busy = {}, size_t limit = 100) {
    auto due = outbox().due(target, now, busy, limit);
    EXPECT_TRUE(due.isOk()) << due.status().toString();
    std::vector<std::string> ids;
    if (due.isOk()) {
      for (const auto& e : *due) ids.push_back(e.tx.id);
    }
    return ids;
  }

  Status attempt(const std::string& id, int number, AttemptOutcome outcome,
                 TransactionState new_state, TimePoint next = {}, std::string message = "") {
    AttemptRecord r;
    r.attempt.transaction_id = id;
    r.attempt.number = number;
    r.attempt.started_at = clock_.now();
    r.attempt.duration = 1500us;
    r.attempt.outcome = outcome;
    r.attempt.http_status = outcome == AttemptOutcome::kDelivered ? 200 : 503;
    r.attempt.message = std::move(message);
    r.new_state = new_state;
    r.next_attempt_at = next;
    return outbox().recordAttempt(r);
  }

  void kill(const std::string& id) {
    ASSERT_TRUE(attempt(id, 1, AttemptOutcome::kRejected, TransactionState::kDead, {},
                        "422: invalid product")
                    .isOk());
  }

  ManualClock clock_;
  StoreFixture f_;
};

TEST_F(SqliteOutboxTest, NewTransactionIsPendingAndDueAtOnce) {
  EXPECT_EQ(add({makeTransaction("e1/r")}), 1);
  auto entry = outbox().get("e1/r");
  ASSERT_TRUE(entry.isOk() && entry->has_value());
  EXPECT_EQ((*entry)->state, TransactionState::kPending);
  EXPECT_EQ((*entry)->attempts, 0);
  EXPECT_EQ((*entry)->tx.target, "odoo");
  EXPECT_EQ((*entry)->tx.ordering_key, "WC-7");
  EXPECT_EQ((*entry)->tx.body, "{\"n\":1}");
  EXPECT_EQ((*entry)->tx.created_at, at(1'790'000'000));
  EXPECT_EQ(dueIds("odoo", clock_.now()), std::vector<std::string>{"e1/r"});
}

TEST_F(SqliteOutboxTest, ExistingTransactionIdIsIgnored) {
  EXPECT_EQ(add({makeTransaction("e1/r")}), 1);
  Transaction changed = makeTransaction("e1/r");
  changed.body = "{\"n\":2}";
  EXPECT_EQ(add({changed, makeTransaction("e2/r")}), 1);
  auto entry = outbox().get("e1/r");
  ASSERT_TRUE(entry.isOk() && entry->has_value());
  EXPECT_EQ((*entry)->tx.body, "{\"n\":1}");
}

TEST_F(SqliteOutboxTest, OnlyTheOldestPendingEntryOfEachOrderingKeyIsDue) {
  add({makeTransaction("a1/r", "odoo", "WC-7"), makeTransaction("b1/r", "odoo", "WC-8"),
       makeTransaction("a2/r", "odoo", "WC-7"), makeTransaction("b2/r", "odoo", "WC-8"),
       makeTransaction("c1/r", "odoo", "WC-9")});
  EXPECT_EQ(dueIds("odoo", clock_.now()), (std::vector<std::string>{"a1/r", "b1/r", "c1/r"}));

  ASSERT_TRUE(attempt("a1/r", 1, AttemptOutcome::kDelivered, TransactionState::kDelivered).isOk());
  EXPECT_EQ(dueIds("odoo", clock_.now()), (std::vector<std::string>{"b1/r", "a2/r", "c1/r"}));
}

TEST_F(SqliteOutboxTest, DueSkipsBusyKeysAndHonoursTheLimit) {
  add({makeTransaction("a1/r", "odoo", "WC-7"), makeTransaction("b1/r", "odoo", "WC-8"),
       makeTransaction("c1/r", "odoo", "WC-9")});
  EXPECT_EQ(dueIds("odoo", clock_.now(), {"WC-7"}), (std::vector<std::string>{"b1/r", "c1/r"}));
  EXPECT_EQ(dueIds("odoo", clock_.now(), {"WC-8"}, 1), (std::vector<std::string>{"a1/r"}));
  EXPECT_TRUE(dueIds("odoo", clock_.now(), {"WC-7", "WC-8", "WC-9"}).empty());
}

TEST_F(SqliteOutboxTest, DueIsPerTarget) {
  add({makeTransaction("a/odoo", "odoo", "WC-7"), makeTransaction("a/qms", "qms", "WC-7")});
  EXPECT_EQ(dueIds("qms", clock_.now()), std::vector<std::string>{"a/qms"});
  EXPECT_EQ(dueIds("odoo", clock_.now()), std::vector<std::string>{"a/odoo"});
  EXPECT_TRUE(dueIds("cmms", clock_.now()).empty());
}

TEST_F(SqliteOutboxTest, EntryBackingOffHoldsItsWholeOrderingKey) {
  add({makeTransaction("a1/r", "odoo", "WC-7"), makeTransaction("a2/r", "odoo", "WC-7")});
  const TimePoint retry_at = clock_.now() + 10s;
  ASSERT_TRUE(
      attempt("a1/r", 1, AttemptOutcome::kRetry, TransactionState::kPending, retry_at, "503 busy")
          .isOk());
  // a2 is not due before a1 (order per work center), though its own time has come.
  EXPECT_TRUE(dueIds("odoo", clock_.now()).empty());
  auto next = outbox().nextDueAt("odoo");
  ASSERT_TRUE(next.isOk() && next->has_value());
  EXPECT_EQ(**next, retry_at);

  clock_.advance(10s);
  EXPECT_EQ(dueIds("odoo", clock_.now()), std::vector<std::string>{"a1/r"});
}

TEST_F(SqliteOutboxTest, NextDueAtIsEmptyWithNothingPending) {
  auto next = outbox().nextDueAt("odoo");
  ASSERT_TRUE(next.isOk());
  EXPECT_FALSE(next->has_value());
}

TEST_F(SqliteOutboxTest, RecordAttemptKeepsTheAttemptAndMovesTheEntry) {
  add({makeTransaction("a1/r")});
  ASSERT_TRUE(attempt("a1/r", 1, AttemptOutcome::kRetry, TransactionState::kPending,
                      clock_.now() + 1s, "503: maintenance")
                  .isOk());
  ASSERT_TRUE(attempt("a1/r", 2, AttemptOutcome::kDelivered, TransactionState::kDelivered, {},
                      "201 created")
                  .isOk());
  auto entry = outbox().get("a1/r");
  ASSERT_TRUE(entry.isOk() && entry->has_value());
  EXPECT_EQ((*entry)->state, TransactionState::kDelivered);
  EXPECT_EQ((*entry)->attempts, 2);
  EXPECT_EQ((*entry)->last_error, "503: maintenance");  // the last *failed* attempt's message

  auto attempts = outbox().attempts("a1/r");
  ASSERT_TRUE(attempts.isOk());
  ASSERT_EQ(attempts->size(), 2u);
  EXPECT_EQ((*attempts)[0].number, 1);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kRetry);
  EXPECT_EQ((*attempts)[0].http_status, 503);
  EXPECT_EQ((*attempts)[0].duration, 1500us);
  EXPECT_EQ((*attempts)[0].started_at, clock_.now());
  EXPECT_EQ((*attempts)[1].outcome, AttemptOutcome::kDelivered);
  EXPECT_EQ((*attempts)[1].message, "201 created");
  EXPECT_TRUE(dueIds("odoo", clock_.now() + 1h).empty());
}

TEST_F(SqliteOutboxTest, AttemptForAnUnknownTransactionIsNotFoundAndLeavesNoTrace) {
  Status status = attempt("nope", 1, AttemptOutcome::kRetry, TransactionState::kPending);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  auto attempts = outbox().attempts("nope");
  ASSERT_TRUE(attempts.isOk());
  EXPECT_TRUE(attempts->empty());
}

TEST_F(SqliteOutboxTest, DeadLettersAreListedNewestFirstPageByPage) {
  std::vector<Transaction> txs;
  txs.reserve(6);
  for (int i = 0; i < 5; ++i) txs.push_back(makeTransaction("d" + std::to_string(i) + "/r"));
  txs.push_back(makeTransaction("alive/r"));
  add(txs);
  for (int i = 0; i < 5; ++i) kill("d" + std::to_string(i) + "/r");

  auto first = outbox().deadLetters(0, 2);
  ASSERT_TRUE(first.isOk());
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].tx.id, "d4/r");
  EXPECT_EQ((*first)[1].tx.id, "d3/r");
  EXPECT_EQ((*first)[0].last_error, "422: invalid product");
  auto second = outbox().deadLetters(first->back().seq, 10);
  ASSERT_TRUE(second.isOk());
  ASSERT_EQ(second->size(), 3u);
  EXPECT_EQ((*second)[0].tx.id, "d2/r");
  EXPECT_EQ((*second)[2].tx.id, "d0/r");
  auto count = outbox().deadCount();
  ASSERT_TRUE(count.isOk());
  EXPECT_EQ(*count, 5);
}

TEST_F(SqliteOutboxTest, RetriedDeadLetterIsPendingAndDueNowWithItsAttemptsKept) {
  add({makeTransaction("d/r")});
  kill("d/r");
  EXPECT_TRUE(dueIds("odoo", clock_.now()).empty());
  clock_.advance(1h);
  ASSERT_TRUE(outbox().retryDead("d/r", clock_.now()).isOk());
  auto entry = outbox().get("d/r");
  ASSERT_TRUE(entry.isOk() && entry->has_value());
  EXPECT_EQ((*entry)->state, TransactionState::kPending);
  EXPECT_EQ((*entry)->attempts, 1);
  EXPECT_EQ((*entry)->next_attempt_at, clock_.now());
  EXPECT_EQ(dueIds("odoo", clock_.now()), std::vector<std::string>{"d/r"});
  EXPECT_EQ(*outbox().deadCount(), 0);
}

TEST_F(SqliteOutboxTest, RetriedOlderDeadLetterGoesBeforeLaterEntriesOfItsKey) {
  add({makeTransaction("first/r"), makeTransaction("second/r")});
  kill("first/r");
  EXPECT_EQ(dueIds("odoo", clock_.now()), std::vector<std::string>{"second/r"});
  ASSERT_TRUE(outbox().retryDead("first/r", clock_.now()).isOk());
  EXPECT_EQ(dueIds("odoo", clock_.now()), std::vector<std::string>{"first/r"});
}

TEST_F(SqliteOutboxTest, DiscardedDeadLetterIsKeptButNeverDue) {
  add({makeTransaction("d/r")});
  kill("d/r");
  ASSERT_TRUE(outbox().discardDead("d/r").isOk());
  auto entry = outbox().get("d/r");
  ASSERT_TRUE(entry.isOk() && entry->has_value());
  EXPECT_EQ((*entry)->state, TransactionState::kDiscarded);
  EXPECT_TRUE(dueIds("odoo", clock_.now() + 24h).empty());
  EXPECT_EQ(*outbox().deadCount(), 0);
}

TEST_F(SqliteOutboxTest, RetryOrDiscardOfAnEntryThatIsNotDeadIsNotFound) {
  add({makeTransaction("p/r")});
  Status retry = outbox().retryDead("p/r", clock_.now());
  EXPECT_EQ(retry.code(), StatusCode::kNotFound);
  EXPECT_NE(retry.message().find("not a dead letter"), std::string::npos) << retry.message();
  Status discard = outbox().discardDead("missing/r");
  EXPECT_EQ(discard.code(), StatusCode::kNotFound);
  EXPECT_NE(discard.message().find("no outbox entry"), std::string::npos) << discard.message();
  EXPECT_EQ((*outbox().get("p/r"))->state, TransactionState::kPending);
}

TEST_F(SqliteOutboxTest, PendingIsCountedPerTarget) {
  add({makeTransaction("a/odoo", "odoo"), makeTransaction("b/odoo", "odoo"),
       makeTransaction("a/qms", "qms"), makeTransaction("c/odoo", "odoo")});
  ASSERT_TRUE(
      attempt("c/odoo", 1, AttemptOutcome::kDelivered, TransactionState::kDelivered).isOk());
  auto pending = outbox().pendingByTarget();
  ASSERT_TRUE(pending.isOk());
  EXPECT_EQ(*pending, (std::map<std::string, int64_t>{{"odoo", 2}, {"qms", 1}}));
}

TEST_F(SqliteOutboxTest, PendingCountsFollowEveryStateChangeAndSurviveReopen) {
  add({makeTransaction("a/odoo", "odoo"), makeTransaction("b/odoo", "odoo"),
       makeTransaction("c/odoo", "odoo"), makeTransaction("a/qms", "qms")});
  add({makeTransaction("a/odoo", "odoo")});  // already there: not counted again
  using Counts = std::map<std::string, int64_t>;
  EXPECT_EQ(*outbox().pendingByTarget(), (Counts{{"odoo", 3}, {"qms", 1}}));

  ASSERT_TRUE(
      attempt("a/odoo", 1, AttemptOutcome::kRetry, TransactionState::kPending, clock_.now() + 1s)
          .isOk());
  EXPECT_EQ(*outbox().pendingByTarget(), (Counts{{"odoo", 3}, {"qms", 1}}));
  ASSERT_TRUE(
      attempt("a/odoo", 2, AttemptOutcome::kDelivered, TransactionState::kDelivered).isOk());
  kill("b/odoo");
  ASSERT_TRUE(attempt("a/qms", 1, AttemptOutcome::kDelivered, TransactionState::kDelivered).isOk());
  EXPECT_EQ(*outbox().pendingByTarget(), (Counts{{"odoo", 1}}));
  ASSERT_TRUE(outbox().retryDead("b/odoo", clock_.now()).isOk());
  EXPECT_EQ(*outbox().pendingByTarget(), (Counts{{"odoo", 2}}));
  kill("c/odoo");
  ASSERT_TRUE(outbox().discardDead("c/odoo").isOk());
  EXPECT_EQ(*outbox().pendingByTarget(), (Counts{{"odoo", 1}}));
  // Failed writes change nothing.
  EXPECT_FALSE(outbox().retryDead("a/odoo", clock_.now()).isOk());
  EXPECT_FALSE(attempt("zz", 1, AttemptOutcome::kRetry, TransactionState::kPending).isOk());
  EXPECT_EQ(*outbox().pendingByTarget(), (Counts{{"odoo", 1}}));

  f_.closeAndRelease();
  EXPECT_EQ(f_.rawInt("SELECT count(*) FROM outbox WHERE state = 0"), 1);
  f_.open();
  EXPECT_EQ(*outbox().pendingByTarget(), (Counts{{"odoo", 1}}));
}

TEST_F(SqliteOutboxTest, ByEventListsTheTransactionsOfOneEvent) {
  add({makeTransaction("ev1/odoo"), makeTransaction("ev2/odoo"), makeTransaction("ev1/qms")});
  auto entries = outbox().byEvent("ev1");
  ASSERT_TRUE(entries.isOk());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].tx.id, "ev1/odoo");
  EXPECT_EQ((*entries)[1].tx.id, "ev1/qms");
}

TEST_F(SqliteOutboxTest, DueFindsEveryHeadInADeepBacklog) {
  // 5,000 pending entries over 50 work centers (interleaved): 50 heads, the first 50 entries.
  std::vector<Transaction> txs;
  txs.reserve(5000);
  for (int i = 0; i < 5000; ++i) {
    txs.push_back(
        makeTransaction("t" + std::to_string(i) + "/r", "odoo", "WC-" + std::to_string(i % 50)));
  }
  add(txs);
  auto due = outbox().due("odoo", clock_.now(), {}, 1000);
  ASSERT_TRUE(due.isOk());
  ASSERT_EQ(due->size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ((*due)[i].tx.id, "t" + std::to_string(i) + "/r");
}

TEST_F(SqliteOutboxTest, WritesAfterCloseFailWithUnavailable) {
  add({makeTransaction("d/r")});
  f_.store().close();
  EXPECT_EQ(attempt("d/r", 1, AttemptOutcome::kRetry, TransactionState::kPending).code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(outbox().retryDead("d/r", clock_.now()).code(), StatusCode::kUnavailable);
  EXPECT_EQ(outbox().discardDead("d/r").code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace pb
