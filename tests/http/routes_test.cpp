#include "routes.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>

#include "endpoint.hpp"
#include "problem.hpp"

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
  expect_route("POST", "/v1/alerts", endpoint::post_alert);
  expect_404("GET", "/seoul");
  expect_404("GET", "/seoul/");
  // The web pages: only their own paths.
  expect_route("GET", "/", endpoint::customer_page);
  expect_route("GET", "/operator", endpoint::operator_page);
  expect_route("GET", "/web/customer.js", endpoint::web_file, "customer.js");
  expect_404("GET", "/operator/");
  expect_404("GET", "/web");
}

// docs/openapi.yaml's operations: "GET /v1/tickets/{id}", read off its `paths:` as written
// there (a path at two spaces, its methods at four).
std::set<std::string> documented_operations() {
  std::ifstream doc{TTAREUNGYI_OPENAPI};
  EXPECT_TRUE(doc) << TTAREUNGYI_OPENAPI;
  std::set<std::string> out;
  std::string line, path;
  bool in_paths = false;
  static const std::regex path_line{R"(^  (/\S*):\s*$)"}, method_line{R"(^    (get|post|put|patch|delete):\s*$)"};
  while (std::getline(doc, line)) {
    if (line.starts_with("paths:")) in_paths = true;
    else if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = false;
    std::smatch m;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_line)) path = m[1];
    else if (std::regex_match(line, m, method_line) && !path.empty()) {
      std::string method = m[1];
      std::ranges::transform(method, method.begin(), [](unsigned char c) { return std::toupper(c); });
      out.insert(method + " " + path);
    }
  }
  return out;
}

// A documented path with a sample value for each parameter, e.g. /v1/tickets/x1.
std::string sample_path(const std::string& documented) {
  const auto numbered = std::regex_replace(documented, std::regex{R"(\{start\}|\{end\})"}, "1");
  return std::regex_replace(numbered, std::regex{R"(\{[^}]+\})"}, "x1");
}

// Whether the table's `pattern` (parameters {id}, or a last {*}) is the documented path `path`.
bool same_shape(std::string_view pattern, const std::string& path) {
  auto shape = std::regex_replace(std::string{pattern}, std::regex{R"(\{id\})"}, R"(\{[^/]+\})");
  shape = std::regex_replace(shape, std::regex{R"(\{\*\})"}, ".+");
  return std::regex_match(path, std::regex{shape});
}

TEST(Routes, EveryRouteIsDocumentedAndEveryDocumentedOperationIsServed) {
  const auto documented = documented_operations();
  ASSERT_GT(documented.size(), 20u);
  for (const auto& r : route_table()) {
    const bool found = std::ranges::any_of(documented, [&](const std::string& op) {
      const std::string method{r.method};
      return op.starts_with(method + " ") && same_shape(r.pattern, op.substr(method.size() + 1));
    });
    EXPECT_TRUE(found) << r.method << " " << r.pattern << " is served but not in docs/openapi.yaml";
  }
  for (const auto& op : documented) {
    const auto space = op.find(' ');
    auto m = match_route(op.substr(0, space), sample_path(op.substr(space + 1)));
    EXPECT_TRUE(m.has_value()) << op << " is documented but not served";
  }
}

TEST(Routes, EveryErrorCodeIsInTheDocumentsErrorCodes) {
  std::ifstream doc{TTAREUNGYI_OPENAPI};
  const std::string text{std::istreambuf_iterator<char>{doc}, {}};
  const auto from = text.find("    ErrorCode:");
  ASSERT_NE(from, std::string::npos);
  // The section ends where the next schema starts: a line indented by exactly four spaces.
  auto end = from + 1;
  do end = text.find("\n    ", end + 1);
  while (end != std::string::npos && text[end + 5] == ' ');
  const auto section = text.substr(from, end == std::string::npos ? std::string::npos : end - from + 1);
  for (int i = 0; i <= static_cast<int>(domain::last_error_code); ++i) {
    const auto name = std::string{to_string(static_cast<domain::error_code>(i))};
    EXPECT_NE(section.find("        - " + name + "\n"), std::string::npos) << name << " is not in ErrorCode's enum";
  }
}

TEST(Routes, EveryEndpointHasAPolicyWithAHandler) {
  const auto last = static_cast<std::size_t>(endpoint::post_alert);
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
  expect_404("GET", "//");  // "/" is the customers' page
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
  expect_404("GET", "/metrics/x");
  expect_404("GET", "/V1/TICKETS");
  expect_404("GET", "health/live");
}

}  // namespace
}  // namespace ttareungyi::http
