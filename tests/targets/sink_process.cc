#include "sink_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

extern char** environ;

namespace pb::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

template <typename Stream>
Result<HttpAnswer> exchange(Stream& stream, const std::string& method, const std::string& target,
                            const std::string& body, uint16_t port) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();
  boost::system::error_code ec;
  http::write(stream, req, ec);
  if (ec) return Status::unavailable("write: " + ec.message());
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(uint64_t{256} * 1024 * 1024);
  http::read(stream, buffer, parser, ec);
  if (ec) return Status::unavailable("read: " + ec.message());
  return HttpAnswer{static_cast<int>(parser.get().result_int()), parser.get().body()};
}

}  // namespace

Result<HttpAnswer> httpCall(uint16_t port, const std::string& method, const std::string& target,
                            const std::string& body, bool tls) {
  asio::io_context io;
  beast::tcp_stream tcp_stream(io);
  tcp_stream.expires_after(std::chrono::seconds(10));
  boost::system::error_code ec;
  tcp_stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return Status::unavailable("connect: " + ec.message());
  if (!tls) return exchange(tcp_stream, method, target, body, port);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream&> stream(tcp_stream, ctx);
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return Status::unavailable("handshake: " + ec.message());
  return exchange(stream, method, target, body, port);
}

uint16_t unusedPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

SinkProcess::~SinkProcess() { stop(); }

Status SinkProcess::start(std::vector<std::string> args) {
  stop();
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--tls-cert") tls_ = true;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::ioError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<std::string> argv_strings{PB_HTTP_SINK};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, PB_HTTP_SINK, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    pid_ = -1;
    return Status::ioError(std::string("cannot start ") + PB_HTTP_SINK);
  }
  stdout_fd_ = fds[0];
  // Read the first line: "listening 127.0.0.1:<port>".
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::unavailable("the sink did not say where it listens");
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[256];
    const ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) return Status::unavailable("the sink exited before listening");
    line.append(buf, static_cast<size_t>(n));
  }
  const size_t colon = line.rfind(':', line.find('\n'));
  if (line.rfind("listening ", 0) != 0 || colon == std::string::npos) {
    return Status::internal("unexpected first line from the sink: " + line);
  }
  port_ = static_cast<uint16_t>(std::stoi(line.substr(colon + 1)));
  return Status::ok();
}

void SinkProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    // Give it 10 s to exit on its own (bounded wait on a pidfd), then kill it.
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {
      pollfd p{pidfd, POLLIN, 0};
      if (::poll(&p, 1, 10'000) <= 0) ::kill(pid_, SIGKILL);
      ::close(pidfd);
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
    stdout_fd_ = -1;
  }
}

std::string SinkProcess::url(const std::string& path) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

Result<int64_t> SinkProcess::stat(const std::string& name) {
  auto answer = httpCall(port_, "GET", "/stats", {}, tls_);
  if (!answer.isOk()) return answer.status();
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(answer->body, ec);
  if (ec || !v.is_object() || !v.as_object().contains(name)) {
    return Status::internal("no '" + name + "' in /stats: " + answer->body);
  }
  return v.as_object().at(name).to_number<int64_t>();
}

Status SinkProcess::control(const std::string& query) {
  auto answer = httpCall(port_, "POST", "/control?" + query, {}, tls_);
  if (!answer.isOk()) return answer.status();
  if (answer->status != 200) return Status::internal("control answered " + answer->body);
  return Status::ok();
}

Result<std::string> SinkProcess::recentJson() {
  auto answer = httpCall(port_, "GET", "/recent", {}, tls_);
  if (!answer.isOk()) return answer.status();
  return answer->body;
}

Result<std::pair<std::string, std::string>> writeSelfSignedCertificate(const std::string& dir) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) return Status::internal("OpenSSL: cannot make a key");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) return Status::internal("OpenSSL: cannot make an extension");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return Status::internal("OpenSSL: cannot sign");
  }
  const std::string cert_path = dir + "/cert.pem";
  const std::string key_path = dir + "/key.pem";
  FILE* f = std::fopen(cert_path.c_str(), "w");
  if (f == nullptr) return Status::ioError("cannot write " + cert_path);
  PEM_write_X509(f, cert.get());
  std::fclose(f);
  f = std::fopen(key_path.c_str(), "w");
  if (f == nullptr) return Status::ioError("cannot write " + key_path);
  PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  return std::pair{cert_path, key_path};
}

}  // namespace pb::test
