#include "plantbridge/common/ids.h"

#include <openssl/rand.h>

#include "plantbridge/common/crypto.h"

namespace pb {
namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

std::string makeUlid(TimePoint at, uint64_t random_hi, uint64_t random_lo) {
  // 48 bits of milliseconds, then 80 random bits: 128 bits in 26 base32 characters.
  uint64_t ms = static_cast<uint64_t>(toUnixMicros(at) / 1000) & 0xFFFFFFFFFFFFULL;
  unsigned __int128 value = (static_cast<unsigned __int128>(ms) << 80) |
                            (static_cast<unsigned __int128>(random_hi & 0xFFFF) << 64) | random_lo;
  std::string out(26, '0');
  for (int i = 25; i >= 0; --i) {
    out[i] = kCrockford[static_cast<unsigned>(value & 0x1F)];
    value >>= 5;
  }
  return out;
}

std::string newUlid(TimePoint at) {
  uint64_t r[2] = {0, 0};
  RAND_bytes(reinterpret_cast<unsigned char*>(r), sizeof r);
  return makeUlid(at, r[0], r[1]);
}

std::string derivedId(std::string_view parent_id, std::string_view purpose) {
  Sha256 h;
  h.update(parent_id);
  h.update(std::string_view("\0", 1));
  h.update(purpose);
  Sha256Digest d = h.finish();
  // "d-" + 32 hex chars (128 bits) keeps derived ids recognisable and collision-safe.
  return "d-" + toHex(d.data(), 16);
}

bool isValidEventId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace pb
