// Writing JSON strings by hand (logs, error bodies, ingest answers) without a JSON library.
#pragma once

#include <string>
#include <string_view>

namespace pb {

// Appends `text` to `out` as a quoted JSON string (escaping quotes, backslashes, control
// characters; bytes >= 0x80 are passed through, invalid UTF-8 is replaced by U+FFFD).
void appendJsonString(std::string& out, std::string_view text);
// The same without the quotes: for text placed inside a string that is already open (a
// template's "...{{field}}...").
void appendJsonEscaped(std::string& out, std::string_view text);
std::string jsonString(std::string_view text);

}  // namespace pb
