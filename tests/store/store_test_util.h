// Helpers shared by the store tests: a temporary directory, events, and a store opened in it.
#pragma once

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "plantbridge/model/event.h"
#include "store/sqlite_store.h"

namespace pb::testing {

// A fresh directory under the system temp dir, removed with everything in it at the end.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "pb-store-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline TimePoint at(int64_t unix_seconds) { return fromUnixMicros(unix_seconds * 1'000'000); }

inline Event makeEvent(const std::string& id, const std::string& type = "production.count",
                       TimePoint occurred_at = at(1'790'000'000)) {
  Event e;
  e.id = id;
  e.type = type;
  e.occurred_at = occurred_at;
  e.site = "plant-1";
  e.source = "test";
  e.asset = "CNC-07";
  e.context["work_center"] = "WC-7";
  e.payload["quantity"] = 12;
  e.correlation_id = "corr-" + id;
  return e;
}

inline Transaction makeTransaction(const std::string& id, const std::string& target = "odoo",
                                   const std::string& ordering_key = "WC-7",
                                   TimePoint created_at = at(1'790'000'000)) {
  Transaction tx;
  tx.id = id;
  tx.event_id = id.substr(0, id.find('/'));
  tx.correlation_id = "corr";
  tx.route = "route";
  tx.target = target;
  tx.ordering_key = ordering_key;
  tx.body = "{\"n\":1}";
  tx.created_at = created_at;
  return tx;
}

// A store in a temp dir, reopenable; non-durable unless asked (most tests are about behaviour,
// not fsync).
class StoreFixture {
 public:
  explicit StoreFixture(const Clock& clock, SqliteStoreOptions options = {}, bool durable = false)
      : clock_(clock), options_(std::move(options)) {
    if (options_.path.empty()) options_.path = dir_.file("store/plantbridge.db");
    options_.durable = durable;
  }
  SqliteStore& open() {
    store_.reset();
    auto store = SqliteStore::open(options_, clock_);
    EXPECT_TRUE(store.isOk()) << store.status().toString();
    if (store.isOk()) store_ = std::move(store).value();
    return *store_;
  }
  void closeAndRelease() { store_.reset(); }
  SqliteStore& store() { return *store_; }
  const std::string& path() const { return options_.path; }
  SqliteStoreOptions& options() { return options_; }

  // Runs raw SQL against the (closed) store file, as a tamperer would.
  void rawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error != nullptr ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }
  // Reads one integer from the (closed) store file with raw SQL.
  int64_t rawInt(const std::string& sql) {
    sqlite3* db = nullptr;
    int64_t value = -1;
    if (sqlite3_open(options_.path.c_str(), &db) == SQLITE_OK) {
      sqlite3_stmt* q = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr) == SQLITE_OK &&
          sqlite3_step(q) == SQLITE_ROW) {
        value = sqlite3_column_int64(q, 0);
      }
      sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return value;
  }
  std::string rawText(const std::string& sql) {
    sqlite3* db = nullptr;
    std::string value;
    if (sqlite3_open(options_.path.c_str(), &db) == SQLITE_OK) {
      sqlite3_stmt* q = nullptr;
      if (sqlite3_prepare_v2(db, sql.c_str(), -1, &q, nullptr) == SQLITE_OK &&
          sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) != nullptr) {
        value = reinterpret_cast<const char*>(sqlite3_column_text(q, 0));
      }
      sqlite3_finalize(q);
    }
    sqlite3_close(db);
    return value;
  }

 private:
  TempDir dir_;
  const Clock& clock_;
  SqliteStoreOptions options_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace pb::testing
