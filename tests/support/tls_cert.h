// Self-signed certificates for tests, made with the OpenSSL API (no `openssl` binary needed).
#pragma once

#include <string>

#include "plantbridge/common/status.h"

namespace pb::test {

struct TestCertificate {
  std::string cert_file;  // PEM certificate
  std::string key_file;   // PEM private key (EC P-256, unencrypted)
};

// Writes <dir>/<stem>.crt and <dir>/<stem>.key: a self-signed certificate with subject CN
// `common_name`, valid for a day, for DNS:localhost and IP:127.0.0.1. The certificate file
// doubles as the CA file a client verifies against.
Result<TestCertificate> writeSelfSignedCertificate(const std::string& dir, const std::string& stem,
                                                   const std::string& common_name);

}  // namespace pb::test
