// Starts tools/odoo_double/odoo_double.py (python3) as a child process for a test, reads its
// port from its "listening" line, talks to its /__double/ control endpoints, and stops it by
// pid.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "plantbridge/common/status.h"
#include "plantbridge/config/config.h"
#include "support/child_process.h"

namespace pb::test {

struct OdooDoubleOptions {
  int version = 18;
  std::string db = "mfg";
  std::string user = "admin";
  std::string api_key_file;  // required: the integration user's key, re-read when it changes
  bool keep_alive = false;
  std::vector<std::string> extra_args;
};

class OdooDoubleProcess {
 public:
  OdooDoubleProcess() = default;
  ~OdooDoubleProcess() { stop(); }
  OdooDoubleProcess(const OdooDoubleProcess&) = delete;
  OdooDoubleProcess& operator=(const OdooDoubleProcess&) = delete;

  // Starts the double with tools/odoo_double/seed_example.json; waits for "listening".
  Status start(const OdooDoubleOptions& options, const std::string& stderr_file = {});
  // SIGTERM, then waits.
  void stop();
  bool running() const { return process_.running(); }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // A request to /__double/<path>; the answer's body (JSON). An error unless it answers 200.
  Result<std::string> control(const std::string& method, const std::string& path,
                              const std::string& body = {});
  // POST /__double/faults with one fault spec (JSON object).
  Status fault(const std::string& spec_json);
  // POST /__double/reset: the seed again, no faults, counters at zero.
  Status reset();
  // counters.<name> from GET /__double/state?models=none.
  Result<int64_t> counter(const std::string& name);
  // An odoo target `erp` for this double, logging in as the options' user with `api_key_file`.
  TargetConfig targetConfig(const std::string& api_key_file) const;

  // The raw records of `model` from GET /__double/state?models=<model> (empty when the double
  // cannot answer: the caller's expectations then fail).
  boost::json::array records(const std::string& model);

 private:
  ChildProcess process_;
  uint16_t port_ = 0;
  std::string db_;
  std::string user_;
};

}  // namespace pb::test
