// Identifiers: ULIDs for new events and stable derived ids for events and transactions made
// from other events (so a replay derives the very same id and is de-duplicated).
#pragma once

#include <string>
#include <string_view>

#include "plantbridge/common/time.h"

namespace pb {

// A 26-character Crockford base32 ULID. `random_bits` lets tests make ids deterministic.
std::string makeUlid(TimePoint at, uint64_t random_hi, uint64_t random_lo);
// A ULID from the system's CSPRNG (thread-safe).
std::string newUlid(TimePoint at);
// A deterministic id derived from a parent id and a purpose, e.g. the production.count
// derived by qualifier "part-counter" from machine.counter event X. Same inputs, same id.
std::string derivedId(std::string_view parent_id, std::string_view purpose);
// True when `id` is acceptable as an event id: 1..128 chars of [A-Za-z0-9._:-].
bool isValidEventId(std::string_view id);

}  // namespace pb
