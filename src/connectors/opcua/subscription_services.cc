#include "plantbridge/connectors/opcua/subscription_services.h"

namespace pb::opcua {
namespace {

// Decodes the notifications we understand; others (events) stay as ExtensionObjects.
Status decodeNotifications(NotificationMessage& message, const DecodeLimits& limits) {
  for (const auto& data : message.notification_data) {
    if (data.encoding != ExtensionObject::Encoding::kBinary) continue;
    BinaryReader r(data.body, limits);
    if (data.type_id == NodeId(0, type_ids::kDataChangeNotification)) {
      std::vector<MonitoredItemNotification> items;
      PB_RETURN_IF_ERROR(r.readArray(
          items,
          [](BinaryReader& rr, MonitoredItemNotification& n) {
            PB_RETURN_IF_ERROR(rr.readUInt32(n.client_handle));
            return rr.readDataValue(n.value);
          },
          5));
      std::vector<DiagnosticInfo> diagnostics;
      PB_RETURN_IF_ERROR(readDiagnosticInfoArray(r, diagnostics));
      for (auto& item : items) message.data_changes.push_back(std::move(item));
    } else if (data.type_id == NodeId(0, type_ids::kStatusChangeNotification)) {
      StatusCode status;
      PB_RETURN_IF_ERROR(r.readStatusCode(status));
      message.status_change = status;
    }
  }
  return Status::ok();
}

// NotificationMessage's own fields (the notifications stay encoded until decodeNotifications).
Status readNotificationMessage(BinaryReader& r, NotificationMessage& message) {
  PB_RETURN_IF_ERROR(r.readUInt32(message.sequence_number));
  PB_RETURN_IF_ERROR(r.readDateTime(message.publish_time));
  return r.readArray(
      message.notification_data,
      [](BinaryReader& rr, ExtensionObject& v) { return rr.readExtensionObject(v); }, 3);
}

}  // namespace

ExtensionObject DataChangeFilter::toExtensionObject() const {
  BinaryWriter body;
  body.writeUInt32(static_cast<uint32_t>(trigger));
  body.writeUInt32(static_cast<uint32_t>(deadband_type));
  body.writeDouble(deadband_value);
  return {NodeId(0, type_ids::kDataChangeFilter), ExtensionObject::Encoding::kBinary, body.take()};
}

void CreateSubscriptionRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeDouble(requested_publishing_interval_ms);
  w.writeUInt32(requested_lifetime_count);
  w.writeUInt32(requested_max_keep_alive_count);
  w.writeUInt32(max_notifications_per_publish);
  w.writeBoolean(publishing_enabled);
  w.writeByte(priority);
}

Status CreateSubscriptionResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(r.readUInt32(subscription_id));
  PB_RETURN_IF_ERROR(r.readDouble(revised_publishing_interval_ms));
  PB_RETURN_IF_ERROR(r.readUInt32(revised_lifetime_count));
  return r.readUInt32(revised_max_keep_alive_count);
}

void MonitoredItemCreateRequest::encode(BinaryWriter& w) const {
  item_to_monitor.encode(w);
  w.writeUInt32(static_cast<uint32_t>(monitoring_mode));
  // MonitoringParameters
  w.writeUInt32(client_handle);
  w.writeDouble(sampling_interval_ms);
  w.writeExtensionObject(filter ? filter->toExtensionObject() : ExtensionObject{});
  w.writeUInt32(queue_size);
  w.writeBoolean(discard_oldest);
}

Status MonitoredItemCreateResult::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(r.readStatusCode(status_code));
  PB_RETURN_IF_ERROR(r.readUInt32(monitored_item_id));
  PB_RETURN_IF_ERROR(r.readDouble(revised_sampling_interval_ms));
  PB_RETURN_IF_ERROR(r.readUInt32(revised_queue_size));
  return r.readExtensionObject(filter_result);
}

void CreateMonitoredItemsRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeUInt32(subscription_id);
  w.writeUInt32(static_cast<uint32_t>(timestamps_to_return));
  w.writeInt32(static_cast<int32_t>(items_to_create.size()));
  for (const auto& item : items_to_create) item.encode(w);
}

Status CreateMonitoredItemsResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(r.readArray(
      results, [](BinaryReader& rr, MonitoredItemCreateResult& v) { return v.decode(rr); }, 21));
  return readDiagnosticInfoArray(r, diagnostic_infos);
}

void PublishRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeInt32(static_cast<int32_t>(acknowledgements.size()));
  for (const auto& ack : acknowledgements) {
    w.writeUInt32(ack.subscription_id);
    w.writeUInt32(ack.sequence_number);
  }
}

Status PublishResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(r.readUInt32(subscription_id));
  PB_RETURN_IF_ERROR(r.readArray(
      available_sequence_numbers, [](BinaryReader& rr, uint32_t& v) { return rr.readUInt32(v); },
      4));
  PB_RETURN_IF_ERROR(r.readBoolean(more_notifications));
  PB_RETURN_IF_ERROR(readNotificationMessage(r, notification_message));
  PB_RETURN_IF_ERROR(readStatusCodeArray(r, results));
  PB_RETURN_IF_ERROR(readDiagnosticInfoArray(r, diagnostic_infos));
  return decodeNotifications(notification_message, r.limits());
}

void RepublishRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeUInt32(subscription_id);
  w.writeUInt32(retransmit_sequence_number);
}

Status RepublishResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(readNotificationMessage(r, notification_message));
  return decodeNotifications(notification_message, r.limits());
}

void TransferSubscriptionsRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeInt32(static_cast<int32_t>(subscription_ids.size()));
  for (uint32_t id : subscription_ids) w.writeUInt32(id);
  w.writeBoolean(send_initial_values);
}

Status TransferSubscriptionsResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(r.readArray(
      results,
      [](BinaryReader& rr, TransferResult& v) {
        PB_RETURN_IF_ERROR(rr.readStatusCode(v.status_code));
        return rr.readArray(
            v.available_sequence_numbers,
            [](BinaryReader& rrr, uint32_t& n) { return rrr.readUInt32(n); }, 4);
      },
      8));
  return readDiagnosticInfoArray(r, diagnostic_infos);
}

void DeleteSubscriptionsRequest::encode(BinaryWriter& w) const {
  request_header.encode(w);
  w.writeInt32(static_cast<int32_t>(subscription_ids.size()));
  for (uint32_t id : subscription_ids) w.writeUInt32(id);
}

Status DeleteSubscriptionsResponse::decode(BinaryReader& r) {
  PB_RETURN_IF_ERROR(response_header.decode(r));
  PB_RETURN_IF_ERROR(readStatusCodeArray(r, results));
  return readDiagnosticInfoArray(r, diagnostic_infos);
}

}  // namespace pb::opcua
