// The webhook gateway on asio: one io_context and one thread per gateway. Everything about a
// delivery (resolve, connect, write, read the answer's head, the timeout) runs on that thread,
// so a delivery needs no locking; the only lock orders deliver() against stop().
#include "ttareungyi/http/webhook.hpp"

#include <array>
#include <charconv>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <utility>

#include <asio.hpp>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::http {

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

// The HTTP status of an answer's first line ("HTTP/1.1 204 No Content"), if it is one.
std::optional<int> status_of_line(std::string_view line) noexcept {
  if (!line.starts_with("HTTP/1.") || line.size() < 12 || line[8] != ' ') return std::nullopt;
  int status = 0;
  auto digits = line.substr(9, 3);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), status);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return std::nullopt;
  if (line.size() > 12 && line[12] != ' ') return std::nullopt;
  return status;
}

// The largest answer head read; a bigger one is a failure.
constexpr std::size_t max_answer_head = 16 * 1024;

}  // namespace

std::expected<webhook_target, std::string> parse_webhook_url(std::string_view url) {
  auto fail = [&](std::string why) {
    return std::unexpected("invalid webhook URL '" + std::string{url} + "': " + std::move(why));
  };
  if (starts_with_nocase(url, "https://")) return fail("https is not supported, only http://");
  if (!starts_with_nocase(url, "http://")) return fail("it must start with http://");
  auto rest = url.substr(7);
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  auto authority_end = rest.find_first_of("/?");
  auto authority = rest.substr(0, authority_end);
  auto path = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return fail("user information is not supported");

  webhook_target t;
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

std::string webhook_body(const domain::notification& n) {
  nlohmann::json doc = {
      {"id", n.id},
      {"customerId", n.customer_id},
      {"kind", n.kind},
      {"message", n.message_ko},
      {"messages", {{"ko", n.message_ko}, {"en", n.message_en}}},
      {"correlationId", n.correlation_id},
      {"createdAt", domain::to_rfc3339(n.created_at)},
  };
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

class delivery;

// What the I/O thread knows; touched on that thread only.
struct io_state {
  webhook_target target;
  std::optional<asio::ip::address> address;  // when the host is an IP address: no resolution
  std::chrono::milliseconds timeout;
  bool refusing = false;  // stop() was called
  std::unordered_set<std::shared_ptr<delivery>> active;
};

class delivery : public std::enable_shared_from_this<delivery> {
 public:
  delivery(asio::io_context& io, io_state& state, std::string id, std::string request, std::function<void(bool)> done)
      : state_(state),
        resolver_(io),
        socket_(io),
        timer_(io),
        answer_(max_answer_head),
        id_(std::move(id)),
        request_(std::move(request)),
        done_(std::move(done)) {}

  void start() {
    timer_.expires_after(state_.timeout);
    timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
      if (!ec) self->finish(false, "timed out");
    });
    if (state_.address) {
      std::array endpoints{asio::ip::tcp::endpoint{*state_.address, state_.target.port}};
      asio::async_connect(socket_, endpoints, [self = shared_from_this()](const asio::error_code& ec, const auto&) {
        self->connected(ec);
      });
      return;
    }
    resolver_.async_resolve(state_.target.host, std::to_string(state_.target.port),
                            [self = shared_from_this()](const asio::error_code& ec, asio::ip::tcp::resolver::results_type found) {
                              if (self->finished_) return;
                              if (ec) return self->finish(false, "cannot resolve the host: " + ec.message());
                              asio::async_connect(self->socket_, found,
                                                  [self](const asio::error_code& ec, const auto&) { self->connected(ec); });
                            });
  }

  // Ends the delivery now (no-op when it has ended): closes what is open, answers `done`.
  void finish(bool delivered, std::string_view why) {
    if (finished_) return;
    finished_ = true;
    asio::error_code ignored;
    timer_.cancel(ignored);
    resolver_.cancel();
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    auto self = shared_from_this();  // `active` may hold the last reference
    state_.active.erase(self);
    if (delivered) {
      spdlog::debug("webhook: delivered {}", id_);
    } else {
      spdlog::info("webhook: delivery of {} failed: {}", id_, why);
    }
    auto done = std::move(done_);
    try {
      if (done) done(delivered);
    } catch (const std::exception& ex) {
      spdlog::warn("webhook: the completion of {} threw: {}", id_, ex.what());
    } catch (...) {
      spdlog::warn("webhook: the completion of {} threw", id_);
    }
  }

 private:
  void connected(const asio::error_code& ec) {
    if (finished_) return;
    if (ec) return finish(false, "cannot connect: " + ec.message());
    asio::async_write(socket_, asio::buffer(request_), [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
      if (self->finished_) return;
      if (ec) return self->finish(false, "cannot send: " + ec.message());
      asio::async_read_until(self->socket_, self->answer_, "\r\n\r\n",
                             [self](const asio::error_code& ec, std::size_t) { self->answered(ec); });
    });
  }

  void answered(const asio::error_code& ec) {
    if (finished_) return;
    if (ec) return finish(false, "no complete answer: " + ec.message());
    auto data = answer_.data();
    std::string_view head{static_cast<const char*>(data.data()), data.size()};
    auto line = head.substr(0, head.find("\r\n"));
    auto status = status_of_line(line);
    if (!status) return finish(false, "the answer is not HTTP/1.x");
    if (*status >= 200 && *status <= 299) return finish(true, {});
    finish(false, "the receiver answered " + std::to_string(*status));
  }

  io_state& state_;
  asio::ip::tcp::resolver resolver_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  asio::streambuf answer_;
  std::string id_;
  std::string request_;
  std::function<void(bool)> done_;
  bool finished_ = false;
};

