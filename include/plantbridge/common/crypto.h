// Hashing, HMAC and constant-time comparison (OpenSSL underneath).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pb {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
// Incremental SHA-256 for hashing several pieces without concatenating them.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view data);
  void update(const Sha256Digest& digest);
  Sha256Digest finish();

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so OpenSSL headers stay out of includers
};

Sha256Digest hmacSha256(std::string_view key, std::string_view message);
std::string toHex(const uint8_t* data, size_t size);
inline std::string toHex(const Sha256Digest& d) { return toHex(d.data(), d.size()); }
// Compares two byte strings without leaking where they differ through timing.
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace pb
