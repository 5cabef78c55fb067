// Bad input: every malformed, ill-typed, incomplete, oversized or misrouted request gets a 4xx
// problem (never a 5xx), and the server keeps serving afterwards.
#include "e2e_fixture.hpp"

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class BadInput : public server_test {
 protected:
  void SetUp() override {
    server_test::SetUp();
    station_id = create_station()["id"].get<std::string>();
    bicycle_id = create_bicycle(station_id)["id"].get<std::string>();
    c = new_customer();
    ticket_id = buy_ticket(c)["id"].get<std::string>();
    // An active rental, so that bad bodies sent to its return are judged on the body alone.
    ridden_bicycle_id = create_bicycle(station_id)["id"].get<std::string>();
    ridden_ticket_id = buy_ticket(c)["id"].get<std::string>();
    rental_id = rent(c, ridden_bicycle_id, ridden_ticket_id)["id"].get<std::string>();
    return_target = "/v1/rentals/" + url_encode(rental_id) + "/return";
  }

  void TearDown() override {
    EXPECT_TRUE(server_is_alive());
    server_test::TearDown();
  }

  // (target, who) of every endpoint that takes a JSON body.
  std::vector<std::pair<std::string, test::auth>> json_endpoints() {
    return {{"/v1/customers", no_auth()},
            {"/v1/tickets", c.auth()},
            {"/v1/rentals", c.auth()},
            {return_target, c.auth()},
            {"/v1/stations", ops()},
            {"/v1/bicycles", ops()}};
  }

  // Nothing was created or changed by the rejected requests.
  void expect_nothing_changed() {
    EXPECT_EQ(by_id(list_stations()).size(), 1u);
    EXPECT_EQ(by_id(list_bicycles()).size(), 2u);
    EXPECT_EQ((*bicycle(bicycle_id))["status"], "available");
    EXPECT_EQ((*bicycle(ridden_bicycle_id))["status"], "rented");
    auto tickets = by_id(list_tickets(c));
    EXPECT_EQ(tickets.size(), 2u);
    EXPECT_EQ(tickets[ticket_id]["status"], "paid");
    EXPECT_EQ(tickets[ridden_ticket_id]["status"], "in_use");
  }

  std::string station_id;
  std::string bicycle_id;
  customer c;
  std::string ticket_id;
  std::string ridden_bicycle_id;
  std::string ridden_ticket_id;
  std::string rental_id;
  std::string return_target;
};

// A 400 or 404 problem: for ids that are not even well-formed either is fair.
::testing::AssertionResult is_rejected_id(const response& r) {
  if (r.status == 400) return is_problem(r, 400);
  return is_problem(r, 404);
}

TEST_F(BadInput, MalformedJsonIsBadRequest) {
  for (const auto& [target, who] : json_endpoints()) {
    for (const char* body : {"{", "{\"type\": }", "not json", "{\"type\":\"1h\"", "{'type':'1h'}", "", "\xff\xfe{}"}) {
      EXPECT_PROBLEM(http().post(target, body, "application/json", who), 400, "invalid_request")
          << "POST " << target << " body '" << body << "'";
    }
  }
  expect_nothing_changed();
}

TEST_F(BadInput, NonObjectJsonIsBadRequest) {
  for (const auto& [target, who] : json_endpoints()) {
    for (const json& body : {json::array(), json("1h"), json(42), json(nullptr), json(true)}) {
      EXPECT_PROBLEM(http().post_json(target, body, who), 400, "invalid_request") << "POST " << target << " " << body.dump();
    }
  }
  expect_nothing_changed();
}

TEST_F(BadInput, WrongTypesAreBadRequest) {
  struct bad {
    std::string target;
    test::auth who;
    json body;
  };
  std::vector<bad> cases{
      {"/v1/tickets", c.auth(), {{"type", 1}}},
      {"/v1/tickets", c.auth(), {{"type", json::array({"1h"})}}},
      {"/v1/tickets", c.auth(), {{"type", nullptr}}},
      {"/v1/rentals", c.auth(), {{"bicycleId", 5}, {"ticketId", ticket_id}}},
      {"/v1/rentals", c.auth(), {{"bicycleId", bicycle_id}, {"ticketId", true}}},
      {"/v1/rentals", c.auth(), {{"bicycleId", json::object()}, {"ticketId", ticket_id}}},
      {return_target, c.auth(), {{"stationId", json::array()}}},
      {return_target, c.auth(), {{"stationId", 12}}},
      {"/v1/stations", ops(), {{"name", "x"}, {"lat", "north"}, {"lon", 126.9}, {"capacity", 5}}},
      {"/v1/stations", ops(), {{"name", "x"}, {"lat", 37.5}, {"lon", 126.9}, {"capacity", "ten"}}},
      {"/v1/stations", ops(), {{"name", "x"}, {"lat", 37.5}, {"lon", 126.9}, {"capacity", 2.5}}},
      {"/v1/stations", ops(), {{"name", 7}, {"lat", 37.5}, {"lon", 126.9}, {"capacity", 5}}},
      {"/v1/stations", ops(), {{"id", 7}, {"name", "x"}, {"lat", 37.5}, {"lon", 126.9}, {"capacity", 5}}},
      {"/v1/bicycles", ops(), {{"stationId", 7}}},
      {"/v1/bicycles", ops(), {{"id", 31542}, {"stationId", station_id}}},
  };
  for (const auto& x : cases) {
    EXPECT_PROBLEM(http().post_json(x.target, x.body, x.who), 400, "invalid_request") << "POST " << x.target << " " << x.body.dump();
  }
  expect_nothing_changed();
}

