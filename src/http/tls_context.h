// Builds the server's TLS context from PEM files (private to src/http: Asio stays out of the
// public headers).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "plantbridge/common/status.h"

namespace pb::http_detail {

// TLS 1.2 and 1.3 only; the certificate chain and key are checked to belong together.
// Errors name the file and carry OpenSSL's reason.
Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(
    const std::string& cert_file, const std::string& key_file);

}  // namespace pb::http_detail
