#pragma once
// The HTTP adapter: REST API v1 (docs/openapi.yaml) in front of the application facade.
//
// Handlers parse and validate on the I/O threads, call the asynchronous facade and answer when
// its reply arrives (on whatever thread that is). No framework type appears here: RESTinio is
// hidden behind the pimpl.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ttareungyi/app/services.hpp"
#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/idempotency.hpp"
#include "ttareungyi/ports/meters.hpp"
#include "ttareungyi/security/operator_clients.hpp"
#include "ttareungyi/security/tokens.hpp"

namespace ttareungyi::http {

struct server_options {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 8080;  // 0: ephemeral
  std::size_t threads = 1;    // I/O threads (0 is taken as 1)
  // A larger body is answered 413; one far larger (see server.cpp) closes the connection.
  std::size_t max_body_bytes = 64 * 1024;
  // Connections served at once; more wait in the listen backlog until one closes.
  std::size_t max_connections = 4096;
  // A client must send a whole request (head and body) within read_timeout of the connection
  // being ready for it, which also bounds how long an idle kept-alive connection stays open;
  // a slower one is disconnected. An answer must be written within write_timeout.
  std::chrono::milliseconds read_timeout{15000};
  std::chrono::milliseconds write_timeout{5000};
  // Requests per second and burst per token subject on /v1, and per client address on the
  // token and sign-up endpoints; rate_limit_rps 0: no limit. Over it: 429 with Retry-After.
  double rate_limit_rps = 0;
  double rate_limit_burst = 0;
  // Where answers to requests with an Idempotency-Key are kept; nullptr: the header is
  // ignored. Must outlive the server.
  ports::idempotency_store* idempotency = nullptr;
  // How long stop() waits for requests in progress to be answered before it drops them.
  // Notification streams do not hold it up: stop() ends them first.
  std::chrono::milliseconds drain_timeout{5000};
  // How often a notification stream gets a `: keep-alive` comment (10 ms to 15 s: a stream
  // must never look like a stuck request to the server itself). A client that went away is
  // noticed when a write to it fails, at the latest at the second keep-alive after it left: this
  // also bounds how long its watch outlives it.
  std::chrono::milliseconds sse_keep_alive{15000};
  // The clock of remainingSeconds (GET /v1/rentals/current); nullptr: the system clock. Must
  // outlive the server.
  const domain::clock* clock = nullptr;
  // The public feeds (GBFS): the base of their absolute URLs (empty: the request's Host), and
  // the address planners write to about them.
  std::string public_url;
  std::string feed_contact_email = "gbfs@ttareungyi.example";
  // When stop() ends the notification streams, it tells their clients to reconnect after this.
  std::chrono::milliseconds sse_reconnect_after{1000};
  // Hears of every answer (method, route template, status, time); nullptr: none. Must outlive
  // the server.
  ports::request_meter* meter = nullptr;
  // The text GET /metrics answers (Prometheus text format); empty: 404.
  std::function<std::string()> metrics;
};

class server {
 public:
  // `services` and `tokens` are referenced, not copied: they must outlive the server.
  server(app::services services, const security::token_service& tokens,
         std::vector<security::operator_client> operators, server_options options);
  server(const server&) = delete;
  server& operator=(const server&) = delete;
  ~server();  // stops

  // Listening when it returns; the bound port (the real one for port 0), or why it failed.
  // Starting a started server answers its port; a stopped server may be started again.
  std::expected<std::uint16_t, std::string> start();
  // Graceful: stops accepting, ends the notification streams (their last chunk; their watches
  // are released), waits up to drain_timeout for answers in progress, closes the connections
  // and joins the I/O threads. Replies and notifications arriving later are dropped safely.
  // Once it returns, the server holds nothing of the application (no watch, no reply).
  // Idempotent.
  void stop();
  // /health/ready answers 503 from now on (so that load balancers stop sending new requests),
  // while everything else is still served. stop() then stops the rest.
  void start_draining();
  // Since start_draining() or stop().
  bool draining() const;
  // Notification streams open now (0 when not running).
  std::size_t streams_open() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ttareungyi::http
