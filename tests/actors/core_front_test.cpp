// The core as a gateway reaches it, on the deterministic scheduler: the core's front behind
// its door, and the gateway's stand-in reaching it through a connector that stands in for
// CAF's io middleman. A customer's whole journey passes through both; the rides' steps run on
// the core; the read side's answers are read-your-writes against the core's own journal; a
// core that cannot be reached is refused at once.
#include "fake_network.hpp"
#include "read_side_fixture.hpp"
#include "remote/core_front.hpp"
#include "remote/door.hpp"
#include "remote/notice_relay.hpp"
#include "remote/remote_core.hpp"
#include "remote/rental_copy.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::ids::customer_id;

// The core's signing key as the front sees it: tokens that name who they are for.
struct fake_signer final : ports::token_signer {
  ports::issued_token for_customer(std::string_view id) const override { return {"token-of-" + std::string{id}, "customer", 60}; }
  std::optional<ports::issued_token> for_operator(std::string_view id, std::string_view secret) const override {
    if (id != "ops" || secret != "s3cret") return std::nullopt;
    return ports::issued_token{"token-of-ops", "operator", 60};
  }
  std::string key_set() const override { return R"({"keys":["the core's"]})"; }
};

// The core's store of kept answers: finds at once; keeps at once, or fails when told to.
struct kept_answers final : ports::idempotency_store {
  std::map<std::pair<std::string, std::string>, ports::kept_answer> kept;
  bool fail = false;
  void find_answer(std::string customer, std::string key, on_found done) override {
    auto i = kept.find({customer, key});
    done(i == kept.end() ? std::nullopt : std::optional<ports::kept_answer>{i->second});
  }
  void keep_answer(std::string customer, std::string key, ports::kept_answer answer, on_kept done) override {
    if (fail) return done(std::unexpected(ports::storage_error{"disk full"}));
    kept[{customer, key}] = std::move(answer);
    done({});
  }
  ports::stored<void> forget_expired_answers() override { return {}; }
};

class CoreFrontTest : public read_side_test {
 protected:
  std::shared_ptr<network> net = std::make_shared<network>();
  std::shared_ptr<peer_board> peers = std::make_shared<peer_board>();
  core_actor front;
  core_actor core;  // the gateway's stand-in
  caf::actor connector;
  caf::actor copy;  // a gateway's copy of the view, when a test starts one
  fake_signer signer;
  kept_answers answers;
  std::shared_ptr<read_side_link> watches = std::make_shared<read_side_link>();

  void SetUp() override {
    seed_station("st_a", 10);
    seed_station("st_b", 10);
    seed_bicycle("SPB-1", "st_a");
  }

