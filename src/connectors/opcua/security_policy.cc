#include "security_policy.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>

#include "plantbridge/common/crypto.h"

namespace pb::opcua {
namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};

const unsigned char* bytesOf(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytesOf(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

Result<std::string> aesCbc(const SymmetricKeys& keys, std::string_view data, bool encrypt) {
  if (keys.encrypting_key.size() != 32 || keys.iv.size() != 16) {
    return Status::internal("AES-256-CBC: wrong key or IV length");
  }
  if (data.size() % Basic256Sha256::kBlockSize != 0) {
    return Status::invalidArgument("AES-256-CBC: " + std::to_string(data.size()) +
                                   " bytes is not a whole number of blocks");
  }
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, bytesOf(keys.encrypting_key),
                                bytesOf(keys.iv), encrypt ? 1 : 0) != 1) {
    return Status::internal("AES-256-CBC: cipher setup failed");
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  std::string out(data.size() + Basic256Sha256::kBlockSize, '\0');
  int written = 0;
  int final_written = 0;
  if (EVP_CipherUpdate(ctx.get(), bytesOf(out), &written, bytesOf(data),
                       static_cast<int>(data.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), bytesOf(out) + written, &final_written) != 1) {
    return Status::internal("AES-256-CBC failed");
  }
  out.resize(static_cast<size_t>(written) + static_cast<size_t>(final_written));
  return out;
}

}  // namespace

KeyHandle::~KeyHandle() { EVP_PKEY_free(key_); }

KeyHandle::KeyHandle(const KeyHandle& other) : key_(other.key_) {
  if (key_ != nullptr) EVP_PKEY_up_ref(key_);
}

KeyHandle& KeyHandle::operator=(const KeyHandle& other) {
  if (this != &other) {
    if (other.key_ != nullptr) EVP_PKEY_up_ref(other.key_);
    EVP_PKEY_free(key_);
    key_ = other.key_;
  }
  return *this;
}

KeyHandle& KeyHandle::operator=(KeyHandle&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = other.key_;
    other.key_ = nullptr;
  }
  return *this;
}

int KeyHandle::bits() const { return key_ == nullptr ? 0 : EVP_PKEY_get_bits(key_); }

Result<size_t> firstCertificateLength(std::string_view der) {
  const unsigned char* p = bytesOf(der);
  std::unique_ptr<X509, X509Deleter> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return Status::invalidArgument("not a DER X.509 certificate");
  return static_cast<size_t>(p - bytesOf(der));
}

Result<KeyHandle> publicKeyOfCertificate(std::string_view der) {
  const unsigned char* p = bytesOf(der);
  std::unique_ptr<X509, X509Deleter> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return Status::invalidArgument("not a DER X.509 certificate");
  KeyHandle key(X509_get_pubkey(cert.get()));
  if (!key || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return Status::invalidArgument("the certificate's key is not an RSA key");
  }
  return key;
}

std::string certificateThumbprint(std::string_view der) {
  std::string out(SHA_DIGEST_LENGTH, '\0');
  SHA1(bytesOf(der), der.size(), bytesOf(out));
  return out;
}

Result<std::string> randomBytes(size_t n) {
  std::string out(n, '\0');
  if (n != 0 && RAND_bytes(bytesOf(out), static_cast<int>(n)) != 1) {
    return Status::internal("no random bytes from OpenSSL");
  }
  return out;
}

