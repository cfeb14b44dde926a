#include "plantbridge/connectors/opcua/types.h"

#include <openssl/evp.h>

#include <charconv>
#include <cstdio>

namespace pb::opcua {
namespace {

struct NamedStatus {
  uint32_t value;
  const char* name;
};

// The codes a client of ours meets in practice; values from node-opcua-status-code 2.182.2
// (tools/opcua_sim/node_modules), which follows OPC 10000-4 Annex A / StatusCode.csv.
constexpr NamedStatus kStatusNames[] = {
    {0x00000000, "Good"},
    {0x002D0000, "GoodSubscriptionTransferred"},
    {0x00A50000, "GoodNoData"},
    {0x40900000, "UncertainLastUsableValue"},
    {0x40920000, "UncertainInitialValue"},
    {0x80010000, "BadUnexpectedError"},
    {0x80020000, "BadInternalError"},
    {0x80030000, "BadOutOfMemory"},
    {0x80050000, "BadCommunicationError"},
    {0x80060000, "BadEncodingError"},
    {0x80070000, "BadDecodingError"},
    {0x80080000, "BadEncodingLimitsExceeded"},
    {0x80090000, "BadUnknownResponse"},
    {0x800A0000, "BadTimeout"},
    {0x800B0000, "BadServiceUnsupported"},
    {0x800C0000, "BadShutdown"},
    {0x800D0000, "BadServerNotConnected"},
    {0x800F0000, "BadNothingToDo"},
    {0x80100000, "BadTooManyOperations"},
    {0x80130000, "BadSecurityChecksFailed"},
    {0x801F0000, "BadUserAccessDenied"},
    {0x80200000, "BadIdentityTokenInvalid"},
    {0x80210000, "BadIdentityTokenRejected"},
    {0x80220000, "BadSecureChannelIdInvalid"},
    {0x80250000, "BadSessionIdInvalid"},
    {0x80260000, "BadSessionClosed"},
    {0x80270000, "BadSessionNotActivated"},
    {0x80280000, "BadSubscriptionIdInvalid"},
    {0x802B0000, "BadTimestampsToReturnInvalid"},
    {0x80310000, "BadNoCommunication"},
    {0x80320000, "BadWaitingForInitialData"},
    {0x80330000, "BadNodeIdInvalid"},
    {0x80340000, "BadNodeIdUnknown"},
    {0x80350000, "BadAttributeIdInvalid"},
    {0x80360000, "BadIndexRangeInvalid"},
    {0x80380000, "BadDataEncodingInvalid"},
    {0x803A0000, "BadNotReadable"},
    {0x80440000, "BadMonitoredItemFilterUnsupported"},
    {0x80450000, "BadFilterNotAllowed"},
    {0x804A0000, "BadContinuationPointInvalid"},
    {0x804B0000, "BadNoContinuationPoints"},
    {0x804C0000, "BadReferenceTypeIdInvalid"},
    {0x804D0000, "BadBrowseDirectionInvalid"},
    {0x804E0000, "BadNodeNotInView"},
    {0x80550000, "BadSecurityPolicyRejected"},
    {0x80560000, "BadTooManySessions"},
    {0x80570000, "BadUserSignatureInvalid"},
    {0x80600000, "BadBrowseNameInvalid"},
    {0x806B0000, "BadViewIdUnknown"},
    {0x806D0000, "BadTooManyMatches"},
    {0x806F0000, "BadNoMatch"},
    {0x80700000, "BadMaxAgeInvalid"},
    {0x80780000, "BadTooManyPublishRequests"},
    {0x80790000, "BadNoSubscription"},
    {0x807A0000, "BadSequenceNumberUnknown"},
    {0x807B0000, "BadMessageNotAvailable"},
    {0x807E0000, "BadTcpMessageTypeInvalid"},
    {0x807F0000, "BadTcpSecureChannelUnknown"},
    {0x80800000, "BadTcpMessageTooLarge"},
    {0x80810000, "BadTcpNotEnoughResources"},
    {0x80820000, "BadTcpInternalError"},
    {0x80830000, "BadTcpEndpointUrlInvalid"},
    {0x80850000, "BadRequestTimeout"},
    {0x80860000, "BadSecureChannelClosed"},
    {0x80870000, "BadSecureChannelTokenUnknown"},
    {0x80880000, "BadSequenceNumberInvalid"},
    {0x808A0000, "BadNotConnected"},
    {0x808D0000, "BadOutOfService"},
    {0x808E0000, "BadDeadbandFilterInvalid"},
    {0x80AB0000, "BadInvalidArgument"},
    {0x80AE0000, "BadConnectionClosed"},
    {0x80AF0000, "BadInvalidState"},
    {0x80B10000, "BadNoDataAvailable"},
    {0x80B80000, "BadRequestTooLarge"},
    {0x80B90000, "BadResponseTooLarge"},
    {0x80BE0000, "BadProtocolVersionUnsupported"},
    {0x80C60000, "BadIdentityChangeNotSupported"},
};

std::string hex32(uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

Result<uint64_t> parseUnsigned(std::string_view text, uint64_t max, const char* what) {
  uint64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value > max) {
    return Status::invalidArgument(std::string(what) + ": '" + std::string(text) +
                                   "' is not a number in 0.." + std::to_string(max));
  }
  return value;
}

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::string> base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return Status::invalidArgument("base64: length not a multiple of 4");
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return Status::invalidArgument("base64: not valid base64");
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

}  // namespace

const char* builtinTypeName(BuiltinType type) {
  static constexpr const char* kNames[] = {
      "Null",          "Boolean",       "SByte",           "Byte",           "Int16",
      "UInt16",        "Int32",         "UInt32",          "Int64",          "UInt64",
      "Float",         "Double",        "String",          "DateTime",       "Guid",
      "ByteString",    "XmlElement",    "NodeId",          "ExpandedNodeId", "StatusCode",
      "QualifiedName", "LocalizedText", "ExtensionObject", "DataValue",      "Variant",
      "DiagnosticInfo"};
  const auto index = static_cast<size_t>(type);
  return index < std::size(kNames) ? kNames[index] : "Unknown";
}

std::string Guid::toString() const {
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", data1, data2,
                data3, data4[0], data4[1], data4[2], data4[3], data4[4], data4[5], data4[6],
                data4[7]);
  return buf;
}

