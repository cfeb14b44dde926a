#include "certificate_store.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include "plantbridge/common/crypto.h"

namespace pb::opcua {
namespace {

namespace fs = std::filesystem;

constexpr int kKeyBits = 2048;
constexpr long kValiditySeconds = 5L * 365 * 24 * 3600;
constexpr long kBackdateSeconds = 3600;  // clocks of client and server differ a little
constexpr char kOwnName[] = "plantbridge";

struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};
struct ExtensionDeleter {
  void operator()(X509_EXTENSION* ext) const { X509_EXTENSION_free(ext); }
};
struct BignumDeleter {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

const unsigned char* bytesOf(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

X509Ptr parseDer(std::string_view der) {
  const unsigned char* p = bytesOf(der);
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::string toDer(X509* cert) {
  unsigned char* out = nullptr;
  const int length = i2d_X509(cert, &out);
  if (length <= 0) return {};
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(length));
  OPENSSL_free(out);
  return der;
}

// A certificate file in DER or PEM form, as DER; "" if it holds neither.
std::string certificateFileAsDer(const std::string& contents) {
  if (contents.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
    BioPtr bio(BIO_new_mem_buf(contents.data(), static_cast<int>(contents.size())));
    X509Ptr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
    return cert ? toDer(cert.get()) : std::string();
  }
  X509Ptr cert = parseDer(contents);
  return cert ? toDer(cert.get()) : std::string();
}

Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::ioError("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Writes through a temporary file and a rename, so a reader never sees half a file.
Status writeFileAtomically(const fs::path& path, std::string_view bytes, mode_t mode) {
  const fs::path temp = path.string() + ".tmp" + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Status::ioError("cannot create " + temp.string() + ": " + strerror(errno));
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = strerror(errno);
      ::close(fd);
      ::unlink(temp.c_str());
      return Status::ioError("cannot write " + temp.string() + ": " + why);
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    return Status::ioError("cannot write " + temp.string() + ": " + strerror(errno));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return Status::ioError("cannot rename " + temp.string() + ": " + strerror(errno));
  }
  return Status::ok();
}

std::chrono::system_clock::time_point timeOf(const ASN1_TIME* t) {
  struct tm parts {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &parts) != 1) return {};
  return std::chrono::system_clock::from_time_t(timegm(&parts));
}

std::string dateText(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  struct tm parts {};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return text;
}

std::string subjectText(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return {};
  X509_NAME_print_ex(
      bio.get(), X509_get_subject_name(cert), 0,
      (XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_SPC_EQ) | ASN1_STRFLGS_UTF8_CONVERT);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

std::string firstUri(X509* cert) {
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return {};
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
            static_cast<size_t>(ASN1_STRING_length(uri))};
  }
  return {};
}

// What a file name may hold of a subject's common name.
std::string fileNamePart(std::string_view text) {
  std::string out;
  for (char c : text) {
    const bool plain =
        std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '@';
    out.push_back(plain ? c : '_');
  }
  return out.empty() ? "server" : out.substr(0, 64);
}

std::string commonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int at = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (at < 0) return {};
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
          static_cast<size_t>(ASN1_STRING_length(value))};
}

Status addExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, ExtensionDeleter> ext(
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return Status::internal(std::string("cannot add certificate extension ") + OBJ_nid2sn(nid));
  }
  return Status::ok();
}

Status addSubjectAltName(X509* cert, const std::string& uri, const std::string& host) {
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(GENERAL_NAMES_new());
  if (!names) return Status::internal("out of memory");
  auto add = [&](int type, const std::string& value) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    if (name == nullptr || text == nullptr ||
        ASN1_STRING_set(text, value.data(), static_cast<int>(value.size())) != 1) {
      GENERAL_NAME_free(name);
      ASN1_IA5STRING_free(text);
      return false;
    }
    GENERAL_NAME_set0_value(name, type, text);
    return sk_GENERAL_NAME_push(names.get(), name) > 0;
  };
  if (!add(GEN_URI, uri) || (!host.empty() && !add(GEN_DNS, host))) {
    return Status::internal("cannot build subjectAltName");
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return Status::internal("cannot add subjectAltName");
  }
  return Status::ok();
}

std::string hostName() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

