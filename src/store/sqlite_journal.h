// The journal on SQLite: table `journal`, hash chain head in `meta` (docs/storage-format.md).
#pragma once

#include <string>
#include <vector>

#include "plantbridge/store/journal.h"
#include "store/store_core.h"

namespace pb {

// An event made ready for the writer on the caller's thread (serialization is the expensive
// part, and callers are many while the writer is one).
struct PendingRecord {
  std::string id;
  std::string type;
  int64_t occurred_us = 0;
  int64_t received_us = 0;
  std::string body;  // serializeEvent(), hashed and stored as is
};

// Sets received_at to `now` if unset and serializes. InvalidArgument if id or type is empty.
Result<PendingRecord> prepareRecord(Event& event, TimePoint now);
// Prepares a batch; an error names the event's index ("events[3].id: is required").
Result<std::vector<PendingRecord>> prepareRecords(std::vector<Event>& events, TimePoint now);

// Appends on the writer thread: continues the chain from ctx.head, skips (and reports) ids
// already journaled, including earlier ones of the same batch. `results` may be null.
Status appendRecords(WriteContext& ctx, const std::vector<PendingRecord>& records,
                     std::vector<AppendResult>* results);

class SqliteJournal final : public Journal {
 public:
  explicit SqliteJournal(StoreCore& core) : core_(core) {}

  void appendAsync(std::vector<Event> events, AppendCallback done) override;
  Result<std::vector<AppendResult>> append(std::vector<Event> events) override;
  Result<std::vector<JournalRecord>> readAfter(int64_t after_seq, size_t limit) override;
  Result<std::optional<JournalRecord>> findById(const std::string& event_id) override;
  Result<std::vector<JournalRecord>> scan(const ReplayFilter& filter, int64_t after_seq,
                                          size_t limit) override;
  Result<int64_t> countMatching(const ReplayFilter& filter) override;
  int64_t headSeq() const override { return core_.writer.headSeq(); }
  Result<ChainReport> verifyChain(
      const std::function<void(int64_t, int64_t)>& progress = nullptr) override;

 private:
  StoreCore& core_;
};

}  // namespace pb
