// HttpServer over real sockets on 127.0.0.1, port 0.
#include "plantbridge/http/server.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "plantbridge/common/metrics.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "support/tls_cert.h"

namespace pb {
namespace {

using namespace std::chrono_literals;
using test::HttpClient;

// Responders that handlers park for the test to answer later, by name.
class Parked {
 public:
  void park(const std::string& name, Responder respond) {
    std::lock_guard lock(mutex_);
    parked_[name] = std::move(respond);
    cv_.notify_all();
  }
  // Waits (bounded) until a handler parked `name`; empty when none did.
  Responder waitFor(const std::string& name) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, 10s, [&] { return parked_.count(name) > 0; });
    auto it = parked_.find(name);
    if (it == parked_.end()) return nullptr;
    Responder r = std::move(it->second);
    parked_.erase(it);
    return r;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, Responder> parked_;
};

// What happened, in order, across threads.
class EventLog {
 public:
  void add(std::string e) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(e));
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> events_;
};

void echo(const HttpRequest& r, const Responder& respond) {
  std::string body = r.method + " " + r.path;
  for (const auto& [k, v] : r.query) fmt::format_to(std::back_inserter(body), " {}={}", k, v);
  if (!r.body.empty()) body += " body=" + r.body;
  respond(HttpResponse::text(200, body));
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpHandler handler, HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(std::move(options), std::move(handler));
    Status s = server_->start();
    ASSERT_TRUE(s.isOk()) << s.toString();
    ASSERT_NE(server_->port(), 0);
  }
  std::unique_ptr<HttpClient> connect(test::ClientOptions options = {}) {
    auto client = HttpClient::connect("127.0.0.1", server_->port(), std::move(options));
    EXPECT_TRUE(client.isOk()) << client.status().toString();
    return client.isOk() ? std::move(client).value() : nullptr;
  }
  void TearDown() override {
    if (server_) server_->stop(1s);
    for (auto& t : threads_) t.join();
  }

  std::unique_ptr<HttpServer> server_;
  std::vector<std::thread> threads_;
};

TEST_F(HttpServerTest, ReportsTheChosenPortAndPassesTheRequestThrough) {
  std::mutex mutex;
  HttpRequest seen;
  start([&](const HttpRequest& r, const Responder& respond) {
    {
      std::lock_guard lock(mutex);
      seen = r;
    }
    echo(r, respond);
  });
  auto client = connect();
  ASSERT_TRUE(client);
  auto response = client->post("/v1/x%2Fy?a=1&b=c+d", "hello", {{"X-Trace", "t1"}});
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "POST /v1/x%2Fy a=1 b=c d body=hello");
  EXPECT_EQ(response->header("Server"), "plantbridge");
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.target, "/v1/x%2Fy?a=1&b=c+d");
  EXPECT_EQ(seen.header("x-trace"), "t1");
  EXPECT_EQ(seen.remote_address, "127.0.0.1:" + std::to_string(client->localPort()));
  EXPECT_FALSE(seen.tls);
}

TEST_F(HttpServerTest, KeepsTheConnectionAliveAcrossRequests) {
  EventLog remotes;
  start([&](const HttpRequest& r, const Responder& respond) {
    remotes.add(r.remote_address);
    echo(r, respond);
  });
  auto client = connect();
  ASSERT_TRUE(client);
  for (int i = 0; i < 3; ++i) {
    auto response = client->get("/n?i=" + std::to_string(i));
    ASSERT_TRUE(response.isOk()) << response.status().toString();
    EXPECT_EQ(response->body, "GET /n i=" + std::to_string(i));
    EXPECT_TRUE(response->keep_alive);
  }
  const auto seen = remotes.events();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], seen[1]);
  EXPECT_EQ(seen[1], seen[2]);
}

