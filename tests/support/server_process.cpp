#include "server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/close_range.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace ttareungyi::test {
namespace {

using clock = std::chrono::steady_clock;

int status_code(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string tail(const std::string& s, std::size_t n) {
  if (s.size() <= n) return s;
  return "..." + s.substr(s.size() - n);
}

}  // namespace

server_process::server_process(std::filesystem::path binary, std::vector<std::string> args)
    : server_process(std::move(binary), std::move(args), options{}) {}

server_process::server_process(std::filesystem::path binary, std::vector<std::string> args, options opts)
    : binary_(std::move(binary)), args_(std::move(args)), opts_(std::move(opts)) {
  start();
}

server_process::~server_process() {
  if (pid_ > 0 && !exit_status_) {
    ::kill(pid_, SIGKILL);
    reap(true, std::chrono::milliseconds{0});
  }
  finish_reader(std::chrono::milliseconds{1000});
}

void server_process::start() {
  int out[2], err[2], exec_err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw server_start_error("pipe2: " + std::string(std::strerror(errno)));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]);
    throw server_start_error("pipe2: " + std::string(std::strerror(errno)));
  }
  if (::pipe2(exec_err, O_CLOEXEC) != 0 || ::pipe2(wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    for (int fd : {out[0], out[1], err[0], err[1]}) ::close(fd);
    throw server_start_error("pipe2: " + std::string(std::strerror(errno)));
  }

  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::string path = binary_.string();
  std::vector<std::string> argv_storage;
  argv_storage.push_back(path);
  argv_storage.insert(argv_storage.end(), args_.begin(), args_.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();

  pid_ = ::fork();
  if (pid_ < 0) {
    int e = errno;
    for (int fd : {out[0], out[1], err[0], err[1], exec_err[0], exec_err[1]}) ::close(fd);
    throw server_start_error("fork: " + std::string(std::strerror(e)));
  }
  if (pid_ == 0) {
    // Child. Dies with the test runner, so no server outlives a crashed test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGTERM, SIGINT, SIGPIPE, SIGHUP, SIGCHLD}) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execv(argv[0], argv.data());
    int e = errno;
    [[maybe_unused]] auto n = ::write(exec_err[1], &e, sizeof e);
    ::_exit(127);
  }

  ::close(out[1]);
  ::close(err[1]);
  ::close(exec_err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];

  int exec_errno = 0;
  ssize_t n;
  do {
    n = ::read(exec_err[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  ::close(exec_err[0]);
  if (n > 0) {
    reap(true, std::chrono::milliseconds{0});
    close_fd(out_fd_);
    close_fd(err_fd_);
    close_fd(wake_fds_[0]);
    close_fd(wake_fds_[1]);
    throw server_start_error("cannot execute " + path + ": " + std::strerror(exec_errno));
  }

  reader_ = std::thread([this] { pump(); });

  auto deadline = clock::now() + opts_.start_timeout;
  std::string failure;
  {
    std::unique_lock lock(mutex_);
    for (;;) {
      if (ready_) break;
      if (clock::now() >= deadline) {
        failure = "did not print '" + opts_.ready_marker + "ADDR:PORT' within " +
                  std::to_string(opts_.start_timeout.count()) + " ms";
        break;
      }
      cv_.wait_for(lock, std::chrono::milliseconds{50});
      if (ready_) break;
      lock.unlock();
      bool alive = running();
      lock.lock();
      if (!alive && !ready_) {
        failure = "exited with status " + std::to_string(exit_status_.value_or(-1)) + " before listening";
        break;
      }
    }
  }
  if (!failure.empty()) {
    kill9();
    finish_reader(std::chrono::milliseconds{1000});
    std::string cmd = path;
    for (const auto& a : args_) cmd += " " + a;
    throw server_start_error("server " + cmd + " " + failure + "\n" + logs_tail(16384));
  }
}

void server_process::pump() {
  char buf[8192];
  for (;;) {
    pollfd fds[3];
    nfds_t count = 0;
    int out_idx = -1, err_idx = -1;
    {
      std::lock_guard lock(mutex_);
      if (!out_eof_) {
        out_idx = static_cast<int>(count);
        fds[count++] = pollfd{out_fd_, POLLIN, 0};
      }
      if (!err_eof_) {
        err_idx = static_cast<int>(count);
        fds[count++] = pollfd{err_fd_, POLLIN, 0};
      }
    }
    if (count == 0) return;
    int wake_idx = static_cast<int>(count);
    fds[count++] = pollfd{wake_fds_[0], POLLIN, 0};
    int rc = ::poll(fds, count, -1);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return;
    }
    auto drain = [&](int idx, bool is_out) {
      if (idx < 0 || fds[idx].revents == 0) return;
      ssize_t n = ::read(fds[idx].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) return;
      std::lock_guard lock(mutex_);
      if (n <= 0) {
        (is_out ? out_eof_ : err_eof_) = true;
        cv_.notify_all();
        return;
      }
      std::string_view chunk(buf, static_cast<std::size_t>(n));
      std::string& store = is_out ? out_ : err_;
      store.append(chunk);
      if (store.size() > opts_.log_limit + opts_.log_limit / 4) store.erase(0, store.size() - opts_.log_limit);
      if (!is_out || ready_) return;
      out_line_.append(chunk);
      std::size_t nl;
      while (!ready_ && (nl = out_line_.find('\n')) != std::string::npos) {
        std::string line = out_line_.substr(0, nl);
        out_line_.erase(0, nl + 1);
        auto at = line.find(opts_.ready_marker);
        if (at == std::string::npos) continue;
        std::string addr = line.substr(at + opts_.ready_marker.size());
        auto end = addr.find_first_of(" \t\r");
        if (end != std::string::npos) addr.resize(end);
        auto colon = addr.rfind(':');
        if (colon == std::string::npos) continue;
        unsigned port = 0;
        auto ps = std::string_view(addr).substr(colon + 1);
        auto [ptr, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
        if (ec != std::errc{} || ptr != ps.data() + ps.size() || port == 0 || port > 65535) continue;
        std::string host = addr.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        host_ = host;
        port_ = static_cast<std::uint16_t>(port);
        ready_ = true;
        out_line_.clear();
        cv_.notify_all();
      }
      if (out_line_.size() > 65536) out_line_.erase(0, out_line_.size() - 65536);
    };
    drain(out_idx, true);
    drain(err_idx, false);
    if (fds[wake_idx].revents != 0) return;
  }
}

int server_process::reap(bool block, std::chrono::milliseconds timeout) {
  if (exit_status_) return *exit_status_;
  if (pid_ <= 0) return -1;
  auto deadline = clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, block && timeout.count() == 0 ? 0 : WNOHANG);
    if (r == pid_) {
      exit_status_ = status_code(status);
      return *exit_status_;
    }
    if (r < 0 && errno != EINTR) {
      exit_status_ = -1;  // not our child any more (should not happen)
      return -1;
    }
    if (r == 0) {
      if (!block || clock::now() >= deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds{5});
    }
  }
}

void server_process::finish_reader(std::chrono::milliseconds wait_for_eof) {
  if (reader_.joinable()) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, wait_for_eof, [this] { return out_eof_ && err_eof_; });
    }
    char byte = 1;
    [[maybe_unused]] auto n = ::write(wake_fds_[1], &byte, 1);
    reader_.join();
  }
  close_fd(out_fd_);
  close_fd(err_fd_);
  close_fd(wake_fds_[0]);
  close_fd(wake_fds_[1]);
}

