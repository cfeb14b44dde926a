// `plantbridge opcua browse` as an engineer runs it: the real binary against node-opcua's
// simulated CNC machine (tools/opcua_sim), checked on its output and exit code.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "opcua_sim_process.h"
#include "plantbridge/connectors/opcua/client.h"
#include "support/child_process.h"
#include "support/temp_dir.h"

namespace pb::opcua {
namespace {

using pb::test::CommandResult;
using pb::test::OpcUaSimProcess;

constexpr char kPasswordVariable[] = "PB_TEST_OPCUA_BROWSE_PASSWORD";

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The one line that contains `needle`, or "" (and a failure) when none or several do.
std::string lineWith(const std::string& output, const std::string& needle) {
  std::string found;
  int count = 0;
  for (const auto& line : linesOf(output)) {
    if (line.find(needle) != std::string::npos) {
      found = line;
      ++count;
    }
  }
  EXPECT_EQ(count, 1) << "lines with '" << needle << "' in:\n" << output;
  return found;
}

// A port nothing listens on: bound by us, then released.
uint16_t closedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

class OpcUaBrowseCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Status started = sim_.start();
    ASSERT_TRUE(started.isOk()) << started.toString();
    auto ns = pb::test::simNamespaceIndex(sim_.endpointUrl());
    ASSERT_TRUE(ns.isOk()) << ns.status().toString();
    ns_ = std::to_string(*ns);
  }

  static CommandResult browse(std::vector<std::string> args) {
    args.insert(args.begin(), {pb::test::plantbridgeBinary(), "opcua", "browse"});
    auto result = pb::test::runCommand(args, std::chrono::seconds(60));
    EXPECT_TRUE(result.isOk()) << result.status().toString();
    return result.isOk() ? *result : CommandResult{};
  }

  std::string machinePath() const { return "/" + ns_ + ":CNC07"; }

  OpcUaSimProcess sim_;
  std::string ns_;
};

TEST_F(OpcUaBrowseCliTest, ListsTheMachineVariablesWithValueTypeAndStatus) {
  const CommandResult r = browse({sim_.endpointUrl(), machinePath()});
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const std::string machine = lineWith(r.output, "ns=" + ns_ + ";s=CNC07 ");
  EXPECT_EQ(machine.rfind(ns_ + ":CNC07", 0), 0U) << machine;  // the start node, not indented
  EXPECT_NE(machine.find("Object"), std::string::npos) << machine;

  struct Expected {
    const char* name;
    const char* value;
    const char* type;
  };
  for (const auto& e :
       {Expected{"SpindleSpeed", "1200", "Double"}, Expected{"PartCounter", "0", "UInt32"},
        Expected{"AlarmActive", "false", "Boolean"},
        Expected{"ProgramName", "\"O1001-BRACKET\"", "String"}}) {
    const std::string line = lineWith(r.output, ":" + std::string(e.name) + " ");
    EXPECT_EQ(line.rfind("  " + ns_ + ":" + e.name, 0), 0U) << line;  // one level in
    EXPECT_NE(line.find("ns=" + ns_ + ";s=CNC07." + e.name), std::string::npos) << line;
    EXPECT_NE(line.find("Variable"), std::string::npos) << line;
    EXPECT_NE(line.find(std::string("  ") + e.value + "  (" + e.type + ", Good)"),
              std::string::npos)
        << line;
  }
  // The hint says how config names a node, with a path that resolves.
  const std::string hint = lineWith(r.output, "hint:");
  EXPECT_NE(hint.find("path: \"" + machinePath() + "/" + ns_ + ":SpindleSpeed\""),
            std::string::npos)
      << hint;
  EXPECT_NE(hint.find("node: \"ns=" + ns_ + ";s=CNC07.SpindleSpeed\""), std::string::npos) << hint;
}

