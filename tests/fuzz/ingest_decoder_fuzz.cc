// Fuzz target: the ingest decoder — body framing (JSON array, object, NDJSON), per-record
// event decoding and schema validation. Whatever the bytes, it must not crash, leak or hang,
// and every rejected record must carry at least one error naming a field.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "plantbridge/hub/ingest_decoder.h"
#include "plantbridge/model/event_codec.h"
#include "plantbridge/pipeline/schema_registry.h"

namespace {

const pb::SchemaRegistry& registry() {
  static const pb::SchemaRegistry instance([] {
    std::map<std::string, pb::EventSchema> schemas;
    pb::EventSchema count;
    count.type = "production.count";
    pb::FieldSchema quantity;
    quantity.name = "quantity";
    quantity.type = pb::FieldSchema::Type::kInteger;
    quantity.required = true;
    quantity.min = 0;
    count.payload.push_back(quantity);
    schemas[count.type] = count;
    return schemas;
  }());
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  // The first byte chooses the framing, so the fuzzer explores both.
  bool ndjson = size > 0 && (data[0] & 1);
  pb::IngestRecords records;
  pb::IngestParseError error;
  auto outcome = pb::parseIngestBody(body, ndjson, 1000, records, error);
  if (outcome == pb::IngestParseOutcome::kMalformed && error.offset > size) std::abort();
  if (outcome != pb::IngestParseOutcome::kOk) return 0;
  auto now = pb::fromUnixMicros(1'760'000'000'000'000);
  for (const auto& record : records.records) {
    std::vector<pb::FieldError> errors;
    auto event = pb::decodeEvent(record, errors);
    if (!event.isOk()) {
      if (errors.empty()) std::abort();  // a rejection must say why
      continue;
    }
    (void)registry().validate(*event, now);
    // What is journaled must parse back to the same canonical form.
    std::string text = pb::serializeEvent(*event);
    auto back = pb::parseStoredEvent(text);
    if (!back.isOk() || pb::serializeEvent(*back) != text) std::abort();
  }
  return 0;
}