TEST_F(HttpServerTest, PipelinedRequestsAreHandledOneAtATimeInOrder) {
  Parked parked;
  EventLog log;
  start([&](const HttpRequest& r, Responder respond) {
    log.add("enter " + r.path);
    if (r.path == "/slow") {
      parked.park("slow", std::move(respond));
      return;
    }
    respond(HttpResponse::text(200, "fast"));
  });
  auto client = connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client
                  ->sendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
                  .isOk());
  Responder slow = parked.waitFor("slow");
  ASSERT_TRUE(slow);
  // Answered from another thread, as the ingest handler does after a group commit.
  threads_.emplace_back([&log, slow] {
    log.add("answer /slow");
    slow(HttpResponse::text(200, "slow"));
  });
  auto first = client->readResponse();
  auto second = client->readResponse();
  ASSERT_TRUE(first.isOk() && second.isOk());
  EXPECT_EQ(first->body, "slow");
  EXPECT_EQ(second->body, "fast");
  EXPECT_EQ(log.events(), (std::vector<std::string>{"enter /slow", "answer /slow", "enter /fast"}));
}

TEST_F(HttpServerTest, ResponderMayBeCalledLaterFromAnotherThread) {
  start([this](const HttpRequest& r, Responder respond) {
    threads_.emplace_back(
        [respond = std::move(respond)] { respond(HttpResponse::json(201, R"({"ok":true})")); });
  });
  auto client = connect();
  ASSERT_TRUE(client);
  auto response = client->post("/later", "x");
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->header("Content-Type"), "application/json");
  EXPECT_EQ(response->body, R"({"ok":true})");
}

TEST_F(HttpServerTest, SecondCallOfAResponderIsIgnored) {
  start([](const HttpRequest& r, const Responder& respond) {
    respond(HttpResponse::text(200, "first"));
    respond(HttpResponse::text(500, "second"));
  });
  auto client = connect();
  ASSERT_TRUE(client);
  for (int i = 0; i < 2; ++i) {
    auto response = client->get("/");
    ASSERT_TRUE(response.isOk());
    EXPECT_EQ(response->body, "first");
  }
}

TEST_F(HttpServerTest, ADroppedResponderAnswers500) {
  // The handler owns the responder and drops it unanswered: that is the case under test.
  start([](const HttpRequest&, Responder) {});  // NOLINT(performance-unnecessary-value-param)
  auto client = connect();
  ASSERT_TRUE(client);
  auto response = client->get("/");
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->status, 500);
  EXPECT_NE(response->body.find("did not answer"), std::string::npos);
}

TEST_F(HttpServerTest, AThrowingHandlerAnswers500AndTheConnectionLivesOn) {
  start([](const HttpRequest& r, const Responder& respond) {
    if (r.path == "/throw") throw std::runtime_error("boom");
    respond(HttpResponse::text(200, "fine"));
  });
  auto client = connect();
  ASSERT_TRUE(client);
  auto response = client->get("/throw");
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->status, 500);
  response = client->get("/ok");
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->body, "fine");
}

TEST_F(HttpServerTest, OversizedContentLengthIs413BeforeTheBodyIsSent) {
  std::atomic<int> handled{0};
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  start(
      [&](const HttpRequest& r, const Responder& respond) {
        ++handled;
        echo(r, respond);
      },
      options);
  auto client = connect();
  ASSERT_TRUE(client);
  // Only the header: if the server waited for the body, the read below would time out.
  ASSERT_TRUE(client
                  ->sendRaw("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n"
                            "\r\n")
                  .isOk());
  auto response = client->readResponse();
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->status, 413);
  EXPECT_FALSE(response->keep_alive);
  EXPECT_NE(response->body.find("\"payload_too_large\""), std::string::npos);
  EXPECT_TRUE(client->waitForClose());
  EXPECT_EQ(handled.load(), 0);
}

