// The payment circuit breaker end to end: the real server with --payment-provider http, calling
// a test payment service that the test takes down, makes fail and brings back. Purchases fail
// fast while it is open, rides go on, and a pending ticket is paid once the provider is back.
#include "e2e_fixture.hpp"

#include "http_receiver.hpp"

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;
using receiver = test::http_receiver;

// Approves every charge and refund, keeping connections alive.
std::optional<receiver::reply> approve(const test::received_request& r) {
  if (r.target == "/pg/refunds") return receiver::reply{.status = 200, .body = R"({"status":"refunded"})", .keep_alive = true};
  return receiver::reply{.status = 200, .body = R"({"status":"approved"})", .keep_alive = true};
}

std::optional<receiver::reply> fail(const test::received_request&) {
  return receiver::reply{.status = 500, .body = R"({"error":"overloaded"})"};
}

class PaymentBreaker : public server_test {
 protected:
  PaymentBreaker() { pg->set_replier(approve); }

  std::vector<std::string> extra_flags() const override {
    return {"--payment-provider", "http",    "--payment-url",      pg->url("/pg"), "--payment-timeout-ms",
            "1000",               "--breaker-failures", "3", "--breaker-reset-ms", "1500"};
  }

  json health() {
    auto r = http().get("/health/ready");
    EXPECT_STATUS(r, 200);  // ready whatever the breaker says: rides do not need payment
    return r.json();
  }

  std::size_t charges() const {
    std::size_t n = 0;
    for (const auto& r : pg->requests()) n += r.target == "/pg/payments";
    return n;
  }

  std::optional<receiver> pg{std::in_place};  // the payment service
};

TEST_F(PaymentBreaker, DownThenFailingThenBack) {
  auto a = create_station()["id"].get<std::string>();
  auto b = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(a)["id"].get<std::string>();
  auto c = new_customer();
  http().set_timeout(5s);

  // Up: a purchase is charged through the service.
  auto paid = buy_ticket(c)["id"].get<std::string>();
  ASSERT_EQ(charges(), 1u);
  auto charge = pg->requests().at(0).json();
  EXPECT_EQ(charge["amount"], 1000);
  EXPECT_EQ(charge["currency"], "KRW");
  EXPECT_EQ(charge["reference"], paid);
  EXPECT_EQ(health()["payment"]["breaker"], "closed");

  // Down (nothing listens): the purchase answers 503 at once and the ticket waits for payment.
  const auto port = pg->port();
  pg.reset();
  auto started = std::chrono::steady_clock::now();
  auto r = purchase(c, "1h");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  ASSERT_PROBLEM(r, 503, "payment_unavailable");
  ASSERT_TRUE(r.header("Retry-After")) << r.describe();
  const auto pending = r.json()["ticketId"].get<std::string>();
  EXPECT_EQ(ticket(c, pending)["status"], "payment_pending");

  // Rides go on with a ticket paid before.
  auto rental = rent(c, bike, paid);
  EXPECT_EQ(rental["status"], "active");
  EXPECT_EQ(give_back(c, rental["id"].get<std::string>(), b)["status"], "returned");

  // Back, but failing: two more failed calls open the breaker (three in a row).
  pg.emplace(receiver::answer(500), port);
  pg->set_replier(fail);
  EXPECT_PROBLEM(purchase(c, "1h"), 503, "payment_unavailable");
  EXPECT_EQ(health()["payment"]["breaker"], "closed");
  EXPECT_PROBLEM(purchase(c, "2h"), 503, "payment_unavailable");
  ASSERT_EQ(charges(), 2u);
  auto h = health();
  EXPECT_EQ(h["status"], "ready");
  EXPECT_EQ(h["payment"]["breaker"], "open") << h.dump();
  EXPECT_EQ(h["payment"]["failures"], 3) << h.dump();
  EXPECT_TRUE(is_utc_time(h["payment"]["since"])) << h.dump();
  EXPECT_TRUE(is_utc_time(h["payment"]["retryAt"])) << h.dump();

  // Open: purchases and payments fail fast without calling the service, even once it approves.
  pg->set_replier(approve);
  started = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    auto fast = purchase(c, "1h");
    EXPECT_PROBLEM(fast, 503, "payment_unavailable");
    auto retry_after = fast.header("Retry-After");
    ASSERT_TRUE(retry_after) << fast.describe();
    EXPECT_GE(std::stoi(*retry_after), 1);
    EXPECT_LE(std::stoi(*retry_after), 2);  // until the trial call: 1.5 s plus jitter
  }
  EXPECT_PROBLEM(pay(c, pending), 503, "payment_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  EXPECT_EQ(charges(), 2u);
  EXPECT_EQ(ticket(c, pending)["status"], "payment_pending");

  // After the reset timeout the next call is the trial: it pays the pending ticket and closes
  // the breaker.
  std::this_thread::sleep_for(1900ms);  // 1.5 s + at most 20% jitter, and a margin
  auto later = pay(c, pending);
  ASSERT_STATUS(later, 200);
  EXPECT_EQ(later.json()["status"], "paid");
  EXPECT_EQ(charges(), 3u);
  EXPECT_EQ(health()["payment"]["breaker"], "closed");
  EXPECT_STATUS(purchase(c, "1h"), 201);
}

}  // namespace
}  // namespace ttareungyi::e2e