TEST_F(BadInput, MissingFieldsAreBadRequest) {
  struct bad {
    std::string target;
    test::auth who;
    json body;
  };
  std::vector<bad> cases{
      {"/v1/tickets", c.auth(), json::object()},
      {"/v1/rentals", c.auth(), json::object()},
      {"/v1/rentals", c.auth(), {{"bicycleId", bicycle_id}}},
      {"/v1/rentals", c.auth(), {{"ticketId", ticket_id}}},
      {return_target, c.auth(), json::object()},
      {"/v1/stations", ops(), {{"name", "x"}}},
      {"/v1/stations", ops(), {{"lat", 37.5}, {"lon", 126.9}, {"capacity", 5}}},
      {"/v1/stations", ops(), {{"name", "x"}, {"lat", 37.5}, {"lon", 126.9}}},
      {"/v1/bicycles", ops(), json::object()},
      {"/v1/bicycles", ops(), {{"id", "SPB-1"}}},
  };
  for (const auto& x : cases) {
    EXPECT_PROBLEM(http().post_json(x.target, x.body, x.who), 400, "invalid_request") << "POST " << x.target << " " << x.body.dump();
  }
  expect_nothing_changed();
}

TEST_F(BadInput, InvalidValuesAreBadRequest) {
  for (const char* type : {"3h", "1H", "", "0h", "1h ", "2hours"}) {
    EXPECT_PROBLEM(http().post_json("/v1/tickets", {{"type", type}}, c.auth()), 400, "invalid_request") << "type '" << type << "'";
  }
  for (const json& body : {json{{"name", "x"}, {"lat", 91.0}, {"lon", 126.9}, {"capacity", 5}},
                           json{{"name", "x"}, {"lat", 37.5}, {"lon", -180.5}, {"capacity", 5}},
                           json{{"name", "x"}, {"lat", 37.5}, {"lon", 126.9}, {"capacity", -1}},
                           json{{"name", ""}, {"lat", 37.5}, {"lon", 126.9}, {"capacity", 5}}}) {
    EXPECT_PROBLEM(http().post_json("/v1/stations", body, ops()), 400, "invalid_request") << body.dump();
  }
  expect_nothing_changed();
}

// POSTs the body; the answer, or nullopt after recording a failure when the server hung up
// without answering.
std::optional<response> post_expecting_answer(http_client& client, std::string_view target, std::string body,
                                              std::string_view content_type, const test::auth& who = {}) {
  try {
    return client.post(target, std::move(body), content_type, who);
  } catch (const http_timeout&) {
    throw;
  } catch (const http_error& e) {
    ADD_FAILURE() << "POST " << target << ": the server closed the connection instead of answering 413 ("
                  << e.what() << ")";
    return std::nullopt;
  }
}

TEST_F(BadInput, OversizedBodyIsPayloadTooLarge) {
  // 2 MiB of valid JSON: a long name.
  std::string big = R"({"phone":"010-5555-6666","password":"s3cret-pass","name":")" + std::string(2 << 20, 'a') + R"("})";
  auto client = new_client();
  if (auto r = post_expecting_answer(client, "/v1/customers", big, "application/json")) {
    EXPECT_PROBLEM(*r, 413, "payload_too_large");
  }
  std::string big_ticket = R"({"type":"1h","pad":")" + std::string(2 << 20, 'x') + R"("})";
  if (auto r = post_expecting_answer(client, "/v1/tickets", big_ticket, "application/json", c.auth())) {
    EXPECT_PROBLEM(*r, 413, "payload_too_large");
  }
  EXPECT_STATUS(password_grant("010-5555-6666", "s3cret-pass"), 400) << "the oversized sign-up must not have happened";
  EXPECT_TRUE(server_is_alive());
  expect_nothing_changed();
}

TEST_F(BadInput, OversizedTokenRequestIsRejected) {
  auto client = new_client();
  if (auto r = post_expecting_answer(client, "/oauth2/token",
                                     "grant_type=password&username=010-1&password=" + std::string(2 << 20, 'p'),
                                     "application/x-www-form-urlencoded")) {
    EXPECT_EQ(r->status, 413) << r->describe();
  }
}

TEST_F(BadInput, NonJsonContentTypeIsUnsupportedMediaType) {
  EXPECT_PROBLEM(http().post("/v1/tickets", R"({"type":"1h"})", "text/plain", c.auth()), 415, "unsupported_media_type");
  EXPECT_PROBLEM(http().post("/v1/customers", "phone=010-7777-8888&password=s3cret-pass&name=x",
                             "application/x-www-form-urlencoded"),
                 415, "unsupported_media_type");
  EXPECT_STATUS(http().post("/v1/tickets", R"({"type":"1h"})", "application/json; charset=utf-8", c.auth()), 201)
      << "media type parameters are fine";
}

