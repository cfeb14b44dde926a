// Checks on single config values, independent of YAML so they can be tested on their own.
// Each answers a value or a Status whose message completes "<key>: ..." in a ConfigError.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "plantbridge/common/status.h"

namespace pb::config_internal {

struct HostPort {
  std::string host;  // IPv6 without brackets
  uint16_t port = 0;
};

// "127.0.0.1:8080", "localhost:0", "[::1]:8080". The port is required (0: any free port).
Result<HostPort> parseListen(std::string_view text);

// "1048576", "512KiB", "8MiB", "1GiB", "10MB" (decimal units are powers of 1000).
Result<size_t> parseByteSize(std::string_view text);

// parseDuration() plus the forms a config file needs: "0" for zero, and no absurd magnitudes.
Result<std::chrono::milliseconds> parseConfigDuration(std::string_view text);

// An absolute http:// or https:// URL with a host, no credentials and a valid port.
Status checkHttpUrl(std::string_view text);
bool isHttpsUrl(std::string_view text);

// Placeholders are "{{ path }}" or "{{ path? }}" (optional). Every "{{" must be closed by "}}"
// before the next "{{", and each placeholder must name an event field (checkEventFieldPath). A
// "}}" outside a placeholder is an error unless `allow_stray_close` (JSON bodies end objects
// with "}}" all the time).
Status checkTemplate(std::string_view text, bool allow_stray_close);
// checkTemplate(), then the text with every placeholder replaced by 0 must be valid JSON, so a
// broken body is found at start-up rather than at every delivery.
Status checkJsonTemplate(std::string_view text);

// How an event field is used: a template placeholder or `require` entry may name any field,
// a route condition only a single value (not the whole payload or event).
enum class FieldUse { kValue, kMatch };

// An event field as the pipeline's templates address it (pipeline/template.h): id, type, site,
// source, asset, occurred_at, received_at, correlation_id, causation_id, schema_version,
// context.<key>, payload, payload.<a>[.<b>...], event. Kept in step with isValidFieldPath()
// there, which config cannot call (dependencies point from pipeline to config).
Status checkEventFieldPath(std::string_view path, FieldUse use = FieldUse::kValue);

// "production.count": lower-case dot-separated words.
bool isEventType(std::string_view text);
// Names of tokens, targets, routes, rules: letters, digits, '.', '_', '-'.
bool isName(std::string_view text);
// Keys of payload fields, context keys and mapped identifiers: [A-Za-z_][A-Za-z0-9_]*.
bool isIdentifier(std::string_view text);
// Canonical asset ids: no whitespace or control characters, at most 128 bytes.
bool isAssetId(std::string_view text);
bool isSha256Hex(std::string_view text);
// RFC 9110 token characters.
bool isHeaderName(std::string_view text);
bool isHeaderValue(std::string_view text);

// The candidate closest to `word` when it is close enough to be a likely typo.
std::optional<std::string_view> closestMatch(std::string_view word,
                                             std::span<const std::string_view> candidates);
// "unknown key 'lisen' (did you mean 'listen'?)" style suffix, or "" when nothing is close.
std::string didYouMean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace pb::config_internal
