#pragma once
// Runs a server executable as a child process for end-to-end tests.
//
// The child's stdout and stderr are drained by a background thread into bounded buffers (so a
// chatty server never blocks on a full pipe, and its logs can be shown when a test fails).
// The constructor returns once the child printed `listening on ADDR:PORT` on stdout; it throws
// when that does not happen in time or the child exits first, with the child's output.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

namespace ttareungyi::test {

class server_start_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class server_process {
 public:
  struct options {
    std::chrono::milliseconds start_timeout{20'000};
    std::string ready_marker = "listening on ";  // then ADDR:PORT on the same stdout line
    std::size_t log_limit = 4 << 20;             // bytes kept per stream (the newest ones)
  };

  // Starts `binary args...` and waits for the listening line.
  server_process(std::filesystem::path binary, std::vector<std::string> args);
  server_process(std::filesystem::path binary, std::vector<std::string> args, options opts);
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  // Kills the child (SIGKILL) if it still runs.
  ~server_process();

  std::uint16_t port() const noexcept { return port_; }
  const std::string& host() const noexcept { return host_; }
  pid_t pid() const noexcept { return pid_; }
  const std::vector<std::string>& args() const noexcept { return args_; }

  // SIGTERM, then waits up to `grace` for the exit (SIGKILL after that). Returns the exit
  // code, or 128 + signal number when the child was killed by a signal. Idempotent.
  int stop(std::chrono::milliseconds grace = std::chrono::milliseconds{15'000});
  // SIGKILL and reap. Returns like stop(). Idempotent.
  int kill9();
  // Whether the child is still running (reaps it when it has exited).
  bool running();
  // The exit status as stop() reports it, once the child has exited.
  std::optional<int> exit_status() const noexcept { return exit_status_; }

  std::string stdout_text() const;
  std::string stderr_text() const;
  // The last `max_bytes` of both streams, labelled, for failure messages.
  std::string logs_tail(std::size_t max_bytes = 8192) const;

 private:
  void start();
  void pump();  // reader thread body
  int reap(bool block, std::chrono::milliseconds timeout);
  void finish_reader(std::chrono::milliseconds wait_for_eof);

  std::filesystem::path binary_;
  std::vector<std::string> args_;
  options opts_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string host_;
  std::uint16_t port_ = 0;

  int out_fd_ = -1;
  int err_fd_ = -1;
  int wake_fds_[2] = {-1, -1};
  std::thread reader_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::string out_;
  std::string err_;
  std::string out_line_;  // partial stdout line not yet scanned for the marker
  bool ready_ = false;
  bool out_eof_ = false;
  bool err_eof_ = false;
};

}  // namespace ttareungyi::test
