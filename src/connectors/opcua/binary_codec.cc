#include "plantbridge/connectors/opcua/binary_codec.h"

#include <bit>
#include <cstring>
#include <limits>

namespace pb::opcua {
namespace {

// NodeId encoding byte (OPC 10000-6, Table 17).
constexpr uint8_t kNodeIdTwoByte = 0x00;
constexpr uint8_t kNodeIdFourByte = 0x01;
constexpr uint8_t kNodeIdNumeric = 0x02;
constexpr uint8_t kNodeIdString = 0x03;
constexpr uint8_t kNodeIdGuid = 0x04;
constexpr uint8_t kNodeIdByteString = 0x05;
constexpr uint8_t kExpandedNamespaceUriFlag = 0x80;
constexpr uint8_t kExpandedServerIndexFlag = 0x40;

// LocalizedText, DataValue, DiagnosticInfo and Variant encoding masks (OPC 10000-6, 5.2.2).
constexpr uint8_t kLocalizedTextLocale = 0x01;
constexpr uint8_t kLocalizedTextText = 0x02;
constexpr uint8_t kDataValueValue = 0x01;
constexpr uint8_t kDataValueStatus = 0x02;
constexpr uint8_t kDataValueSourceTimestamp = 0x04;
constexpr uint8_t kDataValueServerTimestamp = 0x08;
constexpr uint8_t kDataValueSourcePicoseconds = 0x10;
constexpr uint8_t kDataValueServerPicoseconds = 0x20;
constexpr uint8_t kDiagSymbolicId = 0x01;
constexpr uint8_t kDiagNamespaceUri = 0x02;
constexpr uint8_t kDiagLocalizedText = 0x04;
constexpr uint8_t kDiagLocale = 0x08;
constexpr uint8_t kDiagAdditionalInfo = 0x10;
constexpr uint8_t kDiagInnerStatusCode = 0x20;
constexpr uint8_t kDiagInnerDiagnosticInfo = 0x40;
constexpr uint8_t kVariantTypeMask = 0x3F;
constexpr uint8_t kVariantArrayDimensions = 0x40;
constexpr uint8_t kVariantArrayValues = 0x80;

// The fewest bytes one encoded element of a type takes; bounds a hostile array length against
// the bytes actually left.
size_t minEncodedSize(BuiltinType type) {
  switch (type) {
    case BuiltinType::kInt16:
    case BuiltinType::kUInt16:
    case BuiltinType::kNodeId:
    case BuiltinType::kQualifiedName:
      return 2;
    case BuiltinType::kInt32:
    case BuiltinType::kUInt32:
    case BuiltinType::kFloat:
    case BuiltinType::kString:
    case BuiltinType::kByteString:
    case BuiltinType::kXmlElement:
    case BuiltinType::kStatusCode:
    case BuiltinType::kExtensionObject:
      return 4;
    case BuiltinType::kInt64:
    case BuiltinType::kUInt64:
    case BuiltinType::kDouble:
    case BuiltinType::kDateTime:
      return 8;
    case BuiltinType::kGuid:
      return 16;
    default:
      return 1;
  }
}

}  // namespace

// ---- BinaryWriter ------------------------------------------------------------------------

void BinaryWriter::writeUInt16(uint16_t v) {
  writeByte(static_cast<uint8_t>(v));
  writeByte(static_cast<uint8_t>(v >> 8));
}

void BinaryWriter::writeUInt32(uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) writeByte(static_cast<uint8_t>(v >> shift));
}

void BinaryWriter::writeUInt64(uint64_t v) {
  for (int shift = 0; shift < 64; shift += 8) writeByte(static_cast<uint8_t>(v >> shift));
}

void BinaryWriter::writeFloat(float v) { writeUInt32(std::bit_cast<uint32_t>(v)); }
void BinaryWriter::writeDouble(double v) { writeUInt64(std::bit_cast<uint64_t>(v)); }

void BinaryWriter::writeString(std::string_view v) {
  writeInt32(static_cast<int32_t>(v.size()));
  out_.append(v);
}

void BinaryWriter::writeGuid(const Guid& v) {
  writeUInt32(v.data1);
  writeUInt16(v.data2);
  writeUInt16(v.data3);
  for (uint8_t b : v.data4) writeByte(b);
}