TEST_F(HttpServerTest, ChunkedBodyCrossingTheLimitIs413) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  start(echo, options);
  auto client = connect();
  ASSERT_TRUE(client);
  const std::string chunk(2000, 'x');
  std::string raw = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  raw += "7d0\r\n" + chunk + "\r\n";  // 2000 bytes, more to come
  ASSERT_TRUE(client->sendRaw(raw).isOk());
  auto response = client->readResponse();
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(client->waitForClose());
}

TEST_F(HttpServerTest, BodyWithinTheLimitIsServed) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  start(echo, options);
  auto client = connect();
  ASSERT_TRUE(client);
  auto response = client->post("/", std::string(1024, 'y'));
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  start(echo, options);
  auto client = connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client
                  ->sendRaw("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                            "Expect: 100-continue\r\n\r\n")
                  .isOk());
  auto interim = client->readResponse();
  ASSERT_TRUE(interim.isOk());
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client->sendRaw("hello").isOk());
  auto response = client->readResponse();
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->body, "POST /c body=hello");

  auto big = connect();
  ASSERT_TRUE(big);
  ASSERT_TRUE(big->sendRaw("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                           "Expect: 100-continue\r\n\r\n")
                  .isOk());
  auto refused = big->readResponse();
  ASSERT_TRUE(refused.isOk());
  EXPECT_EQ(refused->status, 413);
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  start(echo, options);
  auto client = connect();
  ASSERT_TRUE(client);
  auto response = client->get("/", {{"X-Big", std::string(2000, 'h')}});
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->status, 431);
}

TEST_F(HttpServerTest, MalformedRequestIs400AndClosed) {
  start(echo);
  auto client = connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->sendRaw("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n").isOk());
  auto response = client->readResponse();
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->status, 400);
  EXPECT_TRUE(client->waitForClose());
}

TEST_F(HttpServerTest, RequestTargetNotInOriginFormIs400) {
  start(echo);
  auto client = connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->sendRaw("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n").isOk());
  auto response = client->readResponse();
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->status, 400);
}

TEST_F(HttpServerTest, SlowHeaderIsCutOffByTheHeaderTimeout) {
  HttpServerOptions options;
  options.header_timeout = 200ms;
  start(echo, options);
  auto client = connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->sendRaw("GET / HTTP/1.1\r\nHost: x\r\n").isOk());  // never finished
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(client->waitForClose());
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
}

TEST_F(HttpServerTest, SlowBodyIsCutOffByTheBodyTimeout) {
  HttpServerOptions options;
  options.body_timeout = 200ms;
  start(echo, options);
  auto client = connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(
      client->sendRaw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-some").isOk());
  EXPECT_TRUE(client->waitForClose());
}

TEST_F(HttpServerTest, IdleKeptAliveConnectionIsClosedByTheIdleTimeout) {
  HttpServerOptions options;
  options.idle_timeout = 200ms;
  start(echo, options);
  auto client = connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->get("/").isOk());
  EXPECT_TRUE(client->waitForClose());
}

TEST_F(HttpServerTest, ConnectionCloseFromTheClientIsHonoured) {
  start(echo);
  auto client = connect();
  ASSERT_TRUE(client);
  auto response = client->get("/", {{"Connection", "close"}});
  ASSERT_TRUE(response.isOk());
  EXPECT_FALSE(response->keep_alive);
  EXPECT_TRUE(client->waitForClose());

  auto old = connect();
  ASSERT_TRUE(old);
  ASSERT_TRUE(old->sendRaw("GET /old HTTP/1.0\r\n\r\n").isOk());
  response = old->readResponse();
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->body, "GET /old");
  EXPECT_TRUE(old->waitForClose());
}

TEST_F(HttpServerTest, HeadAnswerHasNoBodyAndTheConnectionStaysInStep) {
  start([](const HttpRequest&, const Responder& respond) {
    respond(HttpResponse::text(200, "hello"));
  });
  auto client = connect();
  ASSERT_TRUE(client);
  auto head = client->request("HEAD", "/");
  ASSERT_TRUE(head.isOk()) << head.status().toString();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Length"), "5");
  EXPECT_EQ(head->body, "");
  auto get = client->get("/");
  ASSERT_TRUE(get.isOk());
  EXPECT_EQ(get->body, "hello");
}

