#include "plantbridge/hub/auth.h"

#include <algorithm>
#include <cmath>

#include "plantbridge/common/crypto.h"
#include "plantbridge/http/message.h"

namespace pb {

namespace {

bool isLowerHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

double burstOf(const RateLimitConfig& c) {
  if (c.per_second <= 0) return 0;
  return c.burst > 0 ? c.burst : std::max(c.per_second, 1.0);
}

bool sameLimit(const RateLimitConfig& a, const RateLimitConfig& b) {
  return a.per_second == b.per_second && a.burst == b.burst;
}

}  // namespace

RateLimiter::RateLimiter(const RateLimitConfig& config)
    : config_(config),
      unlimited_(config.per_second <= 0),
      burst_(burstOf(config)),
      bucket_(config.per_second, config.burst) {}

bool RateLimiter::tryTake(double n, std::chrono::steady_clock::time_point now,
                          std::chrono::microseconds* retry_after) {
  if (unlimited_) return true;
  std::lock_guard lock(mutex_);
  if (bucket_.tryTake(n, now)) return true;
  if (retry_after != nullptr) *retry_after = bucket_.waitTime(std::min(n, burst_), now);
  return false;
}

bool RateLimiter::empty(std::chrono::steady_clock::time_point now,
                        std::chrono::microseconds* retry_after) {
  if (unlimited_) return false;
  std::lock_guard lock(mutex_);
  const auto wait = bucket_.waitTime(1, now);
  if (wait.count() <= 0) return false;
  if (retry_after != nullptr) *retry_after = wait;
  return true;
}

uint32_t scopeBit(Scope s) { return 1u << static_cast<unsigned>(s); }

bool Principal::has(Scope s) const {
  return (scopes & (scopeBit(s) | scopeBit(Scope::kAdmin))) != 0;
}

std::string hashToken(std::string_view token) { return toHex(sha256(token)); }

struct Authenticator::Entry {
  std::string name;
  std::string hash_hex;
  uint32_t scopes = 0;
  std::shared_ptr<RateLimiter> limiter;
};

struct Authenticator::TokenSet {
  std::vector<Entry> entries;
};

Authenticator::Authenticator(const std::vector<TokenConfig>& tokens)
    : tokens_(std::make_shared<TokenSet>()) {
  replaceTokens(tokens);
}

Authenticator::~Authenticator() = default;

std::shared_ptr<const Authenticator::TokenSet> Authenticator::current() const {
  std::lock_guard lock(mutex_);
  return tokens_;
}

size_t Authenticator::replaceTokens(const std::vector<TokenConfig>& tokens) {
  const auto previous = current();
  auto next = std::make_shared<TokenSet>();
  for (const TokenConfig& t : tokens) {
    Entry e;
    e.name = t.name;
    e.hash_hex = lowerAscii(t.sha256_hex);
    if (!isLowerHex64(e.hash_hex)) continue;
    for (Scope s : t.scopes) e.scopes |= scopeBit(s);
    for (const Entry& old : previous->entries) {
      if (old.name == t.name && sameLimit(old.limiter->config(), t.rate_limit)) {
        e.limiter = old.limiter;
        break;
      }
    }
    if (!e.limiter) e.limiter = std::make_shared<RateLimiter>(t.rate_limit);
    next->entries.push_back(std::move(e));
  }
  const size_t count = next->entries.size();
  std::lock_guard lock(mutex_);
  tokens_ = std::move(next);
  return count;
}

size_t Authenticator::tokenCount() const { return current()->entries.size(); }

Result<Principal> Authenticator::authenticate(std::string_view authorization) const {
  while (!authorization.empty() && authorization.front() == ' ') authorization.remove_prefix(1);
  if (authorization.empty()) return Status::unauthenticated("missing bearer token");
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !equalsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme) ||
      authorization[kScheme.size()] != ' ') {
    return Status::unauthenticated("the Authorization header must be 'Bearer <token>'");
  }
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty()) return Status::unauthenticated("missing bearer token");

  const std::string presented = hashToken(token);
  const auto set = current();
  // Every entry is compared, so timing does not tell where (or whether) one matched.
  const Entry* match = nullptr;
  for (const Entry& e : set->entries) {
    const bool equal = constantTimeEquals(presented, e.hash_hex);
    if (equal && match == nullptr) match = &e;
  }
  if (match == nullptr) return Status::unauthenticated("unknown token");
  return Principal{match->name, match->scopes, match->limiter};
}

}  // namespace pb
