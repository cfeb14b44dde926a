#include "store/journal_chain.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace pb {
namespace {

// The writer hashes every journal record on its one thread, so the per-record cost matters.
// EVP_DigestInit_ex(ctx, EVP_sha256(), ...) makes OpenSSL 3 look the algorithm up again by name
// under a global lock on every call (a quarter of the hashing time in profiles). Fetch it
// once, and keep one context per thread.
const EVP_MD* sha256Md() {
  static EVP_MD* md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) std::abort();  // OpenSSL without SHA-256: nothing can work
    return fetched;
  }();
  return md;
}

class ThreadHasher {
 public:
  ThreadHasher() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) std::abort();
  }
  ~ThreadHasher() { EVP_MD_CTX_free(ctx_); }
  ThreadHasher(const ThreadHasher&) = delete;
  ThreadHasher& operator=(const ThreadHasher&) = delete;
  EVP_MD_CTX* ctx() { return ctx_; }

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace

Sha256Digest chainHash(const Sha256Digest& prev_hash, int64_t seq, std::string_view body) {
  unsigned char seq_bytes[8];
  auto u = static_cast<uint64_t>(seq);
  for (int i = 7; i >= 0; --i) {
    seq_bytes[i] = static_cast<unsigned char>(u & 0xff);
    u >>= 8;
  }
  thread_local ThreadHasher hasher;
  EVP_MD_CTX* ctx = hasher.ctx();
  Sha256Digest out{};
  unsigned int len = 0;
  // These cannot fail for SHA-256 with valid arguments short of memory exhaustion; a wrong hash
  // would then show up in verifyChain rather than pass silently.
  EVP_DigestInit_ex2(ctx, sha256Md(), nullptr);
  EVP_DigestUpdate(ctx, prev_hash.data(), prev_hash.size());
  EVP_DigestUpdate(ctx, seq_bytes, sizeof(seq_bytes));
  EVP_DigestUpdate(ctx, body.data(), body.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  return out;
}

}  // namespace pb
