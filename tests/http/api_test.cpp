// The endpoints over fake facades, without a socket: status codes, headers, bodies, and what the
// facade was asked.
#include "api.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "notifications.hpp"

#include "fakes.hpp"
#include "test_support.hpp"
#include "ttareungyi/security/base64.hpp"

namespace ttareungyi::http {
namespace {

using test::answers;
using test::body_of;
using test::json;
using test::make_request;

constexpr std::size_t max_body = 1024;

class Api : public ::testing::Test {
 protected:
  test::fake_app app;
  test::token_fixture fx;
  test::simulated_clock clock{test::at(9, 30)};
  api endpoints{app.services(), fx.tokens, {{"ops-1", "s3cret"}}, max_body, &clock};
  std::string customer = fx.bearer("c-1", "customer");
  std::string other_customer = fx.bearer("c-2", "customer");
  std::string operator_ = fx.bearer("ops-1", "operator");

  // Handles a request whose answer comes inline, and returns it.
  response call(request req) {
    answers got;
    endpoints.handle(req, got.responder_fn());
    EXPECT_EQ(got.count(), 1u) << req.method << " " << req.target;
    return got.count() > 0 ? got.at(0) : response{0, {}, {}};
  }

  response call(std::string method, std::string target, std::string auth = {}, std::string body = {},
                std::optional<std::string> content_type = std::nullopt) {
    header_list headers;
    if (!auth.empty()) headers.emplace_back("Authorization", auth);
    if (content_type) headers.emplace_back("Content-Type", *content_type);
    return call(make_request(std::move(method), std::move(target), std::move(body), std::move(headers)));
  }

  response post_json(std::string target, std::string auth, const json& body) {
    return call("POST", std::move(target), std::move(auth), body.dump(), "application/json");
  }

  response get(std::string target, std::string auth) { return call("GET", std::move(target), std::move(auth)); }

