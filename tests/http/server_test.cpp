// The real server on an ephemeral loopback port, with fake facades behind it: what travels over
// the wire, replies from other threads, limits, and stopping with answers still owed.
#include "ttareungyi/http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "fakes.hpp"
#include "http_client.hpp"
#include "test_support.hpp"

namespace ttareungyi::http {
namespace {

using namespace std::chrono_literals;
using ttareungyi::test::basic;
using ttareungyi::test::bearer;
using ttareungyi::test::http_client;
using ttareungyi::test::http_error;
using ttareungyi::test::no_auth;
using json = nlohmann::json;

constexpr std::size_t max_body = 4096;

class Server : public ::testing::Test {
 protected:
  void SetUp() override {
    auto port = srv->start();
    ASSERT_TRUE(port) << port.error();
    ASSERT_NE(*port, 0);
    port_ = *port;
  }

  static server_options options(std::chrono::milliseconds drain = 300ms) {
    server_options o;
    o.bind = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    o.max_body_bytes = max_body;
    o.drain_timeout = drain;
    return o;
  }

  // Replaces the server with one that drains for `drain`.
  void restart_with(std::chrono::milliseconds drain) {
    srv.reset();
    srv = std::make_unique<server>(app.services(), fx.tokens, std::vector<security::operator_client>{{"ops-1", "s3cret"}},
                                   options(drain));
    auto port = srv->start();
    ASSERT_TRUE(port) << port.error();
    port_ = *port;
  }

  http_client client() { return http_client{port_}; }
  std::string customer_token() { return fx.tokens.issue("c-1", "customer"); }
  std::string operator_token() { return fx.tokens.issue("ops-1", "operator"); }

  test::fake_app app;
  test::token_fixture fx;
  std::unique_ptr<server> srv =
      std::make_unique<server>(app.services(), fx.tokens, std::vector<security::operator_client>{{"ops-1", "s3cret"}}, options());
  std::uint16_t port_ = 0;
};

void expect_problem(const ttareungyi::test::response& r, int status, std::string_view code) {
  EXPECT_EQ(r.status, status) << r.describe();
  EXPECT_EQ(r.media_type(), "application/problem+json") << r.describe();
  auto doc = r.json();
  EXPECT_EQ(doc["status"], status);
  EXPECT_EQ(doc["code"], code) << r.describe();
}

TEST_F(Server, ServesHealthOnTheEphemeralPort) {
  auto c = client();
  auto live = c.get("/health/live");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.media_type(), "application/json");
  EXPECT_EQ(live.json(), (json{{"status", "live"}}));
  auto ready = c.get("/health/ready");  // same kept-alive connection
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json(), (json{{"status", "ready"}}));
}

TEST_F(Server, StartingAgainAnswersTheSamePort) {
  auto again = srv->start();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, port_);
}

TEST_F(Server, AuthMatrix) {
  auto c = client();
  auto none = c.get("/v1/tickets");
  expect_problem(none, 401, "unauthorized");
  ASSERT_TRUE(none.header("WWW-Authenticate"));
  EXPECT_EQ(none.header("WWW-Authenticate")->substr(0, 7), "Bearer ");
  expect_problem(c.get("/v1/tickets", bearer("not-a-token")), 401, "unauthorized");
  expect_problem(c.get("/v1/tickets", basic("ops-1", "s3cret")), 401, "unauthorized");
  expect_problem(c.get("/v1/tickets", bearer(operator_token())), 403, "forbidden");
  expect_problem(c.post_json("/v1/stations", {{"name", "n"}, {"lat", 1}, {"lon", 2}, {"capacity", 3}}, bearer(customer_token())),
                 403, "forbidden");
  expect_problem(c.del("/v1/bicycles/SPB-1", bearer(customer_token())), 403, "forbidden");
  EXPECT_EQ(c.get("/v1/tickets", bearer(customer_token())).status, 200);
  EXPECT_EQ(c.get("/v1/stations", bearer(customer_token())).status, 200);
  EXPECT_EQ(c.get("/v1/stations", bearer(operator_token())).status, 200);
  EXPECT_EQ(c.get("/v1/bicycles", bearer(operator_token())).status, 200);
}

