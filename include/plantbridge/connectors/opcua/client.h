// An OPC UA client over UA TCP with SecurityPolicy None or Basic256Sha256 (Sign,
// SignAndEncrypt; docs/connectors/opcua.md, "Security"): connect (Hello/Acknowledge and a
// secure channel), GetEndpoints, a session (Anonymous or UserName), Read, Browse/BrowseNext,
// TranslateBrowsePathsToNodeIds, subscriptions with monitored items and Publish.
//
// Every call is synchronous and bounded by ClientOptions::request_timeout (connect by
// connect_timeout); an expired request closes the connection, since a late answer would
// desynchronise the stream. Errors come back as Status: kUnavailable for anything the network
// or the server's state explains (refused, dropped, timed out, Error messages, session gone) —
// reconnecting may help; kUnauthenticated for a rejected identity; kNotFound for an unknown
// node or an unresolvable browse path; kPermissionDenied for a server certificate we do not
// trust (saved in <pki_dir>/rejected/, the message says where to move it); kInvalidArgument for
// requests the server refused or responses we could not decode. Messages name the OPC UA status
// code. Thread-safety: one thread at a time (a connector owns its client on its own thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/connectors/opcua/attribute_services.h"
#include "plantbridge/connectors/opcua/binary_codec.h"
#include "plantbridge/connectors/opcua/secure_channel_services.h"
#include "plantbridge/connectors/opcua/session_services.h"
#include "plantbridge/connectors/opcua/subscription_services.h"
#include "plantbridge/connectors/opcua/transport_messages.h"
#include "plantbridge/connectors/opcua/view_services.h"

