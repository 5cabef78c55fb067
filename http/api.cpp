#include "api.hpp"

#include <exception>
#include <string>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "auth.hpp"
#include "forms.hpp"
#include "json_mapping.hpp"
#include "notifications.hpp"
#include "oauth.hpp"
#include "problem.hpp"

namespace ttareungyi::http {

namespace {

response problem_response(const problem& p) { return to_response(p); }

// The answer to a refusal of the facade. Internal failures and unavailable dependencies are
// logged here (with the domain's detail, which the client never sees for internal ones).
response error_response(const domain::error& e) {
  if (e.kind == domain::error_kind::internal) {
    spdlog::warn("http: internal error {}: {}", e.code, e.detail);
  } else if (e.kind == domain::error_kind::unavailable) {
    spdlog::warn("http: unavailable {}: {}", e.code, e.detail);
  }
  return to_response(from_error(e));
}

// Runs `make` and turns anything it throws into a 500 problem.
template <class Make>
response guarded(Make&& make) noexcept {
  try {
    return make();
  } catch (const std::exception& ex) {
    spdlog::warn("http: failed to build an answer: {}", ex.what());
  } catch (...) {
    spdlog::warn("http: failed to build an answer: unknown exception");
  }
  return to_response(internal_problem());
}

// The reply callback handed to the facade: renders its value with `on_value`, or its error.
template <class T, class OnValue>
app::reply<T> answer(const responder& respond, OnValue on_value) {
  return [respond, on_value = std::move(on_value)](domain::result<T> result) {
    respond(guarded([&]() -> response {
      if (!result) return error_response(result.error());
      if constexpr (std::is_void_v<T>) {
        return on_value();
      } else {
        return on_value(*result);
      }
    }));
  };
}

response ok(const json& doc) { return json_response(200, dump(doc)); }

response created(const json& doc, std::string location) {
  auto r = json_response(201, dump(doc));
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

std::string location(std::string_view collection, std::string_view id) {
  return std::string{collection} + "/" + percent_encode(id);
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

const domain::clock& system_clock() {
  static const domain::system_clock clock;
  return clock;
}

}  // namespace

api::api(app::services services, const security::token_service& tokens, std::vector<security::operator_client> operators,
         std::size_t max_body_bytes, const domain::clock* clock, protections guards)
    : services_(std::move(services)),
      tokens_(tokens),
      operators_(std::move(operators)),
      max_body_bytes_(max_body_bytes),
      clock_(clock ? *clock : system_clock()),
      limiter_(std::make_unique<rate_limiter>(guards.limit, std::move(guards.limit_clock))) {
  if (guards.answers) idempotency_ = std::make_unique<idempotency>(*guards.answers, clock_);
}

std::optional<problem> api::limited(std::string_view client) const {
  auto wait = limiter_->admit(client);
  if (!wait) return std::nullopt;
  return too_many_requests(*wait);
}

void api::idempotent(const request& req, const std::string& customer, const responder& respond,
                     const std::function<void(responder)>& execute) const {
  auto key = req.header(idempotency_header);
  if (!key || !idempotency_) return execute(respond);
  idempotency_->run(customer, *key, req, respond, execute);
}

void api::handle(const request& req, const responder& respond, stream_opener* streams) const {
  try {
    if (req.body.size() > max_body_bytes_) return respond(problem_response(payload_too_large(max_body_bytes_)));
    auto [path, query] = split(req.target);
    auto route = match_route(req.method, path);
    if (!route) {
      if (route.error().path_known) return respond(problem_response(method_not_allowed(route.error().allow)));
      return respond(problem_response(not_found_problem("no resource at " + std::string{path})));
    }
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
  std::unique_lock lock{gate_->mutex};
  gate_->open = false;
}

void api::dispatch(const request& req, const route_match& route, const responder& respond,
                   stream_opener* streams) const {
  auto fail = [&](const problem& p) { respond(problem_response(p)); };

  switch (route.target) {
    case endpoint::health_live:
      return respond(ok(json{{"status", "live"}}));
    case endpoint::health_ready:
      return ready(respond);
    case endpoint::jwks:
      return respond(json_response(200, tokens_.jwks_json()));
    case endpoint::authorization_server_metadata: {
      auto base = base_url_from_host(req.header("Host")).value_or(tokens_.issuer());
      return respond(json_response(200, authorization_server_metadata(tokens_.issuer(), base)));
    }
    case endpoint::token:
      return token(req, respond);
    case endpoint::create_customer:
      return create_customer(req, respond);
    default:
      break;
  }

  // Everything else is /v1 behind a bearer token, and limited per token subject.
  auto authorization = req.header("Authorization");
  auto guarded_by = [&](std::initializer_list<std::string_view> scopes) -> checked<principal> {
    auto who = authorize(authorization, tokens_, scopes);
    if (!who) return who;
    if (limiter_->enabled()) {
      std::string client = who->scope;
      client.push_back(':');
      client += who->subject;
      if (auto p = limited(client)) return std::unexpected(std::move(*p));
    }
    return who;
  };
  auto customer = [&]() { return guarded_by({customer_scope}); };
  auto operator_ = [&]() { return guarded_by({operator_scope}); };
  auto anyone = [&]() { return guarded_by({customer_scope, operator_scope}); };

  switch (route.target) {
    case endpoint::buy_ticket: {
      auto who = customer();
      if (!who) return fail(who.error());
      if (auto p = check_json_body(req)) return fail(*p);
      auto type = parse_new_ticket(req.body);
      if (!type) return fail(type.error());
      return idempotent(req, who->subject, respond, [&](responder done) {
        services_.tickets.buy(who->subject, *type, answer<domain::ticket>(done, [](const domain::ticket& t) {
          return created(to_json(t), location("/v1/tickets", t.id));
        }));
      });
    }
    case endpoint::list_tickets: {
      auto who = customer();
      if (!who) return fail(who.error());
      return services_.tickets.tickets(who->subject, answer<std::vector<domain::ticket>>(respond, [](const auto& list) {
        return ok(item_list(list));
      }));
    }
    case endpoint::get_ticket:
    case endpoint::pay_ticket:
    case endpoint::cancel_ticket: {
      auto who = customer();
      if (!who) return fail(who.error());
      auto id = path_id(route.id, "id");
      if (!id) return fail(id.error());
      if (route.target != endpoint::get_ticket) {
        if (auto p = check_no_body(req)) return fail(*p);
      }
      auto reply = answer<domain::ticket>(respond, [](const domain::ticket& t) { return ok(to_json(t)); });
      if (route.target == endpoint::get_ticket) return services_.tickets.ticket(who->subject, *id, std::move(reply));
      if (route.target == endpoint::pay_ticket) return services_.tickets.pay(who->subject, *id, std::move(reply));
      return services_.tickets.cancel(who->subject, *id, std::move(reply));
    }
    case endpoint::rent_bicycle: {
      auto who = customer();
      if (!who) return fail(who.error());
      if (auto p = check_json_body(req)) return fail(*p);
      auto body = parse_new_rental(req.body);
      if (!body) return fail(body.error());
      return idempotent(req, who->subject, respond, [&](responder done) {
        services_.rentals.rent(who->subject, std::move(body->bicycle_id), std::move(body->ticket_id),
                               answer<domain::rental>(done, [](const domain::rental& r) {
                                 return created(to_json(r), location("/v1/rentals", r.id));
                               }));
      });
    }
    case endpoint::return_bicycle: {
      auto who = customer();
      if (!who) return fail(who.error());
      auto id = path_id(route.id, "id");
      if (!id) return fail(id.error());
      if (auto p = check_json_body(req)) return fail(*p);
      auto station = parse_return(req.body);
      if (!station) return fail(station.error());
      return services_.rentals.give_back(who->subject, std::move(*id), std::move(*station),
                                         answer<domain::rental>(respond, [](const domain::rental& r) { return ok(to_json(r)); }));
    }
    case endpoint::current_rental: {
      auto who = customer();
      if (!who) return fail(who.error());
      // The bench's hot read: written straight to JSON text, the time left computed when the
      // answer is rendered.
      const auto* clock = &clock_;
      return services_.ride_view.current_rental(
          std::move(who->subject), [respond, clock](domain::result<domain::current_rental> result) {
            respond(guarded([&]() -> response {
              if (!result) return error_response(result.error());
              return json_response(200, current_rental_body(*result, clock->now()));
            }));
          });
    }
    case endpoint::list_notifications: {
      auto who = customer();
      if (!who) return fail(who.error());
      auto limit = parse_notification_limit(split(req.target).query);
      if (!limit) return fail(limit.error());
      auto lang = preferred_language(req.header("Accept-Language"));
      return services_.notifications.notifications(
          std::move(who->subject), *limit,
          answer<std::vector<domain::notification>>(respond, [lang](const std::vector<domain::notification>& list) {
            json items = json::array();
            for (const auto& n : list) items.push_back(to_json(n, lang));
            auto r = ok(json{{"items", std::move(items)}});
            r.headers.emplace_back("Content-Language", std::string{to_string(lang)});
            r.headers.emplace_back("Vary", "Accept-Language");
            return r;
          }));
    }
    case endpoint::notification_stream: {
      auto who = customer();
      if (!who) return fail(who.error());
      return notification_stream(req, who->subject, respond, streams);
    }
    case endpoint::list_stations: {
      auto who = anyone();
      if (!who) return fail(who.error());
      return services_.fleet.stations(answer<std::vector<app::station_view>>(respond, [](const auto& list) {
        return ok(item_list(list));
      }));
    }
    case endpoint::add_station: {
      auto who = operator_();
      if (!who) return fail(who.error());
      if (auto p = check_json_body(req)) return fail(*p);
      auto body = parse_new_station(req.body);
      if (!body) return fail(body.error());
      return services_.fleet.add_station(std::move(*body), answer<app::station_view>(respond, [](const app::station_view& s) {
        return created(to_json(s), location("/v1/stations", s.station.id));
      }));
    }
    case endpoint::list_bicycles: {
      auto who = anyone();
      if (!who) return fail(who.error());
      auto query = parse_bicycle_query(split(req.target).query);
      if (!query) return fail(query.error());
      return services_.fleet.bicycles(std::move(*query), answer<std::vector<domain::bicycle>>(respond, [](const auto& list) {
        return ok(item_list(list));
      }));
    }
    case endpoint::add_bicycle: {
      auto who = operator_();
      if (!who) return fail(who.error());
      if (auto p = check_json_body(req)) return fail(*p);
      auto body = parse_new_bicycle(req.body);
      if (!body) return fail(body.error());
      return services_.fleet.add_bicycle(std::move(body->id), std::move(body->station_id),
                                         answer<domain::bicycle>(respond, [](const domain::bicycle& b) {
                                           return created(to_json(b), location("/v1/bicycles", b.id));
                                         }));
    }
    case endpoint::remove_bicycle: {
      auto who = operator_();
      if (!who) return fail(who.error());
      auto id = path_id(route.id, "id");
      if (!id) return fail(id.error());
      return services_.fleet.remove_bicycle(std::move(*id), answer<void>(respond, [] { return response{204, {}, {}}; }));
    }
    default:
      return fail(not_found_problem("no resource at " + std::string{split(req.target).path}));
  }
}

void api::notification_stream(const request& req, const std::string& customer, const responder& respond,
                              stream_opener* streams) const {
  auto after = parse_last_event_id(req.header("Last-Event-ID"), split(req.target).query);
  if (!after) return respond(problem_response(after.error()));
  if (!streams) {
    spdlog::warn("http: no stream support for {}", split(req.target).path);
    return respond(problem_response(internal_problem()));
  }
  auto lang = preferred_language(req.header("Accept-Language"));
  auto stream = streams->open(sse_head(lang));
  if (!stream) return respond(problem_response(service_unavailable("the server is shutting down", 1)));
  // From here on the stream answers. `deliver` holds the stream (which holds no connection):
  // once the stream ends it drops what it is given, and the watch goes with the stream.
  try {
    auto watch = services_.notifications.watch_notifications(
        customer, *after, [stream, lang](domain::notification n) noexcept {
          try {
            stream->write(sse_event(n, lang));
          } catch (const std::exception& ex) {
            spdlog::warn("http: could not stream notification {}: {}", n.id, ex.what());
          }
        });
    if (!watch) {
      spdlog::warn("http: the application gave no watch for the notification stream");
      return stream->close();
    }
    stream->bind(std::shared_ptr<app::watch>(std::move(watch)));
  } catch (const std::exception& ex) {
    spdlog::warn("http: could not watch notifications: {}", ex.what());
    stream->close();
  }
}

void api::ready(const responder& respond) const {
  bool up = !draining_.load(std::memory_order_relaxed) && (!services_.ready || services_.ready());
  json body{{"status", up ? "ready" : "starting"}};
  // Details never decide readiness: an open payment breaker leaves rides working.
  if (services_.health) {
    try {
      if (auto report = services_.health(); report.payment) body["payment"] = to_json(*report.payment);
    } catch (const std::exception& ex) {
      spdlog::warn("http: health details failed: {}", ex.what());
    }
  }
  auto r = json_response(up ? 200 : 503, dump(body));
  r.headers.emplace_back("Cache-Control", "no-store");
  respond(std::move(r));
}

void api::token(const request& req, const responder& respond) const {
  if (limiter_->enabled()) {
    // In the token endpoint's own error form (RFC 6749 section 5.2), like its 503.
    if (auto wait = limiter_->admit("peer:" + req.peer))
      return respond(to_response(oauth_error{429, "temporarily_unavailable", "too many requests; retry later", *wait}));
  }
  auto grant = parse_token_request(req.header("Content-Type"), req.body, req.header("Authorization"));
  if (!grant) return respond(to_response(grant.error()));

  if (auto* client = std::get_if<client_credentials_grant>(&*grant)) {
    if (!security::authenticate_operator(operators_, client->client_id, client->client_secret)) {
      spdlog::debug("http: operator client authentication failed");
      return respond(to_response(invalid_client("client authentication failed")));
    }
    return respond(token_response(tokens_, client->client_id, operator_scope));
  }

  auto& password = std::get<password_grant>(*grant);
  const auto* tokens = &tokens_;
  services_.identity.authenticate(
      std::move(password.username), std::move(password.password),
      [respond, tokens, gate = gate_](domain::result<app::customer_profile> result) {
        std::shared_lock open{gate->mutex};
        if (!gate->open) return;
        respond(guarded([&]() -> response {
          if (result) return token_response(*tokens, result->id, customer_scope);
          const auto& e = result.error();
          switch (e.kind) {
            case domain::error_kind::unavailable:
              spdlog::warn("http: sign-in unavailable {}: {}", e.code, e.detail);
              return to_response(oauth_error{503, "temporarily_unavailable", "try again later",
                                             e.retry_after_seconds > 0 ? e.retry_after_seconds : 1});
            case domain::error_kind::internal:
              spdlog::warn("http: sign-in failed {}: {}", e.code, e.detail);
              return to_response(oauth_error{500, "server_error", "the server failed to handle the request"});
            default:
              return to_response(invalid_grant("wrong phone number or password"));
          }
        }));
      });
}

void api::create_customer(const request& req, const responder& respond) const {
  if (limiter_->enabled()) {
    if (auto p = limited("peer:" + req.peer)) return respond(problem_response(*p));
  }
  if (auto p = check_json_body(req)) return respond(problem_response(*p));
  auto body = parse_sign_up(req.body);
  if (!body) return respond(problem_response(body.error()));
  services_.identity.sign_up(std::move(*body), answer<app::customer_profile>(respond, [](const app::customer_profile& c) {
    return created(to_json(c), location("/v1/customers", c.id));
  }));
}

}  // namespace ttareungyi::http