  void TearDown() override {
    for (const auto& a : {copy, caf::actor_cast<caf::actor>(core), connector, net->door, caf::actor_cast<caf::actor>(front)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    core = front = nullptr;
    copy = connector = net->door = nullptr;
    read_side_test::TearDown();
  }

  // The gateway's stand-in; `hold`: how long it holds calls while the core is away.
  void open_core(std::chrono::milliseconds hold = 0ms) {
    open_front();
    connector = sys->spawn(fake_middleman, net);
    core = spawn_remote_core(*sys, test_link("core", {"core.test", 4200}, connector), peers, clock, 3000ms, hold);
    drain();
  }

  // The core's front, offered at a fresh door (as after the core restarted).
  void open_front() {
    watches->attach(read_side);
    front = spawn_core_front(*sys, {identity, desk, ticket_listings, fleet, rental_listings, read_side, &storage, hub,
                                    &signer, &answers, watches});
    net->door = spawn_door(*sys, wire_fingerprint(), {{"core", caf::actor_cast<caf::actor>(front)}});
  }

  customer_id signed_up(std::string phone) {
    return ok(call<app::customer_profile>(core, sign_up_atom::value, domain::sign_up_request{phone, "ride2work", "이몽룡"}))
        .id;
  }
};

TEST_F(CoreFrontTest, ACustomersJourneyPassesThroughTheGatewaysStandIn) {
  start();
  open_core();
  auto profile = ok(call<app::customer_profile>(core, sign_up_atom::value,
                                                domain::sign_up_request{"01012345678", "ride2work", "홍길동"}));
  const auto& me = profile.id;
  EXPECT_EQ(ok(call<app::customer_profile>(core, login_atom::value, std::string{"01012345678"}, std::string{"ride2work"})).id,
            me);
  auto ticket = ok(call<domain::ticket>(core, buy_atom::value, me, domain::ticket_type::one_hour));
  EXPECT_EQ(ticket.status, domain::ticket_status::paid);
  EXPECT_EQ(ok(call<app::page<domain::ticket>>(core, list_atom::value, me, app::page_request{})).items.size(), 1u);

  // The ride's steps run on the core; the read side answers as of the core's journal end.
  // Each answer carries the journal's end after the ride's commit.
  auto rented = ok(call<ride_receipt>(core, rent_atom::value, me, domain::ids::bicycle_id{"SPB-1"}, ticket.id));
  auto rental = rented.rental;
  EXPECT_EQ(rented.sequence, storage.journal_rows.size());
  EXPECT_EQ(ok(call<domain::current_rental>(core, current_atom::value, me, std::uint64_t{0})).rental_id, rental.id);
  auto returned = ok(call<ride_receipt>(core, return_atom::value, me, rental.id, domain::ids::station_id{"st_b"}));
  EXPECT_EQ(returned.rental.status, domain::rental_status::returned);
  EXPECT_GT(returned.sequence, rented.sequence);
  EXPECT_EQ(refusal(call<domain::current_rental>(core, current_atom::value, me, std::uint64_t{0})).code,
            domain::error_code::no_active_rental);
  EXPECT_EQ(ok(call<domain::ticket>(core, get_atom::value, me, ticket.id)).status, domain::ticket_status::used);
  auto inbox = ok(call<app::page<domain::notification>>(core, notice_atom::value, list_atom::value, me,
                                                         app::page_request{}, std::uint64_t{0}));
  EXPECT_EQ(inbox.items.size(), 3u);  // paid, rented, returned

  // The journal feed, as far as the core has it.
  auto journal = ok(call<std::vector<ports::recorded_event>>(core, journal_atom::value, std::uint64_t{0},
                                                              std::uint64_t{10000}));
  ASSERT_EQ(journal.size(), storage.journal_rows.size());
  EXPECT_EQ(journal.back().sequence, storage.last_sequence());
}

TEST_F(CoreFrontTest, OperatorsRegisterAndListThroughTheStandIn) {
  start();
  open_core();
  auto station = ok(call<app::station_view>(core, station_atom::value, add_atom::value,
                                            app::new_station{"st_c", "여의나루역", 37.52, 126.93, 5}));
  EXPECT_EQ(station.station.id, "st_c");
  ok(call<domain::bicycle>(core, bicycle_atom::value, add_atom::value, app::new_bicycle{"SPB-9", "st_c"}));
  auto stations = ok(call<app::page<app::station_view>>(core, station_atom::value, list_atom::value,
                                                         app::page_request{.limit = 100}, std::uint64_t{0}));
  ASSERT_EQ(stations.items.size(), 3u);
  EXPECT_EQ(stations.items.back().availability.bicycles_available, 1);  // read-your-writes: the view saw the bicycle
  auto bicycles = ok(call<app::page<domain::bicycle>>(core, bicycle_atom::value, list_atom::value,
                                                       app::bicycle_query{"st_c", std::nullopt}, app::page_request{}));
  ASSERT_EQ(bicycles.items.size(), 1u);
  EXPECT_EQ(ok(call<ok_atom>(core, bicycle_atom::value, remove_atom::value, domain::ids::bicycle_id{"SPB-9"})),
            ok_atom::value);
}

TEST_F(CoreFrontTest, AnUnreachableCoreIsRefusedAtOnce) {
  start();
  net->reachable = false;
  open_core();
  auto refused = refusal(call<domain::ticket>(core, buy_atom::value, customer_id{"c_1"}, domain::ticket_type::one_hour));
  EXPECT_EQ(refused.kind, domain::error_kind::unavailable);
  EXPECT_GE(refused.retry_after_seconds, 1);
  EXPECT_EQ(peers->read().at(0).state, app::peer_state::connecting);
  net->reachable = true;
  advance(100ms);
  EXPECT_EQ(peers->read().at(0).state, app::peer_state::connected);
  // Passed on: the core answers (a ticket for any customer id; the gateway checked the token).
  EXPECT_EQ(ok(call<domain::ticket>(core, buy_atom::value, customer_id{"c_1"}, domain::ticket_type::one_hour)).customer_id,
            "c_1");
}

// A gateway that holds calls (--core-wait-ms): a call while the core is away waits for it and
// is passed on once the link is back; one that waits longer than the hold is refused.
TEST_F(CoreFrontTest, AGatewayHoldsCallsWhileTheCoreIsAway) {
  start();
  net->reachable = false;
  open_core(2000ms);
  auto held = ask<domain::ticket>(core, buy_atom::value, customer_id{"c_1"}, domain::ticket_type::one_hour);
  drain();
  EXPECT_FALSE(held->has_value()) << "held, not refused";
  net->reachable = true;
  advance(100ms);  // the link's next attempt reaches the core; the held call goes
  EXPECT_EQ(ok(held).customer_id, "c_1");
  EXPECT_EQ(storage.rows.tickets.size(), 1u) << "bought once";
}

TEST_F(CoreFrontTest, ACallHeldLongerThanTheHoldIsRefused) {
  start();
  net->reachable = false;
  open_core(500ms);
  auto held = ask<domain::ticket>(core, buy_atom::value, customer_id{"c_1"}, domain::ticket_type::one_hour);
  drain();
  advance(400ms);
  EXPECT_FALSE(held->has_value());
  advance(100ms);
  auto refused = refusal(held);
  EXPECT_EQ(refused.kind, domain::error_kind::unavailable);
  EXPECT_GE(refused.retry_after_seconds, 1);
  net->reachable = true;
  advance(2000ms);
  EXPECT_TRUE(storage.rows.tickets.empty()) << "a refused call is never passed on later";
}

TEST_F(CoreFrontTest, TheCoreSignsTheGatewaysTokens) {
  start();
  open_core();
  auto me = signed_up("01055556666");
  auto token = ok(call<ports::issued_token>(core, token_atom::value, login_atom::value, std::string{"01055556666"},
                                            std::string{"ride2work"}));
  EXPECT_EQ(token.access_token, "token-of-" + me.str());
  EXPECT_EQ(token.scope, "customer");
  EXPECT_EQ(refusal(call<ports::issued_token>(core, token_atom::value, login_atom::value, std::string{"01055556666"},
                                              std::string{"wrong"}))
                .code,
            domain::error_code::invalid_credentials);
  EXPECT_EQ(ok(call<ports::issued_token>(core, token_atom::value, operator_atom::value, std::string{"ops"},
                                         std::string{"s3cret"}))
                .scope,
            "operator");
  EXPECT_EQ(refusal(call<ports::issued_token>(core, token_atom::value, operator_atom::value, std::string{"ops"},
                                              std::string{"guess"}))
                .code,
            domain::error_code::invalid_credentials);
  EXPECT_EQ(ok(call<std::string>(core, token_atom::value, get_atom::value)), signer.key_set());
}

// The answers kept for Idempotency-Keys live at the core, so that a retry through another
// gateway finds the first answer.
TEST_F(CoreFrontTest, AnswersKeptForIdempotencyKeysAreTheCores) {
  start();
  open_core();
  const ports::kept_answer first{"print-1", 201, {{"Location", "/v1/tickets/t_1"}}, R"({"id":"t_1"})", clock.now()};
  EXPECT_TRUE(ok(call<std::vector<ports::kept_answer>>(core, answer_atom::value, get_atom::value, std::string{"c_1"},
                                                       std::string{"k-1"}))
                  .empty());
  EXPECT_EQ(ok(call<ok_atom>(core, answer_atom::value, add_atom::value, std::string{"c_1"}, std::string{"k-1"}, first)),
            ok_atom::value);
  auto found = ok(call<std::vector<ports::kept_answer>>(core, answer_atom::value, get_atom::value, std::string{"c_1"},
                                                        std::string{"k-1"}));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], first);
  EXPECT_TRUE(ok(call<std::vector<ports::kept_answer>>(core, answer_atom::value, get_atom::value, std::string{"c_2"},
                                                       std::string{"k-1"}))
                  .empty())
      << "another customer's key";
  answers.fail = true;
  EXPECT_EQ(refusal(call<ok_atom>(core, answer_atom::value, add_atom::value, std::string{"c_1"}, std::string{"k-2"}, first))
                .kind,
            domain::error_kind::internal);
}

// The gateway's copy of the remaining-time view: fed by the journal feed, long polls answered as
// soon as the journal grows, and a ride's answer can wait until the copy has it
// (read-your-writes through the gateway).
TEST_F(CoreFrontTest, TheGatewaysCopyOfTheViewFollowsTheJournal) {
  start();
  open_core();
  auto board = std::make_shared<rental_board>();
  copy = spawn_rental_copy(*sys, core, board);
  drain();
  ASSERT_EQ(board->position(), storage.last_sequence()) << "it has read the journal once";
  auto me = signed_up("01012345678");
  auto ticket = ok(call<domain::ticket>(core, buy_atom::value, me, domain::ticket_type::one_hour));
  auto rented = ok(call<ride_receipt>(core, rent_atom::value, me, domain::ids::bicycle_id{"SPB-1"}, ticket.id));
  // The commit's announcement answers the copy's long poll at once: no timer has moved.
  EXPECT_EQ(ok(call<ok_atom>(copy, wake_atom::value, rented.sequence)), ok_atom::value);
  auto seen = board->find(me, rented.sequence);
  ASSERT_TRUE(seen && *seen);
  EXPECT_EQ((*seen)->rental_id, rented.rental.id);

  // A read that needs more than the copy has waits for it: here, for a commit not announced yet.
  auto returned = ok(call<ride_receipt>(core, return_atom::value, me, rented.rental.id, domain::ids::station_id{"st_b"}));
  auto waiting = ask<domain::current_rental>(copy, current_atom::value, me, returned.sequence + 1);
  drain();
  EXPECT_FALSE(*waiting);
  ok(call<domain::ticket>(core, buy_atom::value, me, domain::ticket_type::one_hour));
  ASSERT_TRUE(*waiting);
  EXPECT_EQ((**waiting).error().code, domain::error_code::no_active_rental);

  // With nothing new, a long poll is answered empty after a second, and asked again.
  advance(1s);
  advance(1s);
  auto after = board->find(me, returned.sequence);
  ASSERT_TRUE(after);
  EXPECT_FALSE(*after);
}

// A watch through a gateway: the relay gets the customer's notices once each, in order, also
// when the core's front it registered with goes and another takes its place.
TEST_F(CoreFrontTest, ARelayPassesEachNoticeOnceAcrossAFrontThatRestarts) {
  start();
  open_core();
  auto me = signed_up("01077778888");
  auto got = std::make_shared<std::vector<domain::notification>>();
  auto watch = start_relay(*sys, core, me, 0, [got](domain::notification n) { got->push_back(std::move(n)); });
  drain();
  auto first = ok(call<domain::ticket>(core, buy_atom::value, me, domain::ticket_type::one_hour));
  announce();
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ(got->back().kind, "ticket_paid");

  // The front goes; a new one is offered; the stand-in and the relay reach it by themselves.
  caf::anon_send_exit(front, caf::exit_reason::kill);
  caf::anon_send_exit(net->door, caf::exit_reason::kill);
  drain();
  open_front();
  advance(100ms);
  advance(200ms);
  ok(call<domain::ticket>(core, buy_atom::value, me, domain::ticket_type::two_hours));
  announce();
  advance(100ms);
  ASSERT_EQ(got->size(), 2u);
  EXPECT_LT(got->front().sequence, got->back().sequence);
  EXPECT_EQ(*got, expected_notices(me));

  // Cancelled: nothing more is passed on, and the core's watch ends with the relay.
  watch.reset();
  drain();
  ok(call<domain::ticket>(core, cancel_atom::value, me, first.id));
  announce();
  EXPECT_EQ(got->size(), 2u);
}

}  // namespace
}  // namespace ttareungyi::actors::test
