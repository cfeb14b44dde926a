// Fuzz target: the OPC UA message decoders — the UA TCP message header, Acknowledge and Error
// messages, secure channel chunks and their assembly, every service response the client
// decodes, and the built-in types. Whatever the bytes, decoding must not crash, leak, hang or
// allocate what the input alone decides; and what decodes must re-encode to bytes that decode
// and re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plantbridge/connectors/opcua/attribute_services.h"
#include "plantbridge/connectors/opcua/binary_codec.h"
#include "plantbridge/connectors/opcua/chunk_assembler.h"
#include "plantbridge/connectors/opcua/secure_channel_services.h"
#include "plantbridge/connectors/opcua/session_services.h"
#include "plantbridge/connectors/opcua/subscription_services.h"
#include "plantbridge/connectors/opcua/transport_messages.h"
#include "plantbridge/connectors/opcua/view_services.h"

namespace {

using namespace pb::opcua;  // NOLINT(google-build-using-namespace)

// Small limits so the fuzzer reaches them.
DecodeLimits fuzzLimits() {
  DecodeLimits limits;
  limits.max_array_length = 1000;
  limits.max_string_length = 4096;
  limits.max_nesting_depth = 8;
  return limits;
}

void decodeAnyResponse(std::string_view body) {
  const DecodeLimits limits = fuzzLimits();
  (void)decodeResponse<OpenSecureChannelResponse>(body, limits);
  (void)decodeResponse<GetEndpointsResponse>(body, limits);
  (void)decodeResponse<CreateSessionResponse>(body, limits);
  (void)decodeResponse<ActivateSessionResponse>(body, limits);
  (void)decodeResponse<CloseSessionResponse>(body, limits);
  (void)decodeResponse<ReadResponse>(body, limits);
  (void)decodeResponse<BrowseResponse>(body, limits);
  (void)decodeResponse<BrowseNextResponse>(body, limits);
  (void)decodeResponse<TranslateBrowsePathsToNodeIdsResponse>(body, limits);
  (void)decodeResponse<CreateSubscriptionResponse>(body, limits);
  (void)decodeResponse<CreateMonitoredItemsResponse>(body, limits);
  (void)decodeResponse<PublishResponse>(body, limits);
  (void)decodeResponse<DeleteSubscriptionsResponse>(body, limits);
}

// Decode, encode, decode, encode: the two encodings must be equal (the first decode may
// normalise, e.g. a numeric NodeId in a larger form than needed).
template <typename T>
void roundTrip(std::string_view bytes, pb::Status (BinaryReader::*read)(T&),
               void (BinaryWriter::*write)(const T&)) {
  BinaryReader reader(bytes, fuzzLimits());
  T value{};
  if (!(reader.*read)(value).isOk()) return;
  BinaryWriter first;
  (first.*write)(value);
  BinaryReader again(first.bytes(), fuzzLimits());
  T second_value{};
  if (!(again.*read)(second_value).isOk()) std::abort();
  BinaryWriter second;
  (second.*write)(second_value);
  if (first.bytes() != second.bytes()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte chooses what the rest is fed to, so the fuzzer explores every decoder.
  const uint8_t mode = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (mode % 6) {
    case 0: {  // UA TCP messages
      (void)decodeMessageHeader(bytes, 65535);
      (void)decodeAcknowledge(bytes);
      (void)decodeErrorMessage(bytes);
      break;
    }
    case 1: {  // a stream of secure channel chunks, assembled, each message a response
      ChunkAssembler assembler(1 << 16, 16);
      std::string_view rest = bytes;
      for (int i = 0; i < 64 && rest.size() >= kMessageHeaderSize; ++i) {
        auto header = decodeMessageHeader(rest, 1 << 16);
        if (!header.isOk() || header->message_size > rest.size()) break;
        auto chunk = decodeSecureChunk(rest.substr(0, header->message_size));
        rest.remove_prefix(header->message_size);
        if (!chunk.isOk()) continue;
        auto message = assembler.add(*chunk);
        if (message.isOk() && message->has_value()) decodeAnyResponse((*message)->body);
      }
      break;
    }
    case 2:  // a service response body
      decodeAnyResponse(bytes);
      break;
    case 3:
      roundTrip<Variant>(bytes, &BinaryReader::readVariant, &BinaryWriter::writeVariant);
      break;
    case 4:
      roundTrip<DataValue>(bytes, &BinaryReader::readDataValue, &BinaryWriter::writeDataValue);
      roundTrip<DiagnosticInfo>(bytes, &BinaryReader::readDiagnosticInfo,
                                &BinaryWriter::writeDiagnosticInfo);
      break;
    default:
      roundTrip<ExpandedNodeId>(bytes, &BinaryReader::readExpandedNodeId,
                                &BinaryWriter::writeExpandedNodeId);
      roundTrip<ExtensionObject>(bytes, &BinaryReader::readExtensionObject,
                                 &BinaryWriter::writeExtensionObject);
      roundTrip<LocalizedText>(bytes, &BinaryReader::readLocalizedText,
                               &BinaryWriter::writeLocalizedText);
      break;
  }
  return 0;
}
