// The outbound HTTP client on asio: one io_context and one thread per client. Everything about
// a call (queueing, resolve, connect, write, read, the deadline) runs on that thread, so calls
// and the connection pool need no locking; the only lock orders post() against stop(). Answers
// are parsed with http_parser (Content-Length, chunked and close-delimited bodies, keep-alive).
#include "ttareungyi/net/http_client.hpp"

#include <array>
#include <charconv>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include <asio.hpp>
#include <http_parser.h>
#include <spdlog/spdlog.h>

namespace ttareungyi::net {

namespace {

char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_nocase(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

bool name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

// Visible ASCII only: what may go into a request line or a header value as it is.
bool visible(std::string_view text) noexcept {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7F) return false;
  }
  return true;
}

std::string header_safe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) out.push_back(c);
  }
  return out;
}

// The largest answer (head and body) read; a bigger one is an error.
constexpr std::size_t max_answer = 1024 * 1024;

}  // namespace

std::expected<http_target, std::string> parse_http_url(std::string_view url) {
  using fail = std::unexpected<std::string>;
  if (starts_with_nocase(url, "https://")) return fail("https is not supported, only http://");
  if (!starts_with_nocase(url, "http://")) return fail("it must start with http://");
  auto rest = url.substr(7);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  auto authority_end = rest.find_first_of("/?");
  auto authority = rest.substr(0, authority_end);
  auto path = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return fail("user information is not supported");

  http_target t;
  std::string_view port_text;
  bool ipv6 = false;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated [IPv6 address]");
    t.host = std::string{authority.substr(1, close - 1)};
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail("unexpected text after the [IPv6 address]");
      port_text = after.substr(1);
      if (port_text.empty()) return fail("empty port");
    }
    asio::error_code ec;
    auto address = asio::ip::make_address_v6(t.host, ec);
    if (ec || t.host.empty()) return fail("'" + t.host + "' is not an IPv6 address");
    (void)address;
    ipv6 = true;
  } else {
    auto colon = authority.find(':');
    t.host = std::string{authority.substr(0, colon)};
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return fail("empty port");
    }
    for (char c : t.host) {
      if (!name_char(c)) return fail("the host may only hold letters, digits, '-', '.' and '_'");
    }
  }
  if (t.host.empty()) return fail("the host is missing");
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return fail("the port must be a number from 1 to 65535");
    }
    t.port = static_cast<std::uint16_t>(port);
  }
  if (!visible(path)) return fail("the path must not hold spaces or control characters (percent-encode them)");
  if (path.empty()) {
    t.target = "/";
  } else if (path.front() == '?') {
    t.target = "/" + std::string{path};
  } else {
    t.target = std::string{path};
  }
  t.host_header = ipv6 ? "[" + t.host + "]" : t.host;
  if (t.port != 80) t.host_header += ":" + std::to_string(t.port);
  return t;
}

namespace {

using tcp = asio::ip::tcp;
using outcome = std::expected<http_response, std::string>;

struct connection;

struct call {
  call(asio::io_context& io, std::string r, http_client::on_answer d)
      : request(std::move(r)), done(std::move(d)), deadline(io) {}
  std::string request;
  http_client::on_answer done;
  asio::steady_timer deadline;
  std::shared_ptr<connection> conn;  // while it runs on one
  bool finished = false;
  bool retried = false;  // once, after a reused connection turned out closed
};

struct connection {
  explicit connection(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  bool reused = false;  // it answered a call before
  // The answer being read.
  http_parser parser{};
  std::size_t received = 0;
  bool complete = false;
  bool keep_alive = false;
  bool too_large = false;
  std::string body;
  std::array<char, 8192> buffer{};
};

int on_body(http_parser* p, const char* at, std::size_t length) {
  auto* c = static_cast<connection*>(p->data);
  if (c->body.size() + length > max_answer) {
    c->too_large = true;
    return 1;
  }
  c->body.append(at, length);
  return 0;
}

int on_message_complete(http_parser* p) {
  auto* c = static_cast<connection*>(p->data);
  c->complete = true;
  c->keep_alive = http_should_keep_alive(p) != 0;
  http_parser_pause(p, 1);  // nothing after the answer belongs to it
  return 0;
}

const http_parser_settings& parser_settings() {
  static const http_parser_settings settings = [] {
    http_parser_settings s;
    http_parser_settings_init(&s);
    s.on_body = on_body;
    s.on_message_complete = on_message_complete;
    return s;
  }();
  return settings;
}

}  // namespace

struct http_client::impl {
  http_client_options options;
  std::optional<asio::ip::address> address;  // when the host is an IP address: no resolution
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::mutex mutex;  // orders post() against stop()
  bool stopping = false;

