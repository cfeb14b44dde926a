// A child process for integration tests: started with posix_spawn, its stdout read line by
// line (so a test can wait for "listening ..." instead of sleeping), stopped by its pid only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "plantbridge/common/status.h"

namespace pb::test {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // argv[0] is the program path. stderr goes to `stderr_file` if set, else is inherited.
  Status start(const std::vector<std::string>& argv, const std::string& stderr_file = {});
  // Reads stdout until a line containing `needle` arrives; returns that line.
  Result<std::string> waitForLine(const std::string& needle, std::chrono::milliseconds timeout);
  // Sends `signal` (by pid) and waits for the exit; returns the exit status as from waitpid
  // (or NotFound if not running).
  Result<int> stop(int signal, std::chrono::milliseconds timeout);
  // Waits for a process that ends by itself; returns its exit code (-signal if killed).
  Result<int> wait(std::chrono::milliseconds timeout);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffered_;
};

// Runs a command to completion; returns its exit code and stdout+stderr.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
Result<CommandResult> runCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout);

// The path of the plantbridge binary under test (PB_BINARY, set by CTest) and of a tool built
// beside it.
std::string plantbridgeBinary();
std::string toolBinary(const std::string& name);  // e.g. "pb_http_sink"
std::string sourceDir();                          // the repository root

}  // namespace pb::test
