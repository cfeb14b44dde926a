// The client's PKI directory, laid out as other OPC UA stacks do:
//   <pki>/own/certs/plantbridge.der      our application instance certificate (DER)
//   <pki>/own/private/plantbridge.pem    its RSA private key (PKCS#8 PEM, mode 0600)
//   <pki>/trusted/certs/                 server certificates we trust (DER or PEM, any name)
//   <pki>/rejected/                      server certificates we refused, for an engineer to move
// On first use the certificate is created: self-signed X.509 v3, RSA 2048, SHA-256, the
// applicationUri as a URI in subjectAltName (OPC 10000-6, 6.2.2) plus the host name as DNS,
// key usage for signatures and key/data encipherment, valid for five years.
// A server certificate is trusted when a file in trusted/certs holds the same certificate
// (same SHA-1 thumbprint) and today is within its validity dates; the trust list is read again
// on every check, so moving a file into it takes effect on the next connect.
// Errors: kPermissionDenied for an untrusted or expired server certificate (the message names
// it and says where to put it), kIoError for files we cannot read or write, kInvalidArgument
// for a certificate that does not fit the configuration.
// Thread-safety: one thread at a time; two clients may share a directory (creation is
// atomic per file, via rename).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "plantbridge/common/status.h"
#include "security_policy.h"

namespace pb::opcua {

struct CertificateInfo {
  std::string subject;          // one line, e.g. "CN=plantbridge, O=plantbridge"
  std::string thumbprint;       // SHA-1, hex, upper case
  std::string application_uri;  // the first URI in subjectAltName, "" if none
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  int key_bits = 0;
};
// Reads a DER certificate (the first one, if `der` is a chain).
Result<CertificateInfo> inspectCertificate(std::string_view der);

class CertificateStore {
 public:
  // Opens `pki_dir` (creating its folders); loads our certificate and key or, when neither
  // exists, creates them for `application_uri` / `application_name`. A certificate made for
  // another applicationUri is an error (servers check that the two agree).
  static Result<CertificateStore> open(const std::string& pki_dir,
                                       const std::string& application_uri,
                                       const std::string& application_name);

  const std::string& certificate() const { return certificate_; }  // DER
  const KeyHandle& privateKey() const { return private_key_; }
  // True when open() created the certificate (first start).
  bool created() const { return created_; }
  std::string certificatePath() const;
  std::string trustedDir() const;
  std::string rejectedDir() const;

  // Whether `der` (a server's certificate) may be used: trusted and valid at `now`. An
  // untrusted one is saved in rejected/ as "<CN> [<thumbprint>].der".
  Status checkServerCertificate(std::string_view der,
                                std::chrono::system_clock::time_point now) const;

 private:
  std::string dir_;
  std::string certificate_;
  KeyHandle private_key_;
  bool created_ = false;
};

}  // namespace pb::opcua
