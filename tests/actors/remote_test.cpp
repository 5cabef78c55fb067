// The edge to other nodes on the deterministic scheduler: a node's door and the stand-in for a
// payment context on another node. The "other node" is the fixture's own payment supervisor
// behind a door, reached through a connector that stands in for CAF's io middleman (which
// answers (connect_atom, host, port) with the node, the published actor and its interface).
#include "fake_network.hpp"
#include "fixture.hpp"
#include "remote/door.hpp"
#include "remote/remote_payment.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::charge_verdict;
using domain::error_code;
using answer = scripted_provider::answer;

class RemoteTest : public actor_test {
 protected:
  std::shared_ptr<network> net = std::make_shared<network>();
  std::shared_ptr<peer_board> peers = std::make_shared<peer_board>();
  payment_actor stand_in;
  caf::actor connector;

  // The stand-in goes first: it would try to reach the stopping supervisor forever.
  void TearDown() override {
    for (const auto& a : {caf::actor_cast<caf::actor>(stand_in), connector, net->door})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    stand_in = nullptr;
    connector = nullptr;
    net->door = nullptr;
    actor_test::TearDown();
  }

  // The payment node's door, offering the fixture's payment supervisor.
  void open_door(std::uint64_t fingerprint = wire_fingerprint()) {
    net->door = spawn_door(*sys, fingerprint, {{"payment", caf::actor_cast<caf::actor>(payment)}});
  }

  void start_stand_in() {
    connector = sys->spawn(fake_middleman, net);
    stand_in = spawn_remote_payment(*sys, test_link("payment", {"payment.test", 4242}, connector), peers, clock, 3000ms);
    drain();
  }

  app::peer_health link_state() {
    auto all = peers->read();
    if (all.size() != 1) throw std::runtime_error("expected one link");
    return all[0];
  }

  slot<charge_verdict> charge(const std::string& payment_id) {
    return call<charge_verdict>(stand_in, charge_atom::value, ports::charge_request{payment_id, 1000, "t_ref"});
  }
};

TEST_F(RemoteTest, CallsPassToThePaymentNodeOnceReached) {
  start();
  open_door();
  start_stand_in();
  EXPECT_EQ(link_state().state, app::peer_state::connected);
  EXPECT_EQ(link_state().address, "payment.test:4242");
  EXPECT_TRUE(peers->all_reached());

  EXPECT_EQ(ok(charge("p_1")), charge_verdict::approved);
  EXPECT_EQ(storage.rows.payments["p_1"].status, domain::payment_status::approved);
  EXPECT_EQ(ok(call<domain::payment>(stand_in, get_atom::value, std::string{"p_1"})).amount, 1000);
  EXPECT_EQ(ok(call<ok_atom>(stand_in, refund_atom::value, ports::refund_request{"p_1", 1000})), ok_atom::value);
  EXPECT_EQ(storage.rows.payments["p_1"].status, domain::payment_status::refunded);
}

TEST_F(RemoteTest, AnUnreachableNodeIsRefusedAtOnceAndTriedAgainWithBackOff) {
  start();
  open_door();
  net->reachable = false;
  start_stand_in();
  EXPECT_EQ(net->attempts, 1);
  EXPECT_EQ(link_state().state, app::peer_state::connecting);
  EXPECT_FALSE(link_state().last_error.empty());
  EXPECT_FALSE(peers->all_reached());

  // Refused without any time passing: a purchase never waits for a dead node.
  auto refused = refusal(charge("p_1"));
  EXPECT_EQ(refused.code, error_code::payment_unavailable);
  EXPECT_GE(refused.retry_after_seconds, 1);
  EXPECT_TRUE(provider.charges.empty());

  advance(100ms);  // first back-off
  EXPECT_EQ(net->attempts, 2);
  advance(200ms);  // doubled
  EXPECT_EQ(net->attempts, 3);
  net->reachable = true;
  advance(399ms);
  EXPECT_EQ(net->attempts, 3);
  advance(1ms);  // doubled again, at the ceiling
  EXPECT_EQ(net->attempts, 4);
  EXPECT_EQ(link_state().state, app::peer_state::connected);
  EXPECT_EQ(ok(charge("p_1")), charge_verdict::approved);
}

TEST_F(RemoteTest, ALostConnectionFailsTheCallsInFlightAtOnceAndIsReachedAgain) {
  start();
  open_door();
  start_stand_in();
  provider.on_charge = answer::hold;
  auto held = ask<charge_verdict>(stand_in, charge_atom::value, ports::charge_request{"p_1", 1000, "t_ref"});
  drain();
  ASSERT_EQ(provider.held_charges.size(), 1u);

  // The payment node dies: its actor's proxy ends, the stand-in's monitor fires.
  caf::anon_send_exit(payment, caf::exit_reason::kill);
  drain();
  EXPECT_EQ(refusal(held).code, error_code::payment_unavailable);
  EXPECT_EQ(link_state().state, app::peer_state::connecting);
  EXPECT_EQ(refusal(charge("p_2")).code, error_code::payment_unavailable);

  // It comes back (a new supervisor behind a new door): reached after the first back-off.
  provider.on_charge = answer::approve;
  payment = spawn_payment(*sys, env, storage, provider, pay);
  open_door();
  advance(100ms);
  EXPECT_EQ(link_state().state, app::peer_state::connected);
  EXPECT_EQ(ok(charge("p_2")), charge_verdict::approved);
}

TEST_F(RemoteTest, APeerOfAnotherBuildIsRefusedAndNeverCalled) {
  start();
  open_door(wire_fingerprint() + 1);
  start_stand_in();
  EXPECT_EQ(link_state().state, app::peer_state::refused);
  EXPECT_NE(link_state().last_error.find("another build"), std::string::npos);
  EXPECT_EQ(refusal(charge("p_1")).code, error_code::payment_unavailable);
  EXPECT_TRUE(provider.charges.empty());
}

TEST_F(RemoteTest, TheDoorOffersOnlyTheContextsItsNodeRuns) {
  start();
  open_door();
  auto asked = call<caf::actor>(net->door, hello_atom::value, wire_fingerprint(), std::string{"core"});
  EXPECT_EQ(refusal(asked).kind, domain::error_kind::not_found);
  EXPECT_TRUE(ok(call<caf::actor>(net->door, hello_atom::value, wire_fingerprint(), std::string{"payment"})));
}

}  // namespace
}  // namespace ttareungyi::actors::test
