// Idempotency-Key and rate limits at the endpoints, over fake facades and an in-memory store of
// kept answers, without a socket.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "api.hpp"
#include "fakes.hpp"
#include "idempotency.hpp"
#include "test_support.hpp"

namespace ttareungyi::http {
namespace {

using namespace std::chrono_literals;
using test::answers;
using test::body_of;
using test::json;
using test::make_request;

// ports::idempotency_store in a map; keep_answer answers inline, fails on request, or holds
// `done` until the test releases it.
class memory_answers final : public ports::idempotency_store {
 public:
  void find_answer(std::string customer, std::string key, on_found done) override {
    std::unique_lock lock{mutex_};
    ++finds;
    std::optional<ports::kept_answer> kept;
    if (auto it = kept_.find({customer, key}); it != kept_.end()) kept = it->second;
    if (hold_finds) {  // answered later, as a core answers a gateway
      held_finds_.push_back([done, kept] { done(kept); });
      return;
    }
    lock.unlock();
    done(kept);
  }
  // Answers the finds held so far, on this thread.
  void answer_finds() {
    std::vector<std::function<void()>> held;
    {
      std::lock_guard lock{mutex_};
      held.swap(held_finds_);
    }
    for (auto& answer : held) answer();
  }
  void keep_answer(std::string customer, std::string key, ports::kept_answer answer, on_kept done) override {
    std::unique_lock lock{mutex_};
    if (fail_keeps) {
      lock.unlock();
      return done(std::unexpected(ports::storage_error{"disk full"}));
    }
    kept_[{customer, key}] = std::move(answer);
    if (hold_keeps) {
      held_.push_back(std::move(done));
      return;
    }
    lock.unlock();
    done({});
  }
  ports::stored<void> forget_expired_answers() override { return {}; }

  std::size_t kept() const {
    std::lock_guard lock{mutex_};
    return kept_.size();
  }
  void release() {
    std::vector<on_kept> held;
    {
      std::lock_guard lock{mutex_};
      held.swap(held_);
    }
    for (auto& d : held) d({});
  }

  bool fail_keeps = false;
  bool hold_keeps = false;
  bool hold_finds = false;
  int finds = 0;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, ports::kept_answer> kept_;
  std::vector<on_kept> held_;
  std::vector<std::function<void()>> held_finds_;
};


class Protections : public ::testing::Test {
 protected:
  test::fake_app app;
  test::token_fixture fx;
  test::simulated_clock clock{test::at(9, 30)};
  memory_answers store;
  std::unique_ptr<api> endpoints = make(rate_limit{});
  std::string customer = fx.bearer("c-1", "customer");

  std::unique_ptr<api> make(rate_limit limit) {
    return std::make_unique<api>(app.services(), fx.tokens, std::vector<security::operator_client>{{"ops-1", "s3cret"}}, 4096,
                                 &clock, protections{.limit = limit, .answers = &store, .limit_clock = clock.steady()});
  }

  request post(std::string target, json body, std::optional<std::string> key, std::string auth = {}) {
    header_list headers{{"Authorization", auth.empty() ? customer : auth}, {"Content-Type", "application/json"}};
    if (key) headers.emplace_back("Idempotency-Key", *key);
    return make_request("POST", std::move(target), body.dump(), std::move(headers));
  }

  response call(const request& req) {
    answers got;
    endpoints->handle(req, got.responder_fn());
    EXPECT_TRUE(got.wait(1));
    return got.count() > 0 ? got.at(0) : response{0, {}, {}};
  }

