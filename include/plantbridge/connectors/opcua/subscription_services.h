// The Subscription and MonitoredItem services (OPC 10000-4, 5.12 and 5.13): CreateSubscription,
// CreateMonitoredItems (sampling interval, queue size, DataChangeFilter with a deadband),
// Publish with acknowledgements, Republish, TransferSubscriptions, DeleteSubscriptions; and the
// notifications a Publish response carries (DataChangeNotification, StatusChangeNotification).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "plantbridge/connectors/opcua/attribute_services.h"
#include "plantbridge/connectors/opcua/service_common.h"

namespace pb::opcua {

enum class MonitoringMode : uint32_t { kDisabled = 0, kSampling = 1, kReporting = 2 };
enum class DataChangeTrigger : uint32_t {
  kStatus = 0,
  kStatusValue = 1,
  kStatusValueTimestamp = 2
};
enum class DeadbandType : uint32_t { kNone = 0, kAbsolute = 1, kPercent = 2 };

struct DataChangeFilter {
  DataChangeTrigger trigger = DataChangeTrigger::kStatusValue;
  DeadbandType deadband_type = DeadbandType::kNone;
  double deadband_value = 0;
  ExtensionObject toExtensionObject() const;
};

struct CreateSubscriptionRequest {
  static constexpr uint32_t kTypeId = type_ids::kCreateSubscriptionRequest;
  RequestHeader request_header;
  double requested_publishing_interval_ms = 1000;
  uint32_t requested_lifetime_count = 60;
  uint32_t requested_max_keep_alive_count = 10;
  uint32_t max_notifications_per_publish = 0;  // 0: no limit
  bool publishing_enabled = true;
  uint8_t priority = 0;
  void encode(BinaryWriter& w) const;
};

struct CreateSubscriptionResponse {
  static constexpr uint32_t kTypeId = type_ids::kCreateSubscriptionResponse;
  static constexpr const char* kServiceName = "CreateSubscription";
  ResponseHeader response_header;
  uint32_t subscription_id = 0;
  double revised_publishing_interval_ms = 0;
  uint32_t revised_lifetime_count = 0;
  uint32_t revised_max_keep_alive_count = 0;
  Status decode(BinaryReader& r);
};

struct MonitoredItemCreateRequest {
  ReadValueId item_to_monitor;
  MonitoringMode monitoring_mode = MonitoringMode::kReporting;
  uint32_t client_handle = 0;        // ours: identifies the item in notifications
  double sampling_interval_ms = -1;  // -1: the publishing interval
  std::optional<DataChangeFilter> filter;
  uint32_t queue_size = 1;
  bool discard_oldest = true;
  void encode(BinaryWriter& w) const;
};

struct MonitoredItemCreateResult {
  StatusCode status_code;
  uint32_t monitored_item_id = 0;
  double revised_sampling_interval_ms = 0;
  uint32_t revised_queue_size = 0;
  ExtensionObject filter_result;
  Status decode(BinaryReader& r);
};

struct CreateMonitoredItemsRequest {
  static constexpr uint32_t kTypeId = type_ids::kCreateMonitoredItemsRequest;
  RequestHeader request_header;
  uint32_t subscription_id = 0;
  TimestampsToReturn timestamps_to_return = TimestampsToReturn::kBoth;
  std::vector<MonitoredItemCreateRequest> items_to_create;
  void encode(BinaryWriter& w) const;
};

struct CreateMonitoredItemsResponse {
  static constexpr uint32_t kTypeId = type_ids::kCreateMonitoredItemsResponse;
  static constexpr const char* kServiceName = "CreateMonitoredItems";
  ResponseHeader response_header;
  std::vector<MonitoredItemCreateResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
  Status decode(BinaryReader& r);
};

struct SubscriptionAcknowledgement {
  uint32_t subscription_id = 0;
  uint32_t sequence_number = 0;
};

struct PublishRequest {
  static constexpr uint32_t kTypeId = type_ids::kPublishRequest;
  RequestHeader request_header;
  std::vector<SubscriptionAcknowledgement> acknowledgements;
  void encode(BinaryWriter& w) const;
};

struct MonitoredItemNotification {
  uint32_t client_handle = 0;
  DataValue value;
};

struct NotificationMessage {
  uint32_t sequence_number = 0;
  DateTime publish_time;
  std::vector<ExtensionObject> notification_data;
  // Decoded from notification_data: the data changes and a subscription status change.
  std::vector<MonitoredItemNotification> data_changes;
  std::optional<StatusCode> status_change;
  // A keep-alive carries no notifications; its sequence number is not to be acknowledged.
  bool isKeepAlive() const { return notification_data.empty(); }
};

struct PublishResponse {
  static constexpr uint32_t kTypeId = type_ids::kPublishResponse;
  static constexpr const char* kServiceName = "Publish";
  ResponseHeader response_header;
  uint32_t subscription_id = 0;
  std::vector<uint32_t> available_sequence_numbers;
  bool more_notifications = false;
  NotificationMessage notification_message;
  std::vector<StatusCode> results;  // one per acknowledgement sent
  std::vector<DiagnosticInfo> diagnostic_infos;
  Status decode(BinaryReader& r);
};

// OPC 10000-4, 5.13.6: one NotificationMessage again, by its sequence number.
struct RepublishRequest {
  static constexpr uint32_t kTypeId = type_ids::kRepublishRequest;
  RequestHeader request_header;
  uint32_t subscription_id = 0;
  uint32_t retransmit_sequence_number = 0;
  void encode(BinaryWriter& w) const;
};

struct RepublishResponse {
  static constexpr uint32_t kTypeId = type_ids::kRepublishResponse;
  static constexpr const char* kServiceName = "Republish";
  ResponseHeader response_header;
  NotificationMessage notification_message;
  Status decode(BinaryReader& r);
};

// OPC 10000-4, 5.13.7: subscriptions of another session moved to this one.
struct TransferSubscriptionsRequest {
  static constexpr uint32_t kTypeId = type_ids::kTransferSubscriptionsRequest;
  RequestHeader request_header;
  std::vector<uint32_t> subscription_ids;
  bool send_initial_values = true;
  void encode(BinaryWriter& w) const;
};

struct TransferResult {
  StatusCode status_code;
  // Notification messages the server still holds for retransmission (Republish).
  std::vector<uint32_t> available_sequence_numbers;
};

struct TransferSubscriptionsResponse {
  static constexpr uint32_t kTypeId = type_ids::kTransferSubscriptionsResponse;
  static constexpr const char* kServiceName = "TransferSubscriptions";
  ResponseHeader response_header;
  std::vector<TransferResult> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
  Status decode(BinaryReader& r);
};

struct DeleteSubscriptionsRequest {
  static constexpr uint32_t kTypeId = type_ids::kDeleteSubscriptionsRequest;
  RequestHeader request_header;
  std::vector<uint32_t> subscription_ids;
  void encode(BinaryWriter& w) const;
};

struct DeleteSubscriptionsResponse {
  static constexpr uint32_t kTypeId = type_ids::kDeleteSubscriptionsResponse;
  static constexpr const char* kServiceName = "DeleteSubscriptions";
  ResponseHeader response_header;
  std::vector<StatusCode> results;
  std::vector<DiagnosticInfo> diagnostic_infos;
  Status decode(BinaryReader& r);
};

}  // namespace pb::opcua
