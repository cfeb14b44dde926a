// What the store's parts (journal, outbox, pipeline store, audit log) share: the clock, the
// writer that owns the write connection, and the pool of read connections.
#pragma once

#include <string>

#include "plantbridge/common/time.h"
#include "store/read_pool.h"
#include "store/writer.h"

namespace pb {

struct StoreCore {
  const Clock& clock;
  Writer& writer;
  ReadPool& reads;
  std::string path;
};

}  // namespace pb
