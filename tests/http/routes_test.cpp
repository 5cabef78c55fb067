#include "routes.hpp"

#include <gtest/gtest.h>

#include <cstddef>

#include "endpoint.hpp"

namespace ttareungyi::http {
namespace {

void expect_route(std::string_view method, std::string_view path, endpoint target, std::string_view id = {}) {
  auto m = match_route(method, path);
  ASSERT_TRUE(m) << method << " " << path;
  EXPECT_EQ(m->target, target) << method << " " << path;
  EXPECT_EQ(m->id, id) << method << " " << path;
}

void expect_405(std::string_view method, std::string_view path, std::string_view allow) {
  auto m = match_route(method, path);
  ASSERT_FALSE(m) << method << " " << path;
  EXPECT_TRUE(m.error().path_known);
  EXPECT_EQ(m.error().allow, allow);
}

void expect_404(std::string_view method, std::string_view path) {
  auto m = match_route(method, path);
  ASSERT_FALSE(m) << method << " " << path;
  EXPECT_FALSE(m.error().path_known) << method << " " << path;
}

TEST(Routes, EveryEndpoint) {
  expect_route("GET", "/health/live", endpoint::health_live);
  expect_route("GET", "/health/ready", endpoint::health_ready);
  expect_route("GET", "/.well-known/jwks.json", endpoint::jwks);
  expect_route("GET", "/.well-known/oauth-authorization-server", endpoint::authorization_server_metadata);
  expect_route("POST", "/oauth2/token", endpoint::token);
  expect_route("POST", "/v1/customers", endpoint::create_customer);
  expect_route("POST", "/v1/tickets", endpoint::buy_ticket);
  expect_route("GET", "/v1/tickets", endpoint::list_tickets);
  expect_route("GET", "/v1/tickets/t-1", endpoint::get_ticket, "t-1");
  expect_route("POST", "/v1/tickets/t-1/payment", endpoint::pay_ticket, "t-1");
  expect_route("POST", "/v1/tickets/t-1/cancel", endpoint::cancel_ticket, "t-1");
  expect_route("POST", "/v1/rentals", endpoint::rent_bicycle);
  expect_route("POST", "/v1/rentals/r-9/return", endpoint::return_bicycle, "r-9");
  expect_route("GET", "/v1/rentals/current", endpoint::current_rental);
  expect_route("GET", "/v1/notifications", endpoint::list_notifications);
  expect_route("GET", "/v1/notifications/stream", endpoint::notification_stream);
  expect_route("GET", "/v1/stations", endpoint::list_stations);
  expect_route("POST", "/v1/stations", endpoint::add_station);
  expect_route("GET", "/v1/bicycles", endpoint::list_bicycles);
  expect_route("POST", "/v1/bicycles", endpoint::add_bicycle);
  expect_route("DELETE", "/v1/bicycles/SPB-31542", endpoint::remove_bicycle, "SPB-31542");
  expect_route("GET", "/gbfs/station_status.json", endpoint::gbfs_feed, "station_status.json");
  // {*}: the rest of the path, slashes and all.
  expect_route("GET", "/seoul/sample/json/bikeList/1/5/", endpoint::seoul_bike_list, "sample/json/bikeList/1/5/");
  expect_404("GET", "/seoul");
  expect_404("GET", "/seoul/");
}

TEST(Routes, EveryEndpointHasAPolicyWithAHandler) {
  const auto last = static_cast<std::size_t>(endpoint::seoul_bike_list);
  for (std::size_t i = 0; i <= last; ++i) {
    const auto target = static_cast<endpoint>(i);
    EXPECT_EQ(policy_of(target).target, target) << i;
    EXPECT_NE(policy_of(target).handle, nullptr) << i;
  }
}

TEST(Routes, KnownPathWrongMethodIs405WithAllow) {
  expect_405("DELETE", "/v1/tickets", "GET, POST");
  expect_405("PUT", "/v1/stations", "GET, POST");
  expect_405("GET", "/v1/customers", "POST");
  expect_405("GET", "/oauth2/token", "POST");
  expect_405("POST", "/health/live", "GET");
  expect_405("GET", "/v1/bicycles/SPB-1", "DELETE");
  expect_405("DELETE", "/v1/tickets/t-1", "GET");
  expect_405("GET", "/v1/tickets/t-1/payment", "POST");
  expect_405("GET", "/v1/rentals", "POST");
  expect_405("HEAD", "/.well-known/jwks.json", "GET");
  expect_405("POST", "/v1/rentals/current", "GET");
  expect_405("DELETE", "/v1/notifications", "GET");
  expect_405("POST", "/v1/notifications/stream", "GET");
}

TEST(Routes, UnknownPathsAre404) {
  expect_404("GET", "/");
  expect_404("GET", "");
  expect_404("GET", "/v1");
  expect_404("GET", "/v2/tickets");
  expect_404("GET", "/v1/tickets/");
  expect_404("GET", "/v1/tickets//payment");
  expect_404("POST", "/v1/tickets/t-1/refund");
  expect_404("GET", "/v1/tickets/t-1/payment/x");
  expect_404("GET", "/v1/rentals/current/x");
  expect_404("GET", "/v1/rentals/r-1");
  expect_404("GET", "/v1/notifications/");
  expect_404("GET", "/v1/notifications/stream/x");
  expect_404("GET", "/metrics");
  expect_404("GET", "/V1/TICKETS");
  expect_404("GET", "health/live");
}

}  // namespace
}  // namespace ttareungyi::http
