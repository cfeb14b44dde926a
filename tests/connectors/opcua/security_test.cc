// Basic256Sha256 without a server: P_SHA256 and the key derivation, the symmetric signing and
// encryption of a chunk against known vectors, padding edge cases, asymmetric (OPN) chunks
// between two key pairs, the client's PKI directory, endpoint and token policy choice.
//
// Where the vectors come from:
// - P_SHA256: the TLS 1.2 PRF test vector for SHA-256 (secret 9bbe436b..., seed "test label"
//   + a0ba9f93...), checked with `openssl kdf -keylen 100 -kdfopt digest:SHA256
//   -kdfopt hexsecret:9bbe436ba940f017b17652849a71db35 -kdfopt seed:"test label"
//   -kdfopt hexseed:a0ba9f936cda311827a6f796ffd5198c TLS1-PRF` (P_hash with no separate label).
// - HMAC-SHA256: RFC 4231, test case 2.
// - Derived keys and whole chunks: node-opcua-crypto (node-opcua 2.160.0, the simulator's), i.e.
//   the peer's own implementation: computeDerivedKeys(serverNonce, clientNonce, {SHA256, 32, 32,
//   16}) for the client's keys, makeMessageChunkSignatureWithDerivedKeys and
//   encryptBufferWithDerivedKeys for a MSG chunk (channel 1, token 2, sequence 7, request 3,
//   body "plantbridge"), client nonce 00..1f, server nonce 80..9f.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "certificate_store.h"
#include "chunk_security.h"
#include "plantbridge/connectors/opcua/binary_codec.h"
#include "plantbridge/connectors/opcua/transport_messages.h"
#include "security_policy.h"
#include "session_security.h"
#include "support/temp_dir.h"

namespace pb::opcua {
namespace {

namespace fs = std::filesystem;

std::string fromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string toHexString(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[(static_cast<uint8_t>(c) >> 4) & 0xF]);
    out.push_back(kDigits[static_cast<uint8_t>(c) & 0xF]);
  }
  return out;
}

std::string counting(uint8_t first, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(first + i));
  return out;
}

std::string clientNonce() { return counting(0x00, 32); }
std::string serverNonce() { return counting(0x80, 32); }

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(OpcUaSecurityTest, PSha256MatchesTheTls12PrfVector) {
  const std::string secret = fromHex("9bbe436ba940f017b17652849a71db35");
  const std::string seed = "test label" + fromHex("a0ba9f936cda311827a6f796ffd5198c");
  EXPECT_EQ(toHexString(pSha256(secret, seed, 100)),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a4"
            "6b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d1"
            "22ee42c5a72e5a5110fff70187347b66");
  // Any length, not only whole HMAC blocks; a prefix of the longer output.
  EXPECT_EQ(pSha256(secret, seed, 7), pSha256(secret, seed, 100).substr(0, 7));
}

