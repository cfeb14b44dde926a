// The store's schema: creation, identification and migration. docs/storage-format.md
// describes every table; keep the two in step.
#pragma once

#include <cstdint>
#include <string>

#include "plantbridge/common/status.h"
#include "store/sqlite_db.h"

namespace pb {

// PRAGMA application_id of a plantbridge store: "PBST". Identifies our files among SQLite
// databases so that a wrong path fails loudly instead of being written into.
inline constexpr int32_t kStoreApplicationId = 0x50425354;
// PRAGMA user_version this build writes. Older stores are migrated on open, step by step;
// newer ones are refused (a downgrade would not know their tables).
inline constexpr int kStoreSchemaVersion = 4;

// Page size of new stores (existing ones keep theirs). Why 4 KiB: schema.cc.
inline constexpr int kStorePageSize = 4096;

// Keys of the meta table.
inline constexpr char kMetaJournalHeadSeq[] = "journal.head_seq";
inline constexpr char kMetaJournalHeadHash[] = "journal.head_hash";
inline constexpr char kMetaPipelineCursor[] = "pipeline.cursor";
inline constexpr char kMetaCreatedAt[] = "store.created_at";

// Checks that the database behind `conn` is empty (and creates the schema) or is a plantbridge
// store of this or an older schema version (and migrates it). Every error names the path.
// `created_at_us` is recorded in meta when the store is created. `synchronous` (a PRAGMA
// synchronous value) applies from the moment the file is known to be ours, so that creating
// or migrating the schema is as durable as asked.
Status createOrMigrateSchema(sqlite::Connection& conn, int64_t created_at_us,
                             const std::string& synchronous);

}  // namespace pb