void BinaryWriter::writeByteString(const ByteString& v) {
  if (v.is_null) {
    writeInt32(-1);
  } else {
    writeString(v.bytes);
  }
}

namespace {
void writeNodeIdWithFlags(BinaryWriter& w, const NodeId& v, uint8_t flags) {
  if (const auto* numeric = std::get_if<uint32_t>(&v.identifier)) {
    if (v.namespace_index == 0 && *numeric <= 0xFF) {
      w.writeByte(kNodeIdTwoByte | flags);
      w.writeByte(static_cast<uint8_t>(*numeric));
    } else if (v.namespace_index <= 0xFF && *numeric <= 0xFFFF) {
      w.writeByte(kNodeIdFourByte | flags);
      w.writeByte(static_cast<uint8_t>(v.namespace_index));
      w.writeUInt16(static_cast<uint16_t>(*numeric));
    } else {
      w.writeByte(kNodeIdNumeric | flags);
      w.writeUInt16(v.namespace_index);
      w.writeUInt32(*numeric);
    }
  } else if (const auto* text = std::get_if<std::string>(&v.identifier)) {
    w.writeByte(kNodeIdString | flags);
    w.writeUInt16(v.namespace_index);
    w.writeString(*text);
  } else if (const auto* guid = std::get_if<Guid>(&v.identifier)) {
    w.writeByte(kNodeIdGuid | flags);
    w.writeUInt16(v.namespace_index);
    w.writeGuid(*guid);
  } else {
    w.writeByte(kNodeIdByteString | flags);
    w.writeUInt16(v.namespace_index);
    w.writeByteString(std::get<ByteString>(v.identifier));
  }
}
}  // namespace

void BinaryWriter::writeNodeId(const NodeId& v) { writeNodeIdWithFlags(*this, v, 0); }

void BinaryWriter::writeExpandedNodeId(const ExpandedNodeId& v) {
  uint8_t flags = 0;
  if (!v.namespace_uri.empty()) flags |= kExpandedNamespaceUriFlag;
  if (v.server_index != 0) flags |= kExpandedServerIndexFlag;
  writeNodeIdWithFlags(*this, v.node_id, flags);
  if (!v.namespace_uri.empty()) writeString(v.namespace_uri);
  if (v.server_index != 0) writeUInt32(v.server_index);
}

void BinaryWriter::writeQualifiedName(const QualifiedName& v) {
  writeUInt16(v.namespace_index);
  writeString(v.name);
}

void BinaryWriter::writeLocalizedText(const LocalizedText& v) {
  uint8_t mask = 0;
  if (v.locale) mask |= kLocalizedTextLocale;
  if (v.text) mask |= kLocalizedTextText;
  writeByte(mask);
  if (v.locale) writeString(*v.locale);
  if (v.text) writeString(*v.text);
}

void BinaryWriter::writeExtensionObject(const ExtensionObject& v) {
  writeNodeId(v.type_id);
  writeByte(static_cast<uint8_t>(v.encoding));
  if (v.encoding != ExtensionObject::Encoding::kNone) writeString(v.body);
}

void BinaryWriter::writeDataValue(const DataValue& v) {
  uint8_t mask = 0;
  if (v.value) mask |= kDataValueValue;
  if (v.status) mask |= kDataValueStatus;
  if (v.source_timestamp) mask |= kDataValueSourceTimestamp;
  if (v.server_timestamp) mask |= kDataValueServerTimestamp;
  if (v.source_picoseconds) mask |= kDataValueSourcePicoseconds;
  if (v.server_picoseconds) mask |= kDataValueServerPicoseconds;
  writeByte(mask);
  // Field order of OPC 10000-6, Table 26 (pico seconds follow their timestamp).
  if (v.value) writeVariant(*v.value);
  if (v.status) writeStatusCode(*v.status);
  if (v.source_timestamp) writeDateTime(*v.source_timestamp);
  if (v.source_picoseconds) writeUInt16(*v.source_picoseconds);
  if (v.server_timestamp) writeDateTime(*v.server_timestamp);
  if (v.server_picoseconds) writeUInt16(*v.server_picoseconds);
}

