#pragma once
// A minimal keep-alive HTTP/1.1 client on standalone asio coroutines, one request at a time
// per connection (no pipelining). It reads exactly one response per request: Content-Length or
// chunked bodies; a response without either has no body (the server under test always sends
// Content-Length), except for stream(), which reads such a body until the server closes.
// Transport failures throw asio::system_error; the caller reconnects.
#include <asio.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ttareungyi::bench {

struct http_response {
  int status = 0;
  std::string body;
};

// Thrown for answers that are not HTTP as this client understands it.
struct protocol_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class http_client {
 public:
  http_client(asio::io_context& io, asio::ip::tcp::endpoint target) : socket_(io), target_(std::move(target)) {
    buffer_.resize(64 * 1024);
  }

  bool connected() const { return socket_.is_open(); }
  std::size_t connects() const { return connects_; }

  asio::awaitable<void> connect() {
    close();
    co_await socket_.async_connect(target_, asio::use_awaitable);
    socket_.set_option(asio::ip::tcp::no_delay(true));
    ++connects_;
  }

  void close() {
    asio::error_code ignored;
    if (socket_.is_open()) {
      socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      socket_.close(ignored);
    }
    begin_ = end_ = 0;
  }

  // Sends `request` (a complete HTTP/1.1 message) and reads its answer.
  asio::awaitable<http_response> exchange(std::string_view request) {
    if (!socket_.is_open()) co_await connect();
    co_await asio::async_write(socket_, asio::buffer(request.data(), request.size()), asio::use_awaitable);
    co_return co_await read_response();
  }

  using body_sink = std::function<void(std::string_view)>;

  // Sends `request` and hands its answer to the caller as it arrives: `on_head` gets the status,
  // then `on_body` every piece of the body, until the body ends (its last chunk, its length, or
  // the server closing the connection when it gave neither). For streams (Server-Sent Events).
  asio::awaitable<void> stream(std::string_view request, const std::function<void(int status)>& on_head,
                               const body_sink& on_body) {
    if (!socket_.is_open()) co_await connect();
    co_await asio::async_write(socket_, asio::buffer(request.data(), request.size()), asio::use_awaitable);
    auto h = co_await read_head();
    on_head(h.status);
    co_await read_body(h, on_body, true);
  }

 private:
  std::string_view unread() const { return {buffer_.data() + begin_, end_ - begin_}; }

  asio::awaitable<void> read_more() {
    if (begin_ > 0 && begin_ == end_) begin_ = end_ = 0;
    if (end_ == buffer_.size()) {
      if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
      } else {
        if (buffer_.size() >= max_message) throw protocol_error{"response larger than 16 MiB"};
        buffer_.resize(buffer_.size() * 2);
      }
    }
    auto n = co_await socket_.async_read_some(asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
                                              asio::use_awaitable);
    end_ += n;
  }

  static bool iequals_prefix(std::string_view line, std::string_view name) {
    if (line.size() < name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      char a = line[i], b = name[i];
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (a != b) return false;
    }
    return true;
  }

  static bool contains_token(std::string_view value, std::string_view token) {
    std::string lower{value};
    std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find(token) != std::string::npos;
  }

  struct head {
    int status = 0;
    std::size_t content_length = 0;
    bool has_length = false, chunked = false, close_after = false;
  };

  asio::awaitable<head> read_head() {
    std::size_t head_end;
    while ((head_end = unread().find("\r\n\r\n")) == std::string_view::npos) co_await read_more();
    std::string_view text = unread().substr(0, head_end);
    head h;
    // Status line: HTTP/1.1 200 OK
    if (text.size() < 12 || !text.starts_with("HTTP/1.")) throw protocol_error{"not an HTTP/1.x response"};
    auto [p, ec] = std::from_chars(text.data() + 9, text.data() + 12, h.status);
    if (ec != std::errc{} || p != text.data() + 12) throw protocol_error{"bad status line"};
    h.close_after = text.starts_with("HTTP/1.0");
    std::size_t pos = text.find("\r\n");
    while (pos != std::string_view::npos && pos < text.size()) {
      pos += 2;
      auto next = text.find("\r\n", pos);
      auto line = text.substr(pos, next == std::string_view::npos ? text.size() - pos : next - pos);
      pos = next;
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      auto value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      if (iequals_prefix(line, "content-length:")) {
        h.has_length = true;
        std::from_chars(value.data(), value.data() + value.size(), h.content_length);
      } else if (iequals_prefix(line, "transfer-encoding:")) {
        h.chunked = contains_token(value, "chunked");
      } else if (iequals_prefix(line, "connection:")) {
        if (contains_token(value, "close")) h.close_after = true;
        if (contains_token(value, "keep-alive")) h.close_after = false;
      }
    }
    begin_ += head_end + 4;
    co_return h;
  }

  // Hands the next `size` bytes to `sink` as they arrive.
  asio::awaitable<void> pass(std::size_t size, const body_sink& sink) {
    while (size > 0) {
      if (unread().empty()) co_await read_more();
      auto piece = unread().substr(0, std::min(size, unread().size()));
      sink(piece);
      begin_ += piece.size();
      size -= piece.size();
    }
  }

  // The body after `h`: chunked, Content-Length, or (with until_close) everything until the
  // peer closes; otherwise none.
  asio::awaitable<void> read_body(const head& h, const body_sink& sink, bool until_close) {
    if (h.chunked) {
      for (;;) {
        std::size_t line_end;
        while ((line_end = unread().find("\r\n")) == std::string_view::npos) co_await read_more();
        std::size_t size = 0;
        auto text = unread().substr(0, line_end);
        std::from_chars(text.data(), text.data() + text.size(), size, 16);
        begin_ += line_end + 2;
        co_await pass(size, sink);
        while (unread().size() < 2) co_await read_more();
        begin_ += 2;
        if (size == 0) break;  // no trailers from the servers under test
      }
    } else if (h.has_length) {
      co_await pass(h.content_length, sink);
    } else if (until_close) {
      for (;;) {
        try {
          co_await read_more();
        } catch (const asio::system_error& e) {
          if (e.code() == asio::error::eof) break;
          throw;
        }
        sink(unread());
        begin_ = end_;
      }
    }
    if (begin_ == end_) begin_ = end_ = 0;
    if (h.close_after) close();
  }

  asio::awaitable<http_response> read_response() {
    auto h = co_await read_head();
    if (h.content_length > max_message) throw protocol_error{"response larger than 16 MiB"};
    http_response r;
    r.status = h.status;
    r.body.reserve(h.content_length);
    co_await read_body(h, [&r](std::string_view piece) { r.body.append(piece); }, false);
    co_return r;
  }

  static constexpr std::size_t max_message = 16u << 20;
  asio::ip::tcp::socket socket_;
  asio::ip::tcp::endpoint target_;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
  std::size_t connects_ = 0;
};

}  // namespace ttareungyi::bench
