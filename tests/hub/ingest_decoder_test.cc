#include "plantbridge/hub/ingest_decoder.h"

#include <gtest/gtest.h>

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>

namespace pb {
namespace {

struct Parsed {
  IngestParseOutcome outcome;
  IngestRecords records;
  IngestParseError error;
};

Parsed parse(std::string_view body, bool ndjson = false, size_t max_records = 100) {
  Parsed p;
  p.outcome = parseIngestBody(body, ndjson, max_records, p.records, p.error);
  return p;
}

TEST(IngestDecoderTest, ArrayGivesItsElements) {
  auto p = parse(R"( [{"id":"a"}, {"id":"b"}, 3] )");
  ASSERT_EQ(p.outcome, IngestParseOutcome::kOk) << p.error.message;
  EXPECT_EQ(p.records.format, IngestFormat::kArray);
  ASSERT_EQ(p.records.records.size(), 3u);
  EXPECT_EQ(boost::json::serialize(p.records.records[1]), R"({"id":"b"})");
  EXPECT_TRUE(p.records.lines.empty());
}

TEST(IngestDecoderTest, SingleObjectEvenWhenPrettyPrinted) {
  auto p = parse("{\n  \"id\": \"a\",\n  \"type\": \"x\"\n}\n");
  ASSERT_EQ(p.outcome, IngestParseOutcome::kOk);
  EXPECT_EQ(p.records.format, IngestFormat::kObject);
  ASSERT_EQ(p.records.records.size(), 1u);
}

TEST(IngestDecoderTest, SeveralObjectsAreNdjsonWithTheirLines) {
  auto p = parse("{\"id\":\"a\"}\n\n{\"id\":\"b\"}\r\n{\"id\":\"c\"}");
  ASSERT_EQ(p.outcome, IngestParseOutcome::kOk);
  EXPECT_EQ(p.records.format, IngestFormat::kNdjson);
  ASSERT_EQ(p.records.records.size(), 3u);
  EXPECT_EQ(p.records.lines, (std::vector<size_t>{1, 3, 4}));
}

TEST(IngestDecoderTest, NdjsonContentTypeReadsAnyValuePerLine) {
  auto p = parse("\n[1]\n{\"id\":\"b\"}\n", /*ndjson=*/true);
  ASSERT_EQ(p.outcome, IngestParseOutcome::kOk);
  EXPECT_EQ(p.records.format, IngestFormat::kNdjson);
  ASSERT_EQ(p.records.records.size(), 2u);
  EXPECT_TRUE(p.records.records[0].is_array());  // rejected later, as a record
  EXPECT_EQ(p.records.lines, (std::vector<size_t>{2, 3}));
  auto empty = parse("  \n", true);
  EXPECT_EQ(empty.outcome, IngestParseOutcome::kOk);
  EXPECT_TRUE(empty.records.records.empty());
}

TEST(IngestDecoderTest, MalformedJsonSaysWhere) {
  auto p = parse(R"([{"id":"a",}])");
  ASSERT_EQ(p.outcome, IngestParseOutcome::kMalformed);
  EXPECT_EQ(p.error.offset, 11u);
  EXPECT_EQ(p.error.line, 1u);
  EXPECT_EQ(p.error.column, 12u);
  EXPECT_EQ(p.error.message, "syntax error");

  auto nd = parse("{\"id\":\"a\"}\n{\"id\" \"b\"}\n");
  ASSERT_EQ(nd.outcome, IngestParseOutcome::kMalformed);
  EXPECT_EQ(nd.error.offset, 17u);
  EXPECT_EQ(nd.error.line, 2u);
  EXPECT_EQ(nd.error.column, 7u);
}

TEST(IngestDecoderTest, TruncatedBodyIsIncomplete) {
  auto p = parse(R"([{"id":"a"},)");
  ASSERT_EQ(p.outcome, IngestParseOutcome::kMalformed);
  EXPECT_EQ(p.error.offset, 12u);
  EXPECT_NE(p.error.message.find("incomplete"), std::string::npos);
}

TEST(IngestDecoderTest, DataAfterTheArrayIsMalformed) {
  auto p = parse("[1] [2]");
  ASSERT_EQ(p.outcome, IngestParseOutcome::kMalformed);
  EXPECT_EQ(p.error.offset, 4u);
}

TEST(IngestDecoderTest, NeitherArrayNorObjectIsMalformed) {
  for (std::string_view body : {"", "   ", "42", "\"x\"", "null", "<xml/>"}) {
    auto p = parse(body);
    EXPECT_EQ(p.outcome, IngestParseOutcome::kMalformed) << body;
  }
}

TEST(IngestDecoderTest, InvalidUtf8IsMalformed) {
  auto p = parse("[{\"id\":\"\xFF\"}]");
  EXPECT_EQ(p.outcome, IngestParseOutcome::kMalformed);
}

TEST(IngestDecoderTest, ByteOrderMarkIsSkipped) {
  auto p = parse("\xEF\xBB\xBF[{}]");
  ASSERT_EQ(p.outcome, IngestParseOutcome::kOk);
  EXPECT_EQ(p.records.records.size(), 1u);
}

TEST(IngestDecoderTest, TooManyRecords) {
  EXPECT_EQ(parse("[1,2,3]", false, 2).outcome, IngestParseOutcome::kTooManyRecords);
  EXPECT_EQ(parse("[1,2]", false, 2).outcome, IngestParseOutcome::kOk);
  EXPECT_EQ(parse("{}\n{}\n{}", false, 2).outcome, IngestParseOutcome::kTooManyRecords);
  EXPECT_EQ(parse("{}\n{}", false, 2).outcome, IngestParseOutcome::kOk);
}

TEST(IngestDecoderTest, RecordsLiveInTheGivenStorage) {
  boost::json::monotonic_resource arena;
  for (std::string_view body : {R"([{"a":"some string long enough to allocate"}])",
                                R"({"a":"some string long enough to allocate"})"}) {
    IngestRecords records(&arena);
    IngestParseError error;
    ASSERT_EQ(parseIngestBody(body, false, 10, records, error), IngestParseOutcome::kOk);
    EXPECT_EQ(records.records.storage().get(), &arena);
    ASSERT_EQ(records.records.size(), 1u);
    EXPECT_EQ(records.records[0].storage().get(), &arena);
    EXPECT_EQ(records.records[0].at("a").storage().get(), &arena);
  }
}

TEST(IngestDecoderTest, NdjsonContentTypes) {
  EXPECT_TRUE(isNdjsonContentType("application/x-ndjson"));
  EXPECT_TRUE(isNdjsonContentType("Application/X-NDJSON; charset=utf-8"));
  EXPECT_TRUE(isNdjsonContentType("application/jsonl"));
  EXPECT_FALSE(isNdjsonContentType("application/json"));
  EXPECT_FALSE(isNdjsonContentType(""));
}

}  // namespace
}  // namespace pb
