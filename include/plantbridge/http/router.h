// Routes requests by method and path pattern to handlers. Unknown paths are answered 404 and
// known paths with another method 405 (with Allow), both in the JSON error shape.
//
// Patterns are made of '/'-separated segments: a literal ("dead-letters"), a parameter
// ("{id}": one non-empty segment) or, at most once per pattern, a rest parameter ("{id...}":
// one or more segments, joined with '/'; so "/v1/dead-letters/{id...}/retry" accepts a
// transaction id "01J.../erp" whether or not its '/' is sent percent-encoded). Each request
// segment is percent-decoded before it is compared or captured. When several patterns match,
// the one with the most literal segments wins, then one without a rest parameter, then the
// one added first.
//
// Thread-safety: add() routes before serving; handle() is then safe from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/http/message.h"

namespace pb {

class PathParams {
 public:
  void add(std::string name, std::string value) {
    params_.emplace_back(std::move(name), std::move(value));
  }
  // The decoded value, or "" when the pattern has no such parameter.
  std::string_view get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& all() const { return params_; }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

using RouteHandler = std::function<void(const HttpRequest&, const PathParams&, Responder)>;

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // InvalidArgument for a malformed pattern; AlreadyExists when the same method and pattern
  // (parameter names aside) were added before.
  Status add(std::string_view method, std::string_view pattern, RouteHandler handler);

  void handle(const HttpRequest& request, Responder respond) const;
  // A handler for HttpServer that calls handle(); the Router must outlive the server.
  HttpHandler asHandler() const;

 private:
  struct Route;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace pb