  // On the I/O thread only.
  bool refusing = false;
  std::deque<std::shared_ptr<call>> waiting;
  std::unordered_set<std::shared_ptr<call>> running;
  std::vector<std::shared_ptr<connection>> idle;
  std::size_t open = 0;  // connections open or being opened, idle ones included

  std::string request_for(const std::string& target, std::string_view content_type, const std::string& body,
                          const http_headers& headers) const {
    std::string r;
    r.reserve(body.size() + 256);
    r += "POST ";
    r += target;
    r += " HTTP/1.1\r\nHost: ";
    r += options.origin.host_header;
    r += "\r\nUser-Agent: ttareungyi-";
    r += header_safe(options.name);
    r += "\r\nContent-Type: ";
    r += header_safe(content_type);
    for (const auto& [name, value] : headers) {
      r += "\r\n";
      r += header_safe(name);
      r += ": ";
      r += header_safe(value);
    }
    r += "\r\nContent-Length: ";
    r += std::to_string(body.size());
    r += options.keep_alive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n";
    r += body;
    return r;
  }

  void submit(std::shared_ptr<call> c) {
    if (refusing) return finish(c, std::unexpected(std::string{"the client stopped"}));
    c->deadline.expires_after(options.timeout);
    c->deadline.async_wait([this, c](const asio::error_code& ec) {
      if (!ec) finish(c, std::unexpected(std::string{"timed out"}));
    });
    waiting.push_back(std::move(c));
    pump();
  }

  // Starts waiting calls while connections are available.
  void pump() {
    while (!waiting.empty() && !refusing) {
      auto c = waiting.front();
      if (c->finished) {
        waiting.pop_front();
        continue;
      }
      if (!idle.empty()) {
        waiting.pop_front();
        auto conn = std::move(idle.back());
        idle.pop_back();
        run(c, conn);
        continue;
      }
      if (open >= options.max_connections) return;
      waiting.pop_front();
      ++open;
      auto conn = std::make_shared<connection>(io);
      c->conn = conn;
      running.insert(c);
      connect(c, conn);
    }
  }

  void connect(const std::shared_ptr<call>& c, const std::shared_ptr<connection>& conn) {
    auto connected = [this, c, conn](const asio::error_code& ec, const auto&) {
      if (c->finished) return;
      if (ec) return finish(c, std::unexpected("cannot connect: " + ec.message()));
      asio::error_code ignored;
      conn->socket.set_option(tcp::no_delay(true), ignored);
      run(c, conn);
    };
    if (address) {
      std::array endpoints{tcp::endpoint{*address, options.origin.port}};
      asio::async_connect(conn->socket, endpoints, connected);
      return;
    }
    auto resolver = std::make_shared<tcp::resolver>(io);
    resolver->async_resolve(options.origin.host, std::to_string(options.origin.port),
                            [this, c, conn, resolver, connected](const asio::error_code& ec, tcp::resolver::results_type found) {
                              if (c->finished) return;
                              if (ec) return finish(c, std::unexpected("cannot resolve the host: " + ec.message()));
                              asio::async_connect(conn->socket, found, connected);
                            });
  }

  // Sends the call on an open connection and reads its answer.
  void run(const std::shared_ptr<call>& c, const std::shared_ptr<connection>& conn) {
    c->conn = conn;
    running.insert(c);
    http_parser_init(&conn->parser, HTTP_RESPONSE);
    conn->parser.data = conn.get();
    conn->received = 0;
    conn->complete = conn->keep_alive = conn->too_large = false;
    conn->body.clear();
    asio::async_write(conn->socket, asio::buffer(c->request), [this, c, conn](const asio::error_code& ec, std::size_t) {
      if (c->finished) return;
      if (ec) return broken(c, conn, "cannot send: " + ec.message());
      read(c, conn);
    });
  }

  void read(const std::shared_ptr<call>& c, const std::shared_ptr<connection>& conn) {
    conn->socket.async_read_some(asio::buffer(conn->buffer), [this, c, conn](const asio::error_code& ec, std::size_t n) {
      if (c->finished) return;
      if (ec == asio::error::eof) {
        http_parser_execute(&conn->parser, &parser_settings(), nullptr, 0);  // ends a close-delimited body
        if (conn->complete) return answered(c, conn);
        return broken(c, conn, "the connection closed before a complete answer");
      }
      if (ec) return broken(c, conn, "no complete answer: " + ec.message());
      conn->received += n;
      http_parser_execute(&conn->parser, &parser_settings(), conn->buffer.data(), n);
      if (conn->complete) return answered(c, conn);
      if (auto err = HTTP_PARSER_ERRNO(&conn->parser); err != HPE_OK) {
        if (conn->too_large) return finish(c, std::unexpected(std::string{"the answer is too large"}));
        return finish(c, std::unexpected(std::string{"the answer is not HTTP/1.x: "} + http_errno_description(err)));
      }
      if (conn->received > max_answer + 64 * 1024) return finish(c, std::unexpected(std::string{"the answer is too large"}));
      read(c, conn);
    });
  }

