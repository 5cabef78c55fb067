#include "sse_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace ttareungyi::test {
namespace {

using clock = std::chrono::steady_clock;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    auto comma = value.find(',');
    auto item = trim(value.substr(0, comma));
    if (item.size() == token.size() &&
        std::equal(item.begin(), item.end(), token.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

int remaining_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000 ? 1'000'000 : static_cast<int>(left);
}

// Waits until fd is ready for `events`; false on timeout.
bool wait_ready(int fd, short events, clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, remaining_ms(deadline));
    if (rc < 0) {
      if (errno == EINTR) continue;
      throw http_error(std::string("poll: ") + std::strerror(errno));
    }
    return rc > 0;
  }
}

std::size_t parse_number(std::string_view text, int base, const char* what) {
  text = trim(text);
  std::size_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size())
    throw http_error(std::string("bad ") + what + ": '" + std::string(text) + "'");
  return value;
}

}  // namespace

nlohmann::json sse_event::json() const {
  try {
    return nlohmann::json::parse(data);
  } catch (const nlohmann::json::exception& e) {
    throw http_error("event data is not JSON (" + std::string(e.what()) + "): " + describe());
  }
}

std::string sse_event::describe() const {
  std::string d = data.size() > 2048 ? data.substr(0, 2048) + "..." : data;
  return "{id: '" + id + "', event: '" + event + "', data: " + d + "}";
}

sse_stream::sse_stream(std::uint16_t port, std::string_view target, const auth& a, header_map headers,
                       std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) throw http_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  try {
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
      if (errno != EINPROGRESS) throw http_error("connect to port " + std::to_string(port) + ": " + std::strerror(errno));
      if (!wait_ready(fd_, POLLOUT, deadline)) throw http_timeout("timed out connecting for " + std::string(target));
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) throw http_error("connect to port " + std::to_string(port) + ": " + std::strerror(err));
    }

    std::string wire = "GET " + std::string(target) + " HTTP/1.1\r\n";
    wire += "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";
    if (!headers.contains("Accept")) wire += "Accept: text/event-stream\r\n";
    if (!headers.contains("User-Agent")) wire += "User-Agent: ttareungyi-e2e-sse\r\n";
    if (!a.empty()) wire += "Authorization: " + a.header_value + "\r\n";
    for (const auto& [name, value] : headers) wire += name + ": " + value + "\r\n";
    wire += "\r\n";
    std::string_view left = wire;
    while (!left.empty()) {
      if (!wait_ready(fd_, POLLOUT, deadline)) throw http_timeout("timed out sending GET " + std::string(target));
      ssize_t n = ::send(fd_, left.data(), left.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
        throw http_error(std::string("send: ") + std::strerror(errno));
      }
      left.remove_prefix(static_cast<std::size_t>(n));
    }

    // The head.
    std::size_t end;
    while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
      if (ended_) throw http_error("connection closed before the answer's head to GET " + std::string(target));
      if (!receive(deadline)) throw http_timeout("timed out waiting for the head of GET " + std::string(target));
    }
    std::string head_text = raw_.substr(0, end);
    raw_.erase(0, end + 4);
    std::string_view rest = head_text;
    auto line_end = rest.find("\r\n");
    auto status_line = rest.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12)
      throw http_error("not an HTTP answer: '" + std::string(status_line.substr(0, 200)) + "'");
    head_.status = static_cast<int>(parse_number(status_line.substr(9, 3), 10, "status code"));
    head_.reason = status_line.size() > 13 ? std::string(status_line.substr(13)) : "";
    rest = line_end == std::string_view::npos ? std::string_view{} : rest.substr(line_end + 2);
    while (!rest.empty()) {
      auto eol = rest.find("\r\n");
      auto line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 2);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) throw http_error("bad header line: " + std::string(line));
      auto [it, inserted] = head_.headers.emplace(std::string(trim(line.substr(0, colon))),
                                                  std::string(trim(line.substr(colon + 1))));
      if (!inserted) it->second += ", " + std::string(trim(line.substr(colon + 1)));
    }
    if (auto te = head_.header("Transfer-Encoding"); te && has_token(*te, "chunked")) {
      framing_ = framing::chunked;
    } else if (auto cl = head_.header("Content-Length")) {
      framing_ = framing::length;
      length_left_ = parse_number(*cl, 10, "Content-Length");
    }
    bool was_ended = ended_;  // the connection may have closed right after the answer
    ended_ = false;
    decode();
    if (was_ended && framing_ == framing::until_close) ended_ = true;

    if (head_.status != 200) {
      // A refusal: read the whole (small) answer.
      while (!ended_ && receive(deadline)) decode();
      head_.body = std::move(text_);
      text_.clear();
      ended_ = true;
    }
  } catch (...) {
    close();
    throw;
  }
}

