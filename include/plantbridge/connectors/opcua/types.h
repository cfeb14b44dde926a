// The OPC UA built-in types (OPC 10000-6, 5.1.2) as plain values.
//
// These are what the binary codec (binary_codec.h) reads and writes and what the client hands
// to callers. They carry no behaviour beyond comparison, text forms and a few constructors.
// Thread-safety: values, no shared state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plantbridge/common/status.h"

namespace pb::opcua {

// The built-in type ids (OPC 10000-6, Table 1); also the low 6 bits of a Variant's encoding byte.
enum class BuiltinType : uint8_t {
  kNull = 0,
  kBoolean = 1,
  kSByte = 2,
  kByte = 3,
  kInt16 = 4,
  kUInt16 = 5,
  kInt32 = 6,
  kUInt32 = 7,
  kInt64 = 8,
  kUInt64 = 9,
  kFloat = 10,
  kDouble = 11,
  kString = 12,
  kDateTime = 13,
  kGuid = 14,
  kByteString = 15,
  kXmlElement = 16,
  kNodeId = 17,
  kExpandedNodeId = 18,
  kStatusCode = 19,
  kQualifiedName = 20,
  kLocalizedText = 21,
  kExtensionObject = 22,
  kDataValue = 23,
  kVariant = 24,
  kDiagnosticInfo = 25,
};
const char* builtinTypeName(BuiltinType type);

// 100-nanosecond ticks since 1601-01-01 UTC (OPC 10000-6, 5.2.2.5). 0 means "no time".
struct DateTime {
  int64_t ticks = 0;
  friend bool operator==(const DateTime&, const DateTime&) = default;
};
// Ticks between 1601-01-01 and 1970-01-01.
inline constexpr int64_t kUnixEpochTicks = 116'444'736'000'000'000;
inline DateTime dateTimeFromUnixMicros(int64_t us) { return {us * 10 + kUnixEpochTicks}; }
inline int64_t unixMicrosFromDateTime(DateTime t) { return (t.ticks - kUnixEpochTicks) / 10; }

struct Guid {
  uint32_t data1 = 0;
  uint16_t data2 = 0;
  uint16_t data3 = 0;
  std::array<uint8_t, 8> data4{};
  friend bool operator==(const Guid&, const Guid&) = default;
  // "72962B91-FA75-4AE6-8D28-B404DC7DAF63"
  std::string toString() const;
  static Result<Guid> parse(std::string_view text);
};

// Opaque bytes; kept apart from String so a Variant knows which one it holds. A null
// ByteString (length -1 on the wire) decodes as empty with is_null set.
struct ByteString {
  std::string bytes;
  bool is_null = false;
  friend bool operator==(const ByteString&, const ByteString&) = default;
};

struct XmlElement {
  std::string xml;
  friend bool operator==(const XmlElement&, const XmlElement&) = default;
};

// A status code (OPC 10000-4, 7.39): the top two bits say Good / Uncertain / Bad.
struct StatusCode {
  uint32_t value = 0;
  bool isGood() const { return (value & 0xC000'0000U) == 0; }
  bool isUncertain() const { return (value & 0xC000'0000U) == 0x4000'0000U; }
  bool isBad() const { return (value & 0x8000'0000U) != 0; }
  friend bool operator==(const StatusCode&, const StatusCode&) = default;
  // "BadNodeIdUnknown (0x80340000)"; unknown codes as hex only.
  std::string toString() const;
};

namespace status {
inline constexpr StatusCode kGood{0};
inline constexpr StatusCode kBadDecodingError{0x8007'0000};
inline constexpr StatusCode kBadEncodingLimitsExceeded{0x8008'0000};
inline constexpr StatusCode kBadTimeout{0x800A'0000};
inline constexpr StatusCode kBadNodeIdUnknown{0x8034'0000};
inline constexpr StatusCode kBadUserAccessDenied{0x801F'0000};
inline constexpr StatusCode kBadIdentityTokenInvalid{0x8020'0000};
inline constexpr StatusCode kBadIdentityTokenRejected{0x8021'0000};
inline constexpr StatusCode kBadNoMatch{0x806F'0000};
inline constexpr StatusCode kBadContinuationPointInvalid{0x804A'0000};
inline constexpr StatusCode kBadTcpMessageTooLarge{0x8080'0000};
}  // namespace status

// OPC 10000-3, 8.2: a namespace index and one of four identifier kinds.
struct NodeId {
  uint16_t namespace_index = 0;
  std::variant<uint32_t, std::string, Guid, ByteString> identifier = uint32_t{0};

  NodeId() = default;
  NodeId(uint16_t ns, uint32_t numeric) : namespace_index(ns), identifier(numeric) {}
  NodeId(uint16_t ns, std::string text) : namespace_index(ns), identifier(std::move(text)) {}
  NodeId(uint16_t ns, Guid guid) : namespace_index(ns), identifier(guid) {}
  NodeId(uint16_t ns, ByteString opaque) : namespace_index(ns), identifier(std::move(opaque)) {}

  // The null NodeId: ns=0;i=0.
  bool isNull() const;
  friend bool operator==(const NodeId&, const NodeId&) = default;
  // The text form of OPC 10000-6, 5.3.1.10: "i=85", "ns=1;s=CNC07.SpindleSpeed",
  // "ns=2;g=72962B91-...", "ns=1;b=<base64>".
  std::string toString() const;
  static Result<NodeId> parse(std::string_view text);
};

struct ExpandedNodeId {
  NodeId node_id;
  std::string namespace_uri;  // empty: not set (the namespace index applies)
  uint32_t server_index = 0;
  friend bool operator==(const ExpandedNodeId&, const ExpandedNodeId&) = default;
};

struct QualifiedName {
  uint16_t namespace_index = 0;
  std::string name;
  friend bool operator==(const QualifiedName&, const QualifiedName&) = default;
};

struct LocalizedText {
  std::optional<std::string> locale;
  std::optional<std::string> text;
  friend bool operator==(const LocalizedText&, const LocalizedText&) = default;
};

// A structure the codec does not know, kept as its encoded body; the service layer decodes
// the bodies it understands (identity tokens, filters, notifications).
struct ExtensionObject {
  enum class Encoding : uint8_t { kNone = 0, kBinary = 1, kXml = 2 };
  NodeId type_id;
  Encoding encoding = Encoding::kNone;
  std::string body;
  friend bool operator==(const ExtensionObject&, const ExtensionObject&) = default;
};

// A heap-held value with value semantics, for the recursive types (a Variant may hold
// DataValues and Variants; a DiagnosticInfo an inner DiagnosticInfo).
template <typename T>
class Boxed {
 public:
  Boxed() : ptr_(std::make_unique<T>()) {}
  Boxed(T value)
      : ptr_(std::make_unique<T>(std::move(value))) {}  // NOLINT(google-explicit-constructor)
  Boxed(const Boxed& other) : ptr_(std::make_unique<T>(*other.ptr_)) {}
  Boxed(Boxed&&) noexcept = default;
  Boxed& operator=(const Boxed& other) {
    if (this != &other) ptr_ = std::make_unique<T>(*other.ptr_);
    return *this;
  }
  Boxed& operator=(Boxed&&) noexcept = default;
  ~Boxed() = default;
  const T& get() const { return *ptr_; }
  T& get() { return *ptr_; }
  friend bool operator==(const Boxed& a, const Boxed& b) { return a.get() == b.get(); }

 private:
  std::unique_ptr<T> ptr_;
};

struct DataValue;
struct Variant;

struct DiagnosticInfo {
  std::optional<int32_t> symbolic_id;
  std::optional<int32_t> namespace_uri;
  std::optional<int32_t> localized_text;
  std::optional<int32_t> locale;
  std::optional<std::string> additional_info;
  std::optional<StatusCode> inner_status_code;
  std::optional<Boxed<DiagnosticInfo>> inner_diagnostic_info;
  friend bool operator==(const DiagnosticInfo&, const DiagnosticInfo&) = default;
};

// One element of a Variant. The alternative's index equals the BuiltinType it holds.
using Scalar =
    std::variant<std::monostate, bool, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t,
                 int64_t, uint64_t, float, double, std::string, DateTime, Guid, ByteString,
                 XmlElement, NodeId, ExpandedNodeId, StatusCode, QualifiedName, LocalizedText,
                 ExtensionObject, Boxed<DataValue>, Boxed<Variant>, DiagnosticInfo>;

// A value of any built-in type, scalar or array (OPC 10000-6, 5.2.2.16). An array holds
// elements of one type; `dimensions` (optional) describe a multi-dimensional array whose
// elements are stored flat, first dimension slowest.
struct Variant {
  BuiltinType type = BuiltinType::kNull;
  bool is_array = false;
  std::vector<Scalar> values;  // one element for a scalar, none for Null
  std::vector<int32_t> dimensions;

  Variant() = default;
  // A scalar; its type follows from the alternative held.
  static Variant scalar(Scalar value);
  static Variant array(BuiltinType type, std::vector<Scalar> values,
                       std::vector<int32_t> dimensions = {});
  bool isNull() const { return type == BuiltinType::kNull; }
  // The scalar value if it holds a T, else nullptr.
  template <typename T>
  const T* get() const {
    if (is_array || values.size() != 1) return nullptr;
    return std::get_if<T>(&values.front());
  }
  friend bool operator==(const Variant&, const Variant&) = default;
};

// A value with its status and timestamps (OPC 10000-4, 7.11); absent fields are not encoded.
struct DataValue {
  std::optional<Variant> value;
  std::optional<StatusCode> status;
  std::optional<DateTime> source_timestamp;
  std::optional<uint16_t> source_picoseconds;
  std::optional<DateTime> server_timestamp;
  std::optional<uint16_t> server_picoseconds;
  // The status, Good when absent (OPC 10000-6, 5.2.2.17).
  StatusCode statusOrGood() const { return status.value_or(StatusCode{}); }
  friend bool operator==(const DataValue&, const DataValue&) = default;
};

}  // namespace pb::opcua