TEST_F(Server, NotFoundAndMethodNotAllowed) {
  auto c = client();
  expect_problem(c.get("/nope"), 404, "not_found");
  expect_problem(c.get("/v1/rentals/r-1", bearer(customer_token())), 404, "not_found");
  auto r = c.del("/v1/stations", bearer(operator_token()));
  expect_problem(r, 405, "method_not_allowed");
  EXPECT_EQ(r.header("Allow"), "GET, POST");
  auto t = c.get("/oauth2/token");
  expect_problem(t, 405, "method_not_allowed");
  EXPECT_EQ(t.header("Allow"), "POST");
}

TEST_F(Server, UnsupportedMediaType) {
  auto c = client();
  expect_problem(c.post("/v1/tickets", R"({"type":"1h"})", "text/plain", bearer(customer_token())), 415,
                 "unsupported_media_type");
  auto ok = c.post("/v1/tickets", R"({"type":"1h"})", "application/json; charset=utf-8", bearer(customer_token()));
  EXPECT_EQ(ok.status, 201) << ok.describe();
}

TEST_F(Server, BadJsonIs400) {
  auto c = client();
  auto r = c.post("/v1/tickets", "{\"type\":", "application/json", bearer(customer_token()));
  expect_problem(r, 400, "invalid_request");
  expect_problem(c.post_json("/v1/tickets", json::array({1, 2}), bearer(customer_token())), 400, "invalid_request");
  expect_problem(c.post_json("/v1/tickets", {{"type", "9h"}}, bearer(customer_token())), 400, "invalid_request");
  expect_problem(c.post_json("/v1/rentals", {{"bicycleId", "SPB-1"}}, bearer(customer_token())), 400, "invalid_request");
}

TEST_F(Server, BodyOverTheLimitIs413) {
  auto c = client();
  std::string body = R"({"type":"1h","pad":")" + std::string(max_body, 'x') + "\"}";
  expect_problem(c.post("/v1/tickets", body, "application/json", bearer(customer_token())), 413, "payload_too_large");
  // Far beyond the limit, the server closes the connection without reading (or buffering) the body.
  auto huge = c.send_raw(
      "POST /v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{");
  EXPECT_FALSE(huge) << huge->describe();
  EXPECT_EQ(client().get("/health/live").status, 200);
}