TEST(OpcUaSecurityTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(toHexString(hmacSha256Bytes("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(OpcUaSecurityTest, DerivedKeysMatchNodeOpcua) {
  const SymmetricKeys client = deriveKeys(serverNonce(), clientNonce());
  EXPECT_EQ(toHexString(client.signing_key),
            "2af527aa718110faf5eb0d676e2a0985495125fd62e6ad63b129793f8f6f4316");
  EXPECT_EQ(toHexString(client.encrypting_key),
            "1b4b5e8d4e842728e1f9a047e998615c9bd646d620ab90a6cf46eea29d6c9842");
  EXPECT_EQ(toHexString(client.iv), "c3c4f8750b47e94eac19e52a5439dd1e");
  const SymmetricKeys server = deriveKeys(clientNonce(), serverNonce());
  EXPECT_EQ(toHexString(server.signing_key),
            "a32cfbeae0a5afe142dadbecb94195a2685c99541cf5b71e9efd592a4b3648ff");
  EXPECT_EQ(toHexString(server.encrypting_key),
            "e7689712d1babf38c6352b86e5c0881a52af7b418d551caa289df8cf84278e70");
  EXPECT_EQ(toHexString(server.iv), "8081af129e631f1a8c56f073c2d50ce8");
}

// MSG, final, size patched later, channel 1, token 2.
std::string msgHeader() { return fromHex("4d534746000000000100000002000000"); }
// Sequence number 7, request id 3, body "plantbridge".
std::string sequenceAndBody() { return fromHex("0700000003000000") + "plantbridge"; }

TEST(OpcUaSecurityTest, SignedAndEncryptedChunkMatchesNodeOpcua) {
  const SymmetricKeys keys = deriveKeys(serverNonce(), clientNonce());
  auto sealed = sealSymmetric(msgHeader(), sequenceAndBody(), keys, /*encrypt=*/true);
  ASSERT_TRUE(sealed.isOk()) << sealed.status().toString();
  EXPECT_EQ(toHexString(*sealed),
            "4d534746500000000100000002000000d284916c211ff81cc78f95f526913496a7feed9dc860b4dd5762"
            "d9cb191c91430a4fc567d01c523fe6db035177495460bb442318d8327b7ca2ba143d69e15da0");
  auto opened = openSymmetric(*sealed, 16, keys, /*encrypt=*/true);
  ASSERT_TRUE(opened.isOk()) << opened.status().toString();
  EXPECT_EQ(*opened, sequenceAndBody());
}

TEST(OpcUaSecurityTest, SignedOnlyChunkMatchesNodeOpcuaAndStaysReadable) {
  const SymmetricKeys keys = deriveKeys(serverNonce(), clientNonce());
  auto sealed = sealSymmetric(msgHeader(), sequenceAndBody(), keys, /*encrypt=*/false);
  ASSERT_TRUE(sealed.isOk());
  EXPECT_EQ(toHexString(*sealed),
            "4d5347464300000001000000020000000700000003000000706c616e74627269646765a3b62f662a40b0"
            "b704ac5cc17b335230e52190393e3e6bb08ded1642007a8198");
  EXPECT_NE(sealed->find("plantbridge"), std::string::npos);  // signed, not encrypted
  auto opened = openSymmetric(*sealed, 16, keys, /*encrypt=*/false);
  ASSERT_TRUE(opened.isOk());
  EXPECT_EQ(*opened, sequenceAndBody());
}

TEST(OpcUaSecurityTest, AChangedByteOrTheOtherSidesKeysFailTheSignature) {
  const SymmetricKeys client = deriveKeys(serverNonce(), clientNonce());
  const SymmetricKeys server = deriveKeys(clientNonce(), serverNonce());
  for (const bool encrypt : {false, true}) {
    auto sealed = sealSymmetric(msgHeader(), sequenceAndBody(), client, encrypt);
    ASSERT_TRUE(sealed.isOk());
    for (const size_t at : {size_t{9}, size_t{20}, sealed->size() - 1}) {
      std::string tampered = *sealed;
      tampered[at] = static_cast<char>(tampered[at] ^ 0x01);
      auto opened = openSymmetric(tampered, 16, client, encrypt);
      ASSERT_FALSE(opened.isOk()) << "byte " << at << " encrypt " << encrypt;
      if (!encrypt) {
        EXPECT_EQ(opened.status().code(), pb::StatusCode::kUnauthenticated);
      }
    }
    EXPECT_FALSE(openSymmetric(*sealed, 16, server, encrypt).isOk());
  }
}

TEST(OpcUaSecurityTest, PaddingFillsTheLastBlockExactly) {
  // 8 + body + 1 + 32 for AES blocks of 16: a body of 7 needs none, 8 needs 15.
  EXPECT_EQ(paddingFor(8 + 7, 16, 32, false), 0U);
  EXPECT_EQ(paddingFor(8 + 8, 16, 32, false), 15U);
  EXPECT_EQ(paddingFor(8 + 22, 16, 32, false), 1U);
  for (size_t body = 0; body < 64; ++body) {
    const size_t padding = paddingFor(8 + body, 16, 32, false);
    EXPECT_LT(padding, 16U);
    EXPECT_EQ((8 + body + 1 + padding + 32) % 16, 0U) << body;
  }
  // RSA-OAEP with a 2048-bit key: plain blocks of 214, a 256-byte signature.
  EXPECT_EQ((100 + 1 + paddingFor(100, 214, 256, false) + 256) % 214, 0U);
  // A 4096-bit key: plain blocks of 470 and an ExtraPaddingSize byte.
  const size_t big = paddingFor(10, 470, 512, true);
  EXPECT_GT(big, 255U);
  EXPECT_EQ((10 + 2 + big + 512) % 470, 0U);
}

TEST(OpcUaSecurityTest, PaddingRoundTripsAndBadPaddingIsRejected) {
  for (const bool extra : {false, true}) {
    for (const size_t padding : {size_t{0}, size_t{1}, size_t{15}, size_t{255}, size_t{300}}) {
      if (!extra && padding > 255) continue;
      std::string plain = "payload";
      appendPadding(plain, padding, extra);
      auto length = paddingLength(plain, extra);
      ASSERT_TRUE(length.isOk()) << padding << " " << extra;
      EXPECT_EQ(plain.size() - *length, 7U) << padding << " " << extra;
    }
  }
  std::string plain = "payload";
  appendPadding(plain, 4, false);
  std::string wrong_byte = plain;
  wrong_byte[8] = 'x';  // a padding byte that is not the padding size
  EXPECT_FALSE(paddingLength(wrong_byte, false).isOk());
  EXPECT_FALSE(paddingLength(std::string(3, '\x09'), false).isOk());  // longer than the chunk
  EXPECT_FALSE(paddingLength("", false).isOk());
}

class OpcUaPkiTest : public ::testing::Test {
 protected:
  static Result<CertificateStore> openStore(const std::string& dir,
                                            const std::string& uri = "urn:test:client") {
    return CertificateStore::open(dir, uri, "pb-test");
  }
  pb::test::TempDir dir_;
};

TEST_F(OpcUaPkiTest, TheCertificateIsCreatedOnceWithTheApplicationUriAndReused) {
  auto first = openStore(dir_.file("pki"));
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  EXPECT_TRUE(first->created());
  EXPECT_TRUE(fs::exists(dir_.file("pki/own/private/plantbridge.pem")));
  EXPECT_EQ(readAll(first->certificatePath()), first->certificate());
  EXPECT_TRUE(fs::is_directory(dir_.file("pki/trusted/certs")));
  EXPECT_TRUE(fs::is_directory(dir_.file("pki/rejected")));
  auto info = inspectCertificate(first->certificate());
  ASSERT_TRUE(info.isOk());
  EXPECT_EQ(info->application_uri, "urn:test:client");
  EXPECT_EQ(info->key_bits, 2048);
  EXPECT_NE(info->subject.find("CN=pb-test@"), std::string::npos) << info->subject;
  EXPECT_GT(info->not_after - info->not_before, std::chrono::hours(24 * 365 * 4));
  const auto key_mode = fs::status(dir_.file("pki/own/private/plantbridge.pem")).permissions();
  EXPECT_EQ(key_mode & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);

  auto second = openStore(dir_.file("pki"));
  ASSERT_TRUE(second.isOk()) << second.status().toString();
  EXPECT_FALSE(second->created());
  EXPECT_EQ(second->certificate(), first->certificate());
}

TEST_F(OpcUaPkiTest, ACertificateForAnotherApplicationUriIsAClearError) {
  ASSERT_TRUE(openStore(dir_.file("pki")).isOk());
  auto other = openStore(dir_.file("pki"), "urn:test:renamed");
  ASSERT_FALSE(other.isOk());
  EXPECT_NE(other.status().message().find("urn:test:client"), std::string::npos);
  EXPECT_NE(other.status().message().find("urn:test:renamed"), std::string::npos);
}

TEST_F(OpcUaPkiTest, AnUnknownServerIsRejectedSavedAndTrustedOnceMoved) {
  auto client = openStore(dir_.file("client"));
  auto server = openStore(dir_.file("server"), "urn:test:server");
  ASSERT_TRUE(client.isOk() && server.isOk());
  const auto now = std::chrono::system_clock::now();
  Status rejected = client->checkServerCertificate(server->certificate(), now);
  ASSERT_EQ(rejected.code(), pb::StatusCode::kPermissionDenied) << rejected.toString();
  auto info = inspectCertificate(server->certificate());
  ASSERT_TRUE(info.isOk());
  EXPECT_NE(rejected.message().find(info->thumbprint), std::string::npos) << rejected.message();
  EXPECT_NE(rejected.message().find("CN=pb-test@"), std::string::npos) << rejected.message();
  EXPECT_NE(rejected.message().find(client->trustedDir()), std::string::npos);

  std::vector<fs::path> saved;
  for (const auto& entry : fs::directory_iterator(client->rejectedDir())) {
    saved.push_back(entry.path());
  }
  ASSERT_EQ(saved.size(), 1U);
  EXPECT_NE(saved[0].filename().string().find(info->thumbprint), std::string::npos);
  EXPECT_EQ(readAll(saved[0].string()), server->certificate());
  // Rejected again: still one file.
  EXPECT_FALSE(client->checkServerCertificate(server->certificate(), now).isOk());
  EXPECT_EQ(std::distance(fs::directory_iterator(client->rejectedDir()), fs::directory_iterator()),
            1);

  fs::rename(saved[0], fs::path(client->trustedDir()) / saved[0].filename());
  Status trusted = client->checkServerCertificate(server->certificate(), now);
  EXPECT_TRUE(trusted.isOk()) << trusted.toString();
}

TEST_F(OpcUaPkiTest, APemFileInTheTrustListCountsAndValidityDatesAreChecked) {
  auto client = openStore(dir_.file("client"));
  auto server = openStore(dir_.file("server"), "urn:test:server");
  ASSERT_TRUE(client.isOk() && server.isOk());
  // The same certificate as PEM, as `openssl x509 -inform der` would write it.
  std::string base64;
  {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::string& der = server->certificate();
    for (size_t i = 0; i < der.size(); i += 3) {
      uint32_t n = static_cast<uint8_t>(der[i]) << 16;
      if (i + 1 < der.size()) n |= static_cast<uint8_t>(der[i + 1]) << 8;
      if (i + 2 < der.size()) n |= static_cast<uint8_t>(der[i + 2]);
      base64 += kAlphabet[(n >> 18) & 63];
      base64 += kAlphabet[(n >> 12) & 63];
      base64 += i + 1 < der.size() ? kAlphabet[(n >> 6) & 63] : '=';
      base64 += i + 2 < der.size() ? kAlphabet[n & 63] : '=';
    }
  }
  std::ofstream(client->trustedDir() + "/server.pem") << "-----BEGIN CERTIFICATE-----\n"
                                                      << base64 << "\n-----END CERTIFICATE-----\n";
  auto info = inspectCertificate(server->certificate());
  ASSERT_TRUE(info.isOk());
  EXPECT_TRUE(client->checkServerCertificate(server->certificate(), info->not_before).isOk());
  Status expired = client->checkServerCertificate(server->certificate(),
                                                  info->not_after + std::chrono::hours(1));
  EXPECT_EQ(expired.code(), pb::StatusCode::kPermissionDenied);
  EXPECT_NE(expired.message().find("expired"), std::string::npos) << expired.message();
  Status early = client->checkServerCertificate(server->certificate(),
                                                info->not_before - std::chrono::hours(1));
  EXPECT_EQ(early.code(), pb::StatusCode::kPermissionDenied);
}

// Two key pairs talking: OPN chunks signed by one and encrypted for the other, and MSG chunks
// under the keys both derive from the nonces.
TEST_F(OpcUaPkiTest, ChunksSealedByOneSideOpenOnTheOther) {
  auto client_pki = openStore(dir_.file("client"));
  auto server_pki = openStore(dir_.file("server"), "urn:test:server");
  ASSERT_TRUE(client_pki.isOk() && server_pki.isOk());
  for (const auto mode : {MessageSecurityMode::kSign, MessageSecurityMode::kSignAndEncrypt}) {
    auto client =
        ChunkSecurity::create({SecurityPolicy::kBasic256Sha256, mode, client_pki->privateKey(),
                               client_pki->certificate(), server_pki->certificate()});
    auto server =
        ChunkSecurity::create({SecurityPolicy::kBasic256Sha256, mode, server_pki->privateKey(),
                               server_pki->certificate(), client_pki->certificate()});
    ASSERT_TRUE(client.isOk() && server.isOk()) << client.status().toString();
    const std::string body(1000, 'b');

    auto opn = client->seal(MessageType::kOpenSecureChannel, ChunkType::kFinal, 0, 0, 1, 1, body);
    ASSERT_TRUE(opn.isOk()) << opn.status().toString();
    EXPECT_EQ(opn->find(std::string(100, 'b')), std::string::npos);  // OPN is always encrypted
    auto opened = server->open(*opn);
    ASSERT_TRUE(opened.isOk()) << opened.status().toString();
    auto decoded = decodeSecureChunk(*opened);
    ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
    EXPECT_EQ(decoded->security_policy_uri, kSecurityPolicyBasic256Sha256Uri);
    EXPECT_EQ(decoded->body, body);
    EXPECT_EQ(decoded->sequence_number, 1U);

    // The server's keys are the client's mirrored: the nonces swap places.
    client->addToken(5, clientNonce(), serverNonce());
    server->addToken(5, serverNonce(), clientNonce());
    for (size_t size :
         {size_t{0}, size_t{1}, size_t{100}, client->maxBodySize(MessageType::kMessage, 8192)}) {
      const std::string payload(size, 'p');
      auto msg = client->seal(MessageType::kMessage, ChunkType::kIntermediate, 9, 5, 2, 4, payload);
      ASSERT_TRUE(msg.isOk());
      EXPECT_LE(msg->size(), 8192U);
      auto back = server->open(*msg);
      ASSERT_TRUE(back.isOk()) << back.status().toString();
      auto chunk = decodeSecureChunk(*back);
      ASSERT_TRUE(chunk.isOk());
      EXPECT_EQ(chunk->body, payload);
      EXPECT_EQ(chunk->token_id, 5U);
      EXPECT_EQ(chunk->request_id, 4U);
    }
    // A chunk under a token the receiver does not know.
    server->addToken(6, serverNonce(), clientNonce());
    server->addToken(7, serverNonce(), clientNonce());  // token 5 is now two renewals old
    auto stale = client->seal(MessageType::kMessage, ChunkType::kFinal, 9, 5, 3, 5, "x");
    ASSERT_TRUE(stale.isOk());
    EXPECT_FALSE(server->open(*stale).isOk());
    // An OPN answer encrypted for someone else's certificate.
    auto third_pki = openStore(dir_.file("third"), "urn:test:third");
    ASSERT_TRUE(third_pki.isOk());
    auto third =
        ChunkSecurity::create({SecurityPolicy::kBasic256Sha256, mode, third_pki->privateKey(),
                               third_pki->certificate(), client_pki->certificate()});
    ASSERT_TRUE(third.isOk());
    auto wrong = client->seal(MessageType::kOpenSecureChannel, ChunkType::kFinal, 0, 0, 1, 1, "x");
    ASSERT_TRUE(wrong.isOk());
    EXPECT_EQ(third->open(*wrong).status().code(), pb::StatusCode::kUnauthenticated);
  }
}

TEST(OpcUaSessionSecurityTest, TheEndpointOfPolicyAndModeIsChosenOrTheOffersListed) {
  std::vector<EndpointDescription> endpoints(3);
  endpoints[0].security_policy_uri = kSecurityPolicyNoneUri;
  endpoints[0].security_mode = static_cast<uint32_t>(MessageSecurityMode::kNone);
  endpoints[1].security_policy_uri = kSecurityPolicyBasic256Sha256Uri;
  endpoints[1].security_mode = static_cast<uint32_t>(MessageSecurityMode::kSign);
  endpoints[1].endpoint_url = "sign";
  endpoints[2].security_policy_uri = kSecurityPolicyBasic256Sha256Uri;
  endpoints[2].security_mode = static_cast<uint32_t>(MessageSecurityMode::kSignAndEncrypt);
  endpoints[2].endpoint_url = "encrypt";
  auto sign =
      selectEndpoint(endpoints, SecurityPolicy::kBasic256Sha256, MessageSecurityMode::kSign);
  ASSERT_TRUE(sign.isOk());
  EXPECT_EQ(sign->endpoint_url, "sign");
  endpoints.pop_back();
  auto missing = selectEndpoint(endpoints, SecurityPolicy::kBasic256Sha256,
                                MessageSecurityMode::kSignAndEncrypt);
  ASSERT_EQ(missing.status().code(), pb::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("None/None, Basic256Sha256/Sign"), std::string::npos)
      << missing.status().message();
}

TEST(OpcUaSessionSecurityTest, AnEncryptedPasswordIsPreferredWhenTheServerCanBeChecked) {
  EndpointDescription endpoint;
  endpoint.security_policy_uri = kSecurityPolicyNoneUri;
  UserTokenPolicy encrypted;
  encrypted.policy_id = "username_basic256Sha256";
  encrypted.token_type = UserTokenType::kUserName;
  encrypted.security_policy_uri = kSecurityPolicyBasic256Sha256Uri;
  UserTokenPolicy plain;
  plain.policy_id = "username_unsecure";
  plain.token_type = UserTokenType::kUserName;
  endpoint.user_identity_tokens = {encrypted, plain};

  auto with_pki = chooseTokenPolicy(endpoint, UserTokenType::kUserName, /*can_encrypt=*/true);
  ASSERT_TRUE(with_pki.isOk());
  EXPECT_EQ(with_pki->policy.policy_id, "username_basic256Sha256");
  auto without_pki = chooseTokenPolicy(endpoint, UserTokenType::kUserName, false);
  ASSERT_TRUE(without_pki.isOk());
  EXPECT_EQ(without_pki->policy.policy_id, "username_unsecure");

  endpoint.user_identity_tokens = {encrypted};
  auto cannot = chooseTokenPolicy(endpoint, UserTokenType::kUserName, false);
  ASSERT_EQ(cannot.status().code(), pb::StatusCode::kUnauthenticated);
  EXPECT_NE(cannot.status().message().find("pki_dir"), std::string::npos);

  // A token without a policy of its own takes the endpoint's.
  endpoint.security_policy_uri = kSecurityPolicyBasic256Sha256Uri;
  plain.policy_id = "usernamePassword";
  endpoint.user_identity_tokens = {plain};
  auto inherited = chooseTokenPolicy(endpoint, UserTokenType::kUserName, true);
  ASSERT_TRUE(inherited.isOk());
  EXPECT_EQ(inherited->secret_policy_uri, kSecurityPolicyBasic256Sha256Uri);
}

TEST_F(OpcUaPkiTest, TheLegacySecretDecryptsToLengthPasswordAndNonce) {
  auto server = openStore(dir_.file("server"), "urn:test:server");
  ASSERT_TRUE(server.isOk());
  auto key = publicKeyOfCertificate(server->certificate());
  ASSERT_TRUE(key.isOk());
  auto secret = encryptLegacySecret(*key, "cnc-07-secret", serverNonce());
  ASSERT_TRUE(secret.isOk());
  EXPECT_EQ(secret->size(), 256U);
  auto plain = rsaOaepDecrypt(server->privateKey(), *secret);
  ASSERT_TRUE(plain.isOk());
  EXPECT_EQ(plain->substr(0, 4), std::string("\x2d\x00\x00\x00", 4));  // 13 + 32
  EXPECT_EQ(plain->substr(4), "cnc-07-secret" + serverNonce());

  // Signatures: CreateSession's (server signs our certificate + nonce) verifies.
  auto signature = clientSignature(server->privateKey(), "certificate", clientNonce());
  ASSERT_TRUE(signature.isOk());
  EXPECT_EQ(signature->algorithm, kRsaSha256SignatureUri);
  EXPECT_TRUE(verifyServerSignature(server->certificate(), "certificate", clientNonce(), *signature)
                  .isOk());
  EXPECT_FALSE(
      verifyServerSignature(server->certificate(), "certificate", serverNonce(), *signature)
          .isOk());
}

}  // namespace
}  // namespace pb::opcua