TEST_F(BadInput, DeeplyNestedJsonDoesNotCrash) {
  std::string deep(100000, '[');
  auto r = http().post("/v1/tickets", deep, "application/json", c.auth());
  EXPECT_GE(r.status, 400) << r.describe();
  EXPECT_LT(r.status, 500) << r.describe();
  std::string deep_object;
  for (int i = 0; i < 20000; ++i) deep_object += R"({"a":)";
  r = http().post("/v1/customers", deep_object + "1" + std::string(20000, '}'), "application/json");
  EXPECT_GE(r.status, 400) << r.describe();
  EXPECT_LT(r.status, 500) << r.describe();
  EXPECT_TRUE(server_is_alive());
}

TEST_F(BadInput, UnknownRouteIsNotFound) {
  EXPECT_PROBLEM(http().get("/nope"), 404, "not_found");
  EXPECT_PROBLEM(http().get("/v1/nope", c.auth()), 404, "not_found");
  EXPECT_PROBLEM(http().post_json("/v1/tickets/" + url_encode(ticket_id) + "/refund", json::object(), c.auth()), 404,
                 "not_found");
  EXPECT_PROBLEM(http().get("/v2/stations", ops()), 404, "not_found");
}

TEST_F(BadInput, WrongMethodIsMethodNotAllowed) {
  struct call {
    std::string method;
    std::string target;
    test::auth who;
  };
  for (const auto& x : std::vector<call>{{"PUT", "/v1/stations", ops()},
                                         {"DELETE", "/v1/stations", ops()},
                                         {"PATCH", "/v1/bicycles", ops()},
                                         {"GET", "/v1/bicycles/" + url_encode(bicycle_id), ops()},
                                         {"DELETE", "/v1/tickets", c.auth()},
                                         {"GET", "/v1/rentals", c.auth()},
                                         {"GET", "/v1/tickets/" + url_encode(ticket_id) + "/cancel", c.auth()},
                                         {"DELETE", "/v1/customers", no_auth()},
                                         {"POST", "/health/live", no_auth()}}) {
    request req;
    req.method = x.method;
    req.target = x.target;
    req.authorization = x.who;
    if (x.method == "PUT" || x.method == "PATCH") {
      req.body = "{}";
      req.content_type = "application/json";
    }
    EXPECT_PROBLEM(http().send(req), 405, "method_not_allowed") << x.method << " " << x.target;
  }
  expect_nothing_changed();
}

TEST_F(BadInput, GarbageOnTheWireDoesNotHurt) {
  auto client = new_client();
  client.set_timeout(5s);
  using namespace std::string_view_literals;  // ""sv keeps the NUL bytes of the last one
  // Each is a complete message (a server may rightly wait for the rest of a partial one).
  for (std::string_view raw : {"THIS IS NOT HTTP\r\n\r\n"sv,
                               "GET / HTTP/9.9\r\n\r\n"sv,
                               "POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}"sv,
                               "POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"sv,
                               "GET /health/live HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n"sv,
                               "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"sv}) {
    // The server may answer 4xx, or just close the connection; it must not hang on it, answer
    // a server error (505 for an HTTP version that is not 1.x is fine), or fall over.
    std::optional<response> r;
    try {
      r = client.send_raw(raw);
    } catch (const http_timeout& e) {
      std::string shown;
      for (unsigned char ch : raw) {
        if (ch == '\r') shown += "\\r";
        else if (ch == '\n') shown += "\\n";
        else if (ch < 0x20 || ch >= 0x7f) shown += "\\x" + std::string(1, "0123456789abcdef"[ch >> 4]) + "0123456789abcdef"[ch & 15];
        else shown += static_cast<char>(ch);
      }
      ADD_FAILURE() << "server neither answered nor closed on '" << shown << "': " << e.what();
    } catch (const http_error&) {
      // closed after something that is not HTTP/1.x: acceptable for garbage in
    }
    if (r) {
      EXPECT_TRUE(r->status < 500 || r->status == 505) << r->describe();
    }
    EXPECT_TRUE(server_is_alive());
  }
  expect_nothing_changed();
}

TEST_F(BadInput, BadTicketAndRentalIdsInPaths) {
  EXPECT_TRUE(is_rejected_id(get_ticket(c, std::string(300, 'z'))));
  EXPECT_TRUE(is_rejected_id(http().get("/v1/tickets/%00%ff", c.auth())));
  EXPECT_TRUE(is_rejected_id(request_return(c, "../../etc/passwd", station_id)));
  EXPECT_TRUE(is_rejected_id(http().del("/v1/bicycles/%2e%2e", ops())));
  EXPECT_TRUE(is_rejected_id(http().del("/v1/bicycles/" + std::string(300, '9'), ops())));
  expect_nothing_changed();
}

}  // namespace
}  // namespace ttareungyi::e2e
