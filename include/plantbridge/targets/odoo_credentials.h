// The Odoo integration user's login and API key, with rotation: a key file is re-read when it
// changes (another inode after an atomic rename, another size or modification time), or when
// reload() is called (SIGHUP, or after Odoo refused the key). The key is never logged.
// Thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "plantbridge/common/status.h"

namespace pb {

struct OdooCredentialSource {
  std::string user;      // the login
  std::string key_file;  // a file holding the key (trailing newlines ignored), or
  std::string key_env;   // an environment variable holding it, or
  std::string key;       // the key itself (resolved by the config loader or a test)
  // Prefix of the config keys in messages, e.g. "targets.erp".
  std::string config_key = "odoo";
};

class OdooCredentials {
 public:
  // Reads the key now. InvalidArgument naming the key (<config_key>.api_key_file, ...) when
  // there is no usable key.
  static Result<std::unique_ptr<OdooCredentials>> create(OdooCredentialSource source);

  const std::string& user() const { return source_.user; }
  // The key to use now; re-reads the key file first if it changed on disk. A file that has
  // become unreadable or empty keeps the previous key (logged once per change).
  std::string key();
  // Re-reads the file (or variable) now. Answers whether the key changed; an error when the
  // source is unusable (the previous key stays).
  Result<bool> reload();
  // Increments whenever the key changes.
  uint64_t generation() const;
  // "file /run/secrets/odoo_key", "environment variable ODOO_KEY" or "the configuration".
  std::string describeSource() const;

 private:
  explicit OdooCredentials(OdooCredentialSource source) : source_(std::move(source)) {}
  struct FileId {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    int64_t mtime_ns = -1;
    bool operator==(const FileId&) const = default;
  };
  // With mutex_ held.
  Result<bool> reloadLocked(bool force);

  const OdooCredentialSource source_;
  mutable std::mutex mutex_;
  std::string key_;
  FileId file_id_;
  uint64_t generation_ = 0;
  std::string last_problem_;
};

}  // namespace pb