TEST_F(HttpServerTest, HandlerMayAskToCloseTheConnection) {
  start([](const HttpRequest&, const Responder& respond) {
    HttpResponse r = HttpResponse::text(200, "bye");
    r.headers.add("Connection", "close");
    respond(std::move(r));
  });
  auto client = connect();
  ASSERT_TRUE(client);
  auto response = client->get("/");
  ASSERT_TRUE(response.isOk());
  EXPECT_FALSE(response->keep_alive);
  EXPECT_TRUE(client->waitForClose());
}

TEST_F(HttpServerTest, ConnectionsOverTheCapAreClosed) {
  HttpServerOptions options;
  options.max_connections = 1;
  start(echo, options);
  auto first = connect();
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->get("/").isOk());  // the first connection is registered
  auto second = connect();
  ASSERT_TRUE(second);
  EXPECT_TRUE(second->waitForClose());
  EXPECT_TRUE(first->get("/").isOk());
}

TEST_F(HttpServerTest, StartFailsWhenThePortIsTaken) {
  start(echo);
  HttpServerOptions options;
  options.port = server_->port();
  HttpServer second(options, echo);
  Status s = second.start();
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(server_->port())), std::string::npos)
      << s.toString();
}

TEST_F(HttpServerTest, StopFinishesInFlightRequestsAndClosesIdleConnections) {
  Parked parked;
  start([&](const HttpRequest& r, Responder respond) {
    if (r.path == "/slow") {
      parked.park("slow", std::move(respond));
      return;
    }
    respond(HttpResponse::text(200, "fast"));
  });
  const uint16_t port = server_->port();
  auto idle = connect();
  ASSERT_TRUE(idle);
  ASSERT_TRUE(idle->get("/fast").isOk());
  auto busy = connect();
  ASSERT_TRUE(busy);
  ASSERT_TRUE(busy->sendRaw("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").isOk());
  Responder slow = parked.waitFor("slow");
  ASSERT_TRUE(slow);

  std::thread stopper([this] { server_->stop(30s); });
  EXPECT_TRUE(idle->waitForClose());
  // The listener is closed before any connection is.
  EXPECT_FALSE(HttpClient::connect("127.0.0.1", port).isOk());

  slow(HttpResponse::text(200, "finished"));
  auto response = busy->readResponse();
  ASSERT_TRUE(response.isOk()) << response.status().toString();
  EXPECT_EQ(response->body, "finished");
  EXPECT_FALSE(response->keep_alive);
  EXPECT_TRUE(busy->waitForClose());
  busy.reset();
  stopper.join();
}

TEST_F(HttpServerTest, StopClosesWhatIsStillBusyWhenTheGraceEnds) {
  Parked parked;
  start([&](const HttpRequest&, Responder respond) { parked.park("stuck", std::move(respond)); });
  auto client = connect();
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n").isOk());
  Responder stuck = parked.waitFor("stuck");
  ASSERT_TRUE(stuck);
  server_->stop(100ms);
  EXPECT_TRUE(client->waitForClose());
  stuck(HttpResponse::text(200, "too late"));  // ignored, harmlessly
  server_.reset();
  stuck(HttpResponse::text(200, "much too late"));
}

