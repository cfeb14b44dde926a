#include "http_client.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <optional>

namespace pb::test {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

struct HttpClient::Impl {
  explicit Impl(ClientOptions opts) : options(std::move(opts)), ssl_ctx(ssl::context::tls_client) {}

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Runs the io_context until the started operation completed (its timer bounds it).
  void run() {
    ioc.restart();
    ioc.run();
  }

  template <typename Start>
  ErrorCode op(Start&& start) {
    ErrorCode result = asio::error::would_block;
    lowest().expires_after(options.timeout);
    start([&result](ErrorCode ec, auto&&...) { result = ec; });
    run();
    return result;
  }

  Result<ClientResponse> read(bool head) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    parser.skip(head);
    ErrorCode ec = op([&](auto handler) {
      if (tls) {
        bhttp::async_read(*tls, buffer, parser, std::move(handler));
      } else {
        bhttp::async_read(*plain, buffer, parser, std::move(handler));
      }
    });
    if (ec) return Status::unavailable("reading the response: " + ec.message());
    auto message = parser.release();
    ClientResponse response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.keep_alive = message.keep_alive();
    response.body = std::move(message.body());
    return response;
  }

  ClientOptions options;
  std::string host;
  asio::io_context ioc;
  ssl::context ssl_ctx;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::connect(const std::string& host, uint16_t port,
                                                        ClientOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  impl->host = host;
  ErrorCode ec;
  tcp::resolver resolver(impl->ioc);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return Status::unavailable("resolving " + host + ": " + ec.message());

  if (impl->options.tls) {
    if (!impl->options.ca_file.empty()) {
      impl->ssl_ctx.set_verify_mode(ssl::verify_peer, ec);
      if (!ec) impl->ssl_ctx.load_verify_file(impl->options.ca_file, ec);
      if (ec)
        return Status::invalidArgument("CA file " + impl->options.ca_file + ": " + ec.message());
    } else {
      impl->ssl_ctx.set_verify_mode(ssl::verify_none);
    }
    impl->tls.emplace(impl->ioc, impl->ssl_ctx);
  } else {
    impl->plain.emplace(impl->ioc);
  }
  ec = impl->op([&](auto handler) {
    impl->lowest().async_connect(endpoints,
                                 [h = std::move(handler)](ErrorCode e, auto&&) mutable { h(e); });
  });
  if (ec)
    return Status::unavailable("connecting to " + host + ":" + std::to_string(port) + ": " +
                               ec.message());
  ErrorCode ignored;
  impl->lowest().socket().set_option(tcp::no_delay(true), ignored);

  if (impl->tls) {
    SSL* native = impl->tls->native_handle();
    SSL_set_tlsext_host_name(native, impl->options.server_name.c_str());
    if (!impl->options.ca_file.empty()) {
      SSL_set1_host(native, impl->options.server_name.c_str());
    }
    ec = impl->op([&](auto handler) {
      impl->tls->async_handshake(ssl::stream_base::client, std::move(handler));
    });
    if (ec) return Status::unavailable("TLS handshake with " + host + ": " + ec.message());
  }
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

Status HttpClient::sendRaw(std::string_view bytes) {
  ErrorCode ec = impl_->op([&](auto handler) {
    if (impl_->tls) {
      asio::async_write(*impl_->tls, asio::buffer(bytes.data(), bytes.size()), std::move(handler));
    } else {
      asio::async_write(*impl_->plain, asio::buffer(bytes.data(), bytes.size()),
                        std::move(handler));
    }
  });
  if (ec) return Status::unavailable("writing: " + ec.message());
  return Status::ok();
}

Result<ClientResponse> HttpClient::readResponse(bool head) { return impl_->read(head); }

Result<ClientResponse> HttpClient::request(std::string_view method, std::string_view target,
                                           std::string body, const HeaderList& headers) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, impl_->host);
  for (const auto& [name, value] : headers) req.insert(name, value);
  const bool has_body = !body.empty() || method == "POST" || method == "PUT";
  req.body() = std::move(body);
  if (has_body) req.prepare_payload();
  ErrorCode ec = impl_->op([&](auto handler) {
    if (impl_->tls) {
      bhttp::async_write(*impl_->tls, req, std::move(handler));
    } else {
      bhttp::async_write(*impl_->plain, req, std::move(handler));
    }
  });
  if (ec) return Status::unavailable("writing the request: " + ec.message());
  while (true) {
    auto response = impl_->read(method == "HEAD");
    if (!response.isOk() || response->status >= 200) return response;
  }
}

bool HttpClient::waitForClose() {
  std::array<char, 4096> scratch{};
  while (true) {
    ErrorCode ec = impl_->op([&](auto handler) {
      if (impl_->tls) {
        impl_->tls->async_read_some(asio::buffer(scratch), std::move(handler));
      } else {
        impl_->plain->async_read_some(asio::buffer(scratch), std::move(handler));
      }
    });
    if (!ec) continue;
    return ec != beast::error::timeout;
  }
}

std::string HttpClient::peerCommonName() const {
  if (!impl_->tls) return {};
  X509* cert = SSL_get1_peer_certificate(impl_->tls->native_handle());
  if (cert == nullptr) return {};
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
  X509_free(cert);
  return cn;
}

uint16_t HttpClient::localPort() const {
  ErrorCode ec;
  return impl_->lowest().socket().local_endpoint(ec).port();
}

}  // namespace pb::test
