#include "plantbridge/http/router.h"

#include <gtest/gtest.h>

#include <iterator>
#include <optional>

#include <fmt/format.h>

namespace pb {
namespace {

HttpRequest makeRequest(std::string method, std::string target) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  EXPECT_TRUE(parseRequestTarget(r.target, r.path, r.query).isOk());
  return r;
}

// Routes synchronously and returns the answer.
HttpResponse route(const Router& router, const HttpRequest& request) {
  std::optional<HttpResponse> answer;
  router.handle(request, [&](HttpResponse r) { answer = std::move(r); });
  EXPECT_TRUE(answer.has_value());
  return answer.value_or(HttpResponse{});
}

RouteHandler echo(std::string name) {
  return [name = std::move(name)](const HttpRequest&, const PathParams& params,
                                  const Responder& respond) {
    std::string body = name;
    for (const auto& [key, value] : params.all()) {
      fmt::format_to(std::back_inserter(body), " {}={}", key, value);
    }
    respond(HttpResponse::text(200, body));
  };
}

TEST(RouterTest, MatchesLiteralsAndCapturesDecodedParameters) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/v1/events/{id}", echo("event")).isOk());
  ASSERT_TRUE(router.add("POST", "/v1/dead-letters/{id}/retry", echo("retry")).isOk());
  EXPECT_EQ(route(router, makeRequest("GET", "/v1/events/01HX")).body, "event id=01HX");
  EXPECT_EQ(route(router, makeRequest("POST", "/v1/dead-letters/a%2Fb/retry")).body,
            "retry id=a/b");
}

TEST(RouterTest, RestParameterTakesSeveralSegments) {
  Router router;
  ASSERT_TRUE(router.add("POST", "/v1/dead-letters/{id...}/retry", echo("retry")).isOk());
  ASSERT_TRUE(router.add("GET", "/v1/dead-letters/{id...}", echo("show")).isOk());
  EXPECT_EQ(route(router, makeRequest("POST", "/v1/dead-letters/01J/erp/retry")).body,
            "retry id=01J/erp");
  EXPECT_EQ(route(router, makeRequest("GET", "/v1/dead-letters/01J/erp")).body, "show id=01J/erp");
  EXPECT_EQ(route(router, makeRequest("GET", "/v1/dead-letters/01J%2Ferp")).body,
            "show id=01J/erp");
}

TEST(RouterTest, RestParameterNeedsAtLeastOneSegment) {
  Router router;
  ASSERT_TRUE(router.add("POST", "/v1/dead-letters/{id...}/retry", echo("retry")).isOk());
  EXPECT_EQ(route(router, makeRequest("POST", "/v1/dead-letters/retry")).status, 404);
  EXPECT_EQ(route(router, makeRequest("POST", "/v1/dead-letters//retry")).status, 404);
}

TEST(RouterTest, MoreLiteralSegmentsWin) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/v1/events/{id}", echo("param")).isOk());
  ASSERT_TRUE(router.add("GET", "/v1/events/stats", echo("literal")).isOk());
  EXPECT_EQ(route(router, makeRequest("GET", "/v1/events/stats")).body, "literal");
  EXPECT_EQ(route(router, makeRequest("GET", "/v1/events/other")).body, "param id=other");
}

TEST(RouterTest, UnknownPathIs404Json) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/healthz", echo("h")).isOk());
  HttpResponse r = route(router, makeRequest("GET", "/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no route for GET /nope"}})");
  EXPECT_EQ(route(router, makeRequest("GET", "/healthz/")).status, 404);
  EXPECT_EQ(route(router, makeRequest("GET", "/")).status, 404);
}

TEST(RouterTest, KnownPathWithOtherMethodIs405WithAllow) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/v1/dead-letters/{id}", echo("show")).isOk());
  ASSERT_TRUE(router.add("DELETE", "/v1/dead-letters/{id}", echo("discard")).isOk());
  HttpResponse r = route(router, makeRequest("PUT", "/v1/dead-letters/x"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.get("Allow").value_or(""), "GET, DELETE");
  EXPECT_NE(r.body.find("\"method_not_allowed\""), std::string::npos);
}

TEST(RouterTest, RejectsDuplicateAndMalformedPatterns) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/a/{id}", echo("a")).isOk());
  EXPECT_EQ(router.add("GET", "/a/{other}", echo("b")).code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(router.add("POST", "/a/{id}", echo("c")).isOk());
  EXPECT_EQ(router.add("GET", "a/b", echo("d")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.add("GET", "/a/{x...}/{y...}", echo("e")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.add("GET", "/a/{}", echo("f")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.add("GET", "/a/{x}/{x}", echo("g")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.add("GET", "/a//b", echo("h")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(router.add("GET", "/a/b{x}", echo("i")).code(), StatusCode::kInvalidArgument);
}

TEST(RouterTest, MalformedSegmentEscapeIs400) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/a/{id}", echo("a")).isOk());
  HttpRequest r;
  r.method = "GET";
  r.path = "/a/%zz";  // a handler-built request that skipped parseRequestTarget
  EXPECT_EQ(route(router, r).status, 400);
}

TEST(RouterTest, AsHandlerRoutes) {
  Router router;
  ASSERT_TRUE(router.add("GET", "/x", echo("x")).isOk());
  HttpHandler handler = router.asHandler();
  std::optional<HttpResponse> answer;
  handler(makeRequest("GET", "/x?y=1"), [&](HttpResponse r) { answer = std::move(r); });
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->body, "x");
}

}  // namespace
}  // namespace pb
