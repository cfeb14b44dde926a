// The journal's hash chain (docs/storage-format.md, "The hash chain").
#pragma once

#include <cstdint>
#include <string_view>

#include "plantbridge/common/crypto.h"

namespace pb {

// The last record of the chain: the seq and hash the next record continues from. The empty
// journal's head is seq 0 with an all-zero hash (the first record's prev_hash).
struct JournalHead {
  int64_t seq = 0;
  Sha256Digest hash{};
  bool operator==(const JournalHead&) const = default;
};

// sha256(prev_hash || seq as 8 bytes big-endian || body).
Sha256Digest chainHash(const Sha256Digest& prev_hash, int64_t seq, std::string_view body);

}  // namespace pb