void BinaryWriter::writeDiagnosticInfo(const DiagnosticInfo& v) {
  uint8_t mask = 0;
  if (v.symbolic_id) mask |= kDiagSymbolicId;
  if (v.namespace_uri) mask |= kDiagNamespaceUri;
  if (v.localized_text) mask |= kDiagLocalizedText;
  if (v.locale) mask |= kDiagLocale;
  if (v.additional_info) mask |= kDiagAdditionalInfo;
  if (v.inner_status_code) mask |= kDiagInnerStatusCode;
  if (v.inner_diagnostic_info) mask |= kDiagInnerDiagnosticInfo;
  writeByte(mask);
  // Locale precedes LocalizedText on the wire although its mask bit is higher.
  if (v.symbolic_id) writeInt32(*v.symbolic_id);
  if (v.namespace_uri) writeInt32(*v.namespace_uri);
  if (v.locale) writeInt32(*v.locale);
  if (v.localized_text) writeInt32(*v.localized_text);
  if (v.additional_info) writeString(*v.additional_info);
  if (v.inner_status_code) writeStatusCode(*v.inner_status_code);
  if (v.inner_diagnostic_info) writeDiagnosticInfo(v.inner_diagnostic_info->get());
}

void BinaryWriter::writeScalar(BuiltinType type, const Scalar& v) {
  // The alternative's index is the built-in type when the Variant was built through
  // Variant::scalar/array (types.h). Should an element hold another alternative, a default value
  // of `type` is written: the bytes stay parseable for the peer.
  switch (type) {
    case BuiltinType::kNull:
      return;
    case BuiltinType::kBoolean:
      return writeBoolean(std::holds_alternative<bool>(v) && std::get<bool>(v));
    case BuiltinType::kSByte:
      return writeSByte(std::holds_alternative<int8_t>(v) ? std::get<int8_t>(v) : 0);
    case BuiltinType::kByte:
      return writeByte(std::holds_alternative<uint8_t>(v) ? std::get<uint8_t>(v) : 0);
    case BuiltinType::kInt16:
      return writeInt16(std::holds_alternative<int16_t>(v) ? std::get<int16_t>(v) : 0);
    case BuiltinType::kUInt16:
      return writeUInt16(std::holds_alternative<uint16_t>(v) ? std::get<uint16_t>(v) : 0);
    case BuiltinType::kInt32:
      return writeInt32(std::holds_alternative<int32_t>(v) ? std::get<int32_t>(v) : 0);
    case BuiltinType::kUInt32:
      return writeUInt32(std::holds_alternative<uint32_t>(v) ? std::get<uint32_t>(v) : 0);
    case BuiltinType::kInt64:
      return writeInt64(std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : 0);
    case BuiltinType::kUInt64:
      return writeUInt64(std::holds_alternative<uint64_t>(v) ? std::get<uint64_t>(v) : 0);
    case BuiltinType::kFloat:
      return writeFloat(std::holds_alternative<float>(v) ? std::get<float>(v) : 0);
    case BuiltinType::kDouble:
      return writeDouble(std::holds_alternative<double>(v) ? std::get<double>(v) : 0);
    case BuiltinType::kString:
      return writeString(std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "");
    case BuiltinType::kDateTime:
      return writeDateTime(std::holds_alternative<DateTime>(v) ? std::get<DateTime>(v)
                                                               : DateTime{});
    case BuiltinType::kGuid:
      return writeGuid(std::holds_alternative<Guid>(v) ? std::get<Guid>(v) : Guid{});
    case BuiltinType::kByteString:
      return writeByteString(std::holds_alternative<ByteString>(v) ? std::get<ByteString>(v)
                                                                   : ByteString{});
    case BuiltinType::kXmlElement:
      return writeXmlElement(std::holds_alternative<XmlElement>(v) ? std::get<XmlElement>(v)
                                                                   : XmlElement{});
    case BuiltinType::kNodeId:
      return writeNodeId(std::holds_alternative<NodeId>(v) ? std::get<NodeId>(v) : NodeId{});
    case BuiltinType::kExpandedNodeId:
      return writeExpandedNodeId(std::holds_alternative<ExpandedNodeId>(v)
                                     ? std::get<ExpandedNodeId>(v)
                                     : ExpandedNodeId{});
    case BuiltinType::kStatusCode:
      return writeStatusCode(std::holds_alternative<StatusCode>(v) ? std::get<StatusCode>(v)
                                                                   : StatusCode{});
    case BuiltinType::kQualifiedName:
      return writeQualifiedName(
          std::holds_alternative<QualifiedName>(v) ? std::get<QualifiedName>(v) : QualifiedName{});
    case BuiltinType::kLocalizedText:
      return writeLocalizedText(
          std::holds_alternative<LocalizedText>(v) ? std::get<LocalizedText>(v) : LocalizedText{});
    case BuiltinType::kExtensionObject:
      return writeExtensionObject(std::holds_alternative<ExtensionObject>(v)
                                      ? std::get<ExtensionObject>(v)
                                      : ExtensionObject{});
    case BuiltinType::kDataValue:
      return writeDataValue(std::holds_alternative<Boxed<DataValue>>(v)
                                ? std::get<Boxed<DataValue>>(v).get()
                                : DataValue{});
    case BuiltinType::kVariant:
      return writeVariant(std::holds_alternative<Boxed<Variant>>(v)
                              ? std::get<Boxed<Variant>>(v).get()
                              : Variant{});
    case BuiltinType::kDiagnosticInfo:
      return writeDiagnosticInfo(std::holds_alternative<DiagnosticInfo>(v)
                                     ? std::get<DiagnosticInfo>(v)
                                     : DiagnosticInfo{});
  }
}