namespace pb::opcua {

struct EndpointAddress {
  std::string host;
  uint16_t port = 4840;
  std::string path;  // "" or "/path"
};
// "opc.tcp://host[:port][/path]"; IPv6 hosts in brackets.
Result<EndpointAddress> parseEndpointUrl(std::string_view url);

struct ClientOptions {
  std::string endpoint_url;
  std::chrono::milliseconds connect_timeout{5'000};
  std::chrono::milliseconds request_timeout{10'000};
  uint32_t requested_token_lifetime_ms = 600'000;
  double requested_session_timeout_ms = 60'000;
  TransportLimits limits;
  DecodeLimits decode_limits;
  std::string application_uri = "urn:plantbridge:opcua-client";
  std::string product_uri = "urn:plantbridge";
  std::string application_name = "plantbridge";
  // Security. With Basic256Sha256 (mode Sign or SignAndEncrypt) connect() first asks the
  // server for its endpoints over a None channel, takes the one with this policy and mode,
  // checks the server's certificate against <pki_dir>/trusted/certs, then opens the channel.
  // pki_dir holds our certificate (created on first use, for application_uri) and the trust
  // list; with None it is optional and, when set, lets a UserName password be encrypted for
  // a trusted server when its token policy asks for that.
  SecurityPolicy security_policy = SecurityPolicy::kNone;
  MessageSecurityMode security_mode = MessageSecurityMode::kNone;
  std::string pki_dir;
};

struct UserIdentity {
  enum class Kind { kAnonymous, kUserName };
  Kind kind = Kind::kAnonymous;
  std::string user_name;
  std::string password;
  static UserIdentity anonymous() { return {}; }
  static UserIdentity userName(std::string user, std::string password) {
    return {Kind::kUserName, std::move(user), std::move(password)};
  }
};

struct SubscriptionParameters {
  double publishing_interval_ms = 1000;
  uint32_t lifetime_count = 60;        // publishing intervals without Publish before it ends
  uint32_t max_keep_alive_count = 10;  // publishing intervals without data before a keep-alive
  uint32_t max_notifications_per_publish = 0;
  uint8_t priority = 0;
};

// A subscription as the server revised it.
struct Subscription {
  uint32_t id = 0;
  double publishing_interval_ms = 0;
  uint32_t lifetime_count = 0;
  uint32_t max_keep_alive_count = 0;
};

// What the connection negotiated, for diagnostics and tests.
struct ConnectionInfo {
  bool connected = false;
  uint32_t secure_channel_id = 0;
  uint32_t token_id = 0;
  uint32_t token_lifetime_ms = 0;
  uint32_t token_renewals = 0;
  TransportLimits server_limits;
  uint32_t send_chunk_size = 0;
  bool session_active = false;
  NodeId session_id;
  SecurityPolicy security_policy = SecurityPolicy::kNone;
  MessageSecurityMode security_mode = MessageSecurityMode::kNone;
};

class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // TCP, Hello/Acknowledge, OpenSecureChannel. Closes an earlier connection first.
  Status connect();
  // Closes the session if one is active, then the secure channel. Idempotent.
  void disconnect();
  // Closes the connection without closing the session: the server keeps the session (until its
  // timeout) and its subscriptions, which another session can take over with
  // transferSubscriptions(). For a connection that is lost or suspect; bounded by ~100 ms.
  void dropConnection();
  // Renews the security token now (it is also renewed by itself before its lifetime ends).
  Status renewSecureChannel();

  Result<std::vector<EndpointDescription>> getEndpoints();
  // CreateSession then ActivateSession with `identity`, on the endpoint of the configured
  // security policy and mode; the identity's token policy comes from that endpoint. With
  // Basic256Sha256 the server's signature is checked and ours sent; a password is encrypted
  // for the server's certificate whenever its token policy asks for that.
  Status openSession(const UserIdentity& identity, const std::string& session_name = "plantbridge");
  Status closeSession();

  // One DataValue per node, in order; a node's own Bad status is in its DataValue.
  Result<std::vector<DataValue>> read(const std::vector<ReadValueId>& nodes,
                                      TimestampsToReturn timestamps = TimestampsToReturn::kBoth);
  Result<std::vector<BrowseResult>> browse(const std::vector<BrowseDescription>& nodes,
                                           uint32_t max_references_per_node = 0);
  Result<std::vector<BrowseResult>> browseNext(const std::vector<ByteString>& continuation_points,
                                               bool release);
  // Browse then BrowseNext until the server has no more, at most `max_calls` calls in all.
  Result<std::vector<ReferenceDescription>> browseAll(const BrowseDescription& node,
                                                      uint32_t max_references_per_node = 0,
                                                      int max_calls = 1000);
  Result<std::vector<BrowsePathResult>> translateBrowsePaths(const std::vector<BrowsePath>& paths);
  // The node at `relative_path` (text form, view_services.h) from `start`; kNotFound names the
  // path when the server finds no match.
  Result<NodeId> resolvePath(std::string_view relative_path,
                             const NodeId& start = NodeId(0, node_ids::kObjectsFolder));

  Result<Subscription> createSubscription(const SubscriptionParameters& parameters);
  // One result per item, in order; an item the server refused has a Bad status in its result.
  Result<std::vector<MonitoredItemCreateResult>> createMonitoredItems(
      uint32_t subscription_id, const std::vector<MonitoredItemCreateRequest>& items,
      TimestampsToReturn timestamps = TimestampsToReturn::kBoth);
  // Sends one Publish acknowledging `acknowledgements` and waits up to `wait` for its answer
  // (notifications, or a keep-alive after the subscription's keep-alive interval). The caller
  // acknowledges each non-keep-alive NotificationMessage in its next Publish.
  Result<PublishResponse> publish(const std::vector<SubscriptionAcknowledgement>& acknowledgements,
                                  std::chrono::milliseconds wait);
  Status deleteSubscriptions(const std::vector<uint32_t>& subscription_ids);

  // publish() in two halves, so a caller can wait for the answer in short slices (and stop
  // in between): sendPublish() sends the request (`timeout_hint`: how long the server may hold
  // it) and returns its handle; receivePublish() waits up to `wait` for bytes and returns
  // nullopt when none came (the connection is untouched), else reads the answer (bounded by
  // request_timeout). No other request may be made while a Publish is outstanding: its answer
  // would be dropped as a late one.
  Result<uint32_t> sendPublish(const std::vector<SubscriptionAcknowledgement>& acknowledgements,
                               std::chrono::milliseconds timeout_hint);
  Result<std::optional<PublishResponse>> receivePublish(uint32_t handle,
                                                        std::chrono::milliseconds wait);
  // One result per subscription, in order (Good, or e.g. BadSubscriptionIdInvalid when the
  // server no longer has it), each with the sequence numbers it holds for Republish.
  Result<std::vector<TransferResult>> transferSubscriptions(
      const std::vector<uint32_t>& subscription_ids, bool send_initial_values);
  // The NotificationMessage `sequence_number` again; kNotFound when the server no longer has
  // it (BadMessageNotAvailable).
  Result<NotificationMessage> republish(uint32_t subscription_id, uint32_t sequence_number);

  // From any thread: every wait of this client (connect, requests, receivePublish) ends at once
  // with kUnavailable "interrupted", now and until clearInterrupt(). A request cut off this way
  // closes the connection, like any other transport error.
  void interrupt();
  void clearInterrupt();

  ConnectionInfo info() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb::opcua
