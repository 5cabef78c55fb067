#include "http_receiver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <algorithm>
#include <cstring>
#include <functional>
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
  // An answer waiting for its time; nothing more is read meanwhile.
  std::optional<std::chrono::steady_clock::time_point> due{};
  std::string answer{};
  bool close_after = true;
};

http_receiver::replier from_handler(http_receiver::handler h) {
  return [h = std::move(h)](const received_request& r) -> std::optional<http_receiver::reply> {
    auto status = h ? h(r) : std::optional<int>{204};
    if (!status) return std::nullopt;
    return http_receiver::reply{.status = *status};
  };
}

// Parses a complete request out of `in`, if there is one, and sets `used` to its length.
// Throws http_error on garbage.
std::optional<received_request> parse_request(const std::string& in, std::size_t& used) {
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
  used = end + 4 + length;
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

http_receiver::http_receiver(handler h, std::uint16_t port) : replier_(from_handler(std::move(h))) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw http_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
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
  replier_ = from_handler(std::move(h));
}

void http_receiver::set_replier(replier r) {
  std::lock_guard lock{mutex_};
  replier_ = std::move(r);
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
  using clock = std::chrono::steady_clock;
  std::list<connection> open;
  // Sends the due answer of `it`; returns false when the connection was closed.
  auto send_answer = [&](std::list<connection>::iterator it) {
    send_all(it->fd, it->answer);
    it->due.reset();
    it->answer.clear();
    if (it->close_after) {
      ::close(it->fd);
      open.erase(it);
      return false;
    }
    return true;
  };
  // Answers every complete request buffered on `it` (until one must wait or hang).
  std::function<void(std::list<connection>::iterator)> serve = [&](std::list<connection>::iterator it) {
    while (!it->hanging && !it->due) {
      std::optional<received_request> r;
      std::size_t used = 0;
      try {
        r = parse_request(it->in, used);
      } catch (const http_error&) {
        send_all(it->fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        ::close(it->fd);
        open.erase(it);
        return;
      }
      if (!r) return;
      it->in.erase(0, used);
      replier reply_to;
      {
        std::lock_guard lock{mutex_};
        reply_to = replier_;
      }
      auto reply = reply_to ? reply_to(*r) : std::optional<http_receiver::reply>{http_receiver::reply{.status = 204}};
      r->answered = reply ? std::optional<int>{reply->status} : std::nullopt;
      {
        std::lock_guard lock{mutex_};
        requests_.push_back(std::move(*r));
        changed_.notify_all();
      }
      if (!reply) {
        it->hanging = true;
        return;
      }
      it->close_after = !reply->keep_alive;
      it->answer = "HTTP/1.1 " + std::to_string(reply->status) + " Test\r\nContent-Length: " +
                   std::to_string(reply->body.size()) + "\r\n" +
                   (reply->body.empty() ? "" : "Content-Type: application/json\r\n") +
                   (it->close_after ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n") + reply->body;
      it->due = clock::now() + reply->delay;
      if (reply->delay > std::chrono::milliseconds::zero()) return;
      if (!send_answer(it)) return;
    }
  };
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({wake_[0], POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    std::vector<std::list<connection>::iterator> polled;
    int timeout = -1;
    const auto now = clock::now();
    for (auto it = open.begin(); it != open.end(); ++it) {
      if (it->due) {
        auto wait = std::chrono::ceil<std::chrono::milliseconds>(*it->due - now).count();
        timeout = timeout < 0 ? static_cast<int>(std::max<long>(0, wait)) : std::min(timeout, static_cast<int>(std::max<long>(0, wait)));
      }
      fds.push_back({it->fd, static_cast<short>(it->due ? 0 : POLLIN), 0});
      polled.push_back(it);
    }
    if (::poll(fds.data(), fds.size(), timeout) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) break;
    if (fds[1].revents & POLLIN) {
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        open.emplace_back().fd = fd;
        std::lock_guard lock{mutex_};
        ++connections_;
        changed_.notify_all();
      }
    }
    for (std::size_t i = 0; i < polled.size(); ++i) {
      auto it = polled[i];
      if (it->due) {
        if (*it->due <= clock::now() && send_answer(it)) serve(it);
        continue;
      }
      if (!fds[i + 2].revents) continue;
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
      serve(it);
    }
  }
  for (auto& c : open) ::close(c.fd);
}

}  // namespace ttareungyi::test