void BinaryWriter::writeVariant(const Variant& v) {
  uint8_t mask = static_cast<uint8_t>(v.type) & kVariantTypeMask;
  if (v.type == BuiltinType::kNull) {
    writeByte(0);
    return;
  }
  if (!v.is_array) {
    writeByte(mask);
    writeScalar(v.type, v.values.empty() ? Scalar{} : v.values.front());
    return;
  }
  mask |= kVariantArrayValues;
  if (!v.dimensions.empty()) mask |= kVariantArrayDimensions;
  writeByte(mask);
  writeInt32(static_cast<int32_t>(v.values.size()));
  for (const auto& element : v.values) writeScalar(v.type, element);
  if (!v.dimensions.empty()) {
    writeInt32(static_cast<int32_t>(v.dimensions.size()));
    for (int32_t d : v.dimensions) writeInt32(d);
  }
}

void BinaryWriter::patchUInt32(size_t offset, uint32_t v) {
  for (int i = 0; i < 4; ++i) out_[offset + i] = static_cast<char>(v >> (8 * i));
}

// ---- BinaryReader ------------------------------------------------------------------------

Status BinaryReader::need(size_t n, const char* what) {
  if (remaining() < n) {
    return Status::invalidArgument(std::string(what) + ": needs " + std::to_string(n) +
                                   " bytes at offset " + std::to_string(pos_) + ", " +
                                   std::to_string(remaining()) + " left");
  }
  return Status::ok();
}

Status BinaryReader::enter(const char* what) {
  if (depth_ >= limits_.max_nesting_depth) {
    return Status::resourceExhausted(std::string(what) + ": nested deeper than " +
                                     std::to_string(limits_.max_nesting_depth));
  }
  ++depth_;
  return Status::ok();
}

Status BinaryReader::readBoolean(bool& v) {
  uint8_t b = 0;
  PB_RETURN_IF_ERROR(readByte(b));
  v = b != 0;  // any non-zero value is true (OPC 10000-6, 5.2.2.1)
  return Status::ok();
}

Status BinaryReader::readSByte(int8_t& v) {
  uint8_t b = 0;
  PB_RETURN_IF_ERROR(readByte(b));
  v = static_cast<int8_t>(b);
  return Status::ok();
}

Status BinaryReader::readByte(uint8_t& v) {
  PB_RETURN_IF_ERROR(need(1, "Byte"));
  v = static_cast<uint8_t>(bytes_[pos_++]);
  return Status::ok();
}

Status BinaryReader::readUInt16(uint16_t& v) {
  PB_RETURN_IF_ERROR(need(2, "UInt16"));
  v = static_cast<uint16_t>(static_cast<uint8_t>(bytes_[pos_]) |
                            (static_cast<uint8_t>(bytes_[pos_ + 1]) << 8));
  pos_ += 2;
  return Status::ok();
}

Status BinaryReader::readInt16(int16_t& v) {
  uint16_t u = 0;
  PB_RETURN_IF_ERROR(readUInt16(u));
  v = static_cast<int16_t>(u);
  return Status::ok();
}

Status BinaryReader::readUInt32(uint32_t& v) {
  PB_RETURN_IF_ERROR(need(4, "UInt32"));
  v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * i);
  pos_ += 4;
  return Status::ok();
}