  // The connection failed. A reused one that sent nothing back was probably closed by the
  // server while idle: retried once on a fresh connection.
  void broken(const std::shared_ptr<call>& c, const std::shared_ptr<connection>& conn, std::string why) {
    if (!conn->reused || conn->received > 0 || c->retried || refusing) return finish(c, std::unexpected(std::move(why)));
    c->retried = true;
    release(c, false);
    waiting.push_front(c);
    pump();
  }

  void answered(const std::shared_ptr<call>& c, const std::shared_ptr<connection>& conn) {
    http_response r{static_cast<int>(conn->parser.status_code), std::move(conn->body)};
    finish(c, std::move(r));
  }

  // Detaches the call from its connection, which goes back to the pool when `reusable`.
  void release(const std::shared_ptr<call>& c, bool reusable) {
    running.erase(c);
    auto conn = std::exchange(c->conn, nullptr);
    if (!conn) return;
    if (reusable && options.keep_alive && conn->keep_alive && !refusing) {
      conn->reused = true;
      idle.push_back(std::move(conn));
      return;
    }
    asio::error_code ignored;
    conn->socket.shutdown(tcp::socket::shutdown_both, ignored);
    conn->socket.close(ignored);
    --open;
  }

  // Ends the call now (a no-op when it has ended): frees its connection, answers `done`.
  void finish(const std::shared_ptr<call>& c, outcome result) {
    if (c->finished) return;
    c->finished = true;
    c->deadline.cancel();
    release(c, result.has_value());
    auto done = std::move(c->done);
    try {
      if (done) done(std::move(result));
    } catch (const std::exception& ex) {
      spdlog::warn("{}: a completion threw: {}", options.name, ex.what());
    } catch (...) {
      spdlog::warn("{}: a completion threw", options.name);
    }
    pump();
  }

  void refuse_all() {
    refusing = true;
    auto queued = std::move(waiting);
    waiting.clear();
    auto active = running;  // finish() erases from it
    for (const auto& c : queued) finish(c, std::unexpected(std::string{"the client stopped"}));
    for (const auto& c : active) finish(c, std::unexpected(std::string{"the client stopped"}));
    for (auto& conn : idle) {
      asio::error_code ignored;
      conn->socket.close(ignored);
      --open;
    }
    idle.clear();
  }
};

std::expected<std::unique_ptr<http_client>, std::string> http_client::create(http_client_options options) {
  if (options.timeout <= std::chrono::milliseconds::zero()) return std::unexpected(std::string{"the timeout must be positive"});
  if (options.max_connections == 0) return std::unexpected(std::string{"at least one connection is needed"});
  if (options.origin.host.empty()) return std::unexpected(std::string{"the host is missing"});
  if (options.origin.host_header.empty()) options.origin.host_header = options.origin.host;
  auto p = std::make_unique<impl>();
  p->options = std::move(options);
  asio::error_code ec;
  auto address = asio::ip::make_address(p->options.origin.host, ec);
  if (!ec) p->address = address;
  p->work.emplace(asio::make_work_guard(p->io));
  try {
    p->thread = std::thread{[io = &p->io, name = p->options.name] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& ex) {
          spdlog::warn("{}: I/O thread caught: {}", name, ex.what());
        }
      }
    }};
  } catch (const std::system_error& ex) {
    return std::unexpected(std::string{"cannot start the I/O thread: "} + ex.what());
  }
  return std::unique_ptr<http_client>{new http_client{std::move(p)}};
}

http_client::http_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

http_client::~http_client() {
  stop();
  impl_->work.reset();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void http_client::post(std::string target, std::string_view content_type, std::string body, http_headers headers,
                       on_answer done) {
  auto request = impl_->request_for(target, content_type, body, headers);
  std::lock_guard lock{impl_->mutex};
  asio::post(impl_->io, [p = impl_.get(), request = std::move(request), done = std::move(done)]() mutable {
    p->submit(std::make_shared<call>(p->io, std::move(request), std::move(done)));
  });
}

void http_client::stop() {
  std::lock_guard lock{impl_->mutex};
  if (std::exchange(impl_->stopping, true)) return;
  // Queued after every call already posted (same lock): they all start, then fail here.
  asio::post(impl_->io, [p = impl_.get()] { p->refuse_all(); });
}

}  // namespace ttareungyi::net
