#include "validators.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <boost/json/stream_parser.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <charconv>
#include <vector>

#include "plantbridge/common/time.h"
#include "plantbridge/config/config.h"

namespace pb::config_internal {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// A short excerpt for messages, so a long body does not flood the error list.
std::string excerpt(std::string_view text, size_t from) {
  constexpr size_t kMax = 24;
  std::string_view part = text.substr(std::min(from, text.size()), kMax);
  std::string out(part);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (from + kMax < text.size()) out += "...";
  return quoted(out);
}

// Edit distance counting a swap of neighbours as one edit ("tsl" -> "tls"), the commonest typo.
size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

bool isHostnameLabelChar(char c) { return isAlpha(c) || isDigit(c) || c == '-'; }

bool isHostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    if (!std::all_of(label.begin(), label.end(), isHostnameLabelChar)) return false;
    start = dot + 1;
  }
  return true;
}

// Walks the placeholders of a template; calls on_placeholder(open, end) for each "{{...}}"
// ([open, end) covers the braces too). `route_values`: the placeholders a route adds to its
// body ({{running_total}}) are known too.
template <typename OnPlaceholder>
Status scanTemplate(std::string_view text, bool allow_stray_close, bool route_values,
                    OnPlaceholder on_placeholder) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("{{", i);
    const size_t close = text.find("}}", i);
    if (close < open) {
      if (!allow_stray_close) {
        return Status::invalidArgument("'}}' at character " + std::to_string(close + 1) +
                                       " has no matching '{{' (template " + excerpt(text, 0) + ")");
      }
      i = close + 2;
      continue;
    }
    if (open == std::string_view::npos) break;
    const size_t end = text.find("}}", open + 2);
    const size_t next_open = text.find("{{", open + 2);
    if (end == std::string_view::npos) {
      return Status::invalidArgument("unbalanced template: " + excerpt(text, open) +
                                     " is never closed with '}}'");
    }
    if (next_open < end) {
      return Status::invalidArgument("unbalanced template: " + excerpt(text, open) +
                                     " is not closed before the next '{{'");
    }
    // Trimmed and read as the pipeline's template engine does: spaces only, '?' = optional.
    std::string_view inner = text.substr(open + 2, end - open - 2);
    while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
    while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
    if (inner.empty()) {
      return Status::invalidArgument("empty placeholder at character " + std::to_string(open + 1));
    }
    if (inner.back() == '?') inner.remove_suffix(1);
    if (route_values && isRouteValuePlaceholder(inner)) {
      // Known; whether the route defines it is the pipeline's check (RouteStage::create).
    } else if (const Status field = checkEventFieldPath(inner); !field.isOk()) {
      return Status::invalidArgument("unknown placeholder '" +
                                     std::string(text.substr(open, end + 2 - open)) +
                                     "': " + field.message());
    }
    on_placeholder(open, end + 2);
    i = end + 2;
  }
  return Status::ok();
}

}  // namespace

Result<HostPort> parseListen(std::string_view text) {
  const auto usage = [&](const std::string& why) {
    return Status::invalidArgument(why +
                                   " (expected host:port, e.g. 127.0.0.1:8080 or [::1]:8080)");
  };
  HostPort out;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t bracket = text.find(']');
    if (bracket == std::string_view::npos) return usage("unclosed '[' in " + quoted(text));
    out.host = std::string(text.substr(1, bracket - 1));
    std::array<unsigned char, 16> buf{};
    if (inet_pton(AF_INET6, out.host.c_str(), buf.data()) != 1) {
      return usage(quoted(out.host) + " is not an IPv6 address");
    }
    if (bracket + 1 >= text.size() || text[bracket + 1] != ':') {
      return usage("no port in " + quoted(text));
    }
    port_text = text.substr(bracket + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return usage("no port in " + quoted(text));
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (out.host.empty()) return usage("no host in " + quoted(text));
    if (out.host.find(':') != std::string::npos) {
      return usage("an IPv6 address must be in brackets");
    }
    const bool looks_numeric = std::all_of(out.host.begin(), out.host.end(),
                                           [](char c) { return isDigit(c) || c == '.'; });
    std::array<unsigned char, 4> buf{};
    if (looks_numeric ? inet_pton(AF_INET, out.host.c_str(), buf.data()) != 1
                      : !isHostname(out.host)) {
      return usage(quoted(out.host) + " is not a valid host name or IPv4 address");
    }
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || port_text.size() > 5 || ec != std::errc() ||
      end != port_text.data() + port_text.size() || port > 65535) {
    return usage("port " + quoted(port_text) + " is not a number from 0 to 65535");
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

Result<size_t> parseByteSize(std::string_view text) {
  const auto fail = [&] {
    return Status::invalidArgument("not a size: " + quoted(text) +
                                   " (use a number of bytes or e.g. 512KiB, 8MiB, 1GiB)");
  };
  size_t digits = 0;
  while (digits < text.size() && isDigit(text[digits])) ++digits;
  if (digits == 0 || digits > 19) return fail();
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + digits, value);
  std::string_view unit = text.substr(digits);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  static constexpr std::array<std::pair<std::string_view, uint64_t>, 8> kUnits = {{
      {"", 1},
      {"b", 1},
      {"kb", 1000},
      {"mb", 1000 * 1000},
      {"gb", 1000 * 1000 * 1000},
      {"kib", 1024},
      {"mib", 1024 * 1024},
      {"gib", 1024 * 1024 * 1024},
  }};
  const std::string unit_lower = lower(unit);
  for (const auto& [name, factor] : kUnits) {
    if (unit_lower != name) continue;
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(value, factor, &bytes)) return fail();
    return static_cast<size_t>(bytes);
  }
  return fail();
}

