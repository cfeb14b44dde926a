// The built-in type codec against byte sequences of the OPC UA specification's examples
// (OPC 10000-6, 5.2.2 figures) and of other implementations' tests, each cited where it is
// used; plus malformed input, which must come back as an error value.
#include "plantbridge/connectors/opcua/binary_codec.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace pb::opcua {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out.push_back(static_cast<char>(b));
  return out;
}

template <typename T>
std::string encoded(void (BinaryWriter::*write)(const T&), const T& value) {
  BinaryWriter w;
  (w.*write)(value);
  return w.take();
}

// ---- Spec examples -------------------------------------------------------------------------

// OPC 10000-6, 5.2.2.1: true is 1; decoders treat any non-zero byte as true.
TEST(OpcUaBinaryCodecTest, BooleanAnyNonZeroByteIsTrue) {
  BinaryWriter w;
  w.writeBoolean(true);
  w.writeBoolean(false);
  EXPECT_EQ(w.bytes(), bytes({0x01, 0x00}));
  auto value = decodeAll<bool>(bytes({122}), &BinaryReader::readBoolean);
  ASSERT_TRUE(value.isOk());
  EXPECT_TRUE(*value);
}

// OPC 10000-6, 5.2.2.2, Figure 2: 1 000 000 000 as Int32 is 00 CA 9A 3B.
TEST(OpcUaBinaryCodecTest, Int32IsLittleEndianAsInSpecFigure2) {
  BinaryWriter w;
  w.writeInt32(1'000'000'000);
  EXPECT_EQ(w.bytes(), bytes({0x00, 0xCA, 0x9A, 0x3B}));
  auto value = decodeAll<int32_t>(w.bytes(), &BinaryReader::readInt32);
  ASSERT_TRUE(value.isOk());
  EXPECT_EQ(*value, 1'000'000'000);
}

// OPC 10000-6, 5.2.2.3, Figure 3: -6.5 as Float is C0D00000, least significant byte first.
TEST(OpcUaBinaryCodecTest, FloatAsInSpecFigure3) {
  BinaryWriter w;
  w.writeFloat(-6.5F);
  EXPECT_EQ(w.bytes(), bytes({0x00, 0x00, 0xD0, 0xC0}));
  auto value = decodeAll<float>(w.bytes(), &BinaryReader::readFloat);
  ASSERT_TRUE(value.isOk());
  EXPECT_EQ(*value, -6.5F);
}

// OPC 10000-6, 5.2.2.4, Figure 4: the UTF-8 string "水Boy" (bytes as transcribed in the spec
// "Spec-provided examples" test of Michał Górny's 2014 C++ OPC UA stack).
TEST(OpcUaBinaryCodecTest, StringAsInSpecFigure4) {
  const std::string expected = bytes({0x06, 0x00, 0x00, 0x00, 0xE6, 0xB0, 0xB4, 0x42, 0x6F, 0x79});
  BinaryWriter w;
  w.writeString(
      "\xE6\xB0\xB4"
      "Boy");
  EXPECT_EQ(w.bytes(), expected);
  auto value = decodeAll<std::string>(expected, &BinaryReader::readString);
  ASSERT_TRUE(value.isOk());
  EXPECT_EQ(*value,
            "\xE6\xB0\xB4"
            "Boy");
}

TEST(OpcUaBinaryCodecTest, NullStringDecodesAsAbsent) {
  std::optional<std::string> value = "x";
  const std::string wire = bytes({0xFF, 0xFF, 0xFF, 0xFF});
  BinaryReader r(wire);
  ASSERT_TRUE(r.readNullableString(value).isOk());
  EXPECT_FALSE(value.has_value());
}

// OPC 10000-6, 5.2.2.5: DateTime is Int64 ticks of 100 ns since 1601-01-01. The value
// 2018-09-17T14:28:29.112Z encodes as 80 3B E8 B3 92 4E D4 01 (gopcua/opcua ua/variant_test.go,
// case "DateTime", without its Variant mask byte).
TEST(OpcUaBinaryCodecTest, DateTimeTicksSince1601) {
  const DateTime t = dateTimeFromUnixMicros(1'537'194'509'112'000);
  BinaryWriter w;
  w.writeDateTime(t);
  EXPECT_EQ(w.bytes(), bytes({0x80, 0x3B, 0xE8, 0xB3, 0x92, 0x4E, 0xD4, 0x01}));
  EXPECT_EQ(unixMicrosFromDateTime(t), 1'537'194'509'112'000);
}

// OPC 10000-6, 5.2.2.6, Figure 5: Guid 72962B91-FA75-4AE6-8D28-B404DC7DAF63; the first three
// fields little-endian, Data4 in order.
TEST(OpcUaBinaryCodecTest, GuidAsInSpecFigure5) {
  const std::string expected = bytes({0x91, 0x2B, 0x96, 0x72, 0x75, 0xFA, 0xE6, 0x4A, 0x8D, 0x28,
                                      0xB4, 0x04, 0xDC, 0x7D, 0xAF, 0x63});
  auto guid = Guid::parse("72962B91-FA75-4AE6-8D28-B404DC7DAF63");
  ASSERT_TRUE(guid.isOk());
  EXPECT_EQ(encoded(&BinaryWriter::writeGuid, *guid), expected);
  auto back = decodeAll<Guid>(expected, &BinaryReader::readGuid);
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(back->toString(), "72962B91-FA75-4AE6-8D28-B404DC7DAF63");
}

// OPC 10000-6, 5.2.2.9: the NodeId encodings. Two-byte i=72, four-byte ns=5;i=1025 and string
// ns=1;s=Hot水 are the spec's own examples (as transcribed in Górny's spec-examples test and in a
// TypeScript stack's NodeId tests); the Guid form uses the Figure 5 Guid in ns=4.
struct NodeIdCase {
  const char* name;
  NodeId node_id;
  std::string wire;
};

class OpcUaNodeIdEncodingTest : public ::testing::TestWithParam<NodeIdCase> {};

TEST_P(OpcUaNodeIdEncodingTest, EncodesToTheSmallestFormAndDecodesBack) {
  const auto& c = GetParam();
  EXPECT_EQ(encoded(&BinaryWriter::writeNodeId, c.node_id), c.wire);
  auto back = decodeAll<NodeId>(c.wire, &BinaryReader::readNodeId);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, c.node_id);
}

INSTANTIATE_TEST_SUITE_P(
    SpecExamples, OpcUaNodeIdEncodingTest,
    ::testing::Values(
        NodeIdCase{"TwoByte", NodeId(0, 72U), bytes({0x00, 0x48})},
        NodeIdCase{"FourByte", NodeId(5, 1025U), bytes({0x01, 0x05, 0x01, 0x04})},
        // The same TypeScript NodeId tests, "Numeric": ns=10;i=0xDEADBEEF.
        NodeIdCase{"Numeric", NodeId(10, 0xDEADBEEFU),
                   bytes({0x02, 0x0A, 0x00, 0xEF, 0xBE, 0xAD, 0xDE})},
        NodeIdCase{
            "String", NodeId(1, std::string("Hot\xE6\xB0\xB4")),
            bytes({0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x48, 0x6F, 0x74, 0xE6, 0xB0, 0xB4})},
        NodeIdCase{"Guid", NodeId(4, *Guid::parse("72962B91-FA75-4AE6-8D28-B404DC7DAF63")),
                   bytes({0x04, 0x04, 0x00, 0x91, 0x2B, 0x96, 0x72, 0x75, 0xFA, 0xE6, 0x4A, 0x8D,
                          0x28, 0xB4, 0x04, 0xDC, 0x7D, 0xAF, 0x63})},
        // The same TypeScript NodeId tests: ns=32768, opaque DE AD BE EF.
        NodeIdCase{"Opaque", NodeId(32768, ByteString{bytes({0xDE, 0xAD, 0xBE, 0xEF}), false}),
                   bytes({0x05, 0x00, 0x80, 0x04, 0x00, 0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF})}),
    [](const ::testing::TestParamInfo<NodeIdCase>& info) { return std::string(info.param.name); });

// A decoder must accept a numeric id in a larger form than needed.
TEST(OpcUaBinaryCodecTest, NumericFormWithSmallValueDecodes) {
  auto value = decodeAll<NodeId>(bytes({0x02, 0x00, 0x00, 0x55, 0x00, 0x00, 0x00}),
                                 &BinaryReader::readNodeId);
  ASSERT_TRUE(value.isOk());
  EXPECT_EQ(*value, NodeId(0, 85U));
}

// gopcua/opcua ua/variant_test.go "ExpandedNodeID": namespace URI flag with a two-byte NodeId.
TEST(OpcUaBinaryCodecTest, ExpandedNodeIdWithNamespaceUri) {
  const std::string wire =
      bytes({0x80, 0xFF, 0x06, 0x00, 0x00, 0x00, 'f', 'o', 'o', 'b', 'a', 'r'});
  ExpandedNodeId id{NodeId(0, 0xFFU), "foobar", 0};
  EXPECT_EQ(encoded(&BinaryWriter::writeExpandedNodeId, id), wire);
  auto back = decodeAll<ExpandedNodeId>(wire, &BinaryReader::readExpandedNodeId);
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(*back, id);
}

TEST(OpcUaBinaryCodecTest, ExpandedNodeIdWithServerIndex) {
  ExpandedNodeId id{NodeId(2, std::string("x")), "", 7};
  const std::string wire = encoded(&BinaryWriter::writeExpandedNodeId, id);
  EXPECT_EQ(static_cast<uint8_t>(wire[0]), 0x43);
  auto back = decodeAll<ExpandedNodeId>(wire, &BinaryReader::readExpandedNodeId);
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(*back, id);
}

TEST(OpcUaBinaryCodecTest, NodeIdWithExpandedFlagsIsRejected) {
  auto value = decodeAll<NodeId>(bytes({0x80, 0x01}), &BinaryReader::readNodeId);
  EXPECT_FALSE(value.isOk());
}

// gopcua/opcua ua/variant_test.go "QualifiedName" and "LocalizedText" (mask byte stripped).
TEST(OpcUaBinaryCodecTest, QualifiedNameAndLocalizedText) {
  EXPECT_EQ(encoded(&BinaryWriter::writeQualifiedName, QualifiedName{1, "foobar"}),
            bytes({0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 'f', 'o', 'o', 'b', 'a', 'r'}));
  const std::string text_wire =
      bytes({0x02, 0x0B, 0x00, 0x00, 0x00, 'G', 'r', 'o', 's', 's', ' ', 'v', 'a', 'l', 'u', 'e'});
  LocalizedText text{std::nullopt, "Gross value"};
  EXPECT_EQ(encoded(&BinaryWriter::writeLocalizedText, text), text_wire);
  auto back = decodeAll<LocalizedText>(text_wire, &BinaryReader::readLocalizedText);
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(*back, text);
}

// gopcua/opcua ua/variant_test.go "ExtensionObjeject": an AnonymousIdentityToken (type id 321,
// its DefaultBinary encoding) with policy id "anonymous".
TEST(OpcUaBinaryCodecTest, ExtensionObjectWithBinaryBody) {
  const std::string wire = bytes({0x01, 0x00, 0x41, 0x01, 0x01, 0x0D, 0x00, 0x00, 0x00, 0x09, 0x00,
                                  0x00, 0x00, 'a',  'n',  'o',  'n',  'y',  'm',  'o',  'u',  's'});
  auto value = decodeAll<ExtensionObject>(wire, &BinaryReader::readExtensionObject);
  ASSERT_TRUE(value.isOk()) << value.status().toString();
  EXPECT_EQ(value->type_id, NodeId(0, 321U));
  EXPECT_EQ(value->encoding, ExtensionObject::Encoding::kBinary);
  EXPECT_EQ(value->body.size(), 13U);
  EXPECT_EQ(encoded(&BinaryWriter::writeExtensionObject, *value), wire);
}

// gopcua/opcua ua/variant_test.go: scalars of several types inside a Variant.
TEST(OpcUaBinaryCodecTest, VariantScalars) {
  struct Case {
    Variant variant;
    std::string wire;
  };
  const Case cases[] = {
      {Variant::scalar(false), bytes({0x01, 0x00})},
      {Variant::scalar(int8_t{-5}), bytes({0x02, 0xFB})},
      {Variant::scalar(int16_t{-5}), bytes({0x04, 0xFB, 0xFF})},
      {Variant::scalar(uint32_t{5}), bytes({0x07, 0x05, 0x00, 0x00, 0x00})},
      {Variant::scalar(int64_t{-5}), bytes({0x08, 0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})},
      {Variant::scalar(4.00067), bytes({0x0B, 0x71, 0x5A, 0xF0, 0xA2, 0xAF, 0x00, 0x10, 0x40})},
      {Variant::scalar(std::string("abc")), bytes({0x0C, 0x03, 0x00, 0x00, 0x00, 'a', 'b', 'c'})},
      {Variant::scalar(ByteString{bytes({1, 2, 3}), false}),
       bytes({0x0F, 0x03, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03})},
      {Variant::scalar(XmlElement{"abc"}), bytes({0x10, 0x03, 0x00, 0x00, 0x00, 'a', 'b', 'c'})},
      {Variant::scalar(NodeId(1, 0xCAFEU)), bytes({0x11, 0x01, 0x01, 0xFE, 0xCA})},
      {Variant::scalar(StatusCode{5}), bytes({0x13, 0x05, 0x00, 0x00, 0x00})},
      {Variant::scalar(Boxed<Variant>(Variant::scalar(std::string("abc")))),
       bytes({0x18, 0x0C, 0x03, 0x00, 0x00, 0x00, 'a', 'b', 'c'})},
      {Variant::scalar(DiagnosticInfo{1, {}, {}, {}, {}, {}, {}}),
       bytes({0x19, 0x01, 0x01, 0x00, 0x00, 0x00})},
      {Variant{}, bytes({0x00})},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(builtinTypeName(c.variant.type));
    EXPECT_EQ(encoded(&BinaryWriter::writeVariant, c.variant), c.wire);
    auto back = decodeAll<Variant>(c.wire, &BinaryReader::readVariant);
    ASSERT_TRUE(back.isOk()) << back.status().toString();
    EXPECT_EQ(*back, c.variant);
  }
}

// gopcua/opcua ua/variant_test.go "DataValue": a Variant holding a DataValue with a Float.
TEST(OpcUaBinaryCodecTest, VariantHoldingDataValue) {
  const std::string wire = bytes({0x17, 0x01, 0x0A, 0x19, 0x04, 0x20, 0x40});
  auto value = decodeAll<Variant>(wire, &BinaryReader::readVariant);
  ASSERT_TRUE(value.isOk()) << value.status().toString();
  const auto* data_value = value->get<Boxed<DataValue>>();
  ASSERT_NE(data_value, nullptr);
  ASSERT_TRUE(data_value->get().value.has_value());
  const auto* f = data_value->get().value->get<float>();
  ASSERT_NE(f, nullptr);
  EXPECT_FLOAT_EQ(*f, 2.50025F);
  EXPECT_EQ(encoded(&BinaryWriter::writeVariant, *value), wire);
}

// gopcua/opcua ua/variant_test.go "[]uint32" and "[3][2]uint32" (array dimensions).
TEST(OpcUaBinaryCodecTest, VariantArraysWithAndWithoutDimensions) {
  const std::string one_dim = bytes({0x87, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
                                     0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00});
  const Variant flat = Variant::array(BuiltinType::kUInt32, {1U, 2U, 3U});
  EXPECT_EQ(encoded(&BinaryWriter::writeVariant, flat), one_dim);
  auto back = decodeAll<Variant>(one_dim, &BinaryReader::readVariant);
  ASSERT_TRUE(back.isOk());
  EXPECT_EQ(*back, flat);

  const std::string two_dim =
      bytes({0xC7, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
             0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
             0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00});
  const Variant matrix = Variant::array(BuiltinType::kUInt32, {1U, 1U, 2U, 2U, 3U, 3U}, {3, 2});
  EXPECT_EQ(encoded(&BinaryWriter::writeVariant, matrix), two_dim);
  auto matrix_back = decodeAll<Variant>(two_dim, &BinaryReader::readVariant);
  ASSERT_TRUE(matrix_back.isOk()) << matrix_back.status().toString();
  EXPECT_EQ(*matrix_back, matrix);
}

TEST(OpcUaBinaryCodecTest, DataValueWithAllFieldsRoundTrips) {
  DataValue dv;
  dv.value = Variant::scalar(1234.5);
  dv.status = StatusCode{0x4092'0000};
  dv.source_timestamp = dateTimeFromUnixMicros(1'700'000'000'000'000);
  dv.source_picoseconds = 10;
  dv.server_timestamp = dateTimeFromUnixMicros(1'700'000'000'000'100);
  dv.server_picoseconds = 20;
  const std::string wire = encoded(&BinaryWriter::writeDataValue, dv);
  EXPECT_EQ(static_cast<uint8_t>(wire[0]), 0x3F);
  auto back = decodeAll<DataValue>(wire, &BinaryReader::readDataValue);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, dv);
  EXPECT_TRUE(back->statusOrGood().isUncertain());
}

TEST(OpcUaBinaryCodecTest, DiagnosticInfoNestedRoundTrips) {
  DiagnosticInfo inner;
  inner.additional_info = "inner";
  DiagnosticInfo outer;
  outer.symbolic_id = 1;
  outer.namespace_uri = 2;
  outer.locale = 3;
  outer.localized_text = 4;
  outer.inner_status_code = StatusCode{0x8034'0000};
  outer.inner_diagnostic_info.emplace(inner);
  const std::string wire = encoded(&BinaryWriter::writeDiagnosticInfo, outer);
  // Locale (mask 0x08) comes before LocalizedText (0x04) on the wire.
  EXPECT_EQ(wire.substr(9, 4), bytes({0x03, 0x00, 0x00, 0x00}));
  auto back = decodeAll<DiagnosticInfo>(wire, &BinaryReader::readDiagnosticInfo);
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, outer);
}

// ---- Malformed input -------------------------------------------------------------------------

TEST(OpcUaBinaryCodecTest, TruncatedInputIsAnErrorNotACrash) {
  const std::string wire = bytes({0x03, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x48, 0x6F});
  for (size_t n = 0; n < wire.size(); ++n) {
    auto value = decodeAll<NodeId>(wire.substr(0, n), &BinaryReader::readNodeId);
    EXPECT_FALSE(value.isOk()) << n;
  }
}

TEST(OpcUaBinaryCodecTest, StringLengthOverLimitIsResourceExhausted) {
  DecodeLimits limits;
  limits.max_string_length = 4;
  auto value = decodeAll<std::string>(bytes({0x05, 0x00, 0x00, 0x00, 'a', 'b', 'c', 'd', 'e'}),
                                      &BinaryReader::readString, limits);
  ASSERT_FALSE(value.isOk());
  EXPECT_EQ(value.status().code(), pb::StatusCode::kResourceExhausted);
}

TEST(OpcUaBinaryCodecTest, HostileArrayLengthIsRejectedBeforeAllocating) {
  // 0x7FFFFFFF UInt32 elements announced, 4 bytes present.
  auto value = decodeAll<Variant>(bytes({0x87, 0xFF, 0xFF, 0xFF, 0x7F, 0, 0, 0, 0}),
                                  &BinaryReader::readVariant);
  EXPECT_FALSE(value.isOk());
  auto negative =
      decodeAll<Variant>(bytes({0x87, 0xFE, 0xFF, 0xFF, 0xFF}), &BinaryReader::readVariant);
  EXPECT_FALSE(negative.isOk());
}

TEST(OpcUaBinaryCodecTest, ArrayDimensionsThatDoNotMatchAreRejected) {
  // gopcua/opcua ua/variant_test.go "unbalanced": 3 elements, dimensions 3 x 2.
  auto value = decodeAll<Variant>(
      bytes({0xC7, 0x03, 0x00, 0x00, 0x00, 0,    0,    0,    0,    0,    0,    0,    0,    0,   0,
             0,    0,    0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00}),
      &BinaryReader::readVariant);
  EXPECT_FALSE(value.isOk());
}

TEST(OpcUaBinaryCodecTest, DeepNestingIsResourceExhausted) {
  std::string wire;
  for (int i = 0; i < 100; ++i) wire.push_back(0x18);  // Variant in Variant in ...
  wire.push_back(0x00);
  auto value = decodeAll<Variant>(wire, &BinaryReader::readVariant);
  ASSERT_FALSE(value.isOk());
  EXPECT_EQ(value.status().code(), pb::StatusCode::kResourceExhausted);
}

TEST(OpcUaBinaryCodecTest, UnknownVariantTypeIsRejected) {
  EXPECT_FALSE(decodeAll<Variant>(bytes({0x1A, 0x00}), &BinaryReader::readVariant).isOk());
  EXPECT_FALSE(decodeAll<Variant>(bytes({0x41, 0x00}), &BinaryReader::readVariant).isOk());
}

// ---- Text forms ------------------------------------------------------------------------------

TEST(OpcUaNodeIdTextTest, ParsesAndFormatsEveryIdentifierType) {
  for (const char* text : {"i=85", "ns=1;s=CNC07.SpindleSpeed", "ns=2;i=5001",
                           "ns=4;g=72962B91-FA75-4AE6-8D28-B404DC7DAF63", "ns=1;b=3q2+7w=="}) {
    auto id = NodeId::parse(text);
    ASSERT_TRUE(id.isOk()) << text << ": " << id.status().toString();
    EXPECT_EQ(id->toString(), text);
  }
}

TEST(OpcUaNodeIdTextTest, RejectsMalformedText) {
  for (const char* text : {"", "85", "ns=;i=1", "ns=70000;i=1", "ns=1", "x=1", "i=abc",
                           "i=4294967296", "g=123", "s="}) {
    EXPECT_FALSE(NodeId::parse(text).isOk()) << text;
  }
}

TEST(OpcUaStatusCodeTest, NamesKnownCodes) {
  EXPECT_EQ(StatusCode{0x8034'0000}.toString(), "BadNodeIdUnknown (0x80340000)");
  EXPECT_EQ(StatusCode{0x1234'0000}.toString(), "0x12340000");
  EXPECT_TRUE(StatusCode{0}.isGood());
  EXPECT_TRUE(StatusCode{0x8000'0000}.isBad());
}

}  // namespace
}  // namespace pb::opcua
