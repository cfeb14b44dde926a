#include "plantbridge/connectors/opcua/client.h"

#include <openssl/rand.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "certificate_store.h"
#include "plantbridge/connectors/opcua/secure_channel_services.h"
#include "secure_channel.h"
#include "session_security.h"

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
  int wake_fd = -1;  // an eventfd, readable while interrupted
  uint32_t next_request_handle = 1;
  bool session_active = false;
  NodeId session_id;
  NodeId authentication_token;
  std::optional<CertificateStore> pki;  // loaded on first need
  std::string server_certificate;       // DER, checked against the trust list (secure channel)

  bool secure() const { return options.security_policy != SecurityPolicy::kNone; }
  Status loadPki();
  Status openChannel(SecureChannelOptions channel_options, Deadline deadline);
  Status activateSession(const UserIdentity& identity, const CreateSessionResponse& created,
                         const std::string& client_nonce);

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

Status Client::Impl::loadPki() {
  if (pki) return Status::ok();
  if (options.pki_dir.empty()) {
    return Status::invalidArgument(std::string("security policy ") +
                                   securityPolicyName(options.security_policy) +
                                   " needs pki_dir (where the client certificate and the trusted "
                                   "server certificates live)");
  }
  auto store =
      CertificateStore::open(options.pki_dir, options.application_uri, options.application_name);
  if (!store.isOk()) return store.status();
  pki.emplace(std::move(*store));
  return Status::ok();
}

Status Client::Impl::openChannel(SecureChannelOptions channel_options, Deadline deadline) {
  server_certificate.clear();
  if (!secure()) return channel.open(channel_options, deadline);
  PB_RETURN_IF_ERROR(loadPki());
  // The server's certificate comes with its endpoints, over a channel without security.
  PB_RETURN_IF_ERROR(channel.open(channel_options, deadline));
  GetEndpointsRequest request;
  request.endpoint_url = options.endpoint_url;
  request.profile_uris = {kTransportProfileUaTcp};
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  auto listed = callWithin<GetEndpointsResponse>(std::move(request),
                                                 std::max(left, std::chrono::milliseconds(1)));
  channel.close(deadline);
  if (!listed.isOk()) return listed.status();
  auto endpoint = selectEndpoint(listed->endpoints, options.security_policy, options.security_mode);
  if (!endpoint.isOk()) return endpoint.status();
  const std::string& certificate = endpoint->server_certificate.bytes;
  PB_RETURN_IF_ERROR(pki->checkServerCertificate(certificate, std::chrono::system_clock::now()));
  channel_options.security = {options.security_policy, options.security_mode, pki->privateKey(),
                              pki->certificate(), certificate};
  PB_RETURN_IF_ERROR(channel.open(channel_options, deadline));
  server_certificate = certificate;
  return Status::ok();
}

Status Client::Impl::activateSession(const UserIdentity& identity,
                                     const CreateSessionResponse& created,
                                     const std::string& client_nonce) {
  const std::string& created_certificate = created.server_certificate.bytes;
  if (secure()) {
    if (created_certificate != server_certificate) {
      return Status::unauthenticated(
          "CreateSession: the server answered with another certificate than its endpoint's");
    }
    PB_RETURN_IF_ERROR(verifyServerSignature(created_certificate, pki->certificate(), client_nonce,
                                             created.server_signature));
  }
  std::vector<EndpointDescription> endpoints = created.server_endpoints;
  if (endpoints.empty()) {
    GetEndpointsRequest request;
    request.endpoint_url = options.endpoint_url;
    request.profile_uris = {kTransportProfileUaTcp};
    auto listed = call<GetEndpointsResponse>(std::move(request));
    if (!listed.isOk()) return listed.status();
    endpoints = std::move(listed->endpoints);
  }
  auto endpoint = selectEndpoint(endpoints, options.security_policy,
                                 secure() ? options.security_mode : MessageSecurityMode::kNone);
  if (!endpoint.isOk()) return Status::unauthenticated(endpoint.status().message());
  const UserTokenType wanted = identity.kind == UserIdentity::Kind::kAnonymous
                                   ? UserTokenType::kAnonymous
                                   : UserTokenType::kUserName;
  auto choice = chooseTokenPolicy(*endpoint, wanted, secure() || !options.pki_dir.empty());
  if (!choice.isOk()) return choice.status();

  ActivateSessionRequest activate;
  activate.locale_ids = {"en"};
  if (secure()) {
    auto signature =
        clientSignature(pki->privateKey(), created_certificate, created.server_nonce.bytes);
    if (!signature.isOk()) return signature.status();
    activate.client_signature = std::move(*signature);
  }
  if (wanted == UserTokenType::kAnonymous) {
    activate.user_identity_token = anonymousIdentityToken(choice->policy.policy_id);
  } else {
    std::string certificate = secure() ? server_certificate : created_certificate;
    if (choice->secret_policy_uri != kSecurityPolicyNoneUri && !secure()) {
      // Over a channel without security: encrypt only for a certificate we trust.
      if (certificate.empty()) certificate = endpoint->server_certificate.bytes;
      PB_RETURN_IF_ERROR(loadPki());
      PB_RETURN_IF_ERROR(
          pki->checkServerCertificate(certificate, std::chrono::system_clock::now()));
    }
    auto token = userNameToken(*choice, identity.user_name, identity.password, certificate,
                               created.server_nonce.bytes);
    if (!token.isOk()) return token.status();
    activate.user_identity_token = std::move(*token);
  }
  auto activated = call<ActivateSessionResponse>(std::move(activate));
  return activated.isOk() ? Status::ok() : activated.status();
}

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