std::string header_safe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    auto byte = static_cast<unsigned char>(c);
    if (byte > 0x20 && byte < 0x7F) out.push_back(c);
  }
  return out;
}

}  // namespace

struct webhook_gateway::impl {
  asio::io_context io;
  io_state state;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;

  std::mutex mutex;  // orders deliver() against stop()
  bool stopping = false;

  std::string request_for(const domain::notification& n) const {
    auto body = webhook_body(n);
    std::string r;
    r.reserve(body.size() + 256);
    r += "POST ";
    r += state.target.target;
    r += " HTTP/1.1\r\nHost: ";
    r += state.target.host_header;
    r += "\r\nUser-Agent: ttareungyi-webhook\r\nContent-Type: application/json\r\nIdempotency-Key: ";
    r += header_safe(n.id);
    r += "\r\nContent-Length: ";
    r += std::to_string(body.size());
    r += "\r\nConnection: close\r\n\r\n";
    r += body;
    return r;
  }
};

std::expected<std::unique_ptr<webhook_gateway>, std::string> webhook_gateway::create(webhook_options options) {
  auto target = parse_webhook_url(options.url);
  if (!target) return std::unexpected(target.error());
  if (options.timeout <= std::chrono::milliseconds::zero()) return std::unexpected(std::string{"the webhook timeout must be positive"});
  auto p = std::make_unique<impl>();
  p->state.target = std::move(*target);
  p->state.timeout = options.timeout;
  asio::error_code ec;
  auto address = asio::ip::make_address(p->state.target.host, ec);
  if (!ec) p->state.address = address;
  p->work.emplace(asio::make_work_guard(p->io));
  try {
    p->thread = std::thread{[io = &p->io] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& ex) {
          spdlog::warn("webhook: I/O thread caught: {}", ex.what());
        }
      }
    }};
  } catch (const std::system_error& ex) {
    return std::unexpected(std::string{"cannot start the webhook thread: "} + ex.what());
  }
  spdlog::info("webhook: delivering notifications to http://{}{}", p->state.target.host_header, p->state.target.target);
  return std::unique_ptr<webhook_gateway>{new webhook_gateway{std::move(p)}};
}

webhook_gateway::webhook_gateway(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

webhook_gateway::~webhook_gateway() {
  stop();
  impl_->work.reset();
  if (impl_->thread.joinable()) impl_->thread.join();
}

void webhook_gateway::deliver(const domain::notification& n, std::function<void(bool delivered)> done) {
  auto request = impl_->request_for(n);
  std::lock_guard lock{impl_->mutex};
  asio::post(impl_->io, [p = impl_.get(), id = n.id, request = std::move(request), done = std::move(done)]() mutable {
    if (p->state.refusing) {
      spdlog::debug("webhook: not delivering {}: stopped", id);
      try {
        if (done) done(false);
      } catch (...) {
        spdlog::warn("webhook: the completion of {} threw", id);
      }
      return;
    }
    auto d = std::make_shared<delivery>(p->io, p->state, std::move(id), std::move(request), std::move(done));
    p->state.active.insert(d);
    d->start();
  });
}

void webhook_gateway::stop() {
  std::lock_guard lock{impl_->mutex};
  if (std::exchange(impl_->stopping, true)) return;
  // Queued after every delivery already asked for (same lock): they all start, then fail here.
  asio::post(impl_->io, [p = impl_.get()] {
    p->state.refusing = true;
    auto active = p->state.active;  // finish() erases from the set
    for (const auto& d : active) d->finish(false, "the gateway stopped");
  });
}

}  // namespace ttareungyi::http
