#include "plantbridge/targets/odoo_credentials.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace pb {
namespace {

constexpr size_t kMaxKeyBytes = 4096;

Result<std::string> readKeyFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::notFound(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::ostringstream content;
  content << in.rdbuf();
  std::string key = content.str();
  if (key.size() > kMaxKeyBytes) {
    return Status::invalidArgument(fmt::format("'{}' is larger than {} bytes", path, kMaxKeyBytes));
  }
  while (!key.empty() &&
         (key.back() == '\n' || key.back() == '\r' || key.back() == ' ' || key.back() == '\t')) {
    key.pop_back();
  }
  if (key.empty()) return Status::invalidArgument(fmt::format("'{}' is empty", path));
  return key;
}

}  // namespace

Result<std::unique_ptr<OdooCredentials>> OdooCredentials::create(OdooCredentialSource source) {
  if (source.user.empty()) {
    return Status::invalidArgument(source.config_key +
                                   ".user: the integration user's login is "
                                   "missing");
  }
  std::unique_ptr<OdooCredentials> creds(new OdooCredentials(std::move(source)));
  std::lock_guard<std::mutex> lock(creds->mutex_);
  auto loaded = creds->reloadLocked(true);
  if (!loaded.isOk()) return loaded.status();
  return creds;
}

std::string OdooCredentials::key() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!source_.key_file.empty()) (void)reloadLocked(false);
  return key_;
}

Result<bool> OdooCredentials::reload() {
  std::lock_guard<std::mutex> lock(mutex_);
  return reloadLocked(true);
}

uint64_t OdooCredentials::generation() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return generation_;
}

std::string OdooCredentials::describeSource() const {
  if (!source_.key_file.empty()) return "file " + source_.key_file;
  if (!source_.key_env.empty()) return "environment variable " + source_.key_env;
  return "the configuration";
}

Result<bool> OdooCredentials::reloadLocked(bool force) {
  std::string fresh;
  if (!source_.key_file.empty()) {
    struct stat st {};
    FileId id;
    if (::stat(source_.key_file.c_str(), &st) == 0) {
      id = {st.st_dev, st.st_ino, st.st_size,
            static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
    }
    if (!force && id == file_id_ && !key_.empty()) return false;
    auto read = readKeyFile(source_.key_file);
    if (!read.isOk()) {
      const std::string problem =
          fmt::format("{}.api_key_file: {}", source_.config_key, read.status().message());
      if (key_.empty()) return Status::invalidArgument(problem);
      if (problem != last_problem_) {
        spdlog::error("{}; keeping the previous API key of user '{}'", problem, source_.user);
        last_problem_ = problem;
      }
      return Status::unavailable(problem);
    }
    file_id_ = id;
    fresh = std::move(read).value();
  } else if (!source_.key_env.empty()) {
    const char* value = std::getenv(source_.key_env.c_str());
    if (value == nullptr || *value == '\0') {
      const std::string problem =
          fmt::format("{}.api_key_env: environment variable {} is {}", source_.config_key,
                      source_.key_env, value == nullptr ? "not set" : "empty");
      if (key_.empty()) return Status::invalidArgument(problem);
      return Status::unavailable(problem);
    }
    fresh = value;
  } else {
    fresh = source_.key;
    if (fresh.empty()) {
      return Status::invalidArgument(source_.config_key +
                                     ": no API key (give api_key_file or api_key_env)");
    }
  }
  last_problem_.clear();
  if (fresh == key_) return false;
  const bool rotated = !key_.empty();
  key_ = std::move(fresh);
  ++generation_;
  if (rotated) {
    spdlog::info("{}: the API key of user '{}' was reloaded from {}", source_.config_key,
                 source_.user, describeSource());
  }
  return true;
}

}  // namespace pb