Client::~Client() {
  disconnect();
  if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
}

void Client::interrupt() {
  if (impl_->wake_fd < 0) return;
  const uint64_t one = 1;
  (void)!::write(impl_->wake_fd, &one, sizeof one);
}

void Client::clearInterrupt() {
  if (impl_->wake_fd < 0) return;
  uint64_t count = 0;
  (void)!::read(impl_->wake_fd, &count, sizeof count);
}

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
  channel_options.wake_fd = impl_->wake_fd;
  const Deadline deadline = std::chrono::steady_clock::now() + impl_->options.connect_timeout;
  Status opened = impl_->openChannel(std::move(channel_options), deadline);
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

void Client::dropConnection() {
  constexpr std::chrono::milliseconds kCloseBound{100};
  impl_->session_active = false;
  impl_->authentication_token = NodeId{};
  impl_->session_id = NodeId{};
  impl_->channel.close(std::chrono::steady_clock::now() + kCloseBound);
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
  if (impl_->secure()) create.client_certificate = ByteString{impl_->pki->certificate(), false};
  const std::string client_nonce = create.client_nonce.bytes;
  create.requested_session_timeout_ms = impl_->options.requested_session_timeout_ms;
  auto created = impl_->call<CreateSessionResponse>(std::move(create));
  if (!created.isOk()) return created.status();
  // The session exists from here on: a failed activation must close it.
  impl_->session_id = created->session_id;
  impl_->authentication_token = created->authentication_token;
  impl_->session_active = true;
  Status activated = impl_->activateSession(identity, *created, client_nonce);
  if (!activated.isOk()) (void)closeSession();
  return activated;
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

Result<uint32_t> Client::sendPublish(
    const std::vector<SubscriptionAcknowledgement>& acknowledgements,
    std::chrono::milliseconds timeout_hint) {
  PublishRequest request;
  request.acknowledgements = acknowledgements;
  request.request_header.authentication_token = impl_->authentication_token;
  request.request_header.timestamp = systemNow();
  request.request_header.request_handle = impl_->next_request_handle++;
  request.request_header.timeout_hint_ms = static_cast<uint32_t>(timeout_hint.count());
  auto sent = impl_->channel.send(encodeRequest(request), impl_->requestDeadline());
  if (!sent.isOk() && !impl_->channel.isOpen()) impl_->session_active = false;
  return sent;
}

Result<std::optional<PublishResponse>> Client::receivePublish(uint32_t handle,
                                                              std::chrono::milliseconds wait) {
  auto ready = impl_->channel.waitForData(std::chrono::steady_clock::now() + wait);
  if (!ready.isOk()) return ready.status();
  if (!*ready) return std::optional<PublishResponse>();
  auto body = impl_->channel.receiveResponse(handle, impl_->requestDeadline());
  if (!body.isOk()) {
    if (!impl_->channel.isOpen()) impl_->session_active = false;
    return body.status();
  }
  auto response = decodeResponse<PublishResponse>(*body, impl_->options.decode_limits);
  if (!response.isOk()) return response.status();
  return std::optional<PublishResponse>(std::move(*response));
}

Result<std::vector<TransferResult>> Client::transferSubscriptions(
    const std::vector<uint32_t>& subscription_ids, bool send_initial_values) {
  TransferSubscriptionsRequest request;
  request.subscription_ids = subscription_ids;
  request.send_initial_values = send_initial_values;
  auto response = impl_->call<TransferSubscriptionsResponse>(std::move(request));
  if (!response.isOk()) return response.status();
  if (response->results.size() != subscription_ids.size()) {
    return Status::invalidArgument(
        "TransferSubscriptions: " + std::to_string(response->results.size()) + " results for " +
        std::to_string(subscription_ids.size()) + " subscriptions");
  }
  return std::move(response->results);
}

Result<NotificationMessage> Client::republish(uint32_t subscription_id, uint32_t sequence_number) {
  RepublishRequest request;
  request.subscription_id = subscription_id;
  request.retransmit_sequence_number = sequence_number;
  auto response = impl_->call<RepublishResponse>(std::move(request));
  if (!response.isOk()) {
    if (response.status().message().find("BadMessageNotAvailable") != std::string::npos) {
      return Status::notFound(response.status().message());
    }
    return response.status();
  }
  return std::move(response->notification_message);
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
  info.security_policy = impl_->options.security_policy;
  info.security_mode = impl_->secure() ? impl_->options.security_mode : MessageSecurityMode::kNone;
  return info;
}

}  // namespace pb::opcua
