// The keeper's recovery bookkeeping without a server: the reconnect backoff and the sequence
// numbers (gaps, acknowledgements, what to Republish after a transfer, the wrap at UInt32.Max).
#include "plantbridge/connectors/opcua/recovery.h"

#include <gtest/gtest.h>

namespace pb::opcua {
namespace {

using std::chrono::milliseconds;

TEST(ReconnectBackoffTest, TheCeilingDoublesUpToTheMaximum) {
  const milliseconds initial{500};
  const milliseconds max{30'000};
  EXPECT_EQ(backoffCeiling(initial, max, 0), milliseconds(500));
  EXPECT_EQ(backoffCeiling(initial, max, 1), milliseconds(500));
  EXPECT_EQ(backoffCeiling(initial, max, 2), milliseconds(1000));
  EXPECT_EQ(backoffCeiling(initial, max, 3), milliseconds(2000));
  EXPECT_EQ(backoffCeiling(initial, max, 7), milliseconds(30'000));
  EXPECT_EQ(backoffCeiling(initial, max, 1'000'000), milliseconds(30'000));
}

TEST(ReconnectBackoffTest, AMaximumBelowTheInitialDelayIsTheInitialDelay) {
  EXPECT_EQ(backoffCeiling(milliseconds(500), milliseconds(100), 5), milliseconds(500));
  EXPECT_EQ(backoffCeiling(milliseconds(0), milliseconds(100), 5), milliseconds(0));
}

TEST(ReconnectBackoffTest, FullJitterSpansZeroToTheCeiling) {
  const milliseconds initial{100};
  const milliseconds max{1000};
  EXPECT_EQ(fullJitterBackoff(initial, max, 3, 0.0), milliseconds(0));
  EXPECT_EQ(fullJitterBackoff(initial, max, 3, 0.5), milliseconds(200));
  EXPECT_EQ(fullJitterBackoff(initial, max, 3, 0.999), milliseconds(399));
  EXPECT_EQ(fullJitterBackoff(initial, max, 30, 0.999), milliseconds(999));
  // Out-of-range draws are clamped, never beyond the ceiling.
  EXPECT_EQ(fullJitterBackoff(initial, max, 30, 7.0), milliseconds(1000));
  EXPECT_EQ(fullJitterBackoff(initial, max, 30, -1.0), milliseconds(0));
}

TEST(SequenceTrackerTest, SequenceNumbersWrapToOneSkippingZero) {
  EXPECT_EQ(nextSequenceNumber(1), 2U);
  EXPECT_EQ(nextSequenceNumber(0xFFFF'FFFEU), 0xFFFF'FFFFU);
  EXPECT_EQ(nextSequenceNumber(0xFFFF'FFFFU), 1U);
}

TEST(SequenceTrackerTest, ConsecutiveMessagesHaveNoGap) {
  SequenceTracker tracker;
  for (uint32_t seq = 1; seq <= 5; ++seq) {
    const auto gap = tracker.gapBefore(seq);
    EXPECT_TRUE(gap.is_new) << seq;
    EXPECT_TRUE(gap.missing.empty()) << seq;
    tracker.advance(seq);
  }
  EXPECT_EQ(tracker.last(), 5U);
}

TEST(SequenceTrackerTest, ASkippedNumberIsMissing) {
  SequenceTracker tracker;
  tracker.advance(1);
  tracker.advance(2);
  const auto gap = tracker.gapBefore(6);
  EXPECT_TRUE(gap.is_new);
  EXPECT_EQ(gap.missing, (std::vector<uint32_t>{3, 4, 5}));
  EXPECT_EQ(gap.beyond_limit, 0U);
}

TEST(SequenceTrackerTest, TheFirstMessageOfANewSubscriptionIsOne) {
  SequenceTracker tracker;
  EXPECT_EQ(tracker.gapBefore(3).missing, (std::vector<uint32_t>{1, 2}));
  tracker.advance(3);
  tracker.reset();
  EXPECT_EQ(tracker.last(), 0U);
  EXPECT_TRUE(tracker.gapBefore(1).missing.empty());
}

TEST(SequenceTrackerTest, RepeatedAndOlderNumbersAreNotNew) {
  SequenceTracker tracker;
  tracker.advance(10);
  EXPECT_FALSE(tracker.gapBefore(10).is_new);
  EXPECT_FALSE(tracker.gapBefore(9).is_new);
  EXPECT_TRUE(tracker.gapBefore(9).missing.empty());
  EXPECT_FALSE(tracker.gapBefore(0).is_new);
  tracker.advance(4);  // behind: ignored
  EXPECT_EQ(tracker.last(), 10U);
}

TEST(SequenceTrackerTest, AGapAcrossTheWrapSkipsZero) {
  SequenceTracker tracker;
  tracker.advance(0xFFFF'FFFEU);
  const auto gap = tracker.gapBefore(2);
  EXPECT_TRUE(gap.is_new);
  EXPECT_EQ(gap.missing, (std::vector<uint32_t>{0xFFFF'FFFFU, 1}));
  tracker.advance(2);
  EXPECT_EQ(tracker.last(), 2U);
  EXPECT_FALSE(tracker.gapBefore(0xFFFF'FFFFU).is_new);
}

TEST(SequenceTrackerTest, AHugeGapListsOnlyTheNewestNumbers) {
  SequenceTracker tracker;
  tracker.advance(1);
  const uint32_t seq = 2 + SequenceTracker::kMaxListedGap + 5;
  const auto gap = tracker.gapBefore(seq);
  ASSERT_EQ(gap.missing.size(), SequenceTracker::kMaxListedGap);
  EXPECT_EQ(gap.beyond_limit, 5U);
  EXPECT_EQ(gap.missing.front(), 7U);
  EXPECT_EQ(gap.missing.back(), seq - 1);
}

TEST(SequenceTrackerTest, AcknowledgementsAreHandedOutOnce) {
  SequenceTracker tracker;
  tracker.handled(1);
  tracker.handled(2);
  EXPECT_EQ(tracker.takeAcknowledgements(), (std::vector<uint32_t>{1, 2}));
  EXPECT_TRUE(tracker.takeAcknowledgements().empty());
  tracker.handled(3);
  tracker.reset();  // a new subscription: the old one's are void
  EXPECT_TRUE(tracker.takeAcknowledgements().empty());
}

// After a transfer the server lists what it still holds: messages handed over but not yet
// acknowledged (not again) and messages that never arrived (to Republish).
TEST(SequenceTrackerTest, AfterATransferOnlyNumbersNeverSeenAreRepublished) {
  SequenceTracker tracker;
  for (uint32_t seq = 1; seq <= 7; ++seq) {
    tracker.advance(seq);
    tracker.handled(seq);
  }
  (void)tracker.takeAcknowledgements();  // 1..7 went out with a Publish...
  // ...whose answer (8) was lost with the connection; 7 was acknowledged only in that Publish.
  const std::vector<uint32_t> available = {7, 8, 9};
  const uint32_t newest = tracker.newestAvailableAfterLast(available);
  EXPECT_EQ(newest, 9U);
  const auto gap = tracker.gapBefore(nextSequenceNumber(newest));
  EXPECT_EQ(gap.missing, (std::vector<uint32_t>{8, 9}));
  EXPECT_EQ(tracker.newestAvailableAfterLast({3, 5, 7}), 0U);
  EXPECT_EQ(tracker.newestAvailableAfterLast({}), 0U);
}

TEST(SequenceTrackerTest, NewestAvailableUnderstandsTheWrap) {
  SequenceTracker tracker;
  tracker.advance(0xFFFF'FFFDU);
  EXPECT_EQ(tracker.newestAvailableAfterLast({0xFFFF'FFFEU, 0xFFFF'FFFFU, 1, 2}), 2U);
  EXPECT_EQ(tracker.newestAvailableAfterLast({0xFFFF'FFF0U}), 0U);
}

DataValue count(uint32_t n, int64_t source_us) {
  DataValue value;
  value.value = Variant::scalar(n);
  value.source_timestamp = dateTimeFromUnixMicros(source_us);
  return value;
}

std::vector<DataChangeTrigger> defaultTriggers(size_t n) {
  return std::vector<DataChangeTrigger>(n, DataChangeTrigger::kStatusValue);
}

TEST(SampleGateTest, TheFirstSampleOfEachNodeComesAfterAGap) {
  SampleGate gate;
  gate.reset(defaultTriggers(2));
  bool after_gap = false;
  ASSERT_TRUE(gate.admit(0, count(1, 10), after_gap));
  EXPECT_TRUE(after_gap);
  ASSERT_TRUE(gate.admit(0, count(2, 20), after_gap));
  EXPECT_FALSE(after_gap);
  ASSERT_TRUE(gate.admit(1, count(7, 20), after_gap));
  EXPECT_TRUE(after_gap);
  EXPECT_FALSE(gate.admit(2, count(7, 20), after_gap)) << "a client handle we never gave";
}

TEST(SampleGateTest, AfterLostMessagesEveryNodeStartsAfterAGap) {
  SampleGate gate;
  gate.reset(defaultTriggers(2));
  bool after_gap = false;
  ASSERT_TRUE(gate.admit(0, count(1, 10), after_gap));
  ASSERT_TRUE(gate.admit(1, count(1, 10), after_gap));
  gate.gapForAll();
  ASSERT_TRUE(gate.admit(0, count(2, 20), after_gap));
  EXPECT_TRUE(after_gap);
  ASSERT_TRUE(gate.admit(1, count(5, 50), after_gap));
  EXPECT_TRUE(after_gap);
}

// After a transfer the server re-sends each item's latest value (with a fresh timestamp),
// possibly behind changes it had queued or after a republished message with the same value.
TEST(SampleGateTest, ASampleThatIsNoChangeUnderTheTriggerIsDropped) {
  SampleGate gate;
  gate.reset({DataChangeTrigger::kStatusValue, DataChangeTrigger::kStatusValueTimestamp,
              DataChangeTrigger::kStatus});
  bool after_gap = false;
  ASSERT_TRUE(gate.admit(0, count(41, 410), after_gap));
  EXPECT_FALSE(gate.admit(0, count(41, 410), after_gap)) << "the very same sample again";
  EXPECT_FALSE(gate.admit(0, count(41, 990), after_gap)) << "same value, later timestamp";
  ASSERT_TRUE(gate.admit(0, count(42, 420), after_gap));
  ASSERT_TRUE(gate.admit(0, count(41, 440), after_gap)) << "back to an earlier value: a change";
  DataValue bad = count(41, 450);
  bad.status = StatusCode{0x8000'0000U};
  ASSERT_TRUE(gate.admit(0, bad, after_gap)) << "another status: a change";

  ASSERT_TRUE(gate.admit(1, count(41, 410), after_gap));
  EXPECT_FALSE(gate.admit(1, count(41, 410), after_gap));
  ASSERT_TRUE(gate.admit(1, count(41, 430), after_gap)) << "a timestamp change counts here";
  EXPECT_FALSE(after_gap);

  ASSERT_TRUE(gate.admit(2, count(1, 10), after_gap));
  EXPECT_TRUE(after_gap);
  EXPECT_FALSE(gate.admit(2, count(2, 20), after_gap)) << "only the status counts here";
}

TEST(SampleGateTest, ADroppedSamplePassesThePendingGapOnToTheNextOne) {
  SampleGate gate;
  gate.reset(defaultTriggers(1));
  bool after_gap = false;
  ASSERT_TRUE(gate.admit(0, count(1, 10), after_gap));
  gate.gapForAll();
  EXPECT_FALSE(gate.admit(0, count(1, 10), after_gap));
  ASSERT_TRUE(gate.admit(0, count(2, 20), after_gap));
  EXPECT_TRUE(after_gap);
  gate.reset(defaultTriggers(1));  // a new subscription: its first sample is always taken
  ASSERT_TRUE(gate.admit(0, count(2, 20), after_gap));
  EXPECT_TRUE(after_gap);
}

}  // namespace
}  // namespace pb::opcua
