#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

extern char** environ;

namespace pb::test {
namespace {

using SteadyClock = std::chrono::steady_clock;

int remainingMs(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

int decodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

}  // namespace

ChildProcess::~ChildProcess() {
  if (pid_ > 0) (void)stop(SIGKILL, std::chrono::seconds(10));
  if (stdout_fd_ >= 0) close(stdout_fd_);
}

Status ChildProcess::start(const std::vector<std::string>& argv, const std::string& stderr_file) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::ioError(std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  if (!stderr_file.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_file.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return Status::ioError("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  pid_ = pid;
  if (stdout_fd_ >= 0) close(stdout_fd_);
  stdout_fd_ = pipe_fds[0];
  buffered_.clear();
  return Status::ok();
}

Result<std::string> ChildProcess::waitForLine(const std::string& needle,
                                              std::chrono::milliseconds timeout) {
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    size_t newline;
    while ((newline = buffered_.find('\n')) != std::string::npos) {
      std::string line = buffered_.substr(0, newline);
      buffered_.erase(0, newline + 1);
      if (line.find(needle) != std::string::npos) return line;
    }
    pollfd pfd{stdout_fd_, POLLIN, 0};
    int ready = poll(&pfd, 1, remainingMs(deadline));
    if (ready == 0) return Status::unavailable("timed out waiting for '" + needle + "'");
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Status::ioError(std::strerror(errno));
    }
    char buf[4096];
    ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) return Status::unavailable("stdout closed before '" + needle + "'");
    buffered_.append(buf, static_cast<size_t>(n));
  }
}

Result<int> ChildProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return Status::notFound("not running");
  auto deadline = SteadyClock::now() + timeout;
  // A pidfd becomes readable when the process exits: the exit is awaited, not polled for.
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      if (pidfd >= 0) close(pidfd);
      pid_ = -1;
      return decodeWaitStatus(status);
    }
    if (r < 0 && errno != EINTR) {
      if (pidfd >= 0) close(pidfd);
      pid_ = -1;
      return Status::ioError(std::strerror(errno));
    }
    if (SteadyClock::now() >= deadline) {
      if (pidfd >= 0) close(pidfd);
      return Status::unavailable("process did not exit in time");
    }
    if (pidfd >= 0) {
      pollfd pfd{pidfd, POLLIN, 0};
      (void)poll(&pfd, 1, remainingMs(deadline));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // kernels without pidfd
    }
  }
}

Result<int> ChildProcess::stop(int signal, std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return Status::notFound("not running");
  kill(pid_, signal);
  auto result = wait(timeout);
  if (!result.isOk() && pid_ > 0) {
    kill(pid_, SIGKILL);
    (void)wait(std::chrono::seconds(10));
  }
  return result;
}

Result<CommandResult> runCommand(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return Status::ioError(std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) {
    close(pipe_fds[0]);
    return Status::ioError("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  CommandResult result;
  auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    pollfd pfd{pipe_fds[0], POLLIN, 0};
    int ready = poll(&pfd, 1, remainingMs(deadline));
    if (ready <= 0) {
      if (ready < 0 && errno == EINTR) continue;
      kill(pid, SIGKILL);
      break;
    }
    char buf[4096];
    ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<size_t>(n));
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = decodeWaitStatus(status);
  return result;
}

std::string plantbridgeBinary() {
  const char* path = std::getenv("PB_BINARY");
  return path ? path : PB_DEFAULT_BINARY;
}

std::string toolBinary(const std::string& name) {
  const char* dir = std::getenv("PB_TOOLS_DIR");
  return std::string(dir ? dir : PB_DEFAULT_TOOLS_DIR) + "/" + name;
}

std::string sourceDir() {
  const char* dir = std::getenv("PB_SOURCE_DIR");
  return dir ? dir : PB_DEFAULT_SOURCE_DIR;
}

}  // namespace pb::test
