// The HTTP payment provider against a test payment service on loopback: the protocol of the
// API contract, and every way the service can fail (an error status, a wrong body, slow, down).
#include "ttareungyi/payment/http_provider.hpp"

#include <gtest/gtest.h>

#include <future>

#include "closed_port.hpp"
#include "http_receiver.hpp"

namespace ttareungyi::payment {
namespace {

using namespace std::chrono_literals;
using receiver = test::http_receiver;
using domain::charge_verdict;
using charged = std::expected<charge_verdict, ports::provider_failure>;
using refunded = std::expected<void, ports::provider_failure>;

std::unique_ptr<http_provider> provider_at(const std::string& url, std::chrono::milliseconds timeout = 2s) {
  auto p = http_provider::create({.url = url, .timeout = timeout});
  if (!p) throw std::runtime_error(p.error());
  return std::move(*p);
}

charged charge(http_provider& p, ports::charge_request request = {"p_1", 1000, "t_1"}) {
  std::promise<charged> done;
  auto f = done.get_future();
  p.charge(request, [&done](charged r) { done.set_value(std::move(r)); });
  if (f.wait_for(5s) != std::future_status::ready) throw std::runtime_error("no answer");
  return f.get();
}

refunded refund(http_provider& p, ports::refund_request request = {"p_1", 1000}) {
  std::promise<refunded> done;
  auto f = done.get_future();
  p.refund(request, [&done](refunded r) { done.set_value(std::move(r)); });
  if (f.wait_for(5s) != std::future_status::ready) throw std::runtime_error("no answer");
  return f.get();
}

receiver::replier replies(int status, std::string body, std::chrono::milliseconds delay = 0ms) {
  return [=](const test::received_request&) -> std::optional<receiver::reply> {
    return receiver::reply{.status = status, .body = body, .delay = delay, .keep_alive = true};
  };
}

TEST(HttpProvider, ChargeSpeaksTheProtocol) {
  receiver pg;
  pg.set_replier(replies(200, R"({"status":"approved"})"));
  auto p = provider_at(pg.url("/pg/"));
  auto r = charge(*p, {"p_42", 2000, "t_7"});
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_EQ(*r, charge_verdict::approved);
  auto got = pg.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/pg/payments");
  EXPECT_EQ(got[0].json(), (nlohmann::json{{"paymentId", "p_42"}, {"amount", 2000}, {"currency", "KRW"}, {"reference", "t_7"}}));
  EXPECT_EQ(got[0].header("Content-Type"), "application/json");
  EXPECT_EQ(got[0].header("Idempotency-Key"), "p_42");
}

TEST(HttpProvider, DeclineIsAVerdictNotAFailure) {
  receiver pg;
  pg.set_replier(replies(200, R"({"status":"declined"})"));
  auto p = provider_at(pg.url());
  auto r = charge(*p);
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_EQ(*r, charge_verdict::declined);
  EXPECT_EQ(pg.requests().at(0).target, "/payments");
}

TEST(HttpProvider, AnyOtherAnswerIsAFailure) {
  for (auto [status, body] : {std::pair{500, std::string{R"({"status":"approved"})"}},
                              {402, R"({"status":"declined"})"},
                              {200, "not json"},
                              {200, R"({"state":"approved"})"},
                              {200, R"({"status":"maybe"})"}}) {
    receiver pg;
    pg.set_replier(replies(status, body));
    auto p = provider_at(pg.url());
    auto r = charge(*p);
    EXPECT_FALSE(r) << status << " " << body;
    EXPECT_EQ(pg.requests().size(), 1u);
  }
}

TEST(HttpProvider, SlowServiceFailsAtTheTimeout) {
  receiver pg;
  pg.set_replier(replies(200, R"({"status":"approved"})", 3s));
  auto p = provider_at(pg.url(), 300ms);
  auto started = std::chrono::steady_clock::now();
  auto r = charge(*p);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "timed out");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(HttpProvider, ServiceDownFailsAtOnce) {
  auto p = provider_at("http://127.0.0.1:" + std::to_string(test::closed_port()), 5s);
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(charge(*p));
  EXPECT_FALSE(refund(*p));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST(HttpProvider, RefundSpeaksTheProtocol) {
  receiver pg;
  pg.set_replier(replies(200, R"({"status":"refunded"})"));
  auto p = provider_at(pg.url("/pg"));
  auto r = refund(*p, {"p_9", 1500});
  ASSERT_TRUE(r) << r.error().reason;
  auto got = pg.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/pg/refunds");
  EXPECT_EQ(got[0].json(), (nlohmann::json{{"paymentId", "p_9"}, {"amount", 1500}}));

  pg.set_replier(replies(200, R"({"status":"approved"})"));
  EXPECT_FALSE(refund(*p));
  pg.set_replier(replies(503, ""));
  EXPECT_FALSE(refund(*p));
}

TEST(HttpProvider, DestructionDropsAnswersInFlight) {
  receiver pg{receiver::hang()};
  int answered = 0;
  {
    auto p = provider_at(pg.url(), 30s);
    p->charge({"p_1", 1000, "t_1"}, [&answered](charged) { ++answered; });
    pg.wait_for([](const auto& got) { return !got.empty(); }, 5s);
  }
  EXPECT_EQ(answered, 0);
}

TEST(HttpProvider, RefusesABadUrl) {
  EXPECT_FALSE(http_provider::create({.url = "https://pg"}));
  EXPECT_FALSE(http_provider::create({.url = "pg:80"}));
  EXPECT_FALSE(http_provider::create({.url = "http://pg/x?y=1"}));
  EXPECT_TRUE(http_provider::create({.url = "http://pg.internal:9000/v2"}));
}

}  // namespace
}  // namespace ttareungyi::payment
