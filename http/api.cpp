#include "api.hpp"

#include <chrono>
#include <exception>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "auth.hpp"
#include "json_mapping.hpp"
#include "oauth.hpp"
#include "ttareungyi/http/token_desk.hpp"
#include "problem.hpp"

namespace ttareungyi::http {

namespace {

response problem_response(const problem& p) { return to_response(p); }

// The bearer token of `authorization`, with a scope the endpoint accepts.
checked<principal> authorize_for(scope wanted, std::optional<std::string_view> authorization,
                                 const security::token_service& tokens) {
  switch (wanted) {
    case scope::customer:
      return authorize(authorization, tokens, {customer_scope});
    case scope::operator_:
      return authorize(authorization, tokens, {operator_scope});
    case scope::customer_or_operator:
      return authorize(authorization, tokens, {customer_scope, operator_scope});
    case scope::none:
      break;
  }
  return principal{};
}

// 415 unless the body is JSON; a JSON endpoint also needs a body (400).
std::optional<problem> check_json_body(const request& req) {
  auto content_type = req.header("Content-Type");
  if (!content_type && req.body.empty()) return bad_request("request body is required: a JSON object");
  if (!is_json(content_type)) return unsupported_media_type("Content-Type must be application/json");
  return std::nullopt;
}

// An endpoint without a body accepts none at all, or a JSON one (ignored).
std::optional<problem> check_no_body(const request& req) {
  if (req.body.empty() || is_json(req.header("Content-Type"))) return std::nullopt;
  return unsupported_media_type("this operation takes no body; a body must be application/json");
}

std::optional<problem> check_body(body kind, const request& req) {
  switch (kind) {
    case body::json:
      return check_json_body(req);
    case body::none:
      return check_no_body(req);
    case body::unchecked:
      break;
  }
  return std::nullopt;
}

// A call whose request, token subject and path id it holds itself.
struct held_call {
  held_call(const request& r, principal w, std::string i, const endpoint_services& services)
      : req(r), who(std::move(w)), id(std::move(i)), c{req, who, id, services, nullptr} {}
  request req;
  principal who;
  std::string id;
  call c;
};

const domain::clock& system_clock() {
  static const domain::system_clock clock;
  return clock;
}

}  // namespace

api::api(app::services services, const security::token_service& tokens,
         std::vector<security::operator_client> operators, std::size_t max_body_bytes, const domain::clock* clock,
         protections guards, feed_settings feeds, observers watch)
    : services_{.app = std::move(services),
                .tokens = tokens,
                .signer = std::make_shared<token_desk>(tokens, std::move(operators)),
                .clock = clock ? *clock : system_clock(),
                .feeds = std::move(feeds),
                .metrics = std::move(watch.metrics)},
      max_body_bytes_(max_body_bytes),
      limiter_(std::make_unique<rate_limiter>(guards.limit, std::move(guards.limit_clock))),
      meter_(watch.meter) {
  if (guards.answers) idempotency_ = std::make_unique<idempotency>(*guards.answers, services_.clock);
}

std::optional<response> api::limited(std::string_view client, const endpoint_policy& policy) const {
  auto wait = limiter_->admit(client);
  if (!wait) return std::nullopt;
  if (policy.refusals == refusal_form::oauth)
    return to_response(oauth_error{429, "temporarily_unavailable", "too many requests; retry later", *wait});
  return problem_response(too_many_requests(*wait));
}

void api::handle(const request& req, const responder& respond, stream_opener* streams) const {
  auto route = match_route(req.method, split(req.target).path);
  if (!meter_) return answer(req, route, respond, streams);
  // The labels are the table's own strings (static), so the late answer may carry them.
  const auto method = route ? route->method : known_method(req.method);
  const auto pattern = route ? route->pattern : std::string_view{"unmatched"};
  answer(req, route,
         [respond, meter = meter_, method, pattern, started = std::chrono::steady_clock::now()](response r) {
           meter->answered(method, pattern, r.status, std::chrono::steady_clock::now() - started);
           respond(std::move(r));
         },
         streams);
}

void api::answer(const request& req, const std::expected<route_match, route_miss>& route, const responder& respond,
                 stream_opener* streams) const {
  try {
    if (req.body.size() > max_body_bytes_) return respond(problem_response(payload_too_large(max_body_bytes_)));
    const auto path = split(req.target).path;
    if (!route) {
      if (route.error().path_known) return respond(problem_response(method_not_allowed(route.error().allow)));
      return respond(problem_response(not_found_problem("no resource at " + std::string{path})));
    }
    if (!services_.app.serves_api && route->target != endpoint::health_live && route->target != endpoint::health_ready &&
        route->target != endpoint::metrics)
      return respond(problem_response(not_found_problem("this node serves no API (its roles have no http): no resource at " +
                                                        std::string{path})));
    dispatch(req, *route, respond, streams);
  } catch (const nlohmann::json::exception& ex) {
    spdlog::debug("http: unreadable request {} {}: {}", req.method, split(req.target).path, ex.what());
    respond(problem_response(bad_request("the request could not be read")));
  } catch (const std::exception& ex) {
    spdlog::warn("http: handler of {} {} failed: {}", req.method, split(req.target).path, ex.what());
    respond(problem_response(internal_problem()));
  } catch (...) {
    spdlog::warn("http: handler of {} {} failed: unknown exception", req.method, split(req.target).path);
    respond(problem_response(internal_problem()));
  }
}

void api::close() {
  std::unique_lock lock{services_.gate->mutex};
  services_.gate->open = false;
}

void api::dispatch(const request& req, const route_match& route, const responder& respond,
                   stream_opener* streams) const {
  const auto& policy = policy_of(route.target);
  auto fail = [&](const problem& p) { respond(problem_response(p)); };

  // Without a token, the endpoints that create something are limited per client address.
  if (policy.per_peer_limit && limiter_->enabled()) {
    if (auto refusal = limited("peer:" + req.peer, policy)) return respond(std::move(*refusal));
  }

  principal who;
  if (policy.scope != scope::none) {
    auto accepted = authorize_for(policy.scope, req.header("Authorization"), services_.tokens);
    if (!accepted) return fail(accepted.error());
    who = std::move(*accepted);
    // With a token, limited per subject: a customer and an operator client of the same id count apart.
    if (limiter_->enabled()) {
      std::string client = who.scope;
      client.push_back(':');
      client += who.subject;
      if (auto refusal = limited(client, policy)) return respond(std::move(*refusal));
    }
  }

  std::string id;
  if (!route.id.empty()) {
    auto decoded = path_id(route.id, "id");
    if (!decoded) return fail(decoded.error());
    id = std::move(*decoded);
  }

  if (auto p = check_body(policy.body, req)) return fail(*p);

  auto key = req.header(idempotency_header);
  if (!policy.idempotent || !key || !idempotency_) {
    // Named: the work holds it by reference while it runs.
    const call c{req, who, id, services_, streams};
    auto work = policy.handle(c);
    if (!work) return fail(work.error());
    return (*work)(respond);
  }
  // The kept answers' store may answer later, so the work runs later: it gets a call that
  // lives as long as it does.
  auto held = std::make_shared<held_call>(req, std::move(who), std::move(id), services_);
  auto work = policy.handle(held->c);
  if (!work) return fail(work.error());
  idempotency_->run(held->who.subject, *key, req, respond,
                    [held, work = std::move(*work)](responder r) { work(std::move(r)); });
}

}  // namespace ttareungyi::http