Status BinaryReader::readInt32(int32_t& v) {
  uint32_t u = 0;
  PB_RETURN_IF_ERROR(readUInt32(u));
  v = static_cast<int32_t>(u);
  return Status::ok();
}

Status BinaryReader::readUInt64(uint64_t& v) {
  PB_RETURN_IF_ERROR(need(8, "UInt64"));
  v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * i);
  pos_ += 8;
  return Status::ok();
}

Status BinaryReader::readInt64(int64_t& v) {
  uint64_t u = 0;
  PB_RETURN_IF_ERROR(readUInt64(u));
  v = static_cast<int64_t>(u);
  return Status::ok();
}

Status BinaryReader::readFloat(float& v) {
  uint32_t u = 0;
  PB_RETURN_IF_ERROR(readUInt32(u));
  v = std::bit_cast<float>(u);
  return Status::ok();
}

Status BinaryReader::readDouble(double& v) {
  uint64_t u = 0;
  PB_RETURN_IF_ERROR(readUInt64(u));
  v = std::bit_cast<double>(u);
  return Status::ok();
}

Status BinaryReader::readLengthPrefixed(std::string& v, bool& is_null, const char* what) {
  int32_t length = 0;
  PB_RETURN_IF_ERROR(readInt32(length));
  v.clear();
  is_null = length == -1;
  if (length == -1) return Status::ok();
  if (length < 0) {
    return Status::invalidArgument(std::string(what) + ": negative length " +
                                   std::to_string(length));
  }
  if (length > limits_.max_string_length) {
    return Status::resourceExhausted(std::string(what) + ": length " + std::to_string(length) +
                                     " over the limit of " +
                                     std::to_string(limits_.max_string_length));
  }
  PB_RETURN_IF_ERROR(need(static_cast<size_t>(length), what));
  v.assign(bytes_.substr(pos_, static_cast<size_t>(length)));
  pos_ += static_cast<size_t>(length);
  return Status::ok();
}

Status BinaryReader::readString(std::string& v) {
  bool is_null = false;
  return readLengthPrefixed(v, is_null, "String");
}

Status BinaryReader::readNullableString(std::optional<std::string>& v) {
  std::string text;
  bool is_null = false;
  PB_RETURN_IF_ERROR(readLengthPrefixed(text, is_null, "String"));
  if (is_null) {
    v.reset();
  } else {
    v = std::move(text);
  }
  return Status::ok();
}

Status BinaryReader::readDateTime(DateTime& v) { return readInt64(v.ticks); }

Status BinaryReader::readGuid(Guid& v) {
  PB_RETURN_IF_ERROR(need(16, "Guid"));
  PB_RETURN_IF_ERROR(readUInt32(v.data1));
  PB_RETURN_IF_ERROR(readUInt16(v.data2));
  PB_RETURN_IF_ERROR(readUInt16(v.data3));
  for (auto& b : v.data4) PB_RETURN_IF_ERROR(readByte(b));
  return Status::ok();
}

Status BinaryReader::readByteString(ByteString& v) {
  return readLengthPrefixed(v.bytes, v.is_null, "ByteString");
}

Status BinaryReader::readXmlElement(XmlElement& v) {
  bool is_null = false;
  return readLengthPrefixed(v.xml, is_null, "XmlElement");
}

