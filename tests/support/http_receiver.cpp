#include "http_receiver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <list>

namespace ttareungyi::test {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

struct connection {
  int fd = -1;
  std::string in;
  bool hanging = false;  // a request was left unanswered: what else comes is ignored
};

// Parses a complete request out of `in`, if there is one. Throws http_error on garbage.
std::optional<received_request> parse_request(const std::string& in) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  received_request r;
  std::string_view head(in.data(), end);
  auto eol = head.find("\r\n");
  auto line = head.substr(0, eol);
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) throw http_error("bad request line: " + std::string(line));
  r.method = std::string(line.substr(0, sp1));
  r.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  std::string_view rest = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 2);
  while (!rest.empty()) {
    auto next = rest.find("\r\n");
    auto h = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 2);
    auto colon = h.find(':');
    if (colon == std::string_view::npos) throw http_error("bad header line: " + std::string(h));
    auto [it, inserted] = r.headers.emplace(std::string(trim(h.substr(0, colon))), std::string(trim(h.substr(colon + 1))));
    if (!inserted) it->second += ", " + std::string(trim(h.substr(colon + 1)));
  }
  std::size_t length = 0;
  if (auto cl = r.headers.find("Content-Length"); cl != r.headers.end()) {
    auto [ptr, ec] = std::from_chars(cl->second.data(), cl->second.data() + cl->second.size(), length);
    if (ec != std::errc{} || ptr != cl->second.data() + cl->second.size())
      throw http_error("bad Content-Length: " + cl->second);
  }
  if (in.size() < end + 4 + length) return std::nullopt;
  r.body = in.substr(end + 4, length);
  r.at = std::chrono::steady_clock::now();
  return r;
}

void send_all(int fd, std::string_view data) {
  // The socket is blocking: the answer is tiny.
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // the peer is gone: nothing to do
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::optional<std::string> received_request::header(std::string_view name) const {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

nlohmann::json received_request::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw http_error("request body is not JSON (" + std::string(e.what()) + "): " + body.substr(0, 2048));
  }
}

http_receiver::handler http_receiver::answer(int status) {
  return [status](const received_request&) -> std::optional<int> { return status; };
}

http_receiver::handler http_receiver::hang() {
  return [](const received_request&) -> std::optional<int> { return std::nullopt; };
}

http_receiver::http_receiver(handler h) : handler_(std::move(h)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw http_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 || ::pipe2(wake_, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(listen_fd_);
    throw http_error(std::string("cannot listen: ") + std::strerror(err));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

http_receiver::~http_receiver() {
  char byte = 'x';
  [[maybe_unused]] auto n = ::write(wake_[1], &byte, 1);
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

std::string http_receiver::url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

void http_receiver::set_handler(handler h) {
  std::lock_guard lock{mutex_};
  handler_ = std::move(h);
}

std::vector<received_request> http_receiver::requests() const {
  std::lock_guard lock{mutex_};
  return requests_;
}

std::size_t http_receiver::connections() const {
  std::lock_guard lock{mutex_};
  return connections_;
}

std::vector<received_request> http_receiver::wait_for(
    const std::function<bool(const std::vector<received_request>&)>& done, std::chrono::milliseconds timeout) const {
  std::unique_lock lock{mutex_};
  changed_.wait_for(lock, timeout, [&] { return done(requests_); });
  return requests_;
}

void http_receiver::run() {
  std::list<connection> open;
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    std::vector<std::list<connection>::iterator> polled;
    for (auto it = open.begin(); it != open.end(); ++it) {
      fds.push_back({it->fd, POLLIN, 0});
      polled.push_back(it);
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        open.push_back(connection{fd, {}, false});
        std::lock_guard lock{mutex_};
        ++connections_;
        changed_.notify_all();
      }
    }
    for (std::size_t i = 0; i < polled.size(); ++i) {
      if (!fds[i + 2].revents) continue;
      auto it = polled[i];
      char buf[16384];
      ssize_t n = ::recv(it->fd, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(it->fd);
        open.erase(it);
        continue;
      }
      if (it->hanging) continue;  // left unanswered: what else comes is ignored
      it->in.append(buf, static_cast<std::size_t>(n));
      std::optional<received_request> r;
      try {
        r = parse_request(it->in);
      } catch (const http_error&) {
        send_all(it->fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        ::close(it->fd);
        open.erase(it);
        continue;
      }
      if (!r) continue;
      handler h;
      {
        std::lock_guard lock{mutex_};
        h = handler_;
      }
      r->answered = h ? h(*r) : std::optional<int>{204};
      auto status = r->answered;
      {
        std::lock_guard lock{mutex_};
        requests_.push_back(std::move(*r));
        changed_.notify_all();
      }
      if (status) {
        std::string answer = "HTTP/1.1 " + std::to_string(*status) + " Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        send_all(it->fd, answer);
        ::close(it->fd);
        open.erase(it);
      } else {
        it->hanging = true;
      }
    }
  }
  for (auto& c : open) ::close(c.fd);
}

}  // namespace ttareungyi::test
