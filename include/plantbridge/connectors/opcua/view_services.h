// The View services (OPC 10000-4, 5.8): Browse, BrowseNext (continuation points) and
// TranslateBrowsePathsToNodeIds; and the text form of a relative path (OPC 10000-4, A.2) so
// config can name a node by where it is: "/2:CNC07/2:SpindleSpeed".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/connectors/opcua/service_common.h"

namespace pb::opcua {

// Well-known nodes of namespace 0 (OPC 10000-6, A.3).
namespace node_ids {
inline constexpr uint32_t kRootFolder = 84;
inline constexpr uint32_t kObjectsFolder = 85;
inline constexpr uint32_t kHierarchicalReferences = 33;
inline constexpr uint32_t kAggregates = 44;
inline constexpr uint32_t kHasComponent = 47;
inline constexpr uint32_t kHasTypeDefinition = 40;
}  // namespace node_ids

enum class BrowseDirection : uint32_t { kForward = 0, kInverse = 1, kBoth = 2 };
// Bits of BrowseDescription.result_mask: all fields of a ReferenceDescription.
inline constexpr uint32_t kBrowseResultMaskAll = 0x3F;

struct BrowseDescription {
  NodeId node_id;
  BrowseDirection browse_direction = BrowseDirection::kForward;
  NodeId reference_type_id{0, node_ids::kHierarchicalReferences};
  bool include_subtypes = true;
  uint32_t node_class_mask = 0;  // 0: every node class
  uint32_t result_mask = kBrowseResultMaskAll;
  void encode(BinaryWriter& w) const;
};

struct ReferenceDescription {
  NodeId reference_type_id;
  bool is_forward = true;
  ExpandedNodeId node_id;
  QualifiedName browse_name;
  LocalizedText display_name;
  uint32_t node_class = 0;
  ExpandedNodeId type_definition;
  Status decode(BinaryReader& r);
};

struct BrowseResult {
  StatusCode status_code;
  ByteString continuation_point;  // empty: no more references
  std::vector<ReferenceDescription> references;
  Status decode(BinaryReader& r);
};

struct BrowseRequest {
  static constexpr uint32_t kTypeId = type_ids::kBrowseRequest;
  RequestHeader request_header;
  uint32_t requested_max_references_per_node = 0;  // 0: no limit
  std::vector<BrowseDescription> nodes_to_browse;
  void encode(BinaryWriter& w) const;
};

struct BrowseResponse {
  static constexpr uint32_t kTypeId = type_ids::kBrowseResponse;
  static constexpr const char* kServiceName = "Browse";
  ResponseHeader response_header;
  std::vector<BrowseResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
  Status decode(BinaryReader& r);
};

struct BrowseNextRequest {
  static constexpr uint32_t kTypeId = type_ids::kBrowseNextRequest;
  RequestHeader request_header;
  bool release_continuation_points = false;
  std::vector<ByteString> continuation_points;
  void encode(BinaryWriter& w) const;
};

struct BrowseNextResponse {
  static constexpr uint32_t kTypeId = type_ids::kBrowseNextResponse;
  static constexpr const char* kServiceName = "BrowseNext";
  ResponseHeader response_header;
  std::vector<BrowseResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
  Status decode(BinaryReader& r);
};

struct RelativePathElement {
  NodeId reference_type_id{0, node_ids::kHierarchicalReferences};
  bool is_inverse = false;
  bool include_subtypes = true;
  QualifiedName target_name;
  friend bool operator==(const RelativePathElement&, const RelativePathElement&) = default;
};

struct BrowsePath {
  NodeId starting_node{0, node_ids::kObjectsFolder};
  std::vector<RelativePathElement> elements;
  void encode(BinaryWriter& w) const;
};

struct BrowsePathTarget {
  ExpandedNodeId target_id;
  uint32_t remaining_path_index = 0xFFFF'FFFF;  // all of the path was followed
};

struct BrowsePathResult {
  StatusCode status_code;
  std::vector<BrowsePathTarget> targets;
  Status decode(BinaryReader& r);
};

struct TranslateBrowsePathsToNodeIdsRequest {
  static constexpr uint32_t kTypeId = type_ids::kTranslateBrowsePathsToNodeIdsRequest;
  RequestHeader request_header;
  std::vector<BrowsePath> browse_paths;
  void encode(BinaryWriter& w) const;
};

struct TranslateBrowsePathsToNodeIdsResponse {
  static constexpr uint32_t kTypeId = type_ids::kTranslateBrowsePathsToNodeIdsResponse;
  static constexpr const char* kServiceName = "TranslateBrowsePathsToNodeIds";
  ResponseHeader response_header;
  std::vector<BrowsePathResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
  Status decode(BinaryReader& r);
};

// Parses the text form of a relative path (OPC 10000-4, A.2), the subset config needs:
// "/" follows HierarchicalReferences forward, "." follows Aggregates forward, each followed
// by a browse name "ns:Name" (namespace index) or "Name" (namespace 0). '&' escapes a
// reserved character ('/', '.', '&', ':', '<', '>', '!', '#'). "/2:CNC07/2:SpindleSpeed".
Result<std::vector<RelativePathElement>> parseRelativePath(std::string_view text);

}  // namespace pb::opcua
