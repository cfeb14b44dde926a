#include "plantbridge/connectors/opcua/client.h"

#include <openssl/rand.h>

#include <charconv>

#include "plantbridge/connectors/opcua/secure_channel_services.h"
#include "secure_channel.h"

namespace pb::opcua {
namespace {

constexpr size_t kSessionNonceLength = 32;

DateTime systemNow() {
  // Protocol timestamps only (request headers); no logic depends on them.
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return dateTimeFromUnixMicros(us);
}

bool isNoneEndpoint(const EndpointDescription& e) {
  return e.security_policy_uri == kSecurityPolicyNoneUri &&
         e.security_mode == static_cast<uint32_t>(MessageSecurityMode::kNone);
}

}  // namespace

Result<EndpointAddress> parseEndpointUrl(std::string_view url) {
  constexpr std::string_view kScheme = "opc.tcp://";
  if (!url.starts_with(kScheme)) {
    return Status::invalidArgument("endpoint URL '" + std::string(url) +
                                   "' must start with opc.tcp://");
  }
  std::string_view rest = url.substr(kScheme.size());
  EndpointAddress address;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) address.path = std::string(rest.substr(slash));
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::invalidArgument("endpoint URL '" + std::string(url) + "': unclosed '['");
    }
    address.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Status::invalidArgument("endpoint URL: junk after ']'");
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    address.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (address.host.empty()) {
    return Status::invalidArgument("endpoint URL '" + std::string(url) + "' has no host");
  }
  if (!port_text.empty() || authority.ends_with(':')) {
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
        port == 0 || port > 65535) {
      return Status::invalidArgument("endpoint URL '" + std::string(url) +
                                     "': port must be 1..65535");
    }
    address.port = static_cast<uint16_t>(port);
  }
  return address;
}

struct Client::Impl {
  ClientOptions options;
  SecureChannel channel;
  uint32_t next_request_handle = 1;
  bool session_active = false;
  NodeId session_id;
  NodeId authentication_token;

  Deadline requestDeadline() const {
    return std::chrono::steady_clock::now() + options.request_timeout;
  }

  template <typename Response, typename Request>
  Result<Response> call(Request request) {
    return callWithin<Response>(std::move(request), options.request_timeout);
  }

