#include "plantbridge/connectors/opcua/view_services.h"

#include <charconv>

namespace pb::opcua {
namespace {

void writeViewDescription(BinaryWriter& w) {
  // The whole address space, no view: null view id, no timestamp, version 0.
  w.writeNodeId(NodeId{});
  w.writeDateTime(DateTime{});
  w.writeUInt32(0);
}

Status readBrowseResults(BinaryReader& r, std::vector<BrowseResult>& results) {
  return r.readArray(
      results, [](BinaryReader& rr, BrowseResult& v) { return v.decode(rr); }, 8);
}

bool isReserved(char c) {
  return c == '/' || c == '.' || c == '&' || c == ':' || c == '<' || c == '>' || c == '!' ||
         c == '#';
}

}  // namespace

void BrowseDescription::encode(BinaryWriter& w) const {
  w.writeNodeId(node_id);
  w.writeUInt32(static_cast<uint32_t>(browse_direction));
  w.writeNodeId(reference_type_id);
  w.writeBoolean(include_subtypes);
  w.writeUInt32(node_class_mask);
  w.writeUInt32(result_mask);
}

Status ReferenceDescription::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(r.readNodeId(reference_type_id));
  PB_RETURN_IF_ERROR(r.readBoolean(is_forward));
  PB_RETURN_IF_ERROR(r.readExpandedNodeId(node_id));
  PB_RETURN_IF_ERROR(r.readQualifiedName(browse_name));
  PB_RETURN_IF_ERROR(r.readLocalizedText(display_name));
  PB_RETURN_IF_ERROR(r.readUInt32(node_class));
  return r.readExpandedNodeId(type_definition);
}

Status BrowseResult::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(r.readStatusCode(status_code));
  PB_RETURN_IF_ERROR(r.readByteString(continuation_point));
  return r.readArray(
      references, [](BinaryReader& rr, ReferenceDescription& v) { return v.decode(rr); }, 8);
}

void BrowseRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  writeViewDescription(w);
  w.writeUInt32(requested_max_references_per_node);
  w.writeInt32(static_cast<int32_t>(nodes_to_browse.size()));
  for (const auto& node : nodes_to_browse) node.encode(w);
}

Status BrowseResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(readBrowseResults(r, results));
  return readDiagnosticInfoArray(r, diagnostic_infos);
}

void BrowseNextRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeBoolean(release_continuation_points);
  w.writeInt32(static_cast<int32_t>(continuation_points.size()));
  for (const auto& point : continuation_points) w.writeByteString(point);
}

Status BrowseNextResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(readBrowseResults(r, results));
  return readDiagnosticInfoArray(r, diagnostic_infos);
}

void BrowsePath::encode(BinaryWriter& w) const {
  w.writeNodeId(starting_node);
  w.writeInt32(static_cast<int32_t>(elements.size()));
  for (const auto& element : elements) {
    w.writeNodeId(element.reference_type_id);
    w.writeBoolean(element.is_inverse);
    w.writeBoolean(element.include_subtypes);
    w.writeQualifiedName(element.target_name);
  }
}

Status BrowsePathResult::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(r.readStatusCode(status_code));
  return r.readArray(
      targets,
      [](BinaryReader& rr, BrowsePathTarget& t) {
        PB_RETURN_IF_ERROR(rr.readExpandedNodeId(t.target_id));
        return rr.readUInt32(t.remaining_path_index);
      },
      5);
}

void TranslateBrowsePathsToNodeIdsRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeInt32(static_cast<int32_t>(browse_paths.size()));
  for (const auto& path : browse_paths) path.encode(w);
}

Status TranslateBrowsePathsToNodeIdsResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(r.readArray(
      results, [](BinaryReader& rr, BrowsePathResult& v) { return v.decode(rr); }, 8));
  return readDiagnosticInfoArray(r, diagnostic_infos);
}

Result<std::vector<RelativePathElement>> parseRelativePath(std::string_view text) {
  std::vector<RelativePathElement> elements;
  size_t i = 0;
  if (text.empty()) return Status::invalidArgument("relative path: empty");
  while (i < text.size()) {
    RelativePathElement element;
    if (text[i] == '/') {
      element.reference_type_id = NodeId(0, node_ids::kHierarchicalReferences);
    } else if (text[i] == '.') {
      element.reference_type_id = NodeId(0, node_ids::kAggregates);
    } else {
      return Status::invalidArgument("relative path '" + std::string(text) +
                                     "': expected '/' or "
                                     "'.' at offset " +
                                     std::to_string(i));
    }
    ++i;
    // The browse name up to the next unescaped '/' or '.'.
    std::string name;
    std::optional<uint16_t> ns;
    while (i < text.size() && text[i] != '/' && text[i] != '.') {
      const char c = text[i];
      if (c == '&') {
        if (i + 1 >= text.size()) {
          return Status::invalidArgument("relative path: '&' at the end escapes nothing");
        }
        name.push_back(text[i + 1]);
        i += 2;
        continue;
      }
      if (c == ':' && !ns) {
        uint32_t index = 0;
        auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
        if (name.empty() || ec != std::errc() || ptr != name.data() + name.size() ||
            index > 0xFFFF) {
          return Status::invalidArgument("relative path: namespace index '" + name +
                                         "' is not a number in 0..65535");
        }
        ns = static_cast<uint16_t>(index);
        name.clear();
        ++i;
        continue;
      }
      if (isReserved(c)) {
        return Status::invalidArgument(std::string("relative path: reserved character '") + c +
                                       "' must be escaped with '&'");
      }
      name.push_back(c);
      ++i;
    }
    if (name.empty()) {
      return Status::invalidArgument("relative path '" + std::string(text) +
                                     "': empty browse name");
    }
    element.target_name = QualifiedName{ns.value_or(0), std::move(name)};
    elements.push_back(std::move(element));
  }
  return elements;
}

}  // namespace pb::opcua