TEST_F(Server, GarbageDoesNotHurtTheServer) {
  auto c = client();
  auto r = c.send_raw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_FALSE(r) << r->describe();
  auto long_url = c.send_raw("GET /" + std::string(20'000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_FALSE(long_url) << long_url->describe();
  EXPECT_EQ(client().get("/health/live").status, 200);
}

TEST_F(Server, TokenEndpointPasswordGrant) {
  auto c = client();
  ASSERT_EQ(c.post_json("/v1/customers", {{"phone", "010-1234-5678"}, {"password", "bike2024"}, {"name", "김따릉"}}).status, 201);
  auto r = c.post_form("/oauth2/token", {{"grant_type", "password"}, {"username", "010-1234-5678"}, {"password", "bike2024"}});
  ASSERT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  auto doc = r.json();
  EXPECT_EQ(doc["token_type"], "Bearer");
  EXPECT_EQ(doc["scope"], "customer");
  EXPECT_EQ(doc["expires_in"], 3600);
  // The token works.
  auto tickets = c.get("/v1/tickets", bearer(doc["access_token"].get<std::string>()));
  EXPECT_EQ(tickets.status, 200) << tickets.describe();

  auto wrong = c.post_form("/oauth2/token", {{"grant_type", "password"}, {"username", "010-1234-5678"}, {"password", "nope1234"}});
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(wrong.json()["error"], "invalid_grant");
}

TEST_F(Server, TokenEndpointClientCredentials) {
  auto c = client();
  auto r = c.post_form("/oauth2/token", {{"grant_type", "client_credentials"}}, basic("ops-1", "s3cret"));
  ASSERT_EQ(r.status, 200) << r.describe();
  auto doc = r.json();
  EXPECT_EQ(doc["scope"], "operator");
  auto station = c.post_json("/v1/stations", {{"id", "ST-1"}, {"name", "n"}, {"lat", 37.5}, {"lon", 127.0}, {"capacity", 10}},
                             bearer(doc["access_token"].get<std::string>()));
  EXPECT_EQ(station.status, 201) << station.describe();
  EXPECT_EQ(station.header("Location"), "/v1/stations/ST-1");

  auto post = c.post_form("/oauth2/token", {{"grant_type", "client_credentials"}, {"client_id", "ops-1"}, {"client_secret", "s3cret"}});
  EXPECT_EQ(post.status, 200) << post.describe();

  auto bad = c.post_form("/oauth2/token", {{"grant_type", "client_credentials"}}, basic("ops-1", "wrong"));
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.json()["error"], "invalid_client");
  ASSERT_TRUE(bad.header("WWW-Authenticate"));
  EXPECT_EQ(bad.header("WWW-Authenticate")->substr(0, 5), "Basic");

  auto missing = c.post_form("/oauth2/token", {{"grant_type", "client_credentials"}});
  EXPECT_EQ(missing.status, 401);
  auto unsupported = c.post_form("/oauth2/token", {{"grant_type", "authorization_code"}});
  EXPECT_EQ(unsupported.status, 400);
  EXPECT_EQ(unsupported.json()["error"], "unsupported_grant_type");
  auto no_grant = c.post_form("/oauth2/token", {{"username", "x"}});
  EXPECT_EQ(no_grant.status, 400);
  EXPECT_EQ(no_grant.json()["error"], "invalid_request");
}

TEST_F(Server, WellKnownDocuments) {
  auto c = client();
  auto jwks = c.get("/.well-known/jwks.json");
  EXPECT_EQ(jwks.status, 200);
  EXPECT_EQ(jwks.json()["keys"].size(), 1u);
  auto meta = c.get("/.well-known/oauth-authorization-server");
  EXPECT_EQ(meta.status, 200);
  auto doc = meta.json();
  EXPECT_EQ(doc["issuer"], test::test_issuer);
  auto host = "http://127.0.0.1:" + std::to_string(port_);
  EXPECT_EQ(doc["token_endpoint"], host + "/oauth2/token");
  EXPECT_EQ(doc["jwks_uri"], host + "/.well-known/jwks.json");
}

TEST_F(Server, DeleteAnswers204) {
  auto c = client();
  ASSERT_EQ(c.post_json("/v1/bicycles", {{"id", "SPB-1"}, {"stationId", "ST-1"}}, bearer(operator_token())).status, 201);
  auto r = c.del("/v1/bicycles/SPB-1", bearer(operator_token()));
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  expect_problem(c.del("/v1/bicycles/SPB-1", bearer(operator_token())), 404, "bicycle_not_found");
}

TEST_F(Server, ReplyDeliveredFromAnotherThreadAfterADelay) {
  app.world.pump.set_mode(test::reply_pump::mode::delayed, 200ms);
  auto c = client();
  auto started = std::chrono::steady_clock::now();
  auto r = c.post_json("/v1/tickets", {{"type", "1h"}}, bearer(customer_token()));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 201) << r.describe();
  EXPECT_EQ(r.json()["status"], "paid");
  EXPECT_GE(took, 200ms);
}

TEST_F(Server, ConcurrentDelayedRepliesAllArrive) {
  app.world.pump.set_mode(test::reply_pump::mode::delayed, 100ms);
  auto token = customer_token();
  std::vector<std::future<int>> results;
  for (int i = 0; i < 8; ++i) {
    results.push_back(std::async(std::launch::async, [this, token] {
      auto c = client();
      int ok = 0;
      for (int j = 0; j < 3; ++j) ok += c.post_json("/v1/tickets", {{"type", "2h"}}, bearer(token)).status == 201;
      return ok;
    }));
  }
  int total = 0;
  for (auto& f : results) total += f.get();
  EXPECT_EQ(total, 24);
}

TEST_F(Server, AReplyTheFacadeDropsBecomesA500) {
  app.world.pump.set_mode(test::reply_pump::mode::held);
  auto answer = std::async(std::launch::async, [this] { return client().get("/v1/stations", bearer(operator_token())); });
  ASSERT_TRUE(app.world.pump.wait_held(1));
  app.world.pump.discard();
  auto r = answer.get();
  expect_problem(r, 500, "internal_error");
}

