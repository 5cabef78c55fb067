// The webhook deliverer: in order, one at a time, its position committed after each
// acknowledgement; failures retried with exponential back-off on simulated time; a hanging
// gateway holds up no rent or return; at least once across crashes.
#include "read_side_fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using answer = scripted_gateway::answer;

class WebhookTest : public read_side_test {
 protected:
  scripted_gateway gateway;

  void SetUp() override {
    seed_station("st_a", 10);
    seed_station("st_b", 10);
    for (int i = 0; i < 5; ++i) seed_bicycle("SPB-" + std::to_string(i), "st_a");
    webhook = &gateway;
  }

  std::vector<std::uint64_t> attempted() const {
    std::vector<std::uint64_t> out;
    for (const auto& n : gateway.attempts) out.push_back(n.sequence);
    return out;
  }
};

TEST_F(WebhookTest, DeliversEachNotificationInOrderAndAdvancesItsPosition) {
  start();
  ride("c_alice", "SPB-1", "st_b");
  ride("c_bob", "SPB-2", "st_b");
  const auto all = stored_notices();
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(gateway.delivered, all);
  EXPECT_EQ(gateway.attempts, all);
  EXPECT_EQ(storage.position_of("webhook"), all.back().sequence);
}

TEST_F(WebhookTest, FailingGatewayIsRetriedWithGrowingBackoffUntilItRecovers) {
  start();
  gateway.mode = answer::fail;
  ride("c_alice", "SPB-1", "st_b");
  const auto all = stored_notices();
  ASSERT_EQ(all.size(), 3u);
  const auto first = all[0].sequence;
  EXPECT_EQ(attempted(), std::vector<std::uint64_t>{first});
  // 200 ms, 400 ms, 800 ms between attempts.
  std::size_t tries = 1;
  for (auto wait : {200ms, 400ms, 800ms}) {
    advance(wait - 1ms);
    EXPECT_EQ(gateway.attempts.size(), tries) << "retried before " << wait.count() << " ms";
    advance(1ms);
    EXPECT_EQ(gateway.attempts.size(), ++tries);
  }
  EXPECT_EQ(storage.position_of("webhook"), 0u);
  EXPECT_TRUE(gateway.delivered.empty());

  gateway.mode = answer::ack;
  advance(1600ms);
  // The first succeeds; the others follow at once, in order; the back-off is reset.
  EXPECT_EQ(gateway.delivered, all);
  EXPECT_EQ(attempted(), (std::vector<std::uint64_t>{first, first, first, first, first, all[1].sequence, all[2].sequence}));
  EXPECT_EQ(storage.position_of("webhook"), all.back().sequence);

  gateway.mode = answer::fail;
  ride("c_alice", "SPB-2", "st_b");
  const auto attempts = gateway.attempts.size();
  advance(199ms);
  EXPECT_EQ(gateway.attempts.size(), attempts);
  advance(1ms);
  EXPECT_EQ(gateway.attempts.size(), attempts + 1) << "the back-off starts again at 200 ms";
}

TEST_F(WebhookTest, BackoffDoublesUpToThirtySeconds) {
  start();
  gateway.mode = answer::fail;
  ride("c_alice", "SPB-1", "st_b");
  std::size_t tries = 1;
  for (auto wait : {200ms, 400ms, 800ms, 1600ms, 3200ms, 6400ms, 12800ms, 25600ms, 30000ms, 30000ms}) {
    advance(wait - 1ms);
    ASSERT_EQ(gateway.attempts.size(), tries) << "retried before " << wait.count() << " ms";
    advance(1ms);
    ASSERT_EQ(gateway.attempts.size(), ++tries) << "not retried after " << wait.count() << " ms";
  }
}

TEST_F(WebhookTest, HangingGatewayDoesNotDelayRentsOrReturns) {
  start();
  gateway.mode = answer::hold;
  for (int k = 0; k < 3; ++k) {
    auto t = paid_ticket("c_alice");
    auto r = rent("c_alice", "SPB-1", t.id);
    ASSERT_TRUE(r->has_value()) << "the rent waited for the gateway";
    auto back = give_back("c_alice", ok(r).id, "st_b");
    ASSERT_TRUE(back->has_value()) << "the return waited for the gateway";
    ok(back);
  }
  EXPECT_EQ(gateway.attempts.size(), 1u) << "one delivery at a time";
  EXPECT_EQ(storage.position_of("webhook"), 0u);

  // Once the gateway answers, the rest follows in order.
  gateway.mode = answer::ack;
  gateway.release(true);
  drain();
  EXPECT_EQ(gateway.delivered, stored_notices());
  EXPECT_EQ(storage.position_of("webhook"), storage.views.notifications.rbegin()->first.first);
}

TEST_F(WebhookTest, SilentGatewayCountsAsFailedAfterTheDeliveryTimeout) {
  start();
  gateway.mode = answer::hold;
  ride("c_alice", "SPB-1", "st_b");
  const auto all = stored_notices();
  EXPECT_EQ(gateway.attempts.size(), 1u);
  advance(read_settings.webhook.delivery_timeout);
  EXPECT_EQ(gateway.attempts.size(), 1u);
  advance(read_settings.webhook.retry_first);
  EXPECT_EQ(gateway.attempts.size(), 2u);
  EXPECT_EQ(gateway.attempts[1], all[0]);

  // The first attempt answering late changes nothing; the second's answer counts.
  auto held = std::move(gateway.held);
  gateway.held.clear();
  gateway.mode = answer::ack;
  held[0].second(true);
  drain();
  EXPECT_EQ(storage.position_of("webhook"), 0u);
  EXPECT_EQ(gateway.attempts.size(), 2u);
  held[1].second(true);
  drain();
  EXPECT_EQ(storage.position_of("webhook"), all.back().sequence);
  EXPECT_EQ(attempted(), (std::vector<std::uint64_t>{all[0].sequence, all[0].sequence, all[1].sequence,
                                                     all[2].sequence}));
}

TEST_F(WebhookTest, CrashBeforeThePositionIsStoredDeliversAgainAtLeastOnce) {
  start();
  storage.fail_view_commits(1, 0, "webhook");
  ride("c_alice", "SPB-1", "st_b");
  const auto all = stored_notices();
  EXPECT_EQ(gateway.delivered, std::vector<domain::notification>{all[0]});
  EXPECT_FALSE(child("webhook"));
  advance(read_settings.restart_first);
  EXPECT_EQ(gateway.delivered, (std::vector<domain::notification>{all[0], all[0], all[1], all[2]}));
  EXPECT_EQ(storage.position_of("webhook"), all.back().sequence);
}

TEST_F(WebhookTest, RestartedDelivererResumesAfterItsPosition) {
  start();
  ride("c_alice", "SPB-1", "st_b");
  kill("webhook");
  ride("c_bob", "SPB-2", "st_b");
  EXPECT_EQ(gateway.delivered.size(), 3u);
  advance(read_settings.restart_first);
  EXPECT_EQ(gateway.delivered, stored_notices());
  EXPECT_EQ(ids_of(gateway.delivered).size(), 6u);
}

}  // namespace
}  // namespace ttareungyi::actors::test