Result<Guid> Guid::parse(std::string_view text) {
  // 8-4-4-4-12 hex digits.
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return Status::invalidArgument("Guid: '" + std::string(text) +
                                   "' is not of the form XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX");
  }
  auto hex = [&](size_t pos, size_t len, uint64_t& out) {
    const auto* begin = text.data() + pos;
    auto [ptr, ec] = std::from_chars(begin, begin + len, out, 16);
    return ec == std::errc() && ptr == begin + len;
  };
  Guid g;
  uint64_t a = 0, b = 0, c = 0, d = 0, e = 0;
  if (!hex(0, 8, a) || !hex(9, 4, b) || !hex(14, 4, c) || !hex(19, 4, d) || !hex(24, 12, e)) {
    return Status::invalidArgument("Guid: '" + std::string(text) + "' has non-hex digits");
  }
  g.data1 = static_cast<uint32_t>(a);
  g.data2 = static_cast<uint16_t>(b);
  g.data3 = static_cast<uint16_t>(c);
  g.data4[0] = static_cast<uint8_t>(d >> 8);
  g.data4[1] = static_cast<uint8_t>(d);
  for (int i = 0; i < 6; ++i) g.data4[2 + i] = static_cast<uint8_t>(e >> (8 * (5 - i)));
  return g;
}

std::string StatusCode::toString() const {
  // Only the code bits (the upper 16) name a status; the low bits are info flags.
  const uint32_t code = value & 0xFFFF'0000U;
  for (const auto& entry : kStatusNames) {
    if (entry.value == code) return std::string(entry.name) + " (" + hex32(value) + ")";
  }
  return hex32(value);
}

bool NodeId::isNull() const {
  if (namespace_index != 0) return false;
  if (const auto* n = std::get_if<uint32_t>(&identifier)) return *n == 0;
  if (const auto* s = std::get_if<std::string>(&identifier)) return s->empty();
  if (const auto* g = std::get_if<Guid>(&identifier)) return *g == Guid{};
  return std::get<ByteString>(identifier).bytes.empty();
}

std::string NodeId::toString() const {
  std::string out = namespace_index == 0 ? "" : "ns=" + std::to_string(namespace_index) + ";";
  if (const auto* n = std::get_if<uint32_t>(&identifier)) return out + "i=" + std::to_string(*n);
  if (const auto* s = std::get_if<std::string>(&identifier)) return out + "s=" + *s;
  if (const auto* g = std::get_if<Guid>(&identifier)) return out + "g=" + g->toString();
  return out + "b=" + base64Encode(std::get<ByteString>(identifier).bytes);
}

Result<NodeId> NodeId::parse(std::string_view text) {
  uint16_t ns = 0;
  if (text.starts_with("ns=")) {
    const auto semicolon = text.find(';');
    if (semicolon == std::string_view::npos) {
      return Status::invalidArgument("NodeId '" + std::string(text) + "': missing ';' after ns=");
    }
    auto index = parseUnsigned(text.substr(3, semicolon - 3), 0xFFFF, "NodeId namespace");
    if (!index.isOk()) return index.status();
    ns = static_cast<uint16_t>(*index);
    text.remove_prefix(semicolon + 1);
  }
  if (text.size() < 2 || text[1] != '=') {
    return Status::invalidArgument("NodeId '" + std::string(text) +
                                   "': expected i=, s=, g= or b= (e.g. ns=1;s=Machine.Speed)");
  }
  const std::string_view value = text.substr(2);
  switch (text[0]) {
    case 'i': {
      auto n = parseUnsigned(value, 0xFFFF'FFFF, "NodeId numeric identifier");
      if (!n.isOk()) return n.status();
      return NodeId(ns, static_cast<uint32_t>(*n));
    }
    case 's':
      if (value.empty()) return Status::invalidArgument("NodeId: empty string identifier");
      return NodeId(ns, std::string(value));
    case 'g': {
      auto g = Guid::parse(value);
      if (!g.isOk()) return g.status();
      return NodeId(ns, *g);
    }
    case 'b': {
      auto bytes = base64Decode(value);
      if (!bytes.isOk()) return bytes.status();
      return NodeId(ns, ByteString{std::move(*bytes), false});
    }
    default:
      return Status::invalidArgument("NodeId '" + std::string(text) +
                                     "': identifier type must be i, s, g or b");
  }
}

Variant Variant::scalar(Scalar value) {
  Variant v;
  v.type = static_cast<BuiltinType>(value.index());
  if (v.type != BuiltinType::kNull) v.values.push_back(std::move(value));
  return v;
}

Variant Variant::array(BuiltinType type, std::vector<Scalar> values,
                       std::vector<int32_t> dimensions) {
  Variant v;
  v.type = type;
  v.is_array = true;
  v.values = std::move(values);
  v.dimensions = std::move(dimensions);
  return v;
}

}  // namespace pb::opcua
