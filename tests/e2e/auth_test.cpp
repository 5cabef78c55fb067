// Authorization matrix: 401 without a valid token, 403 with the wrong scope.
#include "e2e_fixture.hpp"

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Authorization : public server_test {
 protected:
  void SetUp() override {
    server_test::SetUp();
    station_id = create_station()["id"].get<std::string>();
    bicycle_id = create_bicycle(station_id)["id"].get<std::string>();
    someone = new_customer();
    ticket_id = buy_ticket(someone)["id"].get<std::string>();
  }

  struct call {
    std::string method;
    std::string target;
    std::optional<json> body;
  };

  // Every /v1 operation that needs a token, with a valid body.
  std::vector<call> protected_calls() const {
    auto t = url_encode(ticket_id);
    return {
        {"GET", "/v1/stations", {}},
        {"POST", "/v1/stations", json{{"name", "x"}, {"lat", 1.0}, {"lon", 2.0}, {"capacity", 3}}},
        {"GET", "/v1/bicycles", {}},
        {"POST", "/v1/bicycles", json{{"stationId", station_id}}},
        {"DELETE", "/v1/bicycles/" + url_encode(bicycle_id), {}},
        {"GET", "/v1/tickets", {}},
        {"POST", "/v1/tickets", json{{"type", "1h"}}},
        {"GET", "/v1/tickets/" + t, {}},
        {"POST", "/v1/tickets/" + t + "/payment", {}},
        {"POST", "/v1/tickets/" + t + "/cancel", {}},
        {"POST", "/v1/rentals", json{{"bicycleId", bicycle_id}, {"ticketId", ticket_id}}},
        {"POST", "/v1/rentals/some-rental/return", json{{"stationId", station_id}}},
    };
  }

  response invoke(const call& c, const test::auth& a) {
    request req;
    req.method = c.method;
    req.target = c.target;
    req.authorization = a;
    if (c.body) {
      req.body = c.body->dump();
      req.content_type = "application/json";
    }
    return http().send(req);
  }

  // Nothing changed: the bicycle is still there and available, the ticket still paid.
  void expect_untouched() {
    auto b = bicycle(bicycle_id);
    ASSERT_TRUE(b.has_value()) << "bicycle was deleted";
    EXPECT_EQ((*b)["status"], "available");
    EXPECT_EQ(by_id(list_bicycles()).size(), 1u) << list_bicycles().dump();
    EXPECT_EQ(ticket(someone, ticket_id)["status"], "paid");
    EXPECT_EQ(by_id(list_tickets(someone)).size(), 1u);
    EXPECT_EQ(by_id(list_stations()).size(), 1u);
  }

  std::string station_id;
  std::string bicycle_id;
  customer someone;
  std::string ticket_id;
};

TEST_F(Authorization, NoTokenIsUnauthorized) {
  for (const auto& c : protected_calls()) {
    EXPECT_PROBLEM(invoke(c, no_auth()), 401, "unauthorized") << c.method << " " << c.target;
  }
  expect_untouched();
}

TEST_F(Authorization, InvalidTokensAreUnauthorized) {
  // A token whose signature was tampered with: same header and claims, other signature.
  std::string tampered = someone.token;
  auto last_dot = tampered.rfind('.');
  ASSERT_NE(last_dot, std::string::npos);
  std::string sig = tampered.substr(last_dot + 1);
  for (auto& ch : sig) ch = ch == 'A' ? 'B' : 'A';
  tampered = tampered.substr(0, last_dot + 1) + sig;
  // A token with the claims of an operator but no valid signature.
  auto b64url = [](const json& j) {
    auto text = base64_encode(j.dump());
    for (auto& ch : text) ch = ch == '+' ? '-' : ch == '/' ? '_' : ch;
    while (!text.empty() && text.back() == '=') text.pop_back();
    return text;
  };
  std::string forged = b64url({{"alg", "none"}, {"typ", "JWT"}}) + "." +
                       b64url({{"sub", "ops"}, {"scope", "operator"}, {"exp", 4102444800LL}}) + ".";

  for (const auto& a : {bearer("garbage"), bearer("a.b.c"), bearer(tampered), bearer(forged), test::auth{"Bearer"},
                        basic(operator_client_id, operator_client_secret), test::auth{"Token " + someone.token}}) {
    for (const auto& c : protected_calls()) {
      EXPECT_PROBLEM(invoke(c, a), 401, "unauthorized") << c.method << " " << c.target << " with '" << a.header_value << "'";
    }
  }
  expect_untouched();
}

TEST_F(Authorization, CustomerTokenOnOperatorEndpointsIsForbidden) {
  auto c = new_customer();
  EXPECT_PROBLEM(http().post_json("/v1/stations", {{"name", "x"}, {"lat", 1.0}, {"lon", 2.0}, {"capacity", 3}}, c.auth()),
                 403, "forbidden");
  EXPECT_PROBLEM(http().post_json("/v1/bicycles", {{"stationId", station_id}}, c.auth()), 403, "forbidden");
  EXPECT_PROBLEM(http().post_json("/v1/bicycles", {{"id", "SPB-77777"}, {"stationId", station_id}}, c.auth()), 403,
                 "forbidden");
  EXPECT_PROBLEM(http().del("/v1/bicycles/" + url_encode(bicycle_id), c.auth()), 403, "forbidden");
  EXPECT_FALSE(bicycle("SPB-77777").has_value());
  expect_untouched();
}

TEST_F(Authorization, OperatorTokenOnCustomerEndpointsIsForbidden) {
  auto t = url_encode(ticket_id);
  EXPECT_PROBLEM(http().post_json("/v1/tickets", {{"type", "1h"}}, ops()), 403, "forbidden");
  EXPECT_PROBLEM(http().get("/v1/tickets", ops()), 403, "forbidden");
  EXPECT_PROBLEM(http().get("/v1/tickets/" + t, ops()), 403, "forbidden");
  EXPECT_PROBLEM(http().post("/v1/tickets/" + t + "/cancel", "", "", ops()), 403, "forbidden");
  EXPECT_PROBLEM(http().post("/v1/tickets/" + t + "/payment", "", "", ops()), 403, "forbidden");
  EXPECT_PROBLEM(http().post_json("/v1/rentals", {{"bicycleId", bicycle_id}, {"ticketId", ticket_id}}, ops()), 403,
                 "forbidden");
  EXPECT_PROBLEM(http().post_json("/v1/rentals/some-rental/return", {{"stationId", station_id}}, ops()), 403, "forbidden");
  expect_untouched();
}

TEST_F(Authorization, BothScopesReadStationsAndBicycles) {
  for (const auto& a : {ops(), someone.auth()}) {
    EXPECT_STATUS(http().get("/v1/stations", a), 200);
    EXPECT_STATUS(http().get("/v1/bicycles", a), 200);
  }
}

TEST_F(Authorization, PublicEndpointsNeedNoToken) {
  EXPECT_STATUS(http().get("/health/live"), 200);
  EXPECT_STATUS(http().get("/health/ready"), 200);
  EXPECT_STATUS(http().get("/.well-known/jwks.json"), 200);
  EXPECT_STATUS(http().get("/.well-known/oauth-authorization-server"), 200);
  EXPECT_STATUS(sign_up(next_phone(), "s3cret-pass", "anyone"), 201);
}

}  // namespace
}  // namespace ttareungyi::e2e