TEST_F(HttpServerTest, CountsRefusalsInMetrics) {
  MetricsRegistry metrics;
  HttpServerOptions options;
  options.max_body_bytes = 10;
  options.metrics = &metrics;
  start(echo, options);
  auto client = connect();
  ASSERT_TRUE(client);
  auto response = client->post("/", std::string(100, 'z'));
  ASSERT_TRUE(response.isOk());
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(client->waitForClose());
  const std::string text = metrics.render();
  EXPECT_NE(text.find("plantbridge_http_rejected_total{reason=\"body_limit\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("plantbridge_http_connections_total 1"), std::string::npos) << text;
  server_.reset();  // the registry must outlive the server
}

class HttpsServerTest : public HttpServerTest {
 protected:
  void SetUp() override {
    auto cert = test::writeSelfSignedCertificate(dir_.path(), "server", "cert-1");
    ASSERT_TRUE(cert.isOk()) << cert.status().toString();
    cert_ = *cert;
  }
  HttpServerOptions tlsOptions() {
    HttpServerOptions options;
    options.tls_cert_file = cert_.cert_file;
    options.tls_key_file = cert_.key_file;
    return options;
  }
  test::ClientOptions verifying(const std::string& ca_file) {
    test::ClientOptions options;
    options.tls = true;
    options.ca_file = ca_file;
    return options;
  }

  test::TempDir dir_;
  test::TestCertificate cert_;
};

TEST_F(HttpsServerTest, ServesHttpsWithAVerifiedCertificate) {
  start([](const HttpRequest& r,
           const Responder& respond) { respond(HttpResponse::text(200, r.tls ? "tls" : "plain")); },
        tlsOptions());
  EXPECT_TRUE(server_->tlsEnabled());
  auto client = connect(verifying(cert_.cert_file));
  ASSERT_TRUE(client);
  EXPECT_EQ(client->peerCommonName(), "cert-1");
  for (int i = 0; i < 2; ++i) {
    auto response = client->get("/");
    ASSERT_TRUE(response.isOk()) << response.status().toString();
    EXPECT_EQ(response->body, "tls");
  }
}

TEST_F(HttpsServerTest, PlainHttpToTheTlsPortGetsNoAnswer) {
  start(echo, tlsOptions());
  auto client = connect();
  ASSERT_TRUE(client);
  EXPECT_FALSE(client->get("/").isOk());
}

TEST_F(HttpsServerTest, ReloadSwitchesCertificatesForNewConnections) {
  start(echo, tlsOptions());
  auto before = connect(verifying(cert_.cert_file));
  ASSERT_TRUE(before);
  EXPECT_EQ(before->peerCommonName(), "cert-1");

  // Rotate: new files at the same paths.
  auto rotated = test::writeSelfSignedCertificate(dir_.path(), "server", "cert-2");
  ASSERT_TRUE(rotated.isOk());
  Status s = server_->reloadTls();
  ASSERT_TRUE(s.isOk()) << s.toString();

  auto after = connect(verifying(cert_.cert_file));
  ASSERT_TRUE(after);
  EXPECT_EQ(after->peerCommonName(), "cert-2");
  EXPECT_TRUE(after->get("/").isOk());
  EXPECT_TRUE(before->get("/").isOk());  // established connections carry on
}

TEST_F(HttpsServerTest, FailedReloadKeepsTheCurrentCertificate) {
  start(echo, tlsOptions());
  { std::ofstream(cert_.key_file) << "not a key\n"; }
  Status s = server_->reloadTls();
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find(cert_.key_file), std::string::npos) << s.toString();
  auto client = connect(verifying(cert_.cert_file));
  ASSERT_TRUE(client);
  EXPECT_EQ(client->peerCommonName(), "cert-1");
  EXPECT_TRUE(client->get("/").isOk());
}

TEST_F(HttpsServerTest, StartFailsWithAMissingCertificateNamingTheFile) {
  HttpServerOptions options = tlsOptions();
  options.tls_cert_file = dir_.file("missing.crt");
  HttpServer server(options, echo);
  Status s = server.start();
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("missing.crt"), std::string::npos) << s.toString();
}

TEST(HttpServerPlainTest, ReloadTlsWithoutTlsIsAnError) {
  HttpServer server(HttpServerOptions{}, echo);
  EXPECT_FALSE(server.reloadTls().isOk());
}

}  // namespace
}  // namespace pb
