#include "plantbridge/connectors/opcua/attribute_services.h"

namespace pb::opcua {

void ReadValueId::encode(BinaryWriter& w) const {
  w.writeNodeId(node_id);
  w.writeUInt32(attribute_id);
  if (index_range.empty()) {
    w.writeNullString();
  } else {
    w.writeString(index_range);
  }
  // The default encoding: namespace 0 and a null name, as other stacks send it.
  w.writeUInt16(data_encoding.namespace_index);
  if (data_encoding.name.empty()) {
    w.writeNullString();
  } else {
    w.writeString(data_encoding.name);
  }
}

void ReadRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeDouble(max_age_ms);
  w.writeUInt32(static_cast<uint32_t>(timestamps_to_return));
  w.writeInt32(static_cast<int32_t>(nodes_to_read.size()));
  for (const auto& node : nodes_to_read) node.encode(w);
}

Status ReadResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(r.readArray(
      results, [](BinaryReader& rr, DataValue& v) { return rr.readDataValue(v); }, 1));
  return readDiagnosticInfoArray(r, diagnostic_infos);
}

}  // namespace pb::opcua
