// The only RESTinio server: moves requests from RESTinio into api::handle and the answers back,
// from whatever thread delivers them, and owns the server's lifecycle (start, drain, stop). The
// requests owed an answer live in pending_requests.hpp, notification streams in
// sse_sessions.hpp, the translation of a request in restinio_request.hpp.
//
// What RESTinio 0.6.16 guarantees and what this file relies on (read in /usr/include/restinio):
// * incoming_http_msg_limits_t::max_body_size is checked against Content-Length as soon as the
//   headers are parsed and against the bytes received for chunked bodies; beyond it RESTinio
//   closes the connection without an answer. The hard limit is set above max_body_bytes so that
//   moderately oversized bodies get a 413 problem from api::handle, and nothing unbounded is
//   ever buffered.
// * Slow clients: read_next_http_message_timelimit is armed when a connection starts waiting
//   for a request and is not re-armed by the bytes that arrive, so it bounds the time for a
//   whole request (head and body), and the idle time of a kept-alive connection. Timeouts are
//   checked by a per-connection timer every timer_check_period(). A connection that timed
//   out is closed and releases everything it held.
// * The connection count limiter (traits::use_connection_count_limiter) stops accepting at
//   max_parallel_connections; further clients wait in the listen backlog, unanswered, until a
//   connection closes.
// * The acceptor_post_bind_hook sees the acceptor right after bind(): the real port for port 0.
#include "ttareungyi/http/server.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <restinio/all.hpp>
#include <spdlog/spdlog.h>

#include "api.hpp"
#include "pending_requests.hpp"
#include "restinio_request.hpp"
#include "restinio_traits.hpp"
#include "sse_sessions.hpp"

namespace ttareungyi::http {

namespace {

// Limits of the request head; the body limit comes from server_options.
constexpr std::size_t max_url_bytes = 8 * 1024;
constexpr std::size_t max_field_name_bytes = 256;
constexpr std::size_t max_field_value_bytes = 16 * 1024;
constexpr std::size_t max_field_count = 100;
// The facade answers quickly (payment answers "try later" at once); this only bounds bugs.
constexpr auto handle_request_timeout = std::chrono::seconds{30};
// Bounds of server_options::sse_keep_alive: every write re-arms handle_request_timeout, so a
// stream must write well within it.
constexpr std::chrono::milliseconds min_keep_alive{10};
constexpr std::chrono::milliseconds max_keep_alive{handle_request_timeout / 2};

// Timeouts are checked per connection this often; the shortest one sets it (tests use 200 ms).
constexpr std::chrono::milliseconds min_timeout{10};
std::chrono::steady_clock::duration timer_check_period(const server_options& o) {
  auto shortest = std::min({o.read_timeout, o.write_timeout, std::chrono::milliseconds{handle_request_timeout}});
  return std::clamp<std::chrono::milliseconds>(shortest / 4, min_timeout, std::chrono::milliseconds{1000});
}

std::uint64_t hard_body_limit(std::size_t max_body_bytes) {
  // Large enough that any plausible oversized JSON (a few MiB) still gets a 413 problem, small
  // enough that one I/O thread's worst-case buffering stays bounded.
  auto extra = std::max<std::uint64_t>(std::uint64_t{max_body_bytes} * 3, 8 * 1024 * 1024);
  return std::uint64_t{max_body_bytes} + extra;
}

}  // namespace

struct server::impl {
  app::services services;
  const security::token_service& tokens;
  std::vector<security::operator_client> operators;
  server_options options;

  std::mutex lifecycle;  // start() and stop()
  bool running = false;
  std::uint16_t port = 0;
  std::unique_ptr<server_io> io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<http_server> http;
  std::vector<std::thread> threads;
  std::shared_ptr<pending_requests> pending;
  std::shared_ptr<stream_hub> streams;
  std::shared_ptr<api> endpoints;
  // The streams for counting them, apart from `lifecycle`: a scrape must not wait for stop().
  std::atomic<bool> draining{false};
  mutable std::mutex counted_mutex;
  std::shared_ptr<stream_hub> counted;

  impl(app::services s, const security::token_service& t, std::vector<security::operator_client> ops, server_options o)
      : services(std::move(s)), tokens(t), operators(std::move(ops)), options(std::move(o)) {}

