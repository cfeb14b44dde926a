// The Read service (OPC 10000-4, 5.10.2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plantbridge/connectors/opcua/service_common.h"

namespace pb::opcua {

// Attribute ids (OPC 10000-6, A.1).
namespace attribute_ids {
inline constexpr uint32_t kNodeId = 1;
inline constexpr uint32_t kNodeClass = 2;
inline constexpr uint32_t kBrowseName = 3;
inline constexpr uint32_t kDisplayName = 4;
inline constexpr uint32_t kValue = 13;
inline constexpr uint32_t kDataType = 14;
}  // namespace attribute_ids

enum class TimestampsToReturn : uint32_t { kSource = 0, kServer = 1, kBoth = 2, kNeither = 3 };

struct ReadValueId {
  NodeId node_id;
  uint32_t attribute_id = attribute_ids::kValue;
  std::string index_range;  // empty: the whole value
  QualifiedName data_encoding;
  void encode(BinaryWriter& w) const;
};

struct ReadRequest {
  static constexpr uint32_t kTypeId = type_ids::kReadRequest;
  RequestHeader request_header;
  double max_age_ms = 0;
  TimestampsToReturn timestamps_to_return = TimestampsToReturn::kBoth;
  std::vector<ReadValueId> nodes_to_read;
  void encode(BinaryWriter& w) const;
};

struct ReadResponse {
  static constexpr uint32_t kTypeId = type_ids::kReadResponse;
  static constexpr const char* kServiceName = "Read";
  ResponseHeader response_header;
  std::vector<DataValue> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
  Status decode(BinaryReader& r);
};

}  // namespace pb::opcua