  template <typename Response, typename Request>
  Result<Response> callWithin(Request request, std::chrono::milliseconds timeout) {
    const Deadline deadline = std::chrono::steady_clock::now() + timeout;
    request.request_header.authentication_token = authentication_token;
    request.request_header.timestamp = systemNow();
    request.request_header.request_handle = next_request_handle++;
    request.request_header.timeout_hint_ms = static_cast<uint32_t>(timeout.count());
    auto body = channel.call(encodeRequest(request), deadline);
    if (!body.isOk()) {
      if (!channel.isOpen()) session_active = false;
      return body.status();
    }
    return decodeResponse<Response>(*body, options.decode_limits);
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Client::~Client() { disconnect(); }

Status Client::connect() {
  disconnect();
  auto address = parseEndpointUrl(impl_->options.endpoint_url);
  if (!address.isOk()) return address.status();
  SecureChannelOptions channel_options;
  channel_options.host = address->host;
  channel_options.port = address->port;
  channel_options.endpoint_url = impl_->options.endpoint_url;
  channel_options.limits = impl_->options.limits;
  channel_options.decode_limits = impl_->options.decode_limits;
  channel_options.requested_lifetime_ms = impl_->options.requested_token_lifetime_ms;
  const Deadline deadline = std::chrono::steady_clock::now() + impl_->options.connect_timeout;
  Status opened = impl_->channel.open(channel_options, deadline);
  if (!opened.isOk()) {
    return Status(opened.code(), "OPC UA " + impl_->options.endpoint_url + ": " + opened.message());
  }
  return Status::ok();
}

void Client::disconnect() {
  if (impl_->session_active) (void)closeSession();
  impl_->channel.close(impl_->requestDeadline());
  impl_->session_active = false;
  impl_->authentication_token = NodeId{};
}

Status Client::renewSecureChannel() { return impl_->channel.renew(impl_->requestDeadline()); }

Result<std::vector<EndpointDescription>> Client::getEndpoints() {
  GetEndpointsRequest request;
  request.endpoint_url = impl_->options.endpoint_url;
  request.profile_uris = {kTransportProfileUaTcp};
  auto response = impl_->call<GetEndpointsResponse>(std::move(request));
  if (!response.isOk()) return response.status();
  return std::move(response->endpoints);
}

Status Client::openSession(const UserIdentity& identity, const std::string& session_name) {
  if (impl_->session_active) PB_RETURN_IF_ERROR(closeSession());
  CreateSessionRequest create;
  create.client_description.application_uri = impl_->options.application_uri;
  create.client_description.product_uri = impl_->options.product_uri;
  create.client_description.application_name.text = impl_->options.application_name;
  create.client_description.application_type = ApplicationType::kClient;
  create.endpoint_url = impl_->options.endpoint_url;
  create.session_name = session_name;
  create.client_nonce.bytes.resize(kSessionNonceLength);
  if (RAND_bytes(reinterpret_cast<unsigned char*>(create.client_nonce.bytes.data()),
                 static_cast<int>(kSessionNonceLength)) != 1) {
    return Status::internal("no random bytes for the session nonce");
  }
  create.requested_session_timeout_ms = impl_->options.requested_session_timeout_ms;
  auto created = impl_->call<CreateSessionResponse>(std::move(create));
  if (!created.isOk()) return created.status();

  std::vector<EndpointDescription> endpoints = created->server_endpoints;
  if (endpoints.empty()) {
    auto listed = getEndpoints();
    if (!listed.isOk()) return listed.status();
    endpoints = std::move(*listed);
  }
  const UserTokenType wanted = identity.kind == UserIdentity::Kind::kAnonymous
                                   ? UserTokenType::kAnonymous
                                   : UserTokenType::kUserName;
  const UserTokenPolicy* policy = nullptr;
  for (const auto& endpoint : endpoints) {
    if (!isNoneEndpoint(endpoint)) continue;
    for (const auto& candidate : endpoint.user_identity_tokens) {
      if (candidate.token_type == wanted) {
        policy = &candidate;
        break;
      }
    }
    if (policy != nullptr) break;
  }
  const char* kind_name = wanted == UserTokenType::kAnonymous ? "Anonymous" : "UserName";
  if (policy == nullptr) {
    return Status::unauthenticated(std::string("the server offers no ") + kind_name +
                                   " login on a SecurityPolicy None endpoint");
  }
  // The session exists from here on: a failed activation must close it.
  impl_->session_id = created->session_id;
  impl_->authentication_token = created->authentication_token;
  impl_->session_active = true;

  ActivateSessionRequest activate;
  activate.locale_ids = {"en"};
  if (wanted == UserTokenType::kAnonymous) {
    activate.user_identity_token = anonymousIdentityToken(policy->policy_id);
  } else {
    if (!policy->security_policy_uri.empty() &&
        policy->security_policy_uri != kSecurityPolicyNoneUri) {
      (void)closeSession();
      return Status::unauthenticated("the server wants the password encrypted with " +
                                     policy->security_policy_uri + " (token policy '" +
                                     policy->policy_id +
                                     "'); only plain-text passwords on "
                                     "SecurityPolicy None are supported yet");
    }
    activate.user_identity_token =
        userNameIdentityToken(policy->policy_id, identity.user_name, identity.password, "");
  }
  auto activated = impl_->call<ActivateSessionResponse>(std::move(activate));
  if (!activated.isOk()) {
    (void)closeSession();
    return activated.status();
  }
  return Status::ok();
}

Status Client::closeSession() {
  if (!impl_->session_active) return Status::ok();
  CloseSessionRequest request;
  request.delete_subscriptions = true;
  auto response = impl_->call<CloseSessionResponse>(std::move(request));
  impl_->session_active = false;
  impl_->authentication_token = NodeId{};
  impl_->session_id = NodeId{};
  return response.isOk() ? Status::ok() : response.status();
}

Result<std::vector<DataValue>> Client::read(const std::vector<ReadValueId>& nodes,
                                            TimestampsToReturn timestamps) {
  ReadRequest request;
  request.timestamps_to_return = timestamps;
  request.nodes_to_read = nodes;
  auto response = impl_->call<ReadResponse>(std::move(request));
  if (!response.isOk()) return response.status();
  if (response->results.size() != nodes.size()) {
    return Status::invalidArgument("Read: " + std::to_string(response->results.size()) +
                                   " results for " + std::to_string(nodes.size()) + " nodes");
  }
  return std::move(response->results);
}

Result<std::vector<BrowseResult>> Client::browse(const std::vector<BrowseDescription>& nodes,
                                                 uint32_t max_references_per_node) {
  BrowseRequest request;
  request.requested_max_references_per_node = max_references_per_node;
  request.nodes_to_browse = nodes;
  auto response = impl_->call<BrowseResponse>(std::move(request));
  if (!response.isOk()) return response.status();
  if (response->results.size() != nodes.size()) {
    return Status::invalidArgument("Browse: " + std::to_string(response->results.size()) +
                                   " results for " + std::to_string(nodes.size()) + " nodes");
  }
  return std::move(response->results);
}

Result<std::vector<BrowseResult>> Client::browseNext(
    const std::vector<ByteString>& continuation_points, bool release) {
  BrowseNextRequest request;
  request.release_continuation_points = release;
  request.continuation_points = continuation_points;
  auto response = impl_->call<BrowseNextResponse>(std::move(request));
  if (!response.isOk()) return response.status();
  if (response->results.size() != continuation_points.size()) {
    return Status::invalidArgument("BrowseNext: " + std::to_string(response->results.size()) +
                                   " results for " + std::to_string(continuation_points.size()) +
                                   " continuation points");
  }
  return std::move(response->results);
}

Result<std::vector<ReferenceDescription>> Client::browseAll(const BrowseDescription& node,
                                                            uint32_t max_references_per_node,
                                                            int max_calls) {
  std::vector<ReferenceDescription> all;
  auto first = browse({node}, max_references_per_node);
  if (!first.isOk()) return first.status();
  BrowseResult result = std::move(first->front());
  for (int calls = 1;; ++calls) {
    if (result.status_code.isBad()) return statusFromServiceResult(result.status_code, "Browse");
    for (auto& reference : result.references) all.push_back(std::move(reference));
    if (result.continuation_point.bytes.empty()) return all;
    if (calls >= max_calls) {
      (void)browseNext({result.continuation_point}, /*release=*/true);
      return Status::resourceExhausted("Browse of " + node.node_id.toString() + ": more than " +
                                       std::to_string(max_calls) + " calls");
    }
    auto next = browseNext({result.continuation_point}, /*release=*/false);
    if (!next.isOk()) return next.status();
    result = std::move(next->front());
  }
}

Result<std::vector<BrowsePathResult>> Client::translateBrowsePaths(
    const std::vector<BrowsePath>& paths) {
  TranslateBrowsePathsToNodeIdsRequest request;
  request.browse_paths = paths;
  auto response = impl_->call<TranslateBrowsePathsToNodeIdsResponse>(std::move(request));
  if (!response.isOk()) return response.status();
  if (response->results.size() != paths.size()) {
    return Status::invalidArgument("TranslateBrowsePathsToNodeIds: wrong number of results");
  }
  return std::move(response->results);
}

Result<NodeId> Client::resolvePath(std::string_view relative_path, const NodeId& start) {
  auto elements = parseRelativePath(relative_path);
  if (!elements.isOk()) return elements.status();
  BrowsePath path;
  path.starting_node = start;
  path.elements = std::move(*elements);
  auto results = translateBrowsePaths({path});
  if (!results.isOk()) return results.status();
  const BrowsePathResult& result = results->front();
  const std::string where =
      "browse path '" + std::string(relative_path) + "' from " + start.toString();
  if (result.status_code.isBad()) {
    Status status = statusFromServiceResult(result.status_code, "TranslateBrowsePathsToNodeIds");
    return Status(status.code(), where + ": " + status.message());
  }
  for (const auto& target : result.targets) {
    if (target.remaining_path_index != 0xFFFF'FFFFU) continue;
    if (target.target_id.server_index != 0 || !target.target_id.namespace_uri.empty()) {
      return Status::notFound(where + " leads to another server");
    }
    return target.target_id.node_id;
  }
  return Status::notFound(where + ": no target in this server");
}

Result<Subscription> Client::createSubscription(const SubscriptionParameters& parameters) {
  CreateSubscriptionRequest request;
  request.requested_publishing_interval_ms = parameters.publishing_interval_ms;
  request.requested_lifetime_count = parameters.lifetime_count;
  request.requested_max_keep_alive_count = parameters.max_keep_alive_count;
  request.max_notifications_per_publish = parameters.max_notifications_per_publish;
  request.priority = parameters.priority;
  auto response = impl_->call<CreateSubscriptionResponse>(std::move(request));
  if (!response.isOk()) return response.status();
  return Subscription{response->subscription_id, response->revised_publishing_interval_ms,
                      response->revised_lifetime_count, response->revised_max_keep_alive_count};
}

Result<std::vector<MonitoredItemCreateResult>> Client::createMonitoredItems(
    uint32_t subscription_id, const std::vector<MonitoredItemCreateRequest>& items,
    TimestampsToReturn timestamps) {
  CreateMonitoredItemsRequest request;
  request.subscription_id = subscription_id;
  request.timestamps_to_return = timestamps;
  request.items_to_create = items;
  auto response = impl_->call<CreateMonitoredItemsResponse>(std::move(request));
  if (!response.isOk()) return response.status();
  if (response->results.size() != items.size()) {
    return Status::invalidArgument(
        "CreateMonitoredItems: " + std::to_string(response->results.size()) + " results for " +
        std::to_string(items.size()) + " items");
  }
  return std::move(response->results);
}

Result<PublishResponse> Client::publish(
    const std::vector<SubscriptionAcknowledgement>& acknowledgements,
    std::chrono::milliseconds wait) {
  PublishRequest request;
  request.acknowledgements = acknowledgements;
  return impl_->callWithin<PublishResponse>(std::move(request), wait);
}

Status Client::deleteSubscriptions(const std::vector<uint32_t>& subscription_ids) {
  DeleteSubscriptionsRequest request;
  request.subscription_ids = subscription_ids;
  auto response = impl_->call<DeleteSubscriptionsResponse>(std::move(request));
  if (!response.isOk()) return response.status();
  for (size_t i = 0; i < response->results.size(); ++i) {
    if (response->results[i].isBad()) {
      return statusFromServiceResult(response->results[i], "DeleteSubscriptions");
    }
  }
  return Status::ok();
}

ConnectionInfo Client::info() const {
  ConnectionInfo info;
  const auto& state = impl_->channel.state();
  info.connected = impl_->channel.isOpen();
  info.secure_channel_id = state.channel_id;
  info.token_id = state.token_id;
  info.token_lifetime_ms = state.revised_lifetime_ms;
  info.token_renewals = state.renewals;
  info.server_limits = state.server_limits;
  info.send_chunk_size = state.send_chunk_size;
  info.session_active = impl_->session_active;
  info.session_id = impl_->session_id;
  return info;
}

}  // namespace pb::opcua