TEST_F(Server, StopWaitsForAReplyThatArrivesInTime) {
  app.world.pump.set_mode(test::reply_pump::mode::held);
  auto answer = std::async(std::launch::async, [this] { return client().post_json("/v1/tickets", {{"type", "1h"}}, bearer(customer_token())); });
  ASSERT_TRUE(app.world.pump.wait_held(1));
  app.world.pump.release_later(100ms);
  srv->stop();  // drains for up to 300 ms: long enough
  auto r = answer.get();
  EXPECT_EQ(r.status, 201) << r.describe();
}

TEST_F(Server, StopWithAReplyStillPendingDoesNotCrash) {
  app.world.pump.set_mode(test::reply_pump::mode::held);
  auto answer = std::async(std::launch::async, [this] {
    try {
      return client().post_json("/v1/tickets", {{"type", "1h"}}, bearer(customer_token())).status;
    } catch (const http_error&) {
      return -1;  // the connection was closed without an answer
    }
  });
  ASSERT_TRUE(app.world.pump.wait_held(1));
  auto started = std::chrono::steady_clock::now();
  srv->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(answer.get(), -1);
  app.world.pump.release();  // the late reply finds the server stopped
  srv.reset();               // and after destruction too
}

TEST_F(Server, LateRepliesAfterDestructionAreDropped) {
  app.world.pump.set_mode(test::reply_pump::mode::held);
  std::thread caller{[this] {
    try {
      (void)client().get("/v1/tickets", bearer(customer_token()));
    } catch (const http_error&) {
    }
  }};
  ASSERT_TRUE(app.world.pump.wait_held(1));
  srv.reset();
  caller.join();
  app.world.pump.release_later(10ms);  // on another thread, after the server is gone
}

TEST_F(Server, LateSignInReplyAfterStopIsDropped) {
  auto c = client();
  ASSERT_EQ(c.post_json("/v1/customers", {{"phone", "010-1234-5678"}, {"password", "bike2024"}, {"name", "n"}}).status, 201);
  app.world.pump.set_mode(test::reply_pump::mode::held);
  auto answer = std::async(std::launch::async, [this] {
    try {
      return client()
          .post_form("/oauth2/token", {{"grant_type", "password"}, {"username", "010-1234-5678"}, {"password", "bike2024"}})
          .status;
    } catch (const http_error&) {
      return -1;
    }
  });
  ASSERT_TRUE(app.world.pump.wait_held(1));
  srv->stop();
  EXPECT_EQ(answer.get(), -1);
  app.world.pump.release();  // no token is issued for a server that is gone
}

TEST_F(Server, StopIsIdempotentAndTheServerCanStartAgain) {
  srv->stop();
  srv->stop();
  EXPECT_THROW((void)client().get("/health/live"), http_error);
  auto port = srv->start();
  ASSERT_TRUE(port) << port.error();
  EXPECT_EQ(http_client{*port}.get("/health/live").status, 200);
}

TEST_F(Server, ReadinessDuringDrainIs503) {
  restart_with(1500ms);
  app.world.pump.set_mode(test::reply_pump::mode::held);
  auto c = client();
  c.connect();
  auto pending = std::async(std::launch::async, [this] {
    try {
      return client().get("/v1/tickets", bearer(customer_token())).status;
    } catch (const http_error&) {
      return -1;
    }
  });
  ASSERT_TRUE(app.world.pump.wait_held(1));
  std::thread stopper{[this] { srv->stop(); }};
  std::this_thread::sleep_for(200ms);  // draining now
  try {
    auto r = c.get("/health/ready");  // on the connection opened before the listener closed
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("Connection"), "close");
  } catch (const http_error&) {
    ADD_FAILURE() << "an open connection should still be served while draining";
  }
  stopper.join();
  EXPECT_EQ(pending.get(), -1);
}

TEST(ServerStart, ReportsBindFailures) {
  test::fake_app app;
  test::token_fixture fx;
  server_options o;
  o.bind = "127.0.0.1";
  o.port = 0;
  server first{app.services(), fx.tokens, {}, o};
  auto port = first.start();
  ASSERT_TRUE(port) << port.error();

  o.port = *port;
  server second{app.services(), fx.tokens, {}, o};
  auto clash = second.start();
  ASSERT_FALSE(clash);
  EXPECT_NE(clash.error().find(std::to_string(*port)), std::string::npos) << clash.error();

  o.bind = "not-an-address";
  server third{app.services(), fx.tokens, {}, o};
  auto bad = third.start();
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("not-an-address"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace ttareungyi::http