struct Created {
  std::string certificate_der;
  std::string private_key_pem;
};

Result<Created> createCertificate(const std::string& application_uri,
                                  const std::string& application_name) {
  KeyHandle key(EVP_RSA_gen(kKeyBits));
  if (!key) return Status::internal("cannot generate an RSA key");
  X509Ptr cert(X509_new());
  if (!cert) return Status::internal("out of memory");
  auto serial_bytes = randomBytes(16);
  if (!serial_bytes.isOk()) return serial_bytes.status();
  (*serial_bytes)[0] = static_cast<char>((*serial_bytes)[0] & 0x7F);  // positive
  std::unique_ptr<BIGNUM, BignumDeleter> serial(
      BN_bin2bn(bytesOf(*serial_bytes), static_cast<int>(serial_bytes->size()), nullptr));
  const std::string host = hostName();
  const std::string common_name = application_name + "@" + host;
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!serial || X509_set_version(cert.get(), 2) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) == nullptr ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("plantbridge"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return Status::internal("cannot fill in the certificate");
  }
  PB_RETURN_IF_ERROR(addExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  PB_RETURN_IF_ERROR(addExtension(cert.get(), NID_key_usage,
                                  "critical,digitalSignature,nonRepudiation,keyEncipherment,"
                                  "dataEncipherment,keyCertSign"));
  PB_RETURN_IF_ERROR(addExtension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth"));
  PB_RETURN_IF_ERROR(addExtension(cert.get(), NID_subject_key_identifier, "hash"));
  PB_RETURN_IF_ERROR(addExtension(cert.get(), NID_authority_key_identifier, "keyid:always"));
  PB_RETURN_IF_ERROR(addSubjectAltName(cert.get(), application_uri, host));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
    return Status::internal("cannot sign the certificate");
  }
  Created created;
  created.certificate_der = toDer(cert.get());
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Status::internal("cannot encode the private key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  created.private_key_pem.assign(data, static_cast<size_t>(size));
  return created;
}

Result<KeyHandle> parsePrivateKey(const std::string& pem, const std::string& path) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyHandle key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return Status::invalidArgument(path + " holds no (unencrypted) PEM private key");
  return key;
}

}  // namespace

Result<CertificateInfo> inspectCertificate(std::string_view der) {
  X509Ptr cert = parseDer(der);
  if (!cert) return Status::invalidArgument("not a DER X.509 certificate");
  CertificateInfo info;
  info.subject = subjectText(cert.get());
  auto first_length = firstCertificateLength(der);
  if (!first_length.isOk()) return first_length.status();
  const std::string thumbprint = certificateThumbprint(der.substr(0, *first_length));
  info.thumbprint = toHex(reinterpret_cast<const uint8_t*>(thumbprint.data()), thumbprint.size());
  for (char& c : info.thumbprint)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  info.application_uri = firstUri(cert.get());
  info.not_before = timeOf(X509_get0_notBefore(cert.get()));
  info.not_after = timeOf(X509_get0_notAfter(cert.get()));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  info.key_bits = key == nullptr ? 0 : EVP_PKEY_get_bits(key);
  return info;
}

