#pragma once
// A raw-socket client for Server-Sent Events in tests: sends one GET, reads the answer's head,
// then de-chunks the body as it arrives and hands out one event block ("...\n\n") at a time.
// Every read has a deadline, so a server that sends nothing fails the test instead of hanging it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ttareungyi::http::test {

class sse_client {
 public:
  using clock = std::chrono::steady_clock;

  // Connects and sends `GET target` with the given extra headers.
  sse_client(std::uint16_t port, std::string_view target, const std::vector<std::pair<std::string, std::string>>& headers) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw std::runtime_error("connect failed");
    }
    std::string request = "GET " + std::string{target} + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    std::string_view rest = request;
    while (!rest.empty()) {
      auto n = ::send(fd_, rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;
  ~sse_client() { close(); }

  void close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Reads the status line and the headers. False when none arrived in time.
  bool read_head(std::chrono::milliseconds timeout = std::chrono::milliseconds{5000}) {
    auto deadline = clock::now() + timeout;
    for (;;) {
      auto end = raw_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string_view head{raw_.data(), end};
        auto line_end = head.find("\r\n");
        auto status_line = head.substr(0, line_end);
        if (status_line.size() >= 12) status = std::stoi(std::string{status_line.substr(9, 3)});
        auto fields = line_end == std::string_view::npos ? std::string_view{} : head.substr(line_end + 2);
        while (!fields.empty()) {
          auto eol = fields.find("\r\n");
          auto field = fields.substr(0, eol);
          fields = eol == std::string_view::npos ? std::string_view{} : fields.substr(eol + 2);
          auto colon = field.find(':');
          if (colon == std::string_view::npos) continue;
          auto value = field.substr(colon + 1);
          while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
          headers[lower(field.substr(0, colon))] = std::string{value};
        }
        raw_.erase(0, end + 4);
        chunked_ = lower(header("transfer-encoding")).find("chunked") != std::string::npos;
        return true;
      }
      if (!receive(deadline)) return false;
    }
  }

  std::string header(std::string_view name) const {
    auto it = headers.find(lower(name));
    return it == headers.end() ? std::string{} : it->second;
  }

  // The next block of the event stream, comments included (": keep-alive\n\n"); nullopt when the
  // stream ended or nothing came in time.
  std::optional<std::string> next_block(std::chrono::milliseconds timeout = std::chrono::milliseconds{5000}) {
    auto deadline = clock::now() + timeout;
    for (;;) {
      decode();
      if (auto end = body_.find("\n\n"); end != std::string::npos) {
        auto block = body_.substr(0, end + 2);
        body_.erase(0, end + 2);
        return block;
      }
      if (ended_ || !receive(deadline)) return std::nullopt;
    }
  }

  // The next block that is not a comment.
  std::optional<std::string> next_event(std::chrono::milliseconds timeout = std::chrono::milliseconds{5000}) {
    auto deadline = clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (left <= std::chrono::milliseconds::zero()) return std::nullopt;
      auto block = next_block(left);
      if (!block || !block->starts_with(":")) return block;
    }
  }

  // Whether the server ended the response (last chunk) or closed the connection within `timeout`.
  bool wait_end(std::chrono::milliseconds timeout) {
    auto deadline = clock::now() + timeout;
    for (;;) {
      decode();
      if (ended_ || closed_) return true;
      if (!receive(deadline)) return ended_ || closed_;
    }
  }

  bool ended_by_last_chunk() const noexcept { return ended_; }

  int status = 0;
  std::map<std::string, std::string> headers;

 private:
  static std::string lower(std::string_view s) {
    std::string out{s};
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }

  // Reads what is there (waiting until the deadline); false on timeout or end of connection.
  bool receive(clock::time_point deadline) {
    if (fd_ < 0 || closed_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left));
    if (rc <= 0) return false;
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    raw_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  // Moves complete chunks from raw_ to body_.
  void decode() {
    if (!chunked_) {
      body_ += raw_;
      raw_.clear();
      return;
    }
    while (!ended_) {
      auto eol = raw_.find("\r\n");
      if (eol == std::string::npos) return;
      auto size = std::stoul(raw_.substr(0, eol), nullptr, 16);
      if (size == 0) {
        ended_ = true;
        return;
      }
      if (raw_.size() < eol + 2 + size + 2) return;
      body_.append(raw_, eol + 2, size);
      raw_.erase(0, eol + 2 + size + 2);
    }
  }

  int fd_ = -1;
  std::string raw_;
  std::string body_;
  bool chunked_ = false;
  bool ended_ = false;
  bool closed_ = false;
};

}  // namespace ttareungyi::http::test
