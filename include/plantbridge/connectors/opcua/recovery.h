// The bookkeeping behind SubscriptionKeeper's recovery, as pure values so it is tested without
// a server: the reconnect backoff (capped exponential, full jitter) and the sequence numbers of
// one subscription's NotificationMessages (which were handed over, which are to be
// acknowledged, which went missing and may be asked for again with Republish).
// Thread-safety: values, no shared state. And per node, what a sample means: after a gap, or a
// copy re-sent by the server after a transfer.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "plantbridge/connectors/opcua/subscription_services.h"
#include "plantbridge/connectors/opcua/types.h"

namespace pb::opcua {

// min(max, initial * 2^(failures - 1)) for failures >= 1 (initial for less). Never overflows.
std::chrono::milliseconds backoffCeiling(std::chrono::milliseconds initial,
                                         std::chrono::milliseconds max, int failures);
// Full jitter: `unit_random` in [0, 1) scaled to [0, backoffCeiling()].
std::chrono::milliseconds fullJitterBackoff(std::chrono::milliseconds initial,
                                            std::chrono::milliseconds max, int failures,
                                            double unit_random);

// Sequence numbers are UInt32, start at 1, and wrap from 4294967295 to 1; 0 is never used
// (OPC 10000-4, 7.38).
uint32_t nextSequenceNumber(uint32_t n);

class SequenceTracker {
 public:
  // The most numbers one gap lists; older ones of a larger gap are counted in `beyond_limit`
  // (the server holds the newest ones for Republish, if any).
  static constexpr uint32_t kMaxListedGap = 10'000;

  struct Gap {
    bool is_new = false;            // `seq` comes after the last number seen
    std::vector<uint32_t> missing;  // numbers between the last seen and `seq`, oldest first
    uint64_t beyond_limit = 0;
  };

  // A new subscription: numbering starts again at 1; nothing is to be acknowledged.
  void reset();
  // What lies between the last number seen and `seq` (a message's number, or the number a
  // keep-alive announces as the next one). A number not after the last seen (more than half
  // the number space behind counts as behind) is not new and has no gap.
  Gap gapBefore(uint32_t seq) const;
  // `seq` was seen (delivered, or given up as lost): later gaps start after it.
  void advance(uint32_t seq);
  // The handler returned for `seq`: acknowledged in the next Publish.
  void handled(uint32_t seq) { pending_acks_.push_back(seq); }
  // Moves the numbers to acknowledge out (oldest first).
  std::vector<uint32_t> takeAcknowledgements();
  // Of the numbers the server holds for retransmission, the newest one after the last seen;
  // 0 when there is none.
  uint32_t newestAvailableAfterLast(const std::vector<uint32_t>& available) const;
  uint32_t last() const { return last_; }  // 0: none yet

 private:
  // Steps from `from` to `to` along nextSequenceNumber; > 2^31 means `to` is behind.
  static uint64_t distance(uint32_t from, uint32_t to);

  uint32_t last_ = 0;
  std::vector<uint32_t> pending_acks_;
};

// Per node: whether its next sample is the first after a gap (`after_gap`), and whether a
// sample is no change from the last one handed over under the item's own DataChangeTrigger
// (status; status and value — the default; status, value and source timestamp). Such a sample
// is what a server re-sends after a transfer with sendInitialValues (with a fresh timestamp,
// possibly behind changes it had queued); it is dropped: the server would not report it as a
// change, and the node's current value stays what was handed over. A dropped sample leaves a
// pending `after_gap` to the next sample handed over.
class SampleGate {
 public:
  // A new subscription over `triggers.size()` nodes: every node's next sample comes after a
  // gap, and none is compared with an earlier one.
  void reset(const std::vector<DataChangeTrigger>& triggers);
  // Messages were lost for good: every node's next sample comes after a gap.
  void gapForAll();
  // Whether the sample of `node` is handed over; sets `after_gap` when it is.
  bool admit(size_t node, const DataValue& value, bool& after_gap);

 private:
  struct Node {
    DataChangeTrigger trigger = DataChangeTrigger::kStatusValue;
    bool after_gap = true;
    std::optional<DataValue> last;
  };
  std::vector<Node> nodes_;
};

}  // namespace pb::opcua