Result<CertificateStore> CertificateStore::open(const std::string& pki_dir,
                                                const std::string& application_uri,
                                                const std::string& application_name) {
  if (pki_dir.empty()) return Status::invalidArgument("pki_dir is empty");
  CertificateStore store;
  store.dir_ = pki_dir;
  const fs::path root(pki_dir);
  std::error_code ec;
  for (const char* sub : {"own/certs", "own/private", "trusted/certs", "rejected"}) {
    fs::create_directories(root / sub, ec);
    if (ec) return Status::ioError("cannot create " + (root / sub).string() + ": " + ec.message());
  }
  fs::permissions(root / "own/private", fs::perms::owner_all, fs::perm_options::replace, ec);
  const fs::path cert_path = store.certificatePath();
  const fs::path key_path = root / "own/private" / (std::string(kOwnName) + ".pem");
  const bool have_cert = fs::exists(cert_path);
  const bool have_key = fs::exists(key_path);
  if (have_cert != have_key) {
    return Status::invalidArgument("PKI " + pki_dir + ": " +
                                   (have_cert ? key_path : cert_path).string() +
                                   " is missing; restore it, or delete " + (root / "own").string() +
                                   " to create a new client certificate");
  }
  std::string key_pem;
  if (!have_cert) {
    auto created = createCertificate(application_uri, application_name);
    if (!created.isOk()) return created.status();
    // The key first: a certificate on disk always has its key beside it.
    PB_RETURN_IF_ERROR(writeFileAtomically(key_path, created->private_key_pem, 0600));
    PB_RETURN_IF_ERROR(writeFileAtomically(cert_path, created->certificate_der, 0644));
    store.certificate_ = std::move(created->certificate_der);
    key_pem = std::move(created->private_key_pem);
    store.created_ = true;
  } else {
    auto cert_bytes = readFile(cert_path);
    if (!cert_bytes.isOk()) return cert_bytes.status();
    store.certificate_ = certificateFileAsDer(*cert_bytes);
    if (store.certificate_.empty()) {
      return Status::invalidArgument(cert_path.string() + " holds no X.509 certificate");
    }
    auto key_bytes = readFile(key_path);
    if (!key_bytes.isOk()) return key_bytes.status();
    key_pem = std::move(*key_bytes);
  }
  auto key = parsePrivateKey(key_pem, key_path.string());
  if (!key.isOk()) return key.status();
  store.private_key_ = std::move(*key);
  X509Ptr cert = parseDer(store.certificate_);
  if (!cert || X509_check_private_key(cert.get(), store.private_key_.get()) != 1) {
    return Status::invalidArgument(key_path.string() + " is not the key of " + cert_path.string());
  }
  const std::string uri = firstUri(cert.get());
  if (uri != application_uri) {
    return Status::invalidArgument(
        "the client certificate " + cert_path.string() + " was made for applicationUri '" + uri +
        "', but the client's application_uri is '" + application_uri +
        "' (servers refuse the mismatch): set application_uri back, or delete " +
        (root / "own").string() + " to create a new certificate (servers must then trust it)");
  }
  return store;
}

std::string CertificateStore::certificatePath() const {
  return (fs::path(dir_) / "own/certs" / (std::string(kOwnName) + ".der")).string();
}

std::string CertificateStore::trustedDir() const {
  return (fs::path(dir_) / "trusted/certs").string();
}

std::string CertificateStore::rejectedDir() const { return (fs::path(dir_) / "rejected").string(); }

Status CertificateStore::checkServerCertificate(std::string_view der,
                                                std::chrono::system_clock::time_point now) const {
  auto first_length = firstCertificateLength(der);
  if (!first_length.isOk()) {
    return Status::invalidArgument("the server's certificate is not a DER X.509 certificate");
  }
  const std::string_view own = der.substr(0, *first_length);
  auto info = inspectCertificate(own);
  if (!info.isOk()) return info.status();
  const std::string thumbprint = certificateThumbprint(own);
  const std::string named =
      "the server certificate \"" + info->subject + "\" (thumbprint " + info->thumbprint + ")";
  bool trusted = false;
  std::error_code ec;
  for (fs::directory_iterator it(trustedDir(), ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto contents = readFile(it->path());
    if (!contents.isOk()) continue;
    const std::string candidate = certificateFileAsDer(*contents);
    if (!candidate.empty() && certificateThumbprint(candidate) == thumbprint) {
      trusted = true;
      break;
    }
  }
  if (!trusted) {
    const fs::path saved =
        fs::path(rejectedDir()) /
        (fileNamePart(commonName(parseDer(own).get())) + " [" + info->thumbprint + "].der");
    std::string where = "it could not be saved to " + rejectedDir();
    if (fs::exists(saved, ec) || writeFileAtomically(saved, own, 0644).isOk()) {
      where = "it was saved as " + saved.string();
    }
    return Status::permissionDenied(named + " is not trusted; " + where +
                                    ". If this is the right server, move that file into " +
                                    trustedDir() + " and connect again");
  }
  if (now < info->not_before) {
    return Status::permissionDenied(named + " is not valid before " + dateText(info->not_before));
  }
  if (now > info->not_after) {
    return Status::permissionDenied(named + " expired on " + dateText(info->not_after));
  }
  return Status::ok();
}

}  // namespace pb::opcua