TEST_F(OpcUaBrowseCliTest, JsonOutputParsesAndHasTheExpectedFields) {
  const CommandResult r = browse({sim_.endpointUrl(), machinePath(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(r.output, ec);
  ASSERT_FALSE(ec) << ec.message() << "\n" << r.output;

  EXPECT_EQ(doc.at("endpoint").as_string(), sim_.endpointUrl());
  const auto& root = doc.at("root").as_object();
  EXPECT_EQ(root.at("browse_name").as_string(), ns_ + ":CNC07");
  EXPECT_EQ(root.at("node_id").as_string(), "ns=" + ns_ + ";s=CNC07");
  EXPECT_EQ(root.at("node_class").as_string(), "Object");
  EXPECT_EQ(root.at("path").as_string(), machinePath());

  std::map<std::string, boost::json::object> by_name;
  for (const auto& child : root.at("children").as_array()) {
    by_name[std::string(child.at("browse_name").as_string())] = child.as_object();
  }
  ASSERT_EQ(by_name.size(), 5U) << r.output;  // the four machine variables and SpindleLoad
  const auto& speed = by_name[ns_ + ":SpindleSpeed"];
  EXPECT_EQ(speed.at("node_id").as_string(), "ns=" + ns_ + ";s=CNC07.SpindleSpeed");
  EXPECT_EQ(speed.at("node_class").as_string(), "Variable");
  EXPECT_EQ(speed.at("path").as_string(), machinePath() + "/" + ns_ + ":SpindleSpeed");
  EXPECT_DOUBLE_EQ(speed.at("value").to_number<double>(), 1200.0);
  EXPECT_EQ(speed.at("data_type").as_string(), "Double");
  EXPECT_EQ(speed.at("status").as_string(), "Good");
  EXPECT_EQ(by_name[ns_ + ":PartCounter"].at("value").to_number<int64_t>(), 0);
  EXPECT_EQ(by_name[ns_ + ":PartCounter"].at("data_type").as_string(), "UInt32");
  EXPECT_EQ(by_name[ns_ + ":AlarmActive"].at("value").as_bool(), false);
  EXPECT_EQ(by_name[ns_ + ":ProgramName"].at("value").as_string(), "O1001-BRACKET");
  // Depth 1: the variables were not browsed, so they carry no children list.
  EXPECT_FALSE(speed.contains("children"));
}

TEST_F(OpcUaBrowseCliTest, DefaultsToTheObjectsFolderAndHonoursDepth) {
  const CommandResult objects = browse({sim_.endpointUrl()});
  ASSERT_EQ(objects.exit_code, 0) << objects.output;
  EXPECT_EQ(lineWith(objects.output, "i=85 ").rfind("0:Objects", 0), 0U) << objects.output;
  EXPECT_EQ(lineWith(objects.output, "ns=" + ns_ + ";s=CNC07 ").rfind("  " + ns_ + ":CNC07", 0),
            0U);
  EXPECT_EQ(objects.output.find("SpindleSpeed"), std::string::npos) << "depth 1 went deeper";

  const CommandResult deeper = browse({sim_.endpointUrl(), "--depth", "2"});
  ASSERT_EQ(deeper.exit_code, 0) << deeper.output;
  EXPECT_EQ(lineWith(deeper.output, ";s=CNC07.SpindleSpeed ").rfind("    " + ns_ + ":", 0), 0U);

  // A NodeId start with depth 0: that node only (and its value).
  const CommandResult one =
      browse({sim_.endpointUrl(), "ns=" + ns_ + ";s=CNC07.PartCounter", "--depth", "0"});
  ASSERT_EQ(one.exit_code, 0) << one.output;
  int node_lines = 0;
  for (const auto& line : linesOf(one.output)) {
    if (line.find("ns=" + ns_ + ";s=") != std::string::npos && line.find("hint:") != 0) {
      ++node_lines;
    }
  }
  EXPECT_EQ(node_lines, 1) << one.output;
  EXPECT_NE(lineWith(one.output, "Variable").find("0  (UInt32, Good)"), std::string::npos);
}

TEST_F(OpcUaBrowseCliTest, UserNameLoginReadsThePasswordFromTheEnvironment) {
  ASSERT_EQ(setenv(kPasswordVariable, "cnc-07-secret", 1), 0);
  const CommandResult ok = browse({sim_.endpointUrl(), machinePath(), "--user", "operator",
                                   "--password-env", kPasswordVariable});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find(":PartCounter"), std::string::npos) << ok.output;

  ASSERT_EQ(setenv(kPasswordVariable, "wrong-secret", 1), 0);
  const CommandResult refused = browse({sim_.endpointUrl(), machinePath(), "--user", "operator",
                                        "--password-env", kPasswordVariable});
  unsetenv(kPasswordVariable);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_EQ(linesOf(refused.output).size(), 1U) << refused.output;
  EXPECT_NE(refused.output.find("refused the user 'operator'"), std::string::npos)
      << refused.output;
  EXPECT_EQ(refused.output.find("wrong-secret"), std::string::npos) << "password echoed";

  const CommandResult no_variable =
      browse({sim_.endpointUrl(), "--user", "operator"});  // a password is never an argument
  EXPECT_EQ(no_variable.exit_code, 2) << no_variable.output;
  EXPECT_NE(no_variable.output.find("--password-env"), std::string::npos) << no_variable.output;
}

// Over Basic256Sha256 SignAndEncrypt: an unknown server is refused, with where its certificate
// was saved; once trusted (moved into trusted/certs), the browse works.
TEST_F(OpcUaBrowseCliTest, SignAndEncryptNeedsTheServerTrustedFirst) {
  pb::test::TempDir scratch;
  const std::string pki = scratch.file("pki");
  const std::vector<std::string> secure = {
      sim_.endpointUrl(), machinePath(),    "--security-policy", "Basic256Sha256",
      "--security-mode",  "SignAndEncrypt", "--pki-dir",         pki};
  const CommandResult refused = browse(secure);
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find(pki + "/rejected"), std::string::npos) << refused.output;

  std::filesystem::create_directories(pki + "/trusted/certs");
  std::filesystem::copy_file(sim_.certificatePath(), pki + "/trusted/certs/sim.der");
  const CommandResult r = browse(secure);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ns=" + ns_ + ";s=CNC07.PartCounter"), std::string::npos) << r.output;

  const CommandResult no_pki = browse(
      {sim_.endpointUrl(), "--security-policy", "Basic256Sha256", "--security-mode", "Sign"});
  EXPECT_EQ(no_pki.exit_code, 2) << no_pki.output;
  EXPECT_NE(no_pki.output.find("needs --pki-dir"), std::string::npos) << no_pki.output;
}

TEST_F(OpcUaBrowseCliTest, UnreachableEndpointExitsOneNamingIt) {
  const std::string url = "opc.tcp://127.0.0.1:" + std::to_string(closedPort());
  const CommandResult r = browse({url, "--timeout", "5s"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(linesOf(r.output).size(), 1U) << r.output;
  EXPECT_NE(r.output.find("cannot connect to " + url), std::string::npos) << r.output;

  const CommandResult bad_url = browse({"http://127.0.0.1:4840"});
  EXPECT_EQ(bad_url.exit_code, 1) << bad_url.output;
  EXPECT_NE(bad_url.output.find("bad endpoint URL 'http://127.0.0.1:4840'"), std::string::npos)
      << bad_url.output;
}

TEST_F(OpcUaBrowseCliTest, UnknownPathOrNodeExitsOneNamingIt) {
  const std::string path = machinePath() + "/" + ns_ + ":Coolant";
  const CommandResult r = browse({sim_.endpointUrl(), path});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(linesOf(r.output).size(), 1U) << r.output;
  EXPECT_NE(r.output.find("path '" + path + "' not found on " + sim_.endpointUrl()),
            std::string::npos)
      << r.output;

  const std::string node = "ns=" + ns_ + ";s=CNC07.Coolant";
  const CommandResult unknown = browse({sim_.endpointUrl(), node});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("node '" + node + "' not found"), std::string::npos)
      << unknown.output;
}

}  // namespace
}  // namespace pb::opcua