  std::expected<std::uint16_t, std::string> start();
  void stop();
  void stop_threads();
  void tear_down();
};

std::expected<std::uint16_t, std::string> server::impl::start() {
  std::lock_guard guard{lifecycle};
  if (running) return port;

  asio::error_code ec;
  auto address = asio::ip::make_address(options.bind, ec);
  if (ec) return std::unexpected("invalid bind address " + options.bind + ": " + ec.message());

  draining = false;
  io = std::make_unique<server_io>();
  pending = std::make_shared<pending_requests>();
  streams = std::make_shared<stream_hub>(*io, std::clamp<std::chrono::milliseconds>(options.sse_keep_alive, min_keep_alive,
                                                                                      max_keep_alive));
  endpoints = std::make_shared<api>(
      services, tokens, operators, options.max_body_bytes, options.clock,
      protections{.limit = {options.rate_limit_rps, options.rate_limit_burst}, .answers = options.idempotency},
      feed_settings{.public_url = options.public_url, .contact_email = options.feed_contact_email},
      observers{.meter = options.meter, .metrics = options.metrics});
  {
    std::lock_guard lock{counted_mutex};
    counted = streams;
  }
  auto bound_port = std::make_shared<std::atomic<std::uint16_t>>(0);

  auto handler = [endpoints = endpoints, pending = pending, streams = streams](const restinio::request_handle_t& req) {
    request model;
    std::uint64_t id = 0;
    try {
      model = to_model(*req);
      id = pending->add(req, model.method, std::string{split(model.target).path});
    } catch (const std::exception& ex) {
      spdlog::warn("http: could not take a request: {}", ex.what());
      return restinio::request_rejected();
    }
    // If the facade drops the reply without calling it, the client still gets an answer.
    auto abandoned = std::shared_ptr<void>(nullptr, [pending, id](void*) { pending->abandon(id); });
    responder respond = [pending, id, abandoned](response answer) { pending->complete(id, std::move(answer)); };
    request_streams opener{*streams, *pending, id};
    endpoints->handle(model, respond, &opener);
    return restinio::request_accepted();
  };

  auto settings = restinio::server_settings_t<traits>{}
                      .address(address)
                      .port(options.port)
                      .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                                    .max_url_size(max_url_bytes)
                                                    .max_field_name_size(max_field_name_bytes)
                                                    .max_field_value_size(max_field_value_bytes)
                                                    .max_field_count(max_field_count)
                                                    .max_body_size(hard_body_limit(options.max_body_bytes)))
                      .handle_request_timeout(handle_request_timeout)
                      .read_next_http_message_timelimit(std::max(options.read_timeout, min_timeout))
                      .write_http_response_timelimit(std::max(options.write_timeout, min_timeout))
                      .timer_manager(timer_check_period(options))
                      .max_parallel_connections(std::max<std::size_t>(options.max_connections, 1))
                      .acceptor_post_bind_hook([bound_port](asio::ip::tcp::acceptor& acceptor) {
                        bound_port->store(acceptor.local_endpoint().port());
                      })
                      .request_handler(std::move(handler));

  try {
    http = std::make_unique<http_server>(restinio::external_io_context(*io), std::move(settings));
  } catch (const std::exception& ex) {
    tear_down();
    return std::unexpected(std::string{"cannot create the HTTP server: "} + ex.what());
  }

  work.emplace(asio::make_work_guard(*io));
  auto count = std::max<std::size_t>(options.threads, 1);
  for (std::size_t i = 0; i < count; ++i) {
    threads.emplace_back([io = io.get()] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& ex) {
          spdlog::warn("http: I/O thread caught: {}", ex.what());
        }
      }
    });
  }

  auto opened = std::make_shared<std::promise<void>>();
  auto result = opened->get_future();
  http->open_async([opened] { opened->set_value(); },
                   [opened](std::exception_ptr ex) { opened->set_exception(std::move(ex)); });
  try {
    result.get();
  } catch (const std::exception& ex) {
    stop_threads();
    tear_down();
    return std::unexpected("cannot listen on " + options.bind + ":" + std::to_string(options.port) + ": " + ex.what());
  }

  running = true;
  port = bound_port->load();
  spdlog::info("http: listening on {}:{}", options.bind, port);
  return port;
}

void server::impl::stop() {
  std::lock_guard guard{lifecycle};
  if (!running) return;
  running = false;
  auto deadline = std::chrono::steady_clock::now() + options.drain_timeout;

  // 1. No new connections, and /health/ready says so. Notification streams end now: they
  // would never finish by themselves.
  draining = true;
  endpoints->set_draining(true);
  pending->set_draining();
  streams->close_all(options.sse_reconnect_after);
  auto closed = std::make_shared<std::promise<void>>();
  auto closing = closed->get_future();
  http->close_async([closed] { closed->set_value(); },
                    [closed](std::exception_ptr ex) { closed->set_exception(std::move(ex)); });
  try {
    if (closing.wait_until(deadline) == std::future_status::ready) closing.get();
  } catch (const std::exception& ex) {
    spdlog::warn("http: closing the listener failed: {}", ex.what());
  }

  // 2. Let answers in progress be delivered and written.
  if (!pending->wait_drained(deadline)) spdlog::warn("http: stopping with requests still unanswered");

  // 3. Stop the I/O, then drop what is left while the io_context still exists.
  stop_threads();
  if (auto dropped = pending->shut_down(); dropped > 0) spdlog::warn("http: dropped {} unanswered requests", dropped);
  streams->shut_down();
  endpoints->close();
  tear_down();
  spdlog::info("http: stopped");
}

void server::impl::stop_threads() {
  work.reset();
  if (io) io->stop();
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  threads.clear();
}

void server::impl::tear_down() {
  {
    std::lock_guard lock{counted_mutex};
    counted.reset();
  }
  if (pending) pending->shut_down();
  if (streams) streams->shut_down();
  if (endpoints) endpoints->close();
  if (io) io->abandon_handlers();  // the connections queued handlers hold go, the limiter still there
  http.reset();  // its acceptor and timers go before the io_context
  io.reset();
  pending.reset();
  streams.reset();
  endpoints.reset();
}

server::server(app::services services, const security::token_service& tokens,
               std::vector<security::operator_client> operators, server_options options)
    : impl_(std::make_unique<impl>(std::move(services), tokens, std::move(operators), std::move(options))) {}

server::~server() { stop(); }

std::expected<std::uint16_t, std::string> server::start() { return impl_->start(); }

void server::start_draining() {
  std::lock_guard guard{impl_->lifecycle};
  impl_->draining = true;
  if (impl_->endpoints) impl_->endpoints->set_draining(true);
}

bool server::draining() const { return impl_->draining; }

std::size_t server::streams_open() const {
  std::shared_ptr<stream_hub> hub;
  {
    std::lock_guard lock{impl_->counted_mutex};
    hub = impl_->counted;
  }
  return hub ? hub->open_count() : 0;
}

void server::stop() { impl_->stop(); }

}  // namespace ttareungyi::http