namespace {
Status readNodeIdBody(BinaryReader& r, uint8_t kind, NodeId& v) {
  switch (kind) {
    case kNodeIdTwoByte: {
      uint8_t id = 0;
      PB_RETURN_IF_ERROR(r.readByte(id));
      v = NodeId(0, uint32_t{id});
      return Status::ok();
    }
    case kNodeIdFourByte: {
      uint8_t ns = 0;
      uint16_t id = 0;
      PB_RETURN_IF_ERROR(r.readByte(ns));
      PB_RETURN_IF_ERROR(r.readUInt16(id));
      v = NodeId(ns, uint32_t{id});
      return Status::ok();
    }
    case kNodeIdNumeric: {
      uint16_t ns = 0;
      uint32_t id = 0;
      PB_RETURN_IF_ERROR(r.readUInt16(ns));
      PB_RETURN_IF_ERROR(r.readUInt32(id));
      v = NodeId(ns, id);
      return Status::ok();
    }
    case kNodeIdString: {
      uint16_t ns = 0;
      std::string id;
      PB_RETURN_IF_ERROR(r.readUInt16(ns));
      PB_RETURN_IF_ERROR(r.readString(id));
      v = NodeId(ns, std::move(id));
      return Status::ok();
    }
    case kNodeIdGuid: {
      uint16_t ns = 0;
      Guid id;
      PB_RETURN_IF_ERROR(r.readUInt16(ns));
      PB_RETURN_IF_ERROR(r.readGuid(id));
      v = NodeId(ns, id);
      return Status::ok();
    }
    case kNodeIdByteString: {
      uint16_t ns = 0;
      ByteString id;
      PB_RETURN_IF_ERROR(r.readUInt16(ns));
      PB_RETURN_IF_ERROR(r.readByteString(id));
      v = NodeId(ns, std::move(id));
      return Status::ok();
    }
    default:
      return Status::invalidArgument("NodeId: unknown encoding " + std::to_string(kind));
  }
}
}  // namespace

Status BinaryReader::readNodeId(NodeId& v) {
  uint8_t encoding = 0;
  PB_RETURN_IF_ERROR(readByte(encoding));
  if ((encoding & (kExpandedNamespaceUriFlag | kExpandedServerIndexFlag)) != 0) {
    return Status::invalidArgument("NodeId: ExpandedNodeId flags set in a NodeId");
  }
  return readNodeIdBody(*this, encoding, v);
}

Status BinaryReader::readExpandedNodeId(ExpandedNodeId& v) {
  uint8_t encoding = 0;
  PB_RETURN_IF_ERROR(readByte(encoding));
  PB_RETURN_IF_ERROR(readNodeIdBody(
      *this,
      encoding & static_cast<uint8_t>(~(kExpandedNamespaceUriFlag | kExpandedServerIndexFlag)),
      v.node_id));
  v.namespace_uri.clear();
  v.server_index = 0;
  if ((encoding & kExpandedNamespaceUriFlag) != 0) PB_RETURN_IF_ERROR(readString(v.namespace_uri));
  if ((encoding & kExpandedServerIndexFlag) != 0) PB_RETURN_IF_ERROR(readUInt32(v.server_index));
  return Status::ok();
}

Status BinaryReader::readStatusCode(StatusCode& v) { return readUInt32(v.value); }

Status BinaryReader::readQualifiedName(QualifiedName& v) {
  PB_RETURN_IF_ERROR(readUInt16(v.namespace_index));
  return readString(v.name);
}

Status BinaryReader::readLocalizedText(LocalizedText& v) {
  uint8_t mask = 0;
  PB_RETURN_IF_ERROR(readByte(mask));
  if ((mask & ~(kLocalizedTextLocale | kLocalizedTextText)) != 0) {
    return Status::invalidArgument("LocalizedText: unknown mask bits " + std::to_string(mask));
  }
  v.locale.reset();
  v.text.reset();
  if ((mask & kLocalizedTextLocale) != 0) PB_RETURN_IF_ERROR(readString(v.locale.emplace()));
  if ((mask & kLocalizedTextText) != 0) PB_RETURN_IF_ERROR(readString(v.text.emplace()));
  return Status::ok();
}

Status BinaryReader::readExtensionObject(ExtensionObject& v) {
  PB_RETURN_IF_ERROR(readNodeId(v.type_id));
  uint8_t encoding = 0;
  PB_RETURN_IF_ERROR(readByte(encoding));
  if (encoding > 2) {
    return Status::invalidArgument("ExtensionObject: unknown body encoding " +
                                   std::to_string(encoding));
  }
  v.encoding = static_cast<ExtensionObject::Encoding>(encoding);
  v.body.clear();
  if (v.encoding == ExtensionObject::Encoding::kNone) return Status::ok();
  bool is_null = false;
  return readLengthPrefixed(v.body, is_null, "ExtensionObject body");
}

