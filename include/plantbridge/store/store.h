// The Store: everything plantbridge keeps, behind one interface so the embedded SQLite store
// and a shared PostgreSQL store are interchangeable. Thread-safe: all methods may be called
// from any thread; writes from all callers are serialized and grouped into shared commits.
#pragma once

#include <memory>
#include <string>

#include "plantbridge/common/status.h"
#include "plantbridge/common/time.h"
#include "plantbridge/store/audit_log.h"
#include "plantbridge/store/journal.h"
#include "plantbridge/store/master_facts.h"
#include "plantbridge/store/outbox.h"
#include "plantbridge/store/pipeline_store.h"

namespace pb {

class Store {
 public:
  virtual ~Store() = default;
  virtual Journal& journal() = 0;
  virtual Outbox& outbox() = 0;
  virtual PipelineStore& pipeline() = 0;
  virtual AuditLog& audit() = 0;
  // Versioned master-data facts (the Odoo master-data sync writes them).
  virtual MasterFactStore& masterFacts() = 0;
  // Flushes pending writes and stops the writer; further writes fail with Unavailable.
  virtual void close() = 0;
};

struct SqliteStoreOptions {
  std::string path;  // database file; its directory is created if missing
  // How long the writer waits for more work to share a commit once it has some (latency vs
  // throughput). 0: commit as soon as the queue is empty.
  Micros group_commit_window{0};
  size_t max_batch_records = 10000;  // journal records per commit at most
  // synchronous=FULL: every commit is fsynced (acknowledged means durable). Tests of other
  // behaviour may turn it off; the product never does.
  bool durable = true;
};

// Opens (creating or migrating) the embedded store. Fails with a clear message naming the path.
Result<std::unique_ptr<Store>> openSqliteStore(const SqliteStoreOptions& options,
                                               const Clock& clock);

}  // namespace pb