  int calls_of(std::string_view prefix) {
    int n = 0;
    for (const auto& c : app.world.recorded()) n += c.starts_with(prefix);
    return n;
  }
};

void expect_problem(const response& r, int status, std::string_view code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json") << r.body;
  EXPECT_EQ(body_of(r)["code"], code) << r.body;
}

// ---------------------------------------------------------------- Idempotency-Key

TEST_F(Protections, ARetryWithTheSameKeyGetsTheFirstAnswerAndBuysOnce) {
  auto first = call(post("/v1/tickets", {{"type", "1h"}}, "k-1"));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_FALSE(first.header("Idempotent-Replayed"));
  auto again = call(post("/v1/tickets", {{"type", "1h"}}, "k-1"));
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Location"), first.header("Location"));
  EXPECT_EQ(again.header("Content-Type"), first.header("Content-Type"));
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(calls_of("tickets.buy"), 1);
  // Another key is another purchase.
  auto other = call(post("/v1/tickets", {{"type", "1h"}}, "k-2"));
  EXPECT_EQ(other.status, 201);
  EXPECT_NE(body_of(other)["id"], body_of(first)["id"]);
  EXPECT_EQ(calls_of("tickets.buy"), 2);
}

// A gateway's store answers later, from another thread: the request is still whole then (its
// body, its token's subject), and a retry meanwhile is told the key is in progress.
TEST_F(Protections, AStoreThatAnswersLaterStillGetsTheWholeRequestDone) {
  store.hold_finds = true;
  answers first;
  {
    auto req = post("/v1/tickets", {{"type", "2h"}}, "k-late");
    endpoints->handle(req, first.responder_fn());
  }  // the request the adapter read is gone
  EXPECT_EQ(first.count(), 0u);
  expect_problem(call(post("/v1/tickets", {{"type", "2h"}}, "k-late")), 409, "idempotency_key_in_progress");
  std::thread other{[this] { store.answer_finds(); }};
  other.join();
  ASSERT_TRUE(first.wait(1));
  ASSERT_EQ(first.at(0).status, 201) << first.at(0).body;
  EXPECT_EQ(body_of(first.at(0))["type"], "2h");
  EXPECT_EQ(calls_of("tickets.buy c-1"), 1);
  store.hold_finds = false;
  auto again = call(post("/v1/tickets", {{"type", "2h"}}, "k-late"));
  EXPECT_EQ(again.body, first.at(0).body);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
}

TEST_F(Protections, WithoutAKeyEveryRequestCounts) {
  call(post("/v1/tickets", {{"type", "1h"}}, std::nullopt));
  call(post("/v1/tickets", {{"type", "1h"}}, std::nullopt));
  EXPECT_EQ(calls_of("tickets.buy"), 2);
  EXPECT_EQ(store.finds, 0);
  EXPECT_EQ(store.kept(), 0u);
}

TEST_F(Protections, TheSameKeyForAnotherRequestIs422) {
  ASSERT_EQ(call(post("/v1/tickets", {{"type", "1h"}}, "k-1")).status, 201);
  expect_problem(call(post("/v1/tickets", {{"type", "2h"}}, "k-1")), 422, "idempotency_key_reused");
  // Another path is another request too.
  expect_problem(call(post("/v1/rentals", {{"bicycleId", "SPB-1"}, {"ticketId", "t-1"}}, "k-1")), 422,
                 "idempotency_key_reused");
  EXPECT_EQ(calls_of("tickets.buy"), 1);
  EXPECT_EQ(calls_of("rentals.rent"), 0);
}

TEST_F(Protections, KeysBelongToOneCustomer) {
  auto mine = call(post("/v1/tickets", {{"type", "1h"}}, "k-1"));
  auto theirs = call(post("/v1/tickets", {{"type", "1h"}}, "k-1", fx.bearer("c-2", "customer")));
  EXPECT_EQ(theirs.status, 201);
  EXPECT_FALSE(theirs.header("Idempotent-Replayed"));
  EXPECT_NE(body_of(theirs)["id"], body_of(mine)["id"]);
  EXPECT_EQ(calls_of("tickets.buy"), 2);
}

TEST_F(Protections, RentalsAreIdempotentToo) {
  auto body = json{{"bicycleId", "SPB-1"}, {"ticketId", "t-9"}};
  auto first = call(post("/v1/rentals", body, "ride-1"));
  ASSERT_EQ(first.status, 201) << first.body;
  auto again = call(post("/v1/rentals", body, "ride-1"));
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(calls_of("rentals.rent"), 1);
}

TEST_F(Protections, FinalRefusalsAreKept) {
  app.world.fail_next = domain::error{domain::error_kind::declined, domain::error_code::payment_declined, "card declined"};
  auto first = call(post("/v1/tickets", {{"type", "1h"}}, "k-1"));
  expect_problem(first, 402, "payment_declined");
  auto again = call(post("/v1/tickets", {{"type", "1h"}}, "k-1"));
  EXPECT_EQ(again.status, 402);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(calls_of("tickets.buy"), 1);
}

TEST_F(Protections, TransientAnswersAreNotKeptSoThatARetryCanSucceed) {
  domain::error down{domain::error_kind::unavailable, domain::error_code::payment_unavailable, "payment is unavailable", {}, 2};
  app.world.fail_next = down.with("ticketId", "t-1");
  auto first = call(post("/v1/tickets", {{"type", "1h"}}, "k-1"));
  expect_problem(first, 503, "payment_unavailable");
  EXPECT_EQ(store.kept(), 0u);
  auto again = call(post("/v1/tickets", {{"type", "1h"}}, "k-1"));
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_FALSE(again.header("Idempotent-Replayed"));
  EXPECT_EQ(calls_of("tickets.buy"), 2);
}

TEST_F(Protections, ASecondRequestWhileTheFirstIsAnsweredIs409) {
  app.world.pump.set_mode(test::reply_pump::mode::held);
  answers first;
  endpoints->handle(post("/v1/tickets", {{"type", "1h"}}, "k-1"), first.responder_fn());
  ASSERT_TRUE(app.world.pump.wait_held(1));
  auto second = call(post("/v1/tickets", {{"type", "1h"}}, "k-1"));
  expect_problem(second, 409, "idempotency_key_in_progress");
  EXPECT_EQ(second.header("Retry-After"), "1");
  // A different key of the same customer is not held up.
  app.world.pump.set_mode(test::reply_pump::mode::inline_);
  EXPECT_EQ(call(post("/v1/tickets", {{"type", "1h"}}, "k-2")).status, 201);
  app.world.pump.release();
  ASSERT_TRUE(first.wait(1));
  EXPECT_EQ(first.at(0).status, 201);
  auto retry = call(post("/v1/tickets", {{"type", "1h"}}, "k-1"));
  EXPECT_EQ(retry.body, first.at(0).body);
  EXPECT_EQ(calls_of("tickets.buy"), 2);
}

TEST_F(Protections, TheAnswerGoesOutOnlyOnceItIsKept) {
  store.hold_keeps = true;
  answers first;
  endpoints->handle(post("/v1/tickets", {{"type", "1h"}}, "k-1"), first.responder_fn());
  EXPECT_EQ(first.count(), 0u);  // bought, but not yet durable as an answer
  expect_problem(call(post("/v1/tickets", {{"type", "1h"}}, "k-1")), 409, "idempotency_key_in_progress");
  store.release();
  ASSERT_TRUE(first.wait(1));
  EXPECT_EQ(first.at(0).status, 201);
}

TEST_F(Protections, AReplyDroppedByTheFacadeFreesTheKey) {
  app.world.pump.set_mode(test::reply_pump::mode::held);
  answers first;
  endpoints->handle(post("/v1/tickets", {{"type", "1h"}}, "k-1"), first.responder_fn());
  ASSERT_TRUE(app.world.pump.wait_held(1));
  app.world.pump.discard();
  app.world.pump.set_mode(test::reply_pump::mode::inline_);
  EXPECT_EQ(call(post("/v1/tickets", {{"type", "1h"}}, "k-1")).status, 201);
}

TEST_F(Protections, AnAnswerThatCannotBeKeptStillGoesOut) {
  store.fail_keeps = true;
  EXPECT_EQ(call(post("/v1/tickets", {{"type", "1h"}}, "k-1")).status, 201);
  store.fail_keeps = false;
  EXPECT_EQ(call(post("/v1/tickets", {{"type", "1h"}}, "k-1")).status, 201);  // the key is free again
  EXPECT_EQ(calls_of("tickets.buy"), 2);
}

TEST_F(Protections, MalformedKeysAre400) {
  expect_problem(call(post("/v1/tickets", {{"type", "1h"}}, "")), 400, "invalid_request");
  expect_problem(call(post("/v1/tickets", {{"type", "1h"}}, std::string(256, 'k'))), 400, "invalid_request");
  expect_problem(call(post("/v1/tickets", {{"type", "1h"}}, "two words")), 400, "invalid_request");
  EXPECT_EQ(call(post("/v1/tickets", {{"type", "1h"}}, std::string(255, 'k'))).status, 201);
  EXPECT_EQ(calls_of("tickets.buy"), 1);
}

TEST_F(Protections, InvalidRequestsAreRefusedBeforeTheKeyIsLookedAt) {
  expect_problem(call(post("/v1/tickets", {{"type", "9h"}}, "k-1")), 400, "invalid_request");
  EXPECT_EQ(store.finds, 0);
  EXPECT_EQ(call(post("/v1/tickets", {{"type", "1h"}}, "k-1")).status, 201);
}

TEST(IdempotencyFingerprint, CoversMethodPathAndBody) {
  auto a = idempotency::fingerprint(make_request("POST", "/v1/tickets", R"({"type":"1h"})"));
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, idempotency::fingerprint(make_request("POST", "/v1/tickets?x=1", R"({"type":"1h"})")));
  EXPECT_NE(a, idempotency::fingerprint(make_request("POST", "/v1/tickets", R"({"type": "1h"})")));
  EXPECT_NE(a, idempotency::fingerprint(make_request("POST", "/v1/rentals", R"({"type":"1h"})")));
  EXPECT_NE(a, idempotency::fingerprint(make_request("PUT", "/v1/tickets", R"({"type":"1h"})")));
}

TEST(IdempotencyKeeps, FinalAnswersOnly) {
  for (int s : {200, 201, 400, 402, 404, 409, 422}) EXPECT_TRUE(idempotency::keeps(s)) << s;
  for (int s : {408, 429, 500, 502, 503, 504}) EXPECT_FALSE(idempotency::keeps(s)) << s;
}

// ---------------------------------------------------------------- rate limits

TEST_F(Protections, EachTokenSubjectHasItsOwnBudget) {
  endpoints = make({.per_second = 1, .burst = 2});
  auto list = [&](const std::string& auth) {
    return call(make_request("GET", "/v1/tickets", {}, {{"Authorization", auth}}));
  };
  EXPECT_EQ(list(customer).status, 200);
  EXPECT_EQ(list(customer).status, 200);
  auto over = list(customer);
  expect_problem(over, 429, "rate_limited");
  EXPECT_EQ(over.header("Retry-After"), "1");
  EXPECT_EQ(calls_of("tickets.tickets"), 2);
  EXPECT_EQ(list(fx.bearer("c-2", "customer")).status, 200);  // another customer
  auto ops = fx.bearer("ops-1", "operator");
  EXPECT_EQ(call(make_request("GET", "/v1/stations", {}, {{"Authorization", ops}})).status, 200);
  clock.advance(1s);
  EXPECT_EQ(list(customer).status, 200);
  EXPECT_EQ(list(customer).status, 429);
}

TEST_F(Protections, RequestsWithoutAValidTokenAreNotCountedAgainstAnyone) {
  endpoints = make({.per_second = 1, .burst = 1});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call(make_request("GET", "/v1/tickets")).status, 401);
  EXPECT_EQ(call(make_request("GET", "/v1/tickets", {}, {{"Authorization", customer}})).status, 200);
  // Health checks are never limited.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(call(make_request("GET", "/health/ready")).status, 200);
}