int server_process::stop(std::chrono::milliseconds grace) {
  if (exit_status_) return *exit_status_;
  ::kill(pid_, SIGTERM);
  int status = reap(true, grace);
  if (!exit_status_) {
    ::kill(pid_, SIGKILL);
    status = reap(true, std::chrono::milliseconds{0});
  }
  finish_reader(std::chrono::milliseconds{2000});
  return status;
}

int server_process::kill9() {
  if (exit_status_) return *exit_status_;
  ::kill(pid_, SIGKILL);
  int status = reap(true, std::chrono::milliseconds{0});
  finish_reader(std::chrono::milliseconds{2000});
  return status;
}

bool server_process::running() {
  if (exit_status_) return false;
  reap(false, std::chrono::milliseconds{0});
  return !exit_status_;
}

std::string server_process::stdout_text() const {
  std::lock_guard lock(mutex_);
  return out_;
}

std::string server_process::stderr_text() const {
  std::lock_guard lock(mutex_);
  return err_;
}

std::string server_process::logs_tail(std::size_t max_bytes) const {
  std::lock_guard lock(mutex_);
  return "---- server stdout (tail) ----\n" + tail(out_, max_bytes / 2) +
         "\n---- server stderr (tail) ----\n" + tail(err_, max_bytes / 2) + "\n---- end ----";
}

}  // namespace ttareungyi::test
