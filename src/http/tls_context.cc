#include "tls_context.h"

#include <openssl/ssl.h>

namespace pb::http_detail {

namespace ssl = boost::asio::ssl;

Result<std::shared_ptr<ssl::context>> makeServerTlsContext(const std::string& cert_file,
                                                           const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use,
                   ec);
  if (ec) return Status::internal("TLS: cannot set options: " + ec.message());
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return Status::invalidArgument("TLS certificate " + cert_file + ": " + ec.message());
  }
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) return Status::invalidArgument("TLS key " + key_file + ": " + ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return Status::invalidArgument("TLS key " + key_file + " does not match certificate " +
                                   cert_file);
  }
  return ctx;
}

}  // namespace pb::http_detail
