#pragma once
// The endpoints of API v1 over the framework-free request/response model: routing, then the
// policy every endpoint declares in the route table (endpoint.hpp: token and scope, rate limits,
// path id, body, Idempotency-Key), then the endpoint's handler, in the file of its context. The
// server (server.cpp) only moves bytes; everything here is testable without a socket.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "endpoint.hpp"
#include "idempotency.hpp"
#include "message.hpp"
#include "problem.hpp"
#include "rate_limit.hpp"
#include "routes.hpp"
#include "ttareungyi/app/services.hpp"
#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/idempotency.hpp"
#include "ttareungyi/ports/meters.hpp"
#include "ttareungyi/security/operator_clients.hpp"
#include "ttareungyi/security/tokens.hpp"

namespace ttareungyi::http {

// What shields the application from too much, or repeated, work.
struct protections {
  // Per token subject (customer or operator client) on /v1, and per client address on the
  // endpoints without a token (POST /oauth2/token, POST /v1/customers): 429 + Retry-After.
  rate_limit limit{};
  // Where the answers to requests with an Idempotency-Key are kept; nullptr: the header is
  // ignored. Must outlive the api and every reply the facade still owes it.
  ports::idempotency_store* answers = nullptr;
  // Tests' time for the rate limits; empty: steady_clock.
  rate_limiter::clock_fn limit_clock{};
};

// What an operator sees of the api: each answer counted (method, route template, status,
// time), and the exposition text GET /metrics answers. Both optional.
struct observers {
  ports::request_meter* meter = nullptr;  // must outlive the api and every reply it still owes
  std::function<std::string()> metrics;
};

class api {
 public:
  // `services`, `tokens` and `clock` must outlive the api and every reply the facade still owes
  // it. `clock` (remainingSeconds of the current rental, the age of kept answers): nullptr for
  // the system clock.
  api(app::services services, const security::token_service& tokens, std::vector<security::operator_client> operators,
      std::size_t max_body_bytes, const domain::clock* clock = nullptr, protections guards = {},
      feed_settings feeds = {}, observers watch = {});

  // Answers through `respond`, exactly once: at once on this thread (refusals, health, tokens)
  // or later from the thread that delivers the facade's reply. Never throws.
  // GET /v1/notifications/stream answers through `streams` instead, once its request is
  // accepted (refusals still go through `respond`); without one it answers 500.
  void handle(const request& req, const responder& respond, stream_opener* streams = nullptr) const;

  // While draining, /health/ready answers 503 so that load balancers stop sending traffic.
  void set_draining(bool draining) noexcept { services_.draining.store(draining, std::memory_order_relaxed); }
  std::size_t max_body_bytes() const noexcept { return max_body_bytes_; }

  // After close() (which waits for replies using them), late facade replies no longer touch
  // the token service: the owner may destroy it. Their answers are dropped.
  void close();

 private:
  // The policy of `route`'s endpoint, then its handler and its work.
  void dispatch(const request& req, const route_match& route, const responder& respond,
                stream_opener* streams) const;
  // Routes `req` and answers it (handle() without the meter).
  void answer(const request& req, const std::expected<route_match, route_miss>& route, const responder& respond,
              stream_opener* streams) const;
  // 429 when `client` is over its rate limit, in the endpoint's form.
  std::optional<response> limited(std::string_view client, const endpoint_policy& policy) const;

  endpoint_services services_;
  std::size_t max_body_bytes_;
  std::unique_ptr<rate_limiter> limiter_;
  std::unique_ptr<idempotency> idempotency_;
  ports::request_meter* meter_;
};

}  // namespace ttareungyi::http