Result<std::chrono::milliseconds> parseConfigDuration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  // Pre-check the shape so parseDuration never sees exponents, "inf" or values that would
  // overflow a millisecond count.
  size_t i = 0;
  while (i < text.size() && isDigit(text[i])) ++i;
  bool ok = i >= 1 && i <= 9;
  if (ok && i < text.size() && text[i] == '.') {
    const size_t frac_start = ++i;
    while (i < text.size() && isDigit(text[i])) ++i;
    ok = i > frac_start && i - frac_start <= 6;
  }
  const std::string_view unit = text.substr(std::min(i, text.size()));
  ok = ok && (unit == "ms" || unit == "s" || unit == "m" || unit == "h" || unit == "d");
  if (!ok) {
    return Status::invalidArgument("not a duration: " + quoted(text) +
                                   " (use e.g. 500ms, 30s, 5m, 2h, 1d)");
  }
  return parseDuration(text);
}

Status checkHttpUrl(std::string_view text) {
  const auto fail = [&](const std::string& why) {
    return Status::invalidArgument("must be an http(s) URL: " + why);
  };
  auto parsed = boost::urls::parse_absolute_uri(boost::urls::string_view(text.data(), text.size()));
  if (!parsed) return fail(quoted(text) + " is not a valid absolute URL");
  const boost::urls::url_view& url = *parsed;
  if (url.scheme_id() != boost::urls::scheme::http &&
      url.scheme_id() != boost::urls::scheme::https) {
    return fail("scheme " + quoted(std::string(url.scheme())) + " is not http or https");
  }
  if (!url.has_authority() || url.encoded_host().empty()) return fail("no host in " + quoted(text));
  if (url.has_userinfo()) {
    return fail("credentials in the URL would end up in logs; use `headers` instead");
  }
  if (url.has_port()) {
    const std::string_view port(url.port().data(), url.port().size());
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
        value > 65535) {
      return fail("port " + quoted(port) + " is not a number from 1 to 65535");
    }
  }
  if (url.has_fragment()) return fail("a URL fragment ('#...') is never sent to a server");
  return Status::ok();
}

bool isHttpsUrl(std::string_view text) {
  auto parsed = boost::urls::parse_absolute_uri(boost::urls::string_view(text.data(), text.size()));
  return parsed && parsed->scheme_id() == boost::urls::scheme::https;
}

Status checkTemplate(std::string_view text, bool allow_stray_close) {
  return scanTemplate(text, allow_stray_close, /*route_values=*/false, [](size_t, size_t) {});
}

Status checkJsonTemplate(std::string_view text) {
  std::string filled;
  size_t copied = 0;
  PB_RETURN_IF_ERROR(scanTemplate(text, /*allow_stray_close=*/true, /*route_values=*/true,
                                  [&](size_t open, size_t end) {
                                    filled.append(text.substr(copied, open - copied));
                                    filled += '0';
                                    copied = end;
                                  }));
  filled.append(text.substr(copied));

  boost::json::stream_parser parser;
  boost::system::error_code ec;
  const size_t consumed = parser.write_some(filled.data(), filled.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return Status::invalidArgument("not valid JSON once its placeholders are filled (" +
                                   ec.message() + " near " +
                                   excerpt(filled, consumed > 8 ? consumed - 8 : 0) + ")");
  }
  return Status::ok();
}

