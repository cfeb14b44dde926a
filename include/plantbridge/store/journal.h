// The journal: append-only event history, hash-chained, the source of truth for replay and
// audit. A record is acknowledged only after it is durable (group commit: many appends share
// one fsync).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plantbridge/common/crypto.h"
#include "plantbridge/common/status.h"
#include "plantbridge/model/event.h"

namespace pb {

struct JournalRecord {
  int64_t seq = 0;   // 1, 2, 3, ... without gaps
  Event event;       // received_at is set
  std::string body;  // the canonical JSON that was hashed (serializeEvent)
  Sha256Digest prev_hash{};
  Sha256Digest hash{};  // sha256(prev_hash || seq as 8 bytes big-endian || body)
};

enum class AppendOutcome { kAccepted, kDuplicate };

struct AppendResult {
  AppendOutcome outcome = AppendOutcome::kAccepted;
  int64_t seq = 0;  // the journal seq of the accepted record (or of the earlier one, if duplicate)
};

// Called once per appendAsync, from the store's writer thread, after the commit is durable
// (or failed). On failure no record of the batch is in the journal.
using AppendCallback = std::function<void(Status, std::vector<AppendResult>)>;

struct ChainReport {
  bool intact = true;
  int64_t records_checked = 0;
  int64_t first_bad_seq = 0;  // 0 when intact
  std::string problem;        // "record 42 was changed", "record 17 is missing", ...
};

struct ReplayFilter {
  std::optional<TimePoint> since;  // occurred_at >= since
  std::optional<TimePoint> until;  // occurred_at < until
  std::vector<std::string> types;  // empty: all types
};

class Journal {
 public:
  virtual ~Journal() = default;

  // Appends events in order; an event whose id is already journaled is a duplicate and is not
  // written again. received_at is set to the store's clock if unset.
  virtual void appendAsync(std::vector<Event> events, AppendCallback done) = 0;
  // Synchronous form, for tools and tests.
  virtual Result<std::vector<AppendResult>> append(std::vector<Event> events) = 0;

  virtual Result<std::vector<JournalRecord>> readAfter(int64_t after_seq, size_t limit) = 0;
  virtual Result<std::optional<JournalRecord>> findById(const std::string& event_id) = 0;
  // Records matching the filter with seq > after_seq, in seq order, at most `limit`.
  virtual Result<std::vector<JournalRecord>> scan(const ReplayFilter& filter, int64_t after_seq,
                                                  size_t limit) = 0;
  virtual Result<int64_t> countMatching(const ReplayFilter& filter) = 0;
  virtual int64_t headSeq() const = 0;

  // Walks the whole chain. `progress(checked, total)` is called now and then.
  virtual Result<ChainReport> verifyChain(
      const std::function<void(int64_t, int64_t)>& progress = nullptr) = 0;
};

}  // namespace pb