Status BinaryReader::readDataValue(DataValue& v) {
  PB_RETURN_IF_ERROR(enter("DataValue"));
  uint8_t mask = 0;
  PB_RETURN_IF_ERROR(readByte(mask));
  if ((mask & 0xC0) != 0) {
    return Status::invalidArgument("DataValue: unknown mask bits " + std::to_string(mask));
  }
  v = DataValue{};
  if ((mask & kDataValueValue) != 0) PB_RETURN_IF_ERROR(readVariant(v.value.emplace()));
  if ((mask & kDataValueStatus) != 0) PB_RETURN_IF_ERROR(readStatusCode(v.status.emplace()));
  if ((mask & kDataValueSourceTimestamp) != 0) {
    PB_RETURN_IF_ERROR(readDateTime(v.source_timestamp.emplace()));
  }
  if ((mask & kDataValueSourcePicoseconds) != 0) {
    PB_RETURN_IF_ERROR(readUInt16(v.source_picoseconds.emplace()));
  }
  if ((mask & kDataValueServerTimestamp) != 0) {
    PB_RETURN_IF_ERROR(readDateTime(v.server_timestamp.emplace()));
  }
  if ((mask & kDataValueServerPicoseconds) != 0) {
    PB_RETURN_IF_ERROR(readUInt16(v.server_picoseconds.emplace()));
  }
  leave();
  return Status::ok();
}

Status BinaryReader::readDiagnosticInfo(DiagnosticInfo& v) {
  PB_RETURN_IF_ERROR(enter("DiagnosticInfo"));
  uint8_t mask = 0;
  PB_RETURN_IF_ERROR(readByte(mask));
  if ((mask & 0x80) != 0) {
    return Status::invalidArgument("DiagnosticInfo: unknown mask bits " + std::to_string(mask));
  }
  v = DiagnosticInfo{};
  if ((mask & kDiagSymbolicId) != 0) PB_RETURN_IF_ERROR(readInt32(v.symbolic_id.emplace()));
  if ((mask & kDiagNamespaceUri) != 0) PB_RETURN_IF_ERROR(readInt32(v.namespace_uri.emplace()));
  if ((mask & kDiagLocale) != 0) PB_RETURN_IF_ERROR(readInt32(v.locale.emplace()));
  if ((mask & kDiagLocalizedText) != 0) PB_RETURN_IF_ERROR(readInt32(v.localized_text.emplace()));
  if ((mask & kDiagAdditionalInfo) != 0) {
    PB_RETURN_IF_ERROR(readString(v.additional_info.emplace()));
  }
  if ((mask & kDiagInnerStatusCode) != 0) {
    PB_RETURN_IF_ERROR(readStatusCode(v.inner_status_code.emplace()));
  }
  if ((mask & kDiagInnerDiagnosticInfo) != 0) {
    DiagnosticInfo inner;
    PB_RETURN_IF_ERROR(readDiagnosticInfo(inner));
    v.inner_diagnostic_info.emplace(std::move(inner));
  }
  leave();
  return Status::ok();
}

Status BinaryReader::readScalar(BuiltinType type, Scalar& v) {
  switch (type) {
    case BuiltinType::kNull:
      v = std::monostate{};
      return Status::ok();
    case BuiltinType::kBoolean:
      return readBoolean(v.emplace<bool>());
    case BuiltinType::kSByte:
      return readSByte(v.emplace<int8_t>());
    case BuiltinType::kByte:
      return readByte(v.emplace<uint8_t>());
    case BuiltinType::kInt16:
      return readInt16(v.emplace<int16_t>());
    case BuiltinType::kUInt16:
      return readUInt16(v.emplace<uint16_t>());
    case BuiltinType::kInt32:
      return readInt32(v.emplace<int32_t>());
    case BuiltinType::kUInt32:
      return readUInt32(v.emplace<uint32_t>());
    case BuiltinType::kInt64:
      return readInt64(v.emplace<int64_t>());
    case BuiltinType::kUInt64:
      return readUInt64(v.emplace<uint64_t>());
    case BuiltinType::kFloat:
      return readFloat(v.emplace<float>());
    case BuiltinType::kDouble:
      return readDouble(v.emplace<double>());
    case BuiltinType::kString:
      return readString(v.emplace<std::string>());
    case BuiltinType::kDateTime:
      return readDateTime(v.emplace<DateTime>());
    case BuiltinType::kGuid:
      return readGuid(v.emplace<Guid>());
    case BuiltinType::kByteString:
      return readByteString(v.emplace<ByteString>());
    case BuiltinType::kXmlElement:
      return readXmlElement(v.emplace<XmlElement>());
    case BuiltinType::kNodeId:
      return readNodeId(v.emplace<NodeId>());
    case BuiltinType::kExpandedNodeId:
      return readExpandedNodeId(v.emplace<ExpandedNodeId>());
    case BuiltinType::kStatusCode:
      return readStatusCode(v.emplace<StatusCode>());
    case BuiltinType::kQualifiedName:
      return readQualifiedName(v.emplace<QualifiedName>());
    case BuiltinType::kLocalizedText:
      return readLocalizedText(v.emplace<LocalizedText>());
    case BuiltinType::kExtensionObject:
      return readExtensionObject(v.emplace<ExtensionObject>());
    case BuiltinType::kDataValue:
      return readDataValue(v.emplace<Boxed<DataValue>>().get());
    case BuiltinType::kVariant:
      return readVariant(v.emplace<Boxed<Variant>>().get());
    case BuiltinType::kDiagnosticInfo:
      return readDiagnosticInfo(v.emplace<DiagnosticInfo>());
  }
  return Status::invalidArgument("Variant: unknown built-in type");
}

