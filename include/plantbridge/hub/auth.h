// Bearer-token authentication and scopes for the hub's HTTP API.
//
// Tokens come from config (and the token file) as the SHA-256 of the token, hex; the token
// itself is never stored. A presented token is hashed and compared with every known hash in
// constant time. Scopes: ingest, read, operate, admin (admin implies all). Each token may
// carry a rate limit in records per second (ingest).
//
// Thread-safety: authenticate() from any thread; replaceTokens() (SIGHUP) may run
// concurrently with it: requests in flight keep the token set they started with.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/common/token_bucket.h"
#include "plantbridge/config/config.h"

namespace pb {

// A thread-safe token bucket (records per second) for one API token.
class RateLimiter {
 public:
  explicit RateLimiter(const RateLimitConfig& config);
  bool unlimited() const { return unlimited_; }
  const RateLimitConfig& config() const { return config_; }
  // Takes `n` tokens if they are there. Otherwise takes none and sets `*retry_after` to how
  // long until they could be (for n above the burst, until a full bucket).
  bool tryTake(double n, std::chrono::steady_clock::time_point now,
               std::chrono::microseconds* retry_after);
  // True when not even one token is there now (a cheap check before parsing a body).
  bool empty(std::chrono::steady_clock::time_point now, std::chrono::microseconds* retry_after);

 private:
  RateLimitConfig config_;
  bool unlimited_;
  double burst_;
  std::mutex mutex_;
  TokenBucket bucket_;
};

uint32_t scopeBit(Scope s);

// Who is calling: the token's name (for the audit log) and what it may do.
struct Principal {
  std::string name;
  uint32_t scopes = 0;                   // scopeBit()s
  std::shared_ptr<RateLimiter> limiter;  // never null

  bool has(Scope s) const;  // admin implies every scope
};

// sha256 of the token, lower-case hex: what TokenConfig::sha256_hex holds.
std::string hashToken(std::string_view token);

class Authenticator {
 public:
  explicit Authenticator(const std::vector<TokenConfig>& tokens = {});
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Replaces the token set. A token whose name and rate limit are unchanged keeps its
  // bucket (a reload does not refill it). Tokens with a malformed hash are skipped (config
  // validation reports them); the count of tokens kept is returned.
  size_t replaceTokens(const std::vector<TokenConfig>& tokens);
  size_t tokenCount() const;

  // From the value of the Authorization header. Unauthenticated, with the reason ("missing
  // bearer token", "unknown token", ...), when it does not name a known token.
  Result<Principal> authenticate(std::string_view authorization) const;

 private:
  struct Entry;
  struct TokenSet;
  std::shared_ptr<const TokenSet> current() const;

  mutable std::mutex mutex_;
  std::shared_ptr<const TokenSet> tokens_;
};

}  // namespace pb