Status checkEventFieldPath(std::string_view path, FieldUse use) {
  static constexpr std::array<std::string_view, 12> kPlain = {
      "id",          "type",           "site",         "source",         "asset",   "occurred_at",
      "received_at", "correlation_id", "causation_id", "schema_version", "payload", "event"};
  static constexpr std::array<std::string_view, 12> kRoots = {
      "id",          "type",           "site",         "source",         "asset",   "occurred_at",
      "received_at", "correlation_id", "causation_id", "schema_version", "context", "payload"};
  if (std::find(kPlain.begin(), kPlain.end(), path) != kPlain.end()) {
    if (use == FieldUse::kMatch && (path == "payload" || path == "event")) {
      return Status::invalidArgument("cannot match on the whole " + std::string(path) +
                                     "; name one field, e.g. payload.<key>");
    }
    return Status::ok();
  }
  const bool bad_char = std::any_of(path.begin(), path.end(), [](char c) {
    return c == '{' || c == '}' || c == '"' || c == '\\' || c == ' ' ||
           static_cast<unsigned char>(c) < 0x20;
  });
  if (bad_char) {
    return Status::invalidArgument(quoted(path) +
                                   ": spaces, quotes, braces and control characters are not "
                                   "allowed in a field name");
  }
  const size_t dot = path.find('.');
  const std::string_view root = path.substr(0, dot);
  if (root == "context" || root == "payload") {
    if (dot == std::string_view::npos || dot + 1 == path.size()) {
      return Status::invalidArgument("name a key: " + std::string(root) + ".<key>");
    }
    if (root == "payload") {
      const std::string_view rest = path.substr(dot + 1);
      if (rest.front() == '.' || rest.back() == '.' || rest.find("..") != std::string_view::npos) {
        return Status::invalidArgument(quoted(path) + " has an empty path segment");
      }
    }
    return Status::ok();
  }
  if (std::find(kPlain.begin(), kPlain.end(), root) != kPlain.end()) {
    return Status::invalidArgument(quoted(root) + " has no sub-fields");
  }
  return Status::invalidArgument(
      "unknown event field " + quoted(path) + didYouMean(root, kRoots) +
      "; use one of id, type, site, source, asset, occurred_at, received_at, correlation_id, "
      "causation_id, schema_version, context.<key>, payload, payload.<path> or event");
}

bool isEventType(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    const std::string_view word = text.substr(start, dot - start);
    if (word.empty() || !isLower(word.front())) return false;
    for (char c : word) {
      if (!isLower(c) && !isDigit(c) && c != '_') return false;
    }
    start = dot + 1;
  }
  return true;
}

bool isName(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return isAlpha(c) || isDigit(c) || c == '.' || c == '_' || c == '-';
  });
}

bool isIdentifier(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  if (!isAlpha(text.front()) && text.front() != '_') return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return isAlpha(c) || isDigit(c) || c == '_'; });
}

bool isAssetId(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f;
  });
}

bool isSha256Hex(std::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

bool isHeaderName(std::string_view text) {
  static constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return isAlpha(c) || isDigit(c) || kTokenPunctuation.find(c) != std::string_view::npos;
  });
}

bool isHeaderValue(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

std::optional<std::string_view> closestMatch(std::string_view word,
                                             std::span<const std::string_view> candidates) {
  const std::string word_lower = lower(word);
  // About one edit per three letters: short words need a near-exact hit, or "id" would
  // suggest every two-letter key.
  const size_t limit = std::clamp<size_t>((word.size() + 1) / 3, 1, 4);
  std::optional<std::string_view> best;
  size_t best_distance = limit + 1;
  for (std::string_view candidate : candidates) {
    const size_t d = editDistance(word_lower, lower(candidate));
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::string didYouMean(std::string_view word, std::span<const std::string_view> candidates) {
  const auto match = closestMatch(word, candidates);
  if (!match) return "";
  return " (did you mean '" + std::string(*match) + "'?)";
}

}  // namespace pb::config_internal