  std::string buy(std::string auth = {}) {
    auto r = post_json("/v1/tickets", auth.empty() ? customer : auth, {{"type", "1h"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r)["id"].get<std::string>();
  }

  std::vector<std::string> calls() { return app.world.recorded(); }
};

void expect_problem(const response& r, int status, std::string_view code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json") << r.body;
  auto doc = body_of(r);
  EXPECT_EQ(doc["status"], status);
  EXPECT_EQ(doc["code"], code) << r.body;
  EXPECT_EQ(doc["type"], "about:blank");
  EXPECT_TRUE(doc["title"].is_string());
  EXPECT_TRUE(doc["detail"].is_string());
}

// ---------------------------------------------------------------- operations and well-known

TEST_F(Api, Live) {
  auto r = get("/health/live", {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), (json{{"status", "live"}}));
}

TEST_F(Api, LiveFollowsTheHeartbeats) {
  auto services = app.services();
  app::liveness_report report{true, {{"scheduler", std::chrono::milliseconds{120}}, {"writer", std::chrono::milliseconds{90}}}};
  services.live = [&report] { return report; };
  api with_heartbeat{services, fx.tokens, {{"ops-1", "s3cret"}}, max_body, &clock};
  answers got;
  with_heartbeat.handle(make_request("GET", "/health/live"), got.responder_fn());
  EXPECT_EQ(got.at(0).status, 200);
  EXPECT_EQ(body_of(got.at(0)), (json{{"status", "live"}, {"heartbeatAgeMs", {{"scheduler", 120}, {"writer", 90}}}}));
  report = {false, {{"scheduler", std::chrono::milliseconds{120}}, {"writer", std::chrono::milliseconds{12000}}}};
  with_heartbeat.handle(make_request("GET", "/health/live"), got.responder_fn());
  EXPECT_EQ(got.at(1).status, 503);
  EXPECT_EQ(body_of(got.at(1))["status"], "stalled");
}

// Every answer is counted under its route's template, never the raw path; /metrics answers the
// exposition text as is.
TEST_F(Api, MetersEveryAnswerUnderItsRouteTemplate) {
  struct recorded {
    std::string method, route;
    int status;
  };
  struct meter final : ports::request_meter {
    std::vector<recorded> seen;
    void answered(std::string_view m, std::string_view r, int status, std::chrono::nanoseconds) noexcept override {
      seen.push_back({std::string{m}, std::string{r}, status});
    }
  } counted;
  api metered{app.services(), fx.tokens, {{"ops-1", "s3cret"}}, max_body, &clock, {}, {},
              observers{.meter = &counted, .metrics = [] { return std::string{"ttareungyi_ready 1\n"}; }}};
  answers got;
  metered.handle(make_request("GET", "/v1/tickets/t_123", "", {{"Authorization", customer}}), got.responder_fn());
  metered.handle(make_request("GET", "/no/such/path/t_456"), got.responder_fn());
  metered.handle(make_request("BREW", "/health/live"), got.responder_fn());
  metered.handle(make_request("GET", "/metrics"), got.responder_fn());
  ASSERT_EQ(counted.seen.size(), 4u);
  EXPECT_EQ(counted.seen[0].route, "/v1/tickets/{id}");
  EXPECT_EQ(counted.seen[0].status, got.at(0).status);
  EXPECT_EQ(counted.seen[1].route, "unmatched");
  EXPECT_EQ(counted.seen[1].status, 404);
  EXPECT_EQ(counted.seen[2].method, "other");
  EXPECT_EQ(counted.seen[2].status, 405);
  EXPECT_EQ(counted.seen[3].route, "/metrics");
  EXPECT_EQ(got.at(3).status, 200);
  EXPECT_EQ(got.at(3).body, "ttareungyi_ready 1\n");
  EXPECT_EQ(got.at(3).header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(get("/metrics", {}).status, 404) << "a server without metrics";
}

TEST_F(Api, ReadyFollowsTheFacadeAndDraining) {
  auto r = get("/health/ready", {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body_of(r), (json{{"status", "ready"}}));
  {
    std::lock_guard lock{app.world.mutex};
    app.world.ready = false;
  }
  auto s = get("/health/ready", {});
  EXPECT_EQ(s.status, 503);
  EXPECT_EQ(body_of(s), (json{{"status", "starting"}}));
  {
    std::lock_guard lock{app.world.mutex};
    app.world.ready = true;
  }
  endpoints.set_draining(true);
  auto draining = get("/health/ready", {});
  EXPECT_EQ(draining.status, 503);
  EXPECT_EQ(body_of(draining), (json{{"status", "draining"}}));
  endpoints.set_draining(false);
  EXPECT_EQ(get("/health/ready", {}).status, 200);
}

TEST_F(Api, ReadyShowsThePaymentBreakerAndStaysReadyWhileItIsOpen) {
  auto services = app.services();
  app::payment_health payment{.breaker = domain::breaker_state::open, .since = test::at(9, 0), .failures = 5,
                              .retry_at = test::at(9, 1)};
  services.health = [&payment] { return app::health_report{payment, {}, {}}; };
  api with_health{services, fx.tokens, {{"ops-1", "s3cret"}}, max_body, &clock};
  answers got;
  with_health.handle(make_request("GET", "/health/ready", {}), got.responder_fn());
  ASSERT_EQ(got.count(), 1u);
  EXPECT_EQ(got.at(0).status, 200);
  EXPECT_EQ(body_of(got.at(0)), (json{{"status", "ready"},
                                      {"payment",
                                       {{"breaker", "open"},
                                        {"failures", 5},
                                        {"since", domain::to_rfc3339(test::at(9, 0))},
                                        {"retryAt", domain::to_rfc3339(test::at(9, 1))}}}}));

  payment = app::payment_health{};  // closed since start: no times
  answers again;
  with_health.handle(make_request("GET", "/health/ready", {}), again.responder_fn());
  ASSERT_EQ(again.count(), 1u);
  EXPECT_EQ(body_of(again.at(0)), (json{{"status", "ready"}, {"payment", {{"breaker", "closed"}, {"failures", 0}}}}));
}

TEST_F(Api, ReadyShowsTheRolesAndThePeersOfANode) {
  auto services = app.services();
  app::peer_health peer{"payment", "10.0.0.7:4100", app::peer_state::connecting, test::at(9, 0), "connection lost"};
  services.health = [&peer] { return app::health_report{std::nullopt, {"http", "core", "notifier"}, {peer}}; };
  api with_health{services, fx.tokens, {{"ops-1", "s3cret"}}, max_body, &clock};
  answers got;
  with_health.handle(make_request("GET", "/health/ready", {}), got.responder_fn());
  ASSERT_EQ(got.count(), 1u);
  EXPECT_EQ(got.at(0).status, 200);  // a payment node away leaves rides working
  EXPECT_EQ(body_of(got.at(0)), (json{{"status", "ready"},
                                      {"roles", {"http", "core", "notifier"}},
                                      {"peers",
                                       {{{"context", "payment"},
                                         {"address", "10.0.0.7:4100"},
                                         {"state", "connecting"},
                                         {"since", domain::to_rfc3339(test::at(9, 0))},
                                         {"lastError", "connection lost"}}}}}));
}

TEST_F(Api, ANodeWithoutTheHttpRoleAnswersOnlyHealth) {
  auto services = app.services();
  services.serves_api = false;
  api health_only{services, fx.tokens, {{"ops-1", "s3cret"}}, max_body, &clock};
  for (const auto* target : {"/health/live", "/health/ready"}) {
    answers got;
    health_only.handle(make_request("GET", target, {}), got.responder_fn());
    ASSERT_EQ(got.count(), 1u);
    EXPECT_EQ(got.at(0).status, 200) << target;
  }
  for (const auto* target : {"/v1/stations", "/.well-known/jwks.json", "/gbfs/gbfs.json"}) {
    answers got;
    health_only.handle(make_request("GET", target, {}), got.responder_fn());
    ASSERT_EQ(got.count(), 1u);
    EXPECT_EQ(got.at(0).status, 404) << target;
    EXPECT_EQ(got.at(0).header("Content-Type"), "application/problem+json");
  }
}

// A gateway's token endpoint has the core check the credentials and sign: it parses the form,
// asks app::sign_in_service and answers in the endpoint's own form, refusals included.
TEST_F(Api, AGatewaysTokensAreSignedAtTheCore) {
  struct core_sign_in final : app::sign_in_service {
    std::vector<std::string> asked;
    void customer_token(std::string phone, std::string password, app::reply<app::issued_token> done) override {
      asked.push_back("customer " + phone);
      if (password != "bike2024")
        return done(std::unexpected(domain::error{domain::error_kind::invalid, domain::error_code::invalid_credentials, "no"}));
      done(app::issued_token{"signed-at-the-core", "customer", 600});
    }
    void operator_token(std::string client_id, std::string secret, app::reply<app::issued_token> done) override {
      asked.push_back("operator " + client_id);
      if (secret == "down") {
        domain::error e{domain::error_kind::unavailable, domain::error_code::timeout, "the core is away"};
        e.retry_after_seconds = 2;
        return done(std::unexpected(e));
      }
      done(std::unexpected(domain::error{domain::error_kind::invalid, domain::error_code::invalid_credentials, "no"}));
    }
  } core;
  auto services = app.services();
  services.sign_in = &core;
  api gateway{services, fx.tokens, {{"ops-1", "s3cret"}}, max_body, &clock};
  auto token = [&](std::string body, header_list headers) {
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    answers got;
    gateway.handle(make_request("POST", "/oauth2/token", std::move(body), std::move(headers)), got.responder_fn());
    return got.at(0);
  };
  auto ok = token("grant_type=password&username=010-1234-5678&password=bike2024", {});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body_of(ok)["access_token"], "signed-at-the-core");
  EXPECT_EQ(body_of(ok)["expires_in"], 600);
  EXPECT_EQ(body_of(token("grant_type=password&username=010-1234-5678&password=nope", {}))["error"], "invalid_grant");
  // The gateway holds no operator clients of its own: even the api's own pair goes to the core.
  auto refused = token("grant_type=client_credentials", {{"Authorization", "Basic " + security::base64_encode("ops-1:s3cret")}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(body_of(refused)["error"], "invalid_client");
  auto away = token("grant_type=client_credentials", {{"Authorization", "Basic " + security::base64_encode("ops-1:down")}});
  EXPECT_EQ(away.status, 503);
  EXPECT_EQ(away.header("Retry-After"), "2");
  EXPECT_EQ(core.asked, (std::vector<std::string>{"customer 010-1234-5678", "customer 010-1234-5678", "operator ops-1",
                                                  "operator ops-1"}));
}

TEST_F(Api, WebPagesCarryTheirTypeAVersionAndAPolicyThatAllowsNothingFromElsewhere) {
  const std::pair<const char*, const char*> files[] = {{"/", "text/html; charset=utf-8"},
                                                       {"/operator", "text/html; charset=utf-8"},
                                                       {"/web/customer.js", "text/javascript; charset=utf-8"},
                                                       {"/web/style.css", "text/css; charset=utf-8"}};
  for (const auto& [target, type] : files) {
    auto r = get(target, {});
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.header("Content-Type"), type) << target;
    EXPECT_EQ(r.header("Cache-Control"), "no-cache");
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    auto policy = std::string{r.header("Content-Security-Policy").value_or("")};
    EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe"), std::string::npos) << policy;
    // The version the page was given: sent back, it is current, and nothing is sent again.
    auto etag = std::string{r.header("ETag").value_or("")};
    ASSERT_FALSE(etag.empty());
    auto again = call(make_request("GET", target, {}, {{"If-None-Match", etag}}));
    EXPECT_EQ(again.status, 304) << target;
    EXPECT_TRUE(again.body.empty());
  }
  EXPECT_NE(get("/", {}).header("ETag"), get("/operator", {}).header("ETag"));
  EXPECT_EQ(get("/web/index.html", {}).status, 404);  // a page has its own path
  EXPECT_EQ(get("/web/missing.js", {}).status, 404);
}

TEST_F(Api, Jwks) {
  auto r = get("/.well-known/jwks.json", {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(body_of(r), json::parse(fx.tokens.jwks_json()));
}

TEST_F(Api, MetadataUsesTheHostHeader) {
  auto r = call(make_request("GET", "/.well-known/oauth-authorization-server", {}, {{"Host", "bikes.test:8080"}}));
  EXPECT_EQ(r.status, 200);
  auto doc = body_of(r);
  EXPECT_EQ(doc["issuer"], test::test_issuer);
  EXPECT_EQ(doc["token_endpoint"], "http://bikes.test:8080/oauth2/token");
  EXPECT_EQ(doc["jwks_uri"], "http://bikes.test:8080/.well-known/jwks.json");
  auto without_host = body_of(get("/.well-known/oauth-authorization-server", {}));
  EXPECT_EQ(without_host["token_endpoint"], std::string{test::test_issuer} + "/oauth2/token");
}

// ---------------------------------------------------------------- routing and limits

TEST_F(Api, UnknownPathIs404Problem) {
  expect_problem(get("/v1/nothing", customer), 404, "not_found");
  expect_problem(get("/v1/rentals/r-1", customer), 404, "not_found");
  expect_problem(get("/v1/notifications/all", customer), 404, "not_found");
  EXPECT_TRUE(calls().empty());
}

TEST_F(Api, WrongMethodIs405WithAllow) {
  auto r = call("PUT", "/v1/tickets", customer);
  expect_problem(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("Allow"), "GET, POST");
  auto d = call("GET", "/v1/bicycles/SPB-1", operator_);
  expect_problem(d, 405, "method_not_allowed");
  EXPECT_EQ(d.header("Allow"), "DELETE");
}

TEST_F(Api, BodyOverTheLimitIs413) {
  json big = {{"type", "1h"}, {"pad", std::string(max_body, 'x')}};
  expect_problem(post_json("/v1/tickets", customer, big), 413, "payload_too_large");
  auto exactly = std::string(max_body, ' ');
  exactly.replace(0, 13, R"({"type":"1h"})");
  EXPECT_EQ(call("POST", "/v1/tickets", customer, exactly, "application/json").status, 201);
}

// ---------------------------------------------------------------- auth matrix

TEST_F(Api, CustomerEndpointsNeedACustomerToken) {
  struct probe {
    std::string method, target, body;
  };
  std::vector<probe> probes{{"POST", "/v1/tickets", R"({"type":"1h"})"},
                            {"GET", "/v1/tickets", ""},
                            {"GET", "/v1/tickets/t-1", ""},
                            {"POST", "/v1/tickets/t-1/payment", ""},
                            {"POST", "/v1/tickets/t-1/cancel", ""},
                            {"POST", "/v1/rentals", R"({"bicycleId":"b","ticketId":"t"})"},
                            {"POST", "/v1/rentals/r-1/return", R"({"stationId":"s"})"},
                            {"GET", "/v1/rentals/current", ""},
                            {"GET", "/v1/notifications", ""},
                            {"GET", "/v1/notifications?limit=5", ""},
                            {"GET", "/v1/notifications/stream", ""}};
  for (const auto& p : probes) {
    auto none = call(p.method, p.target, {}, p.body, "application/json");
    expect_problem(none, 401, "unauthorized");
    EXPECT_TRUE(none.header("WWW-Authenticate")) << p.target;
    expect_problem(call(p.method, p.target, "Bearer garbage", p.body, "application/json"), 401, "unauthorized");
    expect_problem(call(p.method, p.target, operator_, p.body, "application/json"), 403, "forbidden");
  }
  EXPECT_TRUE(calls().empty());
}

TEST_F(Api, OperatorEndpointsNeedAnOperatorToken) {
  struct probe {
    std::string method, target, body;
  };
  std::vector<probe> probes{{"POST", "/v1/stations", R"({"name":"n","lat":1,"lon":2,"capacity":3})"},
                            {"POST", "/v1/bicycles", R"({"stationId":"ST-1"})"},
                            {"DELETE", "/v1/bicycles/SPB-1", ""}};
  for (const auto& p : probes) {
    expect_problem(call(p.method, p.target, {}, p.body, "application/json"), 401, "unauthorized");
    expect_problem(call(p.method, p.target, customer, p.body, "application/json"), 403, "forbidden");
  }
  EXPECT_TRUE(calls().empty());
}

TEST_F(Api, ListsAcceptEitherScope) {
  EXPECT_EQ(get("/v1/stations", customer).status, 200);
  EXPECT_EQ(get("/v1/stations", operator_).status, 200);
  EXPECT_EQ(get("/v1/bicycles", customer).status, 200);
  EXPECT_EQ(get("/v1/bicycles", operator_).status, 200);
  expect_problem(get("/v1/stations", {}), 401, "unauthorized");
  expect_problem(get("/v1/bicycles", fx.bearer("x", "guest")), 403, "forbidden");
}

TEST_F(Api, ExpiredTokenIs401) {
  fx.clock.advance(std::chrono::hours{2});
  auto r = get("/v1/tickets", customer);
  expect_problem(r, 401, "unauthorized");
  EXPECT_NE(body_of(r)["detail"].get<std::string>().find("expired"), std::string::npos);
}

// ---------------------------------------------------------------- token endpoint

TEST_F(Api, PasswordGrant) {
  ASSERT_EQ(post_json("/v1/customers", {}, {{"phone", "010-1234-5678"}, {"password", "bike2024"}, {"name", "김따릉"}}).status, 201);
  auto r = call(make_request("POST", "/oauth2/token", "grant_type=password&username=010-1234-5678&password=bike2024",
                             {{"Content-Type", "application/x-www-form-urlencoded"}}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  auto doc = body_of(r);
  EXPECT_EQ(doc["token_type"], "Bearer");
  EXPECT_EQ(doc["scope"], "customer");
  EXPECT_EQ(doc["expires_in"], 3600);
  auto claims = fx.tokens.verify(doc["access_token"].get<std::string>());
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->subject, "c-1");
  EXPECT_EQ(claims->scope, "customer");
}

TEST_F(Api, PasswordGrantWithWrongCredentialsIsInvalidGrant) {
  auto r = call(make_request("POST", "/oauth2/token", "grant_type=password&username=010-9999-9999&password=nope1234",
                             {{"Content-Type", "application/x-www-form-urlencoded"}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  EXPECT_EQ(body_of(r)["error"], "invalid_grant");
}

TEST_F(Api, PasswordGrantWhenIdentityIsDownOrBroken) {
  auto form = header_list{{"Content-Type", "application/x-www-form-urlencoded"}};
  auto body = "grant_type=password&username=010-1234-5678&password=bike2024";
  domain::error down{domain::error_kind::unavailable, std::nullopt, "busy"};
  down.retry_after_seconds = 3;
  app.fail_next(down);
  auto r = call(make_request("POST", "/oauth2/token", body, form));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), "3");
  EXPECT_EQ(body_of(r)["error"], "temporarily_unavailable");

  app.fail_next(domain::internal("disk on fire"));
  auto s = call(make_request("POST", "/oauth2/token", body, form));
  EXPECT_EQ(s.status, 500);
  EXPECT_EQ(body_of(s)["error"], "server_error");
  EXPECT_EQ(s.body.find("disk"), std::string::npos);
}

TEST_F(Api, ClientCredentialsGrant) {
  auto r = call(make_request("POST", "/oauth2/token", "grant_type=client_credentials",
                             {{"Content-Type", "application/x-www-form-urlencoded"},
                              {"Authorization", "Basic " + security::base64_encode("ops-1:s3cret")}}));
  EXPECT_EQ(r.status, 200) << r.body;
  auto doc = body_of(r);
  EXPECT_EQ(doc["scope"], "operator");
  auto claims = fx.tokens.verify(doc["access_token"].get<std::string>());
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->subject, "ops-1");
  EXPECT_EQ(claims->scope, "operator");

  auto post = call(make_request("POST", "/oauth2/token", "grant_type=client_credentials&client_id=ops-1&client_secret=s3cret",
                                {{"Content-Type", "application/x-www-form-urlencoded"}}));
  EXPECT_EQ(post.status, 200) << post.body;
  EXPECT_EQ(body_of(post)["scope"], "operator");
}

TEST_F(Api, ClientCredentialsWithWrongSecretIsInvalidClient) {
  for (auto credentials : {"ops-1:wrong", "ops-2:s3cret", "ops-1:"}) {
    auto r = call(make_request("POST", "/oauth2/token", "grant_type=client_credentials",
                               {{"Content-Type", "application/x-www-form-urlencoded"},
                                {"Authorization", "Basic " + security::base64_encode(credentials)}}));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(body_of(r)["error"], "invalid_client");
    ASSERT_TRUE(r.header("WWW-Authenticate"));
    EXPECT_EQ(r.header("WWW-Authenticate")->substr(0, 5), "Basic");
  }
}

TEST_F(Api, TokenEndpointRequestErrors) {
  auto form = header_list{{"Content-Type", "application/x-www-form-urlencoded"}};
  EXPECT_EQ(body_of(call(make_request("POST", "/oauth2/token", "grant_type=implicit", form)))["error"], "unsupported_grant_type");
  EXPECT_EQ(body_of(call(make_request("POST", "/oauth2/token", "", form)))["error"], "invalid_request");
  auto json_body = call(make_request("POST", "/oauth2/token", R"({"grant_type":"password"})", {{"Content-Type", "application/json"}}));
  EXPECT_EQ(json_body.status, 400);
  EXPECT_EQ(body_of(json_body)["error"], "invalid_request");
  EXPECT_TRUE(calls().empty());
}

// ---------------------------------------------------------------- customers

TEST_F(Api, SignUp) {
  auto r = post_json("/v1/customers", {}, {{"phone", "010-1234-5678"}, {"password", "bike2024"}, {"name", "김따릉"}, {"x", 1}});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Location"), "/v1/customers/c-1");
  EXPECT_EQ(body_of(r), (json{{"id", "c-1"}, {"phone", "010-1234-5678"}, {"name", "김따릉"}}));
}

TEST_F(Api, SignUpRefusals) {
  json ok = {{"phone", "010-1234-5678"}, {"password", "bike2024"}, {"name", "김따릉"}};
  ASSERT_EQ(post_json("/v1/customers", {}, ok).status, 201);
  expect_problem(post_json("/v1/customers", {}, ok), 409, "phone_taken");
  expect_problem(post_json("/v1/customers", {}, {{"phone", "010-1111-2222"}, {"password", "short"}, {"name", "n"}}), 400,
                 "invalid_request");
  expect_problem(post_json("/v1/customers", {}, {{"phone", "010-1111-2222"}, {"name", "n"}}), 400, "invalid_request");
  expect_problem(call("POST", "/v1/customers", {}, ok.dump(), "text/plain"), 415, "unsupported_media_type");
  expect_problem(call("POST", "/v1/customers", {}, ok.dump()), 415, "unsupported_media_type");
  expect_problem(call("POST", "/v1/customers", {}, "", std::nullopt), 400, "invalid_request");
  expect_problem(call("POST", "/v1/customers", {}, "{oops", "application/json"), 400, "invalid_request");
  expect_problem(call("POST", "/v1/customers", {}, "[]", "application/json"), 400, "invalid_request");
}

TEST_F(Api, JsonContentTypeMayCarryParameters) {
  auto r = call("POST", "/v1/customers", {}, R"({"phone":"010-1234-5678","password":"bike2024","name":"n"})",
                "Application/JSON; charset=utf-8");
  EXPECT_EQ(r.status, 201) << r.body;
}

// ---------------------------------------------------------------- tickets

TEST_F(Api, BuyTicket) {
  auto r = post_json("/v1/tickets", customer, {{"type", "2h"}});
  EXPECT_EQ(r.status, 201) << r.body;
  auto doc = body_of(r);
  EXPECT_EQ(r.header("Location"), "/v1/tickets/" + doc["id"].get<std::string>());
  EXPECT_EQ(doc["type"], "2h");
  EXPECT_EQ(doc["minutes"], 120);
  EXPECT_EQ(doc["price"], 2000);
  EXPECT_EQ(doc["currency"], "KRW");
  EXPECT_EQ(doc["status"], "paid");
  EXPECT_EQ(doc["purchasedAt"], "2024-05-01T09:00:00Z");
  EXPECT_EQ(doc["paidAt"], "2024-05-01T09:01:00Z");
  EXPECT_EQ(calls().back(), "tickets.buy c-1 2h");  // the customer comes from the token
}

TEST_F(Api, BuyTicketRefusals) {
  expect_problem(post_json("/v1/tickets", customer, {{"type", "3h"}}), 400, "invalid_request");
  expect_problem(post_json("/v1/tickets", customer, {{"kind", "1h"}}), 400, "invalid_request");
  expect_problem(call("POST", "/v1/tickets", customer, R"({"type":"1h"})", "application/xml"), 415, "unsupported_media_type");
  EXPECT_TRUE(calls().empty());
}

TEST_F(Api, PaymentDeclinedIs402) {
  app.fail_next(domain::error{domain::error_kind::declined, domain::error_code::payment_declined, "the payment was declined"}.with("ticketId", "t-7"));
  auto r = post_json("/v1/tickets", customer, {{"type", "1h"}});
  expect_problem(r, 402, "payment_declined");
  EXPECT_EQ(body_of(r)["ticketId"], "t-7");
}

TEST_F(Api, PaymentUnavailableIs503WithRetryAfterAndTicketId) {
  domain::error e{domain::error_kind::unavailable, domain::error_code::payment_unavailable, "payment is unavailable, try again later"};
  e.with("ticketId", "t-8");
  e.retry_after_seconds = 5;
  app.fail_next(e);
  auto r = post_json("/v1/tickets", customer, {{"type", "1h"}});
  expect_problem(r, 503, "payment_unavailable");
  EXPECT_EQ(r.header("Retry-After"), "5");
  EXPECT_EQ(body_of(r)["ticketId"], "t-8");
}

TEST_F(Api, CustomersSeeOnlyTheirOwnTickets) {
  auto mine = buy();
  buy(other_customer);
  auto list = get("/v1/tickets", customer);
  EXPECT_EQ(list.status, 200);
  auto items = body_of(list)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], mine);

  EXPECT_EQ(get("/v1/tickets/" + mine, customer).status, 200);
  auto other = get("/v1/tickets/" + mine, other_customer);
  expect_problem(other, 404, "ticket_not_found");
  EXPECT_EQ(body_of(other)["ticketId"], mine);
}

TEST_F(Api, PayAndCancel) {
  auto id = buy();
  auto paid = call("POST", "/v1/tickets/" + id + "/payment", customer);
  EXPECT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(body_of(paid)["status"], "paid");

  auto cancelled = call("POST", "/v1/tickets/" + id + "/cancel", customer, "{}", "application/json");
  EXPECT_EQ(cancelled.status, 200) << cancelled.body;
  auto doc = body_of(cancelled);
  EXPECT_EQ(doc["status"], "cancelled");
  EXPECT_EQ(doc["refundedAmount"], 1000);
  EXPECT_EQ(doc["cancelledAt"], "2024-05-01T09:10:00Z");

  app.fail_next(domain::conflict(domain::error_code::ticket_not_cancellable, "ticket is cancelled").with("ticketId", id));
  expect_problem(call("POST", "/v1/tickets/" + id + "/cancel", customer), 409, "ticket_not_cancellable");
}

TEST_F(Api, BodylessOperationsRefuseNonJsonBodies) {
  auto id = buy();
  expect_problem(call("POST", "/v1/tickets/" + id + "/payment", customer, "hello", "text/plain"), 415, "unsupported_media_type");
  expect_problem(call("POST", "/v1/tickets/" + id + "/payment", customer, "hello"), 415, "unsupported_media_type");
  EXPECT_EQ(call("POST", "/v1/tickets/" + id + "/payment", customer, "", "text/plain").status, 200);
}

TEST_F(Api, PathIdsAreValidatedBeforeTheFacade) {
  expect_problem(get("/v1/tickets/" + std::string(65, 'a'), customer), 400, "invalid_request");
  expect_problem(call("POST", "/v1/tickets/%zz/cancel", customer), 400, "invalid_request");
  expect_problem(call("DELETE", "/v1/bicycles/%00", operator_), 400, "invalid_request");
  EXPECT_TRUE(calls().empty());
  EXPECT_EQ(get("/v1/tickets/t%2D404", customer).status, 404);
  EXPECT_EQ(calls().back(), "tickets.ticket c-1 t-404");
}

// ---------------------------------------------------------------- rentals

TEST_F(Api, RentAndReturn) {
  auto rented = post_json("/v1/rentals", customer, {{"bicycleId", "SPB-31542"}, {"ticketId", "t-1"}});
  EXPECT_EQ(rented.status, 201) << rented.body;
  auto doc = body_of(rented);
  EXPECT_EQ(rented.header("Location"), "/v1/rentals/" + doc["id"].get<std::string>());
  EXPECT_EQ(doc["status"], "active");
  EXPECT_EQ(doc["bicycleId"], "SPB-31542");
  EXPECT_EQ(doc["ticketId"], "t-1");
  EXPECT_EQ(doc["fromStationId"], "ST-101");
  EXPECT_FALSE(doc.contains("returnedAt"));
  EXPECT_EQ(calls().back(), "rentals.rent c-1 SPB-31542 t-1");

  auto id = doc["id"].get<std::string>();
  auto back = post_json("/v1/rentals/" + id + "/return", customer, {{"stationId", "ST-205"}});
  EXPECT_EQ(back.status, 200) << back.body;
  auto returned = body_of(back);
  EXPECT_EQ(returned["status"], "returned");
  EXPECT_EQ(returned["returnedAt"], "2024-05-01T10:12:00Z");
  EXPECT_EQ(returned["toStationId"], "ST-205");
  EXPECT_EQ(returned["overtimeMinutes"], 7);
  EXPECT_EQ(returned["overtimeFee"], 400);

  expect_problem(post_json("/v1/rentals/" + id + "/return", other_customer, {{"stationId", "ST-205"}}), 404, "rental_not_found");
}

TEST_F(Api, RentRefusals) {
  expect_problem(post_json("/v1/rentals", customer, {{"bicycleId", "SPB-1"}}), 400, "invalid_request");
  expect_problem(post_json("/v1/rentals", customer, {{"bicycleId", 5}, {"ticketId", "t"}}), 400, "invalid_request");
  expect_problem(post_json("/v1/rentals/r-1/return", customer, json::object()), 400, "invalid_request");
  EXPECT_TRUE(calls().empty());
  app.fail_next(domain::conflict(domain::error_code::bicycle_unavailable, "bicycle is already rented").with("bicycleId", "SPB-1"));
  auto r = post_json("/v1/rentals", customer, {{"bicycleId", "SPB-1"}, {"ticketId", "t-1"}});
  expect_problem(r, 409, "bicycle_unavailable");
  EXPECT_EQ(body_of(r)["bicycleId"], "SPB-1");
}

// ---------------------------------------------------------------- stations and bicycles

TEST_F(Api, Stations) {
  auto r = post_json("/v1/stations", operator_,
                     {{"id", "ST-101"}, {"name", "여의나루역 1번출구 앞"}, {"lat", 37.52706}, {"lon", 126.93209}, {"capacity", 20}});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Location"), "/v1/stations/ST-101");
  EXPECT_EQ(body_of(r), (json{{"id", "ST-101"},
                              {"name", "여의나루역 1번출구 앞"},
                              {"lat", 37.52706},
                              {"lon", 126.93209},
                              {"capacity", 20},
                              {"bicyclesAvailable", 0},
                              {"docksAvailable", 20}}));
  auto list = body_of(get("/v1/stations", customer));
  ASSERT_EQ(list["items"].size(), 1u);
  EXPECT_EQ(list["items"][0]["id"], "ST-101");

  expect_problem(post_json("/v1/stations", operator_, {{"name", "n"}, {"lat", "x"}, {"lon", 1}, {"capacity", 1}}), 400,
                 "invalid_request");
  app.fail_next(domain::conflict(domain::error_code::station_id_taken, "station ST-101 already exists").with("stationId", "ST-101"));
  expect_problem(post_json("/v1/stations", operator_, {{"id", "ST-101"}, {"name", "n"}, {"lat", 1}, {"lon", 1}, {"capacity", 1}}),
                 409, "station_id_taken");
}

TEST_F(Api, Bicycles) {
  auto r = post_json("/v1/bicycles", operator_, {{"id", "SPB-31542"}, {"stationId", "ST-101"}});
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.header("Location"), "/v1/bicycles/SPB-31542");
  EXPECT_EQ(body_of(r), (json{{"id", "SPB-31542"}, {"status", "available"}, {"stationId", "ST-101"}}));

  auto list = get("/v1/bicycles?stationId=ST-101&status=available", customer);
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(body_of(list)["items"].size(), 1u);
  EXPECT_EQ(calls().back(), "fleet.bicycles ST-101 available");
  EXPECT_EQ(body_of(get("/v1/bicycles?status=rented", customer))["items"].size(), 0u);
  expect_problem(get("/v1/bicycles?status=broken", customer), 400, "invalid_request");

  auto removed = call("DELETE", "/v1/bicycles/SPB-31542", operator_);
  EXPECT_EQ(removed.status, 204);
  EXPECT_TRUE(removed.body.empty());
  expect_problem(call("DELETE", "/v1/bicycles/SPB-31542", operator_), 404, "bicycle_not_found");

  app.fail_next(domain::conflict(domain::error_code::bicycle_rented, "a rented bicycle cannot be deleted").with("bicycleId", "SPB-2"));
  expect_problem(call("DELETE", "/v1/bicycles/SPB-2", operator_), 409, "bicycle_rented");
  app.fail_next(domain::not_found(domain::error_code::station_not_found, "no such station").with("stationId", "ST-9"));
  expect_problem(post_json("/v1/bicycles", operator_, {{"stationId", "ST-9"}}), 404, "station_not_found");
}

// ---------------------------------------------------------------- failures

TEST_F(Api, InternalErrorsAre500WithoutDetails) {
  app.fail_next(domain::internal("rocksdb: Corruption in /data/tickets/000123.sst"));
  auto r = get("/v1/tickets", customer);
  expect_problem(r, 500, "internal_error");
  EXPECT_EQ(r.body.find("rocksdb"), std::string::npos);
  EXPECT_EQ(r.body.find("/data"), std::string::npos);
}

TEST_F(Api, AFacadeThatThrowsGivesA500) {
  {
    std::lock_guard lock{app.world.mutex};
    app.world.throw_next = true;
  }
  expect_problem(get("/v1/stations", operator_), 500, "internal_error");
}

TEST_F(Api, ReplyFromAnotherThreadLater) {
  app.world.pump.set_mode(test::reply_pump::mode::delayed, std::chrono::milliseconds{50});
  answers got;
  auto caller = std::this_thread::get_id();
  std::thread::id answered_on;
  endpoints.handle(make_request("POST", "/v1/tickets", R"({"type":"1h"})",
                                {{"Authorization", customer}, {"Content-Type", "application/json"}}),
                   [&](response r) {
                     answered_on = std::this_thread::get_id();
                     got.responder_fn()(std::move(r));
                   });
  EXPECT_EQ(got.count(), 0u);  // not yet: the facade answers later
  ASSERT_TRUE(got.wait(1));
  EXPECT_EQ(got.at(0).status, 201);
  EXPECT_NE(answered_on, caller);
}

// ---------------------------------------------------------------- read side: current rental

domain::current_rental ride_of(domain::ids::customer_id customer) {
  return domain::current_rental{std::move(customer), "r-7", "SPB-31542", "t-3", "ST-102", test::at(9, 5), test::at(10, 5)};
}

void set_current(test::fake_app& app, domain::current_rental r) {
  std::lock_guard lock{app.world.mutex};
  app.world.current_rentals[r.customer_id] = std::move(r);
}

TEST_F(Api, CurrentRental) {
  set_current(app, ride_of("c-1"));
  clock.set(test::at(9, 35) + std::chrono::seconds{30});
  auto r = get("/v1/rentals/current", customer);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(body_of(r), (json{{"rentalId", "r-7"},
                             {"bicycleId", "SPB-31542"},
                             {"ticketId", "t-3"},
                             {"fromStationId", "ST-102"},
                             {"rentedAt", "2024-05-01T09:05:00Z"},
                             {"dueAt", "2024-05-01T10:05:00Z"},
                             {"remainingSeconds", 29 * 60 + 30}}));
  EXPECT_EQ(calls(), (std::vector<std::string>{"ride_view.current_rental c-1"}));
}

TEST_F(Api, RemainingSecondsFollowTheServerClock) {
  set_current(app, ride_of("c-1"));
  clock.set(test::at(9, 5));
  EXPECT_EQ(body_of(get("/v1/rentals/current", customer))["remainingSeconds"], 3600);
  clock.set(test::at(10, 4));
  EXPECT_EQ(body_of(get("/v1/rentals/current", customer))["remainingSeconds"], 60);
  clock.set(test::at(10, 40));  // overdue: never negative
  EXPECT_EQ(body_of(get("/v1/rentals/current", customer))["remainingSeconds"], 0);
}

TEST_F(Api, RemainingSecondsAreComputedWhenTheAnswerIsRendered) {
  set_current(app, ride_of("c-1"));
  app.world.pump.set_mode(test::reply_pump::mode::held);
  clock.set(test::at(9, 5));
  answers got;
  endpoints.handle(make_request("GET", "/v1/rentals/current", {}, {{"Authorization", customer}}), got.responder_fn());
  ASSERT_TRUE(app.world.pump.wait_held(1));
  clock.set(test::at(10, 0));  // the view answers five minutes before the due time
  app.world.pump.release();
  ASSERT_TRUE(got.wait(1));
  EXPECT_EQ(body_of(got.at(0))["remainingSeconds"], 300);
}

TEST_F(Api, NoActiveRentalIs404) {
  set_current(app, ride_of("c-2"));
  auto r = get("/v1/rentals/current", customer);
  expect_problem(r, 404, "no_active_rental");
  EXPECT_EQ(calls(), (std::vector<std::string>{"ride_view.current_rental c-1"}));
  expect_problem(get("/v1/rentals/current", operator_), 403, "forbidden");
  expect_problem(get("/v1/rentals/current", {}), 401, "unauthorized");
  EXPECT_EQ(calls().size(), 1u);
}

TEST_F(Api, CurrentRentalWhenTheViewFails) {
  app.fail_next(domain::internal("rocksdb: corruption in /data/db"));
  auto r = get("/v1/rentals/current", customer);
  expect_problem(r, 500, "internal_error");
  EXPECT_EQ(r.body.find("/data"), std::string::npos);
  app.fail_next(domain::error{domain::error_kind::unavailable, domain::error_code::view_unavailable, "the view is being rebuilt", {}, 2});
  auto u = get("/v1/rentals/current", customer);
  expect_problem(u, 503, "view_unavailable");
  EXPECT_EQ(u.header("Retry-After"), "2");
}

// ---------------------------------------------------------------- read side: notifications

domain::notification notice(std::uint64_t sequence, domain::ids::customer_id customer = "c-1", std::string kind = "ticket_paid") {
  domain::notification n;
  n.id = "n_e-" + std::to_string(sequence);
  n.sequence = sequence;
  n.customer_id = std::move(customer);
  n.kind = std::move(kind);
  n.message_ko = "이용권 결제 " + std::to_string(sequence);
  n.message_en = "Ticket paid " + std::to_string(sequence);
  n.correlation_id = "t-" + std::to_string(sequence);
  n.created_at = test::at(9, static_cast<int>(sequence % 60));
  return n;
}

std::vector<std::uint64_t> sequences_of(const json& doc) {
  std::vector<std::uint64_t> out;
  for (const auto& item : doc.at("items")) out.push_back(item.at("sequence").get<std::uint64_t>());
  return out;
}

TEST_F(Api, NotificationsNewestFirst) {
  app.notifications.publish(notice(3));
  app.notifications.publish(notice(10));
  app.notifications.publish(notice(4, "c-2"));
  app.notifications.publish(notice(7));
  auto r = get("/v1/notifications", customer);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(sequences_of(body_of(r)), (std::vector<std::uint64_t>{10, 7, 3}));
  EXPECT_EQ(sequences_of(body_of(get("/v1/notifications?limit=2", customer))), (std::vector<std::uint64_t>{10, 7}));
  EXPECT_EQ(calls(), (std::vector<std::string>{"notifications.list c-1 50", "notifications.list c-1 2"}));
  EXPECT_EQ(body_of(get("/v1/notifications", fx.bearer("c-9", "customer"))), (json{{"items", json::array()}}));
}

TEST_F(Api, NotificationItem) {
  app.notifications.publish(notice(12));
  auto r = get("/v1/notifications", customer);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r), (json{{"items", json::array({json{{"id", "n_e-12"},
                                                          {"kind", "ticket_paid"},
                                                          {"message", "이용권 결제 12"},
                                                          {"messages", {{"ko", "이용권 결제 12"}, {"en", "Ticket paid 12"}}},
                                                          {"correlationId", "t-12"},
                                                          {"createdAt", "2024-05-01T09:12:00Z"},
                                                          {"sequence", 12}}})}}));
  EXPECT_EQ(r.header("Content-Language"), "ko");
}

TEST_F(Api, NotificationLanguageFollowsAcceptLanguage) {
  app.notifications.publish(notice(1));
  auto message = [&](std::optional<std::string> accept) {
    header_list headers{{"Authorization", customer}};
    if (accept) headers.emplace_back("Accept-Language", *accept);
    auto r = call(make_request("GET", "/v1/notifications", {}, std::move(headers)));
    EXPECT_EQ(r.status, 200) << r.body;
    return std::pair{body_of(r)["items"][0]["message"].get<std::string>(), std::string{r.header("Content-Language").value_or("")}};
  };
  EXPECT_EQ(message(std::nullopt), (std::pair<std::string, std::string>{"이용권 결제 1", "ko"}));
  EXPECT_EQ(message("en-US,en;q=0.9,ko;q=0.8"), (std::pair<std::string, std::string>{"Ticket paid 1", "en"}));
  EXPECT_EQ(message("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"), (std::pair<std::string, std::string>{"이용권 결제 1", "ko"}));
  EXPECT_EQ(message("fr-FR, en;q=0.5"), (std::pair<std::string, std::string>{"Ticket paid 1", "en"}));
  EXPECT_EQ(message("de"), (std::pair<std::string, std::string>{"이용권 결제 1", "ko"}));
}

TEST_F(Api, NotificationLimitIsValidated) {
  for (std::string bad : {"0", "201", "-1", "abc", "1.5", "", "10x", "99999999999999999999999"}) {
    expect_problem(get("/v1/notifications?limit=" + bad, customer), 400, "invalid_request");
  }
  expect_problem(get("/v1/notifications?limit=1&limit=2", customer), 400, "invalid_request");
  EXPECT_TRUE(calls().empty());
  EXPECT_EQ(get("/v1/notifications?limit=1", customer).status, 200);
  EXPECT_EQ(get("/v1/notifications?limit=200", customer).status, 200);
  EXPECT_EQ(get("/v1/notifications?other=x", customer).status, 200);
  EXPECT_EQ(calls(), (std::vector<std::string>{"notifications.list c-1 1", "notifications.list c-1 200",
                                               "notifications.list c-1 50"}));
}

// ---------------------------------------------------------------- listings: limit, cursor, next

// The listings: what a client reads by following `next`.
class ApiListings : public Api {
 protected:
  struct walked {
    std::vector<std::string> ids;  // of every item, in the order of the pages
    std::size_t pages = 0;
  };

  // Reads `path` (with `query`, may be empty) from its first page to its last, following `next`;
  // each item named by its `key` member.
  walked walk(const std::string& path, const std::string& query, const std::string& auth, const std::string& key = "id") {
    walked out;
    std::optional<std::string> cursor;
    for (int guard = 0; guard < 100; ++guard) {
      std::string target = path + "?" + query;
      if (cursor) target += (query.empty() ? "" : "&") + std::string{"cursor="} + *cursor;
      auto r = get(target, auth);
      EXPECT_EQ(r.status, 200) << target << ": " << r.body;
      if (r.status != 200) break;
      auto doc = body_of(r);
      ++out.pages;
      for (const auto& item : doc.at("items")) out.ids.push_back(item.at(key).dump());
      if (!doc.contains("next")) break;
      EXPECT_TRUE(doc["next"].is_string()) << doc.dump();
      cursor = doc["next"].get<std::string>();
    }
    return out;
  }

  void add_stations(int n) {
    std::lock_guard lock{app.world.mutex};
    for (int i = 0; i < n; ++i) {
      domain::ids::station_id id{"ST-" + std::to_string(100 + i)};
      app.world.stations[id] = {domain::station{id, "n", 37.5, 127.0, 10}, domain::availability{0, 10}};
    }
  }
  void add_bicycles(int n, const std::string& station, domain::bicycle_status status = domain::bicycle_status::available) {
    std::lock_guard lock{app.world.mutex};
    for (int i = 0; i < n; ++i) {
      domain::ids::bicycle_id id{"SPB-" + station + (status == domain::bicycle_status::rented ? "r" : "a") + std::to_string(i)};
      app.world.bicycles[id] = {id, status, domain::ids::station_id{station}, {}};
    }
  }

  // The ids of a walk as JSON texts, e.g. "\"ST-100\"", in order.
  static std::vector<std::string> quoted(const std::vector<std::string>& ids) {
    std::vector<std::string> out;
    for (const auto& id : ids) out.push_back(json(id).dump());
    return out;
  }
};

TEST_F(ApiListings, WithoutParametersTheAnswerIsTheFirstPageOfAHundredWithANext) {
  add_stations(101);
  auto first = body_of(get("/v1/stations", customer));
  EXPECT_EQ(first["items"].size(), 100u);
  ASSERT_TRUE(first.contains("next")) << "a page follows";
  ASSERT_EQ(app.world.page_requests().size(), 1u);
  EXPECT_EQ(app.world.page_requests()[0].limit, 100u);
  EXPECT_FALSE(app.world.page_requests()[0].cursor.has_value());

  auto last = body_of(get("/v1/stations?cursor=" + first["next"].get<std::string>(), customer));
  ASSERT_EQ(last["items"].size(), 1u);
  EXPECT_EQ(last["items"][0]["id"], "ST-200");
  EXPECT_FALSE(last.contains("next")) << "the last page has no next";
  EXPECT_EQ(app.world.page_requests()[1].cursor, first["next"].get<std::string>());
}

TEST_F(ApiListings, EveryListGivesEachItemOnceAlongItsNextCursors) {
  add_stations(5);
  add_bicycles(5, "ST-100");
  for (int i = 0; i < 5; ++i) buy();
  for (std::uint64_t seq = 1; seq <= 5; ++seq) app.notifications.publish(notice(seq));

  std::vector<std::string> stations, bicycles, tickets;
  {
    std::lock_guard lock{app.world.mutex};
    for (const auto& [id, s] : app.world.stations) stations.push_back(id.str());
    for (const auto& [id, b] : app.world.bicycles) bicycles.push_back(id.str());
    for (const auto& [id, t] : app.world.tickets) tickets.push_back(id.str());
  }
  auto s = walk("/v1/stations", "limit=2", operator_);
  EXPECT_EQ(s.ids, quoted(stations));
  EXPECT_EQ(s.pages, 3u);
  auto b = walk("/v1/bicycles", "limit=2", operator_);
  EXPECT_EQ(b.ids, quoted(bicycles));
  EXPECT_EQ(b.pages, 3u);
  auto t = walk("/v1/tickets", "limit=2", customer);
  EXPECT_EQ(t.ids, quoted(tickets));
  EXPECT_EQ(t.pages, 3u);
  auto n = walk("/v1/notifications", "limit=2", customer, "sequence");
  EXPECT_EQ(n.ids, (std::vector<std::string>{"5", "4", "3", "2", "1"})) << "newest first, then older pages";
  EXPECT_EQ(n.pages, 3u);
  // A limit as large as the list: one page, no next.
  EXPECT_EQ(walk("/v1/stations", "limit=5", customer).pages, 1u);
  EXPECT_EQ(walk("/v1/stations", "limit=1000", customer).pages, 1u);
  EXPECT_EQ(app.world.page_requests().back().limit, 1000u);
}

TEST_F(ApiListings, BicycleFiltersKeepWorkingWithPaging) {
  add_bicycles(3, "ST-1");
  add_bicycles(4, "ST-2");
  add_bicycles(2, "ST-2", domain::bicycle_status::rented);
  auto at_st2 = walk("/v1/bicycles", "stationId=ST-2&status=available&limit=3", operator_);
  EXPECT_EQ(at_st2.ids, quoted({"SPB-ST-2a0", "SPB-ST-2a1", "SPB-ST-2a2", "SPB-ST-2a3"}));
  EXPECT_EQ(at_st2.pages, 2u);
  EXPECT_EQ(calls().back(), "fleet.bicycles ST-2 available") << "the filter goes with every page";
  EXPECT_EQ(app.world.page_requests().back().limit, 3u);
  EXPECT_EQ(walk("/v1/bicycles", "status=rented&limit=1", customer).ids, quoted({"SPB-ST-2r0", "SPB-ST-2r1"}));
  expect_problem(get("/v1/bicycles?status=broken&limit=2", customer), 400, "invalid_request");
}

TEST_F(ApiListings, AnIllFormedLimitOrCursorIs400InvalidQueryBeforeTheFacade) {
  for (std::string path : {"/v1/stations", "/v1/bicycles", "/v1/tickets"}) {
    for (const auto& bad : std::vector<std::string>{"limit=0", "limit=1001", "limit=", "limit=ten", "cursor=",
                                                    "cursor=a%2Fb", "cursor=a+b", "cursor=" + std::string(201, 'c')})
      expect_problem(get(path + "?" + bad, customer), 400, "invalid_query");
  }
  for (std::string path : {"/v1/stations", "/v1/tickets"})
    expect_problem(get(path + "?limit=1&limit=2", customer), 400, "invalid_query");
  for (std::string bad : {"cursor=", "cursor=a%2Fb", "limit=5&cursor=%C3%A9"})
    expect_problem(get("/v1/notifications?" + bad, customer), 400, "invalid_query");
  expect_problem(get("/v1/notifications?limit=201&cursor=x", customer), 400, "invalid_request");  // its own limit
  EXPECT_TRUE(calls().empty());
}

TEST_F(ApiListings, ACursorTheListingCannotReadIs400InvalidCursor) {
  add_stations(3);
  for (std::string path : {"/v1/stations", "/v1/bicycles", "/v1/tickets", "/v1/notifications"})
    expect_problem(get(path + "?cursor=f.nothing-here", customer), 400, "invalid_cursor");
  EXPECT_EQ(calls().size(), 4u) << "a well-formed cursor goes to the listing, which refuses it";
  for (const auto& page : app.world.page_requests()) EXPECT_EQ(page.cursor, "f.nothing-here");
}

TEST_F(ApiListings, TheInboxKeepsItsOwnLimitAndTakesACursor) {
  for (std::uint64_t seq = 1; seq <= 60; ++seq) app.notifications.publish(notice(seq));
  auto first = body_of(get("/v1/notifications", customer));
  EXPECT_EQ(first["items"].size(), 50u) << "50 by default";
  ASSERT_TRUE(first.contains("next"));
  auto rest = body_of(get("/v1/notifications?cursor=" + first["next"].get<std::string>(), customer));
  EXPECT_EQ(sequences_of(rest).size(), 10u);
  EXPECT_EQ(sequences_of(rest).front(), 10u);
  EXPECT_FALSE(rest.contains("next"));
  EXPECT_EQ(app.world.page_requests().back().limit, 50u);
}

// ---------------------------------------------------------------- read side: notification stream

// A stream that records what the api does with it.
class recording_stream final : public stream {
 public:
  void write(std::string bytes) override {
    std::lock_guard lock{mutex_};
    writes_.push_back(std::move(bytes));
    cv_.notify_all();
  }
  void bind(std::shared_ptr<void> resource) override {
    std::lock_guard lock{mutex_};
    resources_.push_back(std::move(resource));
  }
  void close() override {
    std::lock_guard lock{mutex_};
    closed_ = true;
  }

  bool wait_writes(std::size_t n) {
    std::unique_lock lock{mutex_};
    return cv_.wait_for(lock, std::chrono::seconds{5}, [&] { return writes_.size() >= n; });
  }
  std::vector<std::string> writes() {
    std::lock_guard lock{mutex_};
    return writes_;
  }
  std::size_t bound() {
    std::lock_guard lock{mutex_};
    return resources_.size();
  }
  bool closed() {
    std::lock_guard lock{mutex_};
    return closed_;
  }
  // What happens when the client goes away: the bound resources are released.
  void end() {
    std::vector<std::shared_ptr<void>> resources;
    {
      std::lock_guard lock{mutex_};
      resources.swap(resources_);
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> writes_;
  std::vector<std::shared_ptr<void>> resources_;
  bool closed_ = false;
};

class recording_opener final : public stream_opener {
 public:
  std::shared_ptr<stream> open(response head) override {
    heads.push_back(std::move(head));
    return refuse ? nullptr : opened;
  }
  std::vector<response> heads;
  bool refuse = false;
  std::shared_ptr<recording_stream> opened = std::make_shared<recording_stream>();
};

class ApiStream : public Api {
 protected:
  // The stream ends with the test: it releases the watches bound to it (which hold `deliver`,
  // which holds the stream).
  void TearDown() override { opener.opened->end(); }

  // Handles a stream request; answers (refusals) are returned.
  answers* open(header_list headers, std::string target = "/v1/notifications/stream") {
    endpoints.handle(make_request("GET", std::move(target), {}, std::move(headers)), got.responder_fn(), &opener);
    return &got;
  }
  answers got;
  recording_opener opener;
};

TEST_F(ApiStream, OpensAStreamAndWatchesFromTheStart) {
  app.notifications.publish(notice(2));
  open({{"Authorization", customer}});
  EXPECT_EQ(got.count(), 0u);  // the stream answers, not the responder
  ASSERT_EQ(opener.heads.size(), 1u);
  const auto& head = opener.heads[0];
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(head.header("Cache-Control"), "no-cache");
  EXPECT_EQ(calls(), (std::vector<std::string>{"notifications.watch c-1 0"}));
  EXPECT_EQ(opener.opened->bound(), 1u);  // the watch lives as long as the stream

  app.notifications.publish(notice(5));
  ASSERT_TRUE(opener.opened->wait_writes(2));
  auto writes = opener.opened->writes();
  EXPECT_EQ(writes[0], sse_event(notice(2), language::ko));
  EXPECT_EQ(writes[1], sse_event(notice(5), language::ko));
  EXPECT_TRUE(writes[1].starts_with("id: 5\nevent: ticket_paid\ndata: {"));

  // The stream ends (client gone): the watch goes with it.
  EXPECT_EQ(app.notifications.live_watches(), 1u);
  opener.opened->end();
  EXPECT_EQ(app.notifications.live_watches(), 0u);
  EXPECT_EQ(app.notifications.cancelled_watches(), 1u);
}

TEST_F(ApiStream, ResumesAfterTheLastEventId) {
  for (std::uint64_t seq : {3, 5, 8}) app.notifications.publish(notice(seq));
  open({{"Authorization", customer}, {"Last-Event-ID", "5"}});
  ASSERT_TRUE(opener.opened->wait_writes(1));
  std::this_thread::sleep_for(std::chrono::milliseconds{50});
  EXPECT_EQ(opener.opened->writes(), (std::vector<std::string>{sse_event(notice(8), language::ko)}));
  EXPECT_EQ(calls(), (std::vector<std::string>{"notifications.watch c-1 5"}));
}

TEST_F(ApiStream, LastEventIdFromTheQueryAndTheHeaderWins) {
  open({{"Authorization", customer}}, "/v1/notifications/stream?lastEventId=3");
  open({{"Authorization", customer}, {"Last-Event-ID", "9"}}, "/v1/notifications/stream?lastEventId=3");
  open({{"Authorization", customer}, {"Last-Event-ID", ""}}, "/v1/notifications/stream");
  EXPECT_EQ(calls(), (std::vector<std::string>{"notifications.watch c-1 3", "notifications.watch c-1 9",
                                               "notifications.watch c-1 0"}));
}

TEST_F(ApiStream, EnglishWhenPreferred) {
  app.notifications.publish(notice(1));
  open({{"Authorization", customer}, {"Accept-Language", "en"}});
  ASSERT_EQ(opener.heads.size(), 1u);
  EXPECT_EQ(opener.heads[0].header("Content-Language"), "en");
  ASSERT_TRUE(opener.opened->wait_writes(1));
  EXPECT_EQ(opener.opened->writes()[0], sse_event(notice(1), language::en));
  EXPECT_NE(opener.opened->writes()[0].find("\"message\":\"Ticket paid 1\""), std::string::npos);
}

TEST_F(ApiStream, RefusalsGoThroughTheResponder) {
  open({{"Authorization", operator_}});
  open({{"Authorization", customer}, {"Last-Event-ID", "abc"}});
  open({{"Authorization", customer}}, "/v1/notifications/stream?lastEventId=-4");
  ASSERT_EQ(got.count(), 3u);
  expect_problem(got.at(0), 403, "forbidden");
  expect_problem(got.at(1), 400, "invalid_request");
  expect_problem(got.at(2), 400, "invalid_request");
  EXPECT_TRUE(opener.heads.empty());
  EXPECT_TRUE(calls().empty());
}

TEST_F(ApiStream, AStoppingServerRefusesStreams) {
  opener.refuse = true;
  open({{"Authorization", customer}});
  ASSERT_EQ(got.count(), 1u);
  expect_problem(got.at(0), 503, "service_unavailable");
  EXPECT_TRUE(calls().empty());  // no watch without a stream
}

TEST_F(ApiStream, WithoutStreamSupportIs500) {
  auto r = get("/v1/notifications/stream", customer);
  expect_problem(r, 500, "internal_error");
  EXPECT_TRUE(calls().empty());
}

TEST_F(ApiStream, AFailingWatchClosesTheStream) {
  {
    std::lock_guard lock{app.world.mutex};
    app.world.throw_next = true;
  }
  open({{"Authorization", customer}});
  EXPECT_TRUE(opener.opened->closed());
  EXPECT_EQ(opener.opened->bound(), 0u);
  EXPECT_EQ(got.count(), 0u);
}

}  // namespace
}  // namespace ttareungyi::http