TEST_F(Protections, SignUpAndTokensAreLimitedPerClientAddress) {
  endpoints = make({.per_second = 1, .burst = 1});
  auto sign_up = [&](std::string peer, std::string phone) {
    auto req = make_request("POST", "/v1/customers",
                            json{{"phone", std::move(phone)}, {"password", "bike2024"}, {"name", "n"}}.dump(),
                            {{"Content-Type", "application/json"}});
    req.peer = std::move(peer);
    return call(req);
  };
  EXPECT_EQ(sign_up("10.0.0.1", "01011112222").status, 201);
  auto over = sign_up("10.0.0.1", "01011113333");
  expect_problem(over, 429, "rate_limited");
  EXPECT_EQ(over.header("Retry-After"), "1");
  EXPECT_EQ(sign_up("10.0.0.2", "01011113333").status, 201);

  auto token = [&](std::string peer) {
    auto req = make_request("POST", "/oauth2/token", "grant_type=client_credentials",
                            {{"Content-Type", "application/x-www-form-urlencoded"},
                             {"Authorization", "Basic b3BzLTE6czNjcmV0"}});  // ops-1:s3cret
    req.peer = std::move(peer);
    return call(req);
  };
  EXPECT_EQ(token("10.0.0.3").status, 200);
  auto refused = token("10.0.0.3");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.header("Retry-After"), "1");
  EXPECT_EQ(body_of(refused)["error"], "temporarily_unavailable");  // the token endpoint's own error form
}

TEST_F(Protections, ZeroRateMeansNoLimit) {
  endpoints = make({.per_second = 0, .burst = 0});
  for (int i = 0; i < 200; ++i) ASSERT_EQ(call(make_request("GET", "/v1/tickets", {}, {{"Authorization", customer}})).status, 200);
}

}  // namespace
}  // namespace ttareungyi::http
