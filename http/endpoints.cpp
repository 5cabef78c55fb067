// The route table's policies: per endpoint, who may call it, what body it takes, whether it
// honours Idempotency-Key, and its handler. The paths are in routes.cpp.
#include <array>
#include <cstddef>

#include "endpoint.hpp"
#include "handlers.hpp"

namespace ttareungyi::http {

namespace {

namespace on = handlers;

// web_file is the last endpoint of the enumeration.
constexpr std::size_t endpoint_count = static_cast<std::size_t>(endpoint::web_file) + 1;

// One policy per endpoint, in the order of the enumeration (checked below): finding one is an
// index. What a row leaves out is the default: no token, body unchecked, not idempotent.
constexpr std::array<endpoint_policy, endpoint_count> policies{{
    {.target = endpoint::health_live, .handle = on::health_live},
    {.target = endpoint::health_ready, .handle = on::health_ready},
    {.target = endpoint::metrics, .handle = on::metrics},
    {.target = endpoint::jwks, .handle = on::jwks},
    {.target = endpoint::authorization_server_metadata, .handle = on::authorization_server_metadata},
    // The form and its client authentication are read by the token endpoint itself, which also
    // answers in its own error form.
    {.target = endpoint::token, .per_peer_limit = true, .refusals = refusal_form::oauth, .handle = on::token},
    {.target = endpoint::create_customer, .body = body::json, .per_peer_limit = true, .handle = on::create_customer},
    {.target = endpoint::buy_ticket,
     .scope = scope::customer,
     .body = body::json,
     .idempotent = true,
     .handle = on::buy_ticket},
    {.target = endpoint::list_tickets, .scope = scope::customer, .handle = on::list_tickets},
    {.target = endpoint::get_ticket, .scope = scope::customer, .handle = on::get_ticket},
    {.target = endpoint::pay_ticket, .scope = scope::customer, .body = body::none, .handle = on::pay_ticket},
    {.target = endpoint::cancel_ticket, .scope = scope::customer, .body = body::none, .handle = on::cancel_ticket},
    {.target = endpoint::rent_bicycle,
     .scope = scope::customer,
     .body = body::json,
     .idempotent = true,
     .handle = on::rent_bicycle},
    {.target = endpoint::return_bicycle, .scope = scope::customer, .body = body::json, .handle = on::return_bicycle},
    {.target = endpoint::current_rental, .scope = scope::customer, .handle = on::current_rental},
    {.target = endpoint::list_notifications, .scope = scope::customer, .handle = on::list_notifications},
    {.target = endpoint::notification_stream, .scope = scope::customer, .handle = on::notification_stream},
    {.target = endpoint::list_stations, .scope = scope::customer_or_operator, .handle = on::list_stations},
    {.target = endpoint::add_station, .scope = scope::operator_, .body = body::json, .handle = on::add_station},
    {.target = endpoint::list_bicycles, .scope = scope::customer_or_operator, .handle = on::list_bicycles},
    {.target = endpoint::add_bicycle, .scope = scope::operator_, .body = body::json, .handle = on::add_bicycle},
    // No body check: DELETE has ignored its body from the start.
    {.target = endpoint::remove_bicycle, .scope = scope::operator_, .handle = on::remove_bicycle},
    // Public: trip planners poll it without an account.
    {.target = endpoint::gbfs_feed, .handle = on::gbfs_feed},
    {.target = endpoint::seoul_bike_list, .handle = on::seoul_bike_list},
    {.target = endpoint::post_alert, .scope = scope::operator_, .body = body::json, .handle = on::post_alert},
    // The web pages: public, like any page; what they show comes from the API with a token.
    {.target = endpoint::customer_page, .handle = on::customer_page},
    {.target = endpoint::operator_page, .handle = on::operator_page},
    {.target = endpoint::web_file, .handle = on::web_file},
}};

// Only the order is checked here: whether a row names a handler is not a constant expression
// for gcc 12 at -O0 (the handlers are defined in other files); tests/http/routes_test.cpp checks it.
constexpr bool in_endpoint_order() {
  for (std::size_t i = 0; i < policies.size(); ++i) {
    if (policies[i].target != static_cast<endpoint>(i)) return false;
  }
  return true;
}
static_assert(in_endpoint_order(), "one policy per endpoint, in the order of the enumeration");

}  // namespace

const endpoint_policy& policy_of(endpoint target) noexcept { return policies[static_cast<std::size_t>(target)]; }

}  // namespace ttareungyi::http
