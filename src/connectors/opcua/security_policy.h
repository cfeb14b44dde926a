// The algorithms of SecurityPolicy Basic256Sha256 (OPC 10000-7, "SecurityPolicy -
// Basic256Sha256"; OPC 10000-6, 6.7.5 for the key derivation), over OpenSSL 3:
//   asymmetric signature   RSA-PKCS1-v1_5 with SHA-256 (xmldsig-more#rsa-sha256)
//   asymmetric encryption  RSA-OAEP with SHA-1 (xmlenc#rsa-oaep), 42 bytes of overhead a block
//   symmetric signature    HMAC-SHA256, 32 bytes
//   symmetric encryption   AES-256-CBC, no cipher padding (the chunk carries its own)
//   key derivation         P_SHA256 (RFC 5246, 5): signing key 32, encrypting key 32, IV 16
//   nonces 32 bytes; RSA keys 2048..4096 bits; certificates signed with SHA-256.
// Private to the client. Errors are values; nothing here throws. Thread-safety: free
// functions over values; a KeyHandle may be copied to other threads (OpenSSL counts its uses).
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "plantbridge/common/status.h"

namespace pb::opcua {

inline constexpr char kRsaSha256SignatureUri[] =
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
inline constexpr char kRsaOaepEncryptionUri[] = "http://www.w3.org/2001/04/xmlenc#rsa-oaep";

// The sizes Basic256Sha256 fixes.
struct Basic256Sha256 {
  static constexpr size_t kNonceLength = 32;
  static constexpr size_t kSignatureLength = 32;  // HMAC-SHA256
  static constexpr size_t kSigningKeyLength = 32;
  static constexpr size_t kEncryptingKeyLength = 32;
  static constexpr size_t kBlockSize = 16;     // AES
  static constexpr size_t kOaepOverhead = 42;  // RSA-OAEP with SHA-1: 2 * 20 + 2
  static constexpr int kMinKeyBits = 2048;
  static constexpr int kMaxKeyBits = 4096;
};

// An RSA key (private, or public only), reference counted by OpenSSL: copies share the key.
class KeyHandle {
 public:
  KeyHandle() = default;
  explicit KeyHandle(EVP_PKEY* adopted) : key_(adopted) {}  // takes over one reference
  ~KeyHandle();
  KeyHandle(const KeyHandle& other);
  KeyHandle& operator=(const KeyHandle& other);
  KeyHandle(KeyHandle&& other) noexcept : key_(other.key_) { other.key_ = nullptr; }
  KeyHandle& operator=(KeyHandle&& other) noexcept;

  EVP_PKEY* get() const { return key_; }
  explicit operator bool() const { return key_ != nullptr; }
  int bits() const;
  size_t bytes() const { return static_cast<size_t>(bits() + 7) / 8; }

 private:
  EVP_PKEY* key_ = nullptr;
};

// The public key of a DER certificate (the first one, when `der` holds a chain).
Result<KeyHandle> publicKeyOfCertificate(std::string_view der);
// The DER length of the first certificate in `der` (a chain is certificates back to back).
Result<size_t> firstCertificateLength(std::string_view der);
// SHA-1 of the DER certificate: the thumbprint OPC UA names certificates by (20 bytes).
std::string certificateThumbprint(std::string_view der);

Result<std::string> randomBytes(size_t n);

// P_SHA256(secret, seed) of RFC 5246, 5, cut to `length` bytes.
std::string pSha256(std::string_view secret, std::string_view seed, size_t length);

// The keys one side secures its chunks with (OPC 10000-6, 6.7.5): the client's are
// P_SHA256(serverNonce, clientNonce), the server's P_SHA256(clientNonce, serverNonce).
struct SymmetricKeys {
  std::string signing_key;     // 32 bytes
  std::string encrypting_key;  // 32 bytes
  std::string iv;              // 16 bytes
};
SymmetricKeys deriveKeys(std::string_view secret, std::string_view seed);

std::string hmacSha256Bytes(std::string_view key, std::string_view data);
// AES-256-CBC without padding: `data` must be a whole number of 16-byte blocks.
Result<std::string> aes256CbcEncrypt(const SymmetricKeys& keys, std::string_view data);
Result<std::string> aes256CbcDecrypt(const SymmetricKeys& keys, std::string_view data);

// RSA-PKCS1-v1_5 over SHA-256; the signature is key.bytes() long.
Result<std::string> rsaSignSha256(const KeyHandle& private_key, std::string_view data);
// kUnauthenticated when the signature does not match.
Status rsaVerifySha256(const KeyHandle& public_key, std::string_view data,
                       std::string_view signature);
// RSA-OAEP (SHA-1), block by block: plain blocks of key.bytes() - 42, cipher blocks of
// key.bytes().
Result<std::string> rsaOaepEncrypt(const KeyHandle& public_key, std::string_view data);
Result<std::string> rsaOaepDecrypt(const KeyHandle& private_key, std::string_view data);

// The legacy encrypted secret of a UserName token (OPC 10000-4, 7.36.2.2): a little-endian
// UInt32 length of what follows, the password, the server's last nonce; RSA-OAEP encrypted.
Result<std::string> encryptLegacySecret(const KeyHandle& server_public_key, std::string_view secret,
                                        std::string_view server_nonce);

}  // namespace pb::opcua