Status BinaryReader::readArrayLength(int32_t& length, size_t min_element_size) {
  PB_RETURN_IF_ERROR(readInt32(length));
  if (length == -1) {
    length = 0;
    return Status::ok();
  }
  if (length < 0) {
    return Status::invalidArgument("array: negative length " + std::to_string(length));
  }
  if (length > limits_.max_array_length) {
    return Status::resourceExhausted("array: length " + std::to_string(length) +
                                     " over the limit of " +
                                     std::to_string(limits_.max_array_length));
  }
  if (static_cast<size_t>(length) > remaining() / std::max<size_t>(min_element_size, 1)) {
    return Status::invalidArgument("array: length " + std::to_string(length) +
                                   " needs more bytes than the " + std::to_string(remaining()) +
                                   " left");
  }
  return Status::ok();
}

Status BinaryReader::readVariant(Variant& v) {
  PB_RETURN_IF_ERROR(enter("Variant"));
  uint8_t mask = 0;
  PB_RETURN_IF_ERROR(readByte(mask));
  const uint8_t type_id = mask & kVariantTypeMask;
  if (type_id > static_cast<uint8_t>(BuiltinType::kDiagnosticInfo)) {
    return Status::invalidArgument("Variant: unknown built-in type " + std::to_string(type_id));
  }
  v = Variant{};
  v.type = static_cast<BuiltinType>(type_id);
  const bool is_array = (mask & kVariantArrayValues) != 0;
  const bool has_dimensions = (mask & kVariantArrayDimensions) != 0;
  if (has_dimensions && !is_array) {
    return Status::invalidArgument("Variant: array dimensions on a scalar");
  }
  if (v.type == BuiltinType::kNull) {
    if (is_array) return Status::invalidArgument("Variant: an array of Null");
    leave();
    return Status::ok();
  }
  if (!is_array) {
    v.values.emplace_back();
    PB_RETURN_IF_ERROR(readScalar(v.type, v.values.back()));
    leave();
    return Status::ok();
  }
  v.is_array = true;
  PB_RETURN_IF_ERROR(readArray(
      v.values, [&](BinaryReader& r, Scalar& element) { return r.readScalar(v.type, element); },
      minEncodedSize(v.type)));
  if (has_dimensions) {
    PB_RETURN_IF_ERROR(readArray(
        v.dimensions, [](BinaryReader& r, int32_t& d) { return r.readInt32(d); }, 4));
    // The dimensions must describe exactly the elements present (OPC 10000-6, 5.2.2.16).
    uint64_t product = 1;
    for (int32_t d : v.dimensions) {
      if (d < 0) return Status::invalidArgument("Variant: negative array dimension");
      product *= static_cast<uint64_t>(d);
      if (product > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
        return Status::invalidArgument("Variant: array dimensions overflow");
      }
    }
    if (v.dimensions.empty() || product != v.values.size()) {
      return Status::invalidArgument("Variant: array dimensions do not match its " +
                                     std::to_string(v.values.size()) + " elements");
    }
  }
  leave();
  return Status::ok();
}

Status BinaryReader::readRaw(size_t n, std::string_view& v) {
  PB_RETURN_IF_ERROR(need(n, "bytes"));
  v = bytes_.substr(pos_, n);
  pos_ += n;
  return Status::ok();
}

}  // namespace pb::opcua
