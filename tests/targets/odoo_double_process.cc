#include "odoo_double_process.h"

#include <signal.h>

#include <boost/json.hpp>

#include "support/http_client.h"

namespace pb::test {

Status OdooDoubleProcess::start(const OdooDoubleOptions& options, const std::string& stderr_file) {
  db_ = options.db;
  user_ = options.user;
  const std::string dir = sourceDir() + "/tools/odoo_double";
  std::vector<std::string> argv = {PB_PYTHON3,       dir + "/odoo_double.py",
                                   "--port",         "0",
                                   "--version",      std::to_string(options.version),
                                   "--db",           options.db,
                                   "--user",         options.user,
                                   "--api-key-file", options.api_key_file,
                                   "--seed",         dir + "/seed_example.json"};
  if (options.keep_alive) argv.emplace_back("--keep-alive");
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  PB_RETURN_IF_ERROR(process_.start(argv, stderr_file));
  auto line = process_.waitForLine("listening", std::chrono::seconds(60));
  if (!line.isOk()) return line.status();
  const auto colon = line->rfind(':');
  if (colon == std::string::npos) return Status::internal("no port in '" + *line + "'");
  port_ = static_cast<uint16_t>(std::stoi(line->substr(colon + 1)));
  return Status::ok();
}

void OdooDoubleProcess::stop() {
  if (process_.running()) (void)process_.stop(SIGTERM, std::chrono::seconds(10));
}

Result<std::string> OdooDoubleProcess::control(const std::string& method, const std::string& path,
                                               const std::string& body) {
  auto client = HttpClient::connect("127.0.0.1", port_);
  if (!client.isOk()) return client.status();
  auto res =
      (*client)->request(method, "/__double/" + path, body, {{"Content-Type", "application/json"}});
  if (!res.isOk()) return res.status();
  if (res->status != 200) {
    return Status::internal("/__double/" + path + " answered " + std::to_string(res->status) +
                            ": " + res->body);
  }
  return res->body;
}

Status OdooDoubleProcess::fault(const std::string& spec_json) {
  auto r = control("POST", "faults", spec_json);
  return r.isOk() ? Status::ok() : r.status();
}

Status OdooDoubleProcess::reset() {
  auto r = control("POST", "reset", "{}");
  return r.isOk() ? Status::ok() : r.status();
}

TargetConfig OdooDoubleProcess::targetConfig(const std::string& api_key_file) const {
  TargetConfig c;
  c.name = "erp";
  c.kind = "odoo";
  c.odoo.url = url();
  c.odoo.db = db_;
  c.odoo.user = user_;
  c.odoo.api_key_file = api_key_file;
  return c;
}

boost::json::array OdooDoubleProcess::records(const std::string& model) {
  auto state = control("GET", "state?models=" + model);
  if (!state.isOk()) return {};
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(*state, ec);
  if (ec || !v.is_object()) return {};
  const auto* models = v.as_object().if_contains("models");
  const auto* rows =
      models != nullptr && models->is_object() ? models->as_object().if_contains(model) : nullptr;
  return rows != nullptr && rows->is_array() ? rows->as_array() : boost::json::array();
}

Result<int64_t> OdooDoubleProcess::counter(const std::string& name) {
  auto state = control("GET", "state?models=none");
  if (!state.isOk()) return state.status();
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(*state, ec);
  if (ec || !v.is_object()) return Status::internal("state is not JSON");
  const auto* counters = v.as_object().if_contains("counters");
  if (counters == nullptr || !counters->is_object()) return Status::internal("no counters");
  const auto* value = counters->as_object().if_contains(name);
  if (value == nullptr || !value->is_int64()) return Status::notFound("no counter " + name);
  return value->as_int64();
}

}  // namespace pb::test
