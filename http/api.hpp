#pragma once
// The endpoints of API v1 over the framework-free request/response model: routing, the auth
// guard, validation, calls to the asynchronous application facade and the answers built from
// its replies. The server (server.cpp) only moves bytes; everything here is testable without a
// socket.
#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <memory>
#include <shared_mutex>
#include <vector>

#include "idempotency.hpp"
#include "message.hpp"
#include "problem.hpp"
#include "rate_limit.hpp"
#include "routes.hpp"
#include "ttareungyi/app/services.hpp"
#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/idempotency.hpp"
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

class api {
 public:
  // `services`, `tokens` and `clock` must outlive the api and every reply the facade still owes
  // it. `clock` (remainingSeconds of the current rental, the age of kept answers): nullptr for
  // the system clock.
  api(app::services services, const security::token_service& tokens, std::vector<security::operator_client> operators,
      std::size_t max_body_bytes, const domain::clock* clock = nullptr, protections guards = {});

  // Answers through `respond`, exactly once: at once on this thread (refusals, health, tokens)
  // or later from the thread that delivers the facade's reply. Never throws.
  // GET /v1/notifications/stream answers through `streams` instead, once its request is
  // accepted (refusals still go through `respond`); without one it answers 500.
  void handle(const request& req, const responder& respond, stream_opener* streams = nullptr) const;

  // While draining, /health/ready answers 503 so that load balancers stop sending traffic.
  void set_draining(bool draining) noexcept { draining_.store(draining, std::memory_order_relaxed); }
  std::size_t max_body_bytes() const noexcept { return max_body_bytes_; }

  // After close() (which waits for replies using them), late facade replies no longer touch
  // the token service: the owner may destroy it. Their answers are dropped.
  void close();

 private:
  void dispatch(const request& req, const route_match& route, const responder& respond,
                stream_opener* streams) const;
  void notification_stream(const request& req, const std::string& customer, const responder& respond,
                           stream_opener* streams) const;
  void token(const request& req, const responder& respond) const;
  void create_customer(const request& req, const responder& respond) const;
  void ready(const responder& respond) const;
  // 429 when `client` is over its rate limit.
  std::optional<problem> limited(std::string_view client) const;
  // Runs `execute` under the request's Idempotency-Key, if it has one (and answers are kept).
  void idempotent(const request& req, const std::string& customer, const responder& respond,
                  const std::function<void(responder)>& execute) const;

  app::services services_;
  const security::token_service& tokens_;
  std::vector<security::operator_client> operators_;
  std::size_t max_body_bytes_;
  const domain::clock& clock_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<rate_limiter> limiter_;
  std::unique_ptr<idempotency> idempotency_;

  struct gate {
    std::shared_mutex mutex;
    bool open = true;
  };
  std::shared_ptr<gate> gate_ = std::make_shared<gate>();
};

}  // namespace ttareungyi::http
