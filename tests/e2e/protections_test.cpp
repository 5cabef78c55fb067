// Protections of the running server: Idempotency-Key across restarts and crashes, rate limits,
// body and connection limits, and clients too slow to send a request.
#include "e2e_fixture.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

request with_key(std::string target, json body, std::string key, const customer& c) {
  request r;
  r.method = "POST";
  r.target = std::move(target);
  r.body = body.dump();
  r.content_type = "application/json";
  r.headers["Idempotency-Key"] = std::move(key);
  r.authorization = c.auth();
  return r;
}

// ---------------------------------------------------------------- Idempotency-Key

using Idempotency = server_test;

TEST_F(Idempotency, ARetryAfterARestartGetsTheSameTicketAndChargesOnce) {
  auto c = new_customer();
  auto first = http().send(with_key("/v1/tickets", {{"type", "1h"}}, "buy-1", c));
  ASSERT_STATUS(first, 201);
  restart_server();
  log_in(c);
  auto again = http().send(with_key("/v1/tickets", {{"type", "1h"}}, "buy-1", c));
  ASSERT_STATUS(again, 201);
  EXPECT_EQ(again.json()["id"], first.json()["id"]);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Location"), first.header("Location"));
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(list_tickets(c)["items"].size(), 1u);
  // The same key with another body is refused, and buys nothing.
  EXPECT_PROBLEM(http().send(with_key("/v1/tickets", {{"type", "2h"}}, "buy-1", c)), 422, "idempotency_key_reused");
  EXPECT_EQ(list_tickets(c)["items"].size(), 1u);
  // Another customer's key of the same name is theirs.
  auto d = new_customer("other");
  auto theirs = http().send(with_key("/v1/tickets", {{"type", "1h"}}, "buy-1", d));
  ASSERT_STATUS(theirs, 201);
  EXPECT_NE(theirs.json()["id"], first.json()["id"]);
}

TEST_F(Idempotency, AnAnsweredRentalIsKeptThroughACrash) {
  auto station = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(station)["id"].get<std::string>();
  auto c = new_customer();
  auto ticket = buy_ticket(c)["id"].get<std::string>();
  json body{{"bicycleId", bike}, {"ticketId", ticket}};
  auto first = http().send(with_key("/v1/rentals", body, "ride-1", c));
  ASSERT_STATUS(first, 201);
  crash_and_restart();  // kill -9 right after the answer: it was kept before it was sent
  log_in(c);
  auto again = http().send(with_key("/v1/rentals", body, "ride-1", c));
  ASSERT_STATUS(again, 201);
  EXPECT_EQ(again.json()["id"], first.json()["id"]);
  // Without the key, the same request is a second rental attempt and is refused.
  EXPECT_PROBLEM(request_rental(c, bike, ticket), 409);
}

// ---------------------------------------------------------------- rate limits

class RateLimits : public server_test {
 protected:
  std::vector<std::string> extra_flags() const override {
    return {"--rate-limit-rps", "1", "--rate-limit-burst", "5"};  // after the fixture's 0
  }
};

TEST_F(RateLimits, ACustomerOverTheLimitGets429WithRetryAfter) {
  auto c = new_customer();
  auto d = new_customer("other");
  int ok = 0;
  std::optional<response> refused;
  for (int i = 0; i < 10 && !refused; ++i) {
    auto r = http().get("/v1/tickets", c.auth());
    if (r.status == 200) {
      ++ok;
    } else {
      refused = r;
    }
  }
  ASSERT_TRUE(refused) << "never limited";
  EXPECT_PROBLEM(*refused, 429, "rate_limited");
  ASSERT_TRUE(refused->header("Retry-After"));
  EXPECT_GE(std::stoi(*refused->header("Retry-After")), 1);
  EXPECT_GE(ok, 5);
  EXPECT_LE(ok, 7);  // the burst, plus what refilled meanwhile
  EXPECT_STATUS(http().get("/v1/tickets", d.auth()), 200);  // others are not affected
  EXPECT_STATUS(http().get("/health/ready"), 200);         // neither are health checks
}

// ---------------------------------------------------------------- body and connection limits

class Limits : public server_test {
 protected:
  std::vector<std::string> extra_flags() const override {
    return {"--read-timeout-ms", "300", "--max-body-bytes", "2048", "--max-connections", "2"};
  }

  // A raw connection to the server.
  int connect_raw() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(server().port());
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      throw std::runtime_error("connect failed");
    }
    return fd;
  }

  // Whether the server closed `fd` within `limit` (reads and drops whatever it sent).
  static bool closed_within(int fd, std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[512];
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return false;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return true;
    }
  }
};

TEST_F(Limits, ABodyOverTheLimitIs413) {
  auto c = new_customer();
  std::string body = R"({"type":"1h","pad":")" + std::string(3000, 'x') + "\"}";
  EXPECT_PROBLEM(http().post("/v1/tickets", body, "application/json", c.auth()), 413, "payload_too_large");
  EXPECT_TRUE(list_tickets(c)["items"].empty());
}

TEST_F(Limits, AClientThatSendsNothingIsDisconnected) {
  http().close();
  int fd = connect_raw();
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_within(fd, 3s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
  ::close(fd);
  EXPECT_TRUE(server_is_alive());
}

TEST_F(Limits, AClientThatDribblesItsHeadersIsDisconnected) {
  http().close();
  int fd = connect_raw();
  const std::string head = "GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a');
  auto started = std::chrono::steady_clock::now();
  bool dropped = false;
  // One byte every 20 ms: always active, never done. The time limit is for the whole request.
  for (std::size_t i = 0; i < head.size() && !dropped; ++i) {
    if (::send(fd, &head[i], 1, MSG_NOSIGNAL) != 1) dropped = true;
    if (!dropped) dropped = closed_within(fd, 20ms);
  }
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(dropped);
  EXPECT_LT(took, 3s);
  ::close(fd);
  EXPECT_TRUE(server_is_alive());
}

TEST_F(Limits, ConnectionsBeyondTheCapWaitForAFreeOne) {
  http().close();
  int a = connect_raw();
  int b = connect_raw();
  // Both slots are taken (by idle clients): a third connection is not served...
  auto waiting = new_client();
  waiting.set_timeout(150ms);
  EXPECT_THROW(waiting.get("/health/live"), http_timeout);
  // ...until the read timeout frees the slots.
  EXPECT_TRUE(closed_within(a, 3s));
  EXPECT_TRUE(closed_within(b, 3s));
  ::close(a);
  ::close(b);
  auto later = new_client();
  EXPECT_STATUS(later.get("/health/live"), 200);
}

}  // namespace
}  // namespace ttareungyi::e2e