sse_stream::~sse_stream() { close(); }

void sse_stream::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool sse_stream::receive(clock::time_point deadline) {
  if (fd_ < 0) {
    ended_ = true;
    return false;
  }
  char chunk[16384];
  for (;;) {
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      raw_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      ended_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw http_error(std::string("recv: ") + std::strerror(errno));
    if (!wait_ready(fd_, POLLIN, deadline)) return false;
  }
}

void sse_stream::decode() {
  switch (framing_) {
    case framing::until_close:
      text_ += raw_;
      raw_.clear();
      return;
    case framing::length: {
      auto n = std::min(length_left_, raw_.size());
      text_.append(raw_, 0, n);
      raw_.erase(0, n);
      length_left_ -= n;
      if (length_left_ == 0) ended_ = true;
      return;
    }
    case framing::chunked:
      for (;;) {
        if (chunk_crlf_) {
          auto nl = raw_.find('\n');
          if (nl == std::string::npos) return;
          if (!trim(std::string_view(raw_).substr(0, nl)).empty()) throw http_error("chunk not followed by CRLF");
          raw_.erase(0, nl + 1);
          chunk_crlf_ = false;
        }
        if (!in_chunk_) {
          auto nl = raw_.find('\n');
          if (nl == std::string::npos) return;
          std::string_view size_line = std::string_view(raw_).substr(0, nl);
          auto size = parse_number(size_line.substr(0, size_line.find(';')), 16, "chunk size");
          raw_.erase(0, nl + 1);
          if (size == 0) {  // the last chunk: the stream is over (trailers are not looked at)
            ended_ = true;
            return;
          }
          in_chunk_ = true;
          chunk_left_ = size;
        }
        auto n = std::min(chunk_left_, raw_.size());
        text_.append(raw_, 0, n);
        raw_.erase(0, n);
        chunk_left_ -= n;
        if (chunk_left_ > 0) return;
        in_chunk_ = false;
        chunk_crlf_ = true;
      }
  }
}

std::optional<sse_event> sse_stream::take_event() {
  for (;;) {
    auto nl = text_.find('\n');
    if (nl == std::string::npos) return std::nullopt;
    std::string line = text_.substr(0, nl);
    text_.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      if (!pending_data_) {
        pending_ = {};
        continue;
      }
      sse_event out = std::move(pending_);
      if (!out.data.empty() && out.data.back() == '\n') out.data.pop_back();
      pending_ = {};
      pending_data_ = false;
      return out;
    }
    if (line.front() == ':') {
      ++comments_;
      continue;
    }
    auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (name == "data") {
      pending_.data += value;
      pending_.data += '\n';
      pending_data_ = true;
    } else if (name == "event") {
      pending_.event = value;
    } else if (name == "id") {
      pending_.id = value;
    } else if (name == "retry" && !value.empty() && value.find_first_not_of("0123456789") == std::string::npos) {
      retry_ = std::stol(value);
    }  // unknown fields: ignored
  }
}

std::optional<sse_event> sse_stream::next(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  for (;;) {
    if (auto e = take_event()) return e;
    if (ended_) throw http_error("the event stream ended");
    if (!receive(deadline)) {
      if (ended_) continue;  // take what is left, then report the end
      return std::nullopt;
    }
    decode();
  }
}

}  // namespace ttareungyi::test