std::string hmacSha256Bytes(std::string_view key, std::string_view data) {
  const Sha256Digest digest = pb::hmacSha256(key, data);
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

std::string pSha256(std::string_view secret, std::string_view seed, size_t length) {
  // A(0) = seed, A(i) = HMAC(secret, A(i-1)); output HMAC(secret, A(i) + seed) for i = 1, 2, ...
  std::string out;
  out.reserve(length + 32);
  std::string a(seed);
  while (out.size() < length) {
    a = hmacSha256Bytes(secret, a);
    out += hmacSha256Bytes(secret, a + std::string(seed));
  }
  out.resize(length);
  return out;
}

SymmetricKeys deriveKeys(std::string_view secret, std::string_view seed) {
  constexpr size_t kSign = Basic256Sha256::kSigningKeyLength;
  constexpr size_t kEncrypt = Basic256Sha256::kEncryptingKeyLength;
  constexpr size_t kIv = Basic256Sha256::kBlockSize;
  const std::string bytes = pSha256(secret, seed, kSign + kEncrypt + kIv);
  return {bytes.substr(0, kSign), bytes.substr(kSign, kEncrypt), bytes.substr(kSign + kEncrypt)};
}

Result<std::string> aes256CbcEncrypt(const SymmetricKeys& keys, std::string_view data) {
  return aesCbc(keys, data, /*encrypt=*/true);
}

Result<std::string> aes256CbcDecrypt(const SymmetricKeys& keys, std::string_view data) {
  return aesCbc(keys, data, /*encrypt=*/false);
}

Result<std::string> rsaSignSha256(const KeyHandle& private_key, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  size_t length = 0;
  if (!ctx || !private_key ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, private_key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, bytesOf(data), data.size()) != 1) {
    return Status::internal("RSA-SHA256 signing setup failed");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), bytesOf(signature), &length, bytesOf(data), data.size()) != 1) {
    return Status::internal("RSA-SHA256 signing failed");
  }
  signature.resize(length);
  return signature;
}

Status rsaVerifySha256(const KeyHandle& public_key, std::string_view data,
                       std::string_view signature) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (!ctx || !public_key ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, public_key.get()) != 1) {
    return Status::internal("RSA-SHA256 verification setup failed");
  }
  if (EVP_DigestVerify(ctx.get(), bytesOf(signature), signature.size(), bytesOf(data),
                       data.size()) != 1) {
    return Status::unauthenticated("RSA-SHA256 signature does not match");
  }
  return Status::ok();
}

Result<std::string> rsaOaepEncrypt(const KeyHandle& public_key, std::string_view data) {
  const size_t cipher_block = public_key.bytes();
  if (cipher_block <= Basic256Sha256::kOaepOverhead) return Status::internal("RSA key too small");
  const size_t plain_block = cipher_block - Basic256Sha256::kOaepOverhead;
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, public_key.get(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha1()) != 1) {
    return Status::internal("RSA-OAEP setup failed");
  }
  std::string out;
  out.reserve((data.size() + plain_block - 1) / plain_block * cipher_block);
  for (size_t at = 0; at < data.size(); at += plain_block) {
    const std::string_view block = data.substr(at, plain_block);
    std::string encrypted(cipher_block, '\0');
    size_t length = encrypted.size();
    if (EVP_PKEY_encrypt(ctx.get(), bytesOf(encrypted), &length, bytesOf(block), block.size()) !=
            1 ||
        length != cipher_block) {
      return Status::internal("RSA-OAEP encryption failed");
    }
    out += encrypted;
  }
  return out;
}

Result<std::string> rsaOaepDecrypt(const KeyHandle& private_key, std::string_view data) {
  const size_t cipher_block = private_key.bytes();
  if (cipher_block == 0 || data.size() % cipher_block != 0) {
    return Status::invalidArgument("RSA-OAEP: " + std::to_string(data.size()) +
                                   " bytes is not a whole number of " +
                                   std::to_string(cipher_block) + "-byte blocks");
  }
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(
      EVP_PKEY_CTX_new_from_pkey(nullptr, private_key.get(), nullptr));
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha1()) != 1) {
    return Status::internal("RSA-OAEP setup failed");
  }
  std::string out;
  out.reserve(data.size());
  for (size_t at = 0; at < data.size(); at += cipher_block) {
    const std::string_view block = data.substr(at, cipher_block);
    std::string decrypted(cipher_block, '\0');
    size_t length = decrypted.size();
    if (EVP_PKEY_decrypt(ctx.get(), bytesOf(decrypted), &length, bytesOf(block), block.size()) !=
        1) {
      return Status::unauthenticated("RSA-OAEP decryption failed (not encrypted for our key?)");
    }
    decrypted.resize(length);
    out += decrypted;
  }
  return out;
}

Result<std::string> encryptLegacySecret(const KeyHandle& server_public_key, std::string_view secret,
                                        std::string_view server_nonce) {
  const auto length = static_cast<uint32_t>(secret.size() + server_nonce.size());
  std::string plain;
  plain.reserve(4 + length);
  for (int shift = 0; shift < 32; shift += 8) plain.push_back(static_cast<char>(length >> shift));
  plain.append(secret);
  plain.append(server_nonce);
  return rsaOaepEncrypt(server_public_key, plain);
}

}  // namespace pb::opcua
