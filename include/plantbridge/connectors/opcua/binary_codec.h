// OPC UA Binary encoding (OPC 10000-6, 5.2) of the built-in types.
//
// BinaryWriter appends to a byte string and cannot fail. BinaryReader reads from bytes it does
// not own: every read is bounds-checked, and a malformed or hostile input yields a Status
// (kInvalidArgument for bytes that break the encoding, kResourceExhausted for a length, count
// or nesting over DecodeLimits) — never an exception, a crash or an allocation the input alone
// decides. After an error the reader's position is unspecified; discard it.
// Thread-safety: one reader or writer per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/connectors/opcua/types.h"

namespace pb::opcua {

struct DecodeLimits {
  // Elements in any one array (a Variant's values, a response's results, ...).
  int32_t max_array_length = 100'000;
  // Bytes in one String, ByteString or XmlElement.
  int32_t max_string_length = 16 * 1024 * 1024;
  // Variants in Variants, DataValues in Variants, DiagnosticInfos in DiagnosticInfos.
  int max_nesting_depth = 16;
};

class BinaryWriter {
 public:
  void writeBoolean(bool v) { writeByte(v ? 1 : 0); }
  void writeSByte(int8_t v) { writeByte(static_cast<uint8_t>(v)); }
  void writeByte(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void writeInt16(int16_t v) { writeUInt16(static_cast<uint16_t>(v)); }
  void writeUInt16(uint16_t v);
  void writeInt32(int32_t v) { writeUInt32(static_cast<uint32_t>(v)); }
  void writeUInt32(uint32_t v);
  void writeInt64(int64_t v) { writeUInt64(static_cast<uint64_t>(v)); }
  void writeUInt64(uint64_t v);
  void writeFloat(float v);
  void writeDouble(double v);
  // A String with its Int32 length; use writeNullString for the null String (length -1).
  void writeString(std::string_view v);
  void writeNullString() { writeInt32(-1); }
  void writeDateTime(DateTime v) { writeInt64(v.ticks); }
  void writeGuid(const Guid& v);
  void writeByteString(const ByteString& v);
  void writeXmlElement(const XmlElement& v) { writeString(v.xml); }
  // The smallest encoding that holds the value (two-byte, four-byte, numeric, ...).
  void writeNodeId(const NodeId& v);
  void writeExpandedNodeId(const ExpandedNodeId& v);
  void writeStatusCode(StatusCode v) { writeUInt32(v.value); }
  void writeQualifiedName(const QualifiedName& v);
  void writeLocalizedText(const LocalizedText& v);
  void writeExtensionObject(const ExtensionObject& v);
  void writeDataValue(const DataValue& v);
  void writeVariant(const Variant& v);
  void writeDiagnosticInfo(const DiagnosticInfo& v);
  // Raw bytes, no length prefix.
  void writeRaw(std::string_view bytes) { out_.append(bytes); }

  // Overwrites 4 bytes at `offset` (a length or size field written before its content).
  void patchUInt32(size_t offset, uint32_t v);
  size_t size() const { return out_.size(); }
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void writeScalar(BuiltinType type, const Scalar& v);
  std::string out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(std::string_view bytes, DecodeLimits limits = {})
      : bytes_(bytes), limits_(limits) {}

  Status readBoolean(bool& v);
  Status readSByte(int8_t& v);
  Status readByte(uint8_t& v);
  Status readInt16(int16_t& v);
  Status readUInt16(uint16_t& v);
  Status readInt32(int32_t& v);
  Status readUInt32(uint32_t& v);
  Status readInt64(int64_t& v);
  Status readUInt64(uint64_t& v);
  Status readFloat(float& v);
  Status readDouble(double& v);
  // A null String (length -1) reads as empty; readNullableString tells them apart.
  Status readString(std::string& v);
  Status readNullableString(std::optional<std::string>& v);
  Status readDateTime(DateTime& v);
  Status readGuid(Guid& v);
  Status readByteString(ByteString& v);
  Status readXmlElement(XmlElement& v);
  Status readNodeId(NodeId& v);
  Status readExpandedNodeId(ExpandedNodeId& v);
  Status readStatusCode(StatusCode& v);
  Status readQualifiedName(QualifiedName& v);
  Status readLocalizedText(LocalizedText& v);
  Status readExtensionObject(ExtensionObject& v);
  Status readDataValue(DataValue& v);
  Status readVariant(Variant& v);
  Status readDiagnosticInfo(DiagnosticInfo& v);
  // `n` raw bytes.
  Status readRaw(size_t n, std::string_view& v);

  // An array's Int32 length: -1 (null) reads as 0; other negatives and lengths over
  // max_array_length, or more elements than bytes left (each takes at least
  // `min_element_size` bytes), are errors — so a hostile length cannot reserve memory.
  Status readArrayLength(int32_t& length, size_t min_element_size = 1);
  // An array of elements read by `read_one(reader, element)`.
  template <typename T, typename ReadOne>
  Status readArray(std::vector<T>& out, ReadOne read_one, size_t min_element_size = 1) {
    int32_t length = 0;
    PB_RETURN_IF_ERROR(readArrayLength(length, min_element_size));
    out.clear();
    out.reserve(static_cast<size_t>(length));
    for (int32_t i = 0; i < length; ++i) {
      T element{};
      PB_RETURN_IF_ERROR(read_one(*this, element));
      out.push_back(std::move(element));
    }
    return Status::ok();
  }

  size_t position() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }
  bool atEnd() const { return pos_ == bytes_.size(); }
  const DecodeLimits& limits() const { return limits_; }

 private:
  Status need(size_t n, const char* what);
  Status readLengthPrefixed(std::string& v, bool& is_null, const char* what);
  Status readScalar(BuiltinType type, Scalar& v);
  // Counts nesting of the recursive types; an error past max_nesting_depth.
  Status enter(const char* what);
  void leave() { --depth_; }

  std::string_view bytes_;
  size_t pos_ = 0;
  DecodeLimits limits_;
  int depth_ = 0;
};

// Convenience for tests and callers with a whole buffer: decodes one value and requires that
// nothing is left over.
template <typename T>
Result<T> decodeAll(std::string_view bytes, Status (BinaryReader::*read)(T&),
                    DecodeLimits limits = {}) {
  BinaryReader reader(bytes, limits);
  T value{};
  PB_RETURN_IF_ERROR((reader.*read)(value));
  if (!reader.atEnd()) {
    return Status::invalidArgument(std::to_string(reader.remaining()) +
                                   " bytes left over after the value");
  }
  return value;
}

}  // namespace pb::opcua
