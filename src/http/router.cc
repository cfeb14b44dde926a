#include "plantbridge/http/router.h"

#include <algorithm>

namespace pb {

namespace {

enum class SegmentKind { kLiteral, kParam, kRest };

struct Segment {
  SegmentKind kind = SegmentKind::kLiteral;
  std::string text;  // the literal, or the parameter's name
};

// Splits "/a/b/c" into {"a","b","c"}; "/" into {}.
std::vector<std::string_view> splitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) return parts;
  while (true) {
    const size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

bool validParamName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::string_view PathParams::get(std::string_view name) const {
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return {};
}

struct Router::Route {
  std::string method;
  std::string pattern;
  std::vector<Segment> segments;
  int literal_count = 0;
  int rest_index = -1;  // index of the rest parameter, or -1
  RouteHandler handler;

  // The shape without parameter names, to detect duplicates.
  std::string shape() const {
    std::string s;
    for (const auto& seg : segments) {
      s += '/';
      if (seg.kind == SegmentKind::kLiteral) s += seg.text;
      if (seg.kind == SegmentKind::kParam) s += "{}";
      if (seg.kind == SegmentKind::kRest) s += "{...}";
    }
    return s;
  }

  // Matches decoded request segments; fills `params` on success.
  bool match(const std::vector<std::string>& parts, PathParams& params) const {
    const size_t n = segments.size();
    if (rest_index < 0) {
      if (parts.size() != n) return false;
      for (size_t i = 0; i < n; ++i) {
        if (!matchOne(segments[i], parts[i])) return false;
      }
      for (size_t i = 0; i < n; ++i) {
        if (segments[i].kind == SegmentKind::kParam) params.add(segments[i].text, parts[i]);
      }
      return true;
    }
    const auto r = static_cast<size_t>(rest_index);
    const size_t suffix = n - r - 1;
    if (parts.size() < n) return false;  // the rest parameter takes at least one segment
    for (size_t i = 0; i < r; ++i) {
      if (!matchOne(segments[i], parts[i])) return false;
    }
    for (size_t k = 0; k < suffix; ++k) {
      if (!matchOne(segments[n - 1 - k], parts[parts.size() - 1 - k])) return false;
    }
    const size_t rest_end = parts.size() - suffix;
    for (size_t i = r; i < rest_end; ++i) {
      if (parts[i].empty()) return false;
    }
    for (size_t i = 0; i < r; ++i) {
      if (segments[i].kind == SegmentKind::kParam) params.add(segments[i].text, parts[i]);
    }
    std::string rest;
    for (size_t i = r; i < rest_end; ++i) {
      if (i > r) rest += '/';
      rest += parts[i];
    }
    params.add(segments[r].text, std::move(rest));
    for (size_t k = 0; k < suffix; ++k) {
      const Segment& seg = segments[n - 1 - k];
      if (seg.kind == SegmentKind::kParam) params.add(seg.text, parts[parts.size() - 1 - k]);
    }
    return true;
  }

  static bool matchOne(const Segment& seg, const std::string& part) {
    if (seg.kind == SegmentKind::kLiteral) return seg.text == part;
    return !part.empty();
  }
};

Router::Router() = default;
Router::~Router() = default;

Status Router::add(std::string_view method, std::string_view pattern, RouteHandler handler) {
  if (method.empty()) return Status::invalidArgument("route method is empty");
  if (pattern.empty() || pattern.front() != '/') {
    return Status::invalidArgument("route pattern '" + std::string(pattern) +
                                   "' must start with '/'");
  }
  if (!handler) return Status::invalidArgument("route " + std::string(pattern) + " has no handler");
  auto route = std::make_unique<Route>();
  route->method.assign(method);
  route->pattern.assign(pattern);
  route->handler = std::move(handler);
  std::vector<std::string> names;
  for (std::string_view part : splitPath(pattern)) {
    Segment seg;
    if (part.size() >= 2 && part.front() == '{' && part.back() == '}') {
      std::string_view name = part.substr(1, part.size() - 2);
      seg.kind = SegmentKind::kParam;
      if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
        name.remove_suffix(3);
        seg.kind = SegmentKind::kRest;
        if (route->rest_index >= 0) {
          return Status::invalidArgument("route pattern '" + std::string(pattern) +
                                         "' has more than one rest parameter");
        }
        route->rest_index = static_cast<int>(route->segments.size());
      }
      if (!validParamName(name)) {
        return Status::invalidArgument("route pattern '" + std::string(pattern) +
                                       "' has a bad parameter name '" + std::string(name) + "'");
      }
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        return Status::invalidArgument("route pattern '" + std::string(pattern) +
                                       "' repeats parameter '" + std::string(name) + "'");
      }
      names.emplace_back(name);
      seg.text.assign(name);
    } else {
      if (part.empty() || part.find_first_of("{}") != std::string_view::npos) {
        return Status::invalidArgument("route pattern '" + std::string(pattern) +
                                       "' has a bad segment '" + std::string(part) + "'");
      }
      seg.text.assign(part);
      ++route->literal_count;
    }
    route->segments.push_back(std::move(seg));
  }
  const std::string shape = route->shape();
  for (const auto& existing : routes_) {
    if (existing->method == route->method && existing->shape() == shape) {
      return Status::alreadyExists("route " + route->method + " " + route->pattern +
                                   " duplicates " + existing->pattern);
    }
  }
  routes_.push_back(std::move(route));
  return Status::ok();
}

void Router::handle(const HttpRequest& request, Responder respond) const {
  std::vector<std::string> parts;
  for (std::string_view raw : splitPath(request.path)) {
    std::string decoded;
    if (!percentDecode(raw, decoded, false)) {
      respond(HttpResponse::error(400, "bad_request", "malformed percent-encoding in path"));
      return;
    }
    parts.push_back(std::move(decoded));
  }

  const Route* best = nullptr;
  PathParams best_params;
  std::vector<std::string> allowed;
  for (const auto& route : routes_) {
    PathParams params;
    if (!route->match(parts, params)) continue;
    if (route->method != request.method) {
      if (std::find(allowed.begin(), allowed.end(), route->method) == allowed.end()) {
        allowed.push_back(route->method);
      }
      continue;
    }
    const bool better = best == nullptr || route->literal_count > best->literal_count ||
                        (route->literal_count == best->literal_count && best->rest_index >= 0 &&
                         route->rest_index < 0);
    if (better) {
      best = route.get();
      best_params = std::move(params);
    }
  }
  if (best == nullptr) {
    if (!allowed.empty()) {
      std::string allow;
      for (const auto& m : allowed) {
        if (!allow.empty()) allow += ", ";
        allow += m;
      }
      HttpResponse r = HttpResponse::error(
          405, "method_not_allowed",
          request.method + " is not allowed on " + request.path + " (allowed: " + allow + ")");
      r.headers.add("Allow", allow);
      respond(std::move(r));
      return;
    }
    respond(HttpResponse::error(404, "not_found",
                                "no route for " + request.method + " " + request.path));
    return;
  }
  best->handler(request, best_params, std::move(respond));
}

HttpHandler Router::asHandler() const {
  return [this](const HttpRequest& request, Responder respond) {
    handle(request, std::move(respond));
  };
}

}  // namespace pb
