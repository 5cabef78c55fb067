// The core as a gateway reaches it, on the deterministic scheduler: the core's front behind
// its door, and the gateway's stand-in reaching it through a connector that stands in for
// CAF's io middleman. A customer's whole journey passes through both; the rides' steps run on
// the core; the read side's answers are read-your-writes against the core's own journal; a
// core that cannot be reached is refused at once.
#include "fake_network.hpp"
#include "read_side_fixture.hpp"
#include "remote/core_front.hpp"
#include "remote/door.hpp"
#include "remote/remote_core.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::ids::customer_id;

class CoreFrontTest : public read_side_test {
 protected:
  std::shared_ptr<network> net = std::make_shared<network>();
  std::shared_ptr<peer_board> peers = std::make_shared<peer_board>();
  core_actor front;
  core_actor core;  // the gateway's stand-in
  caf::actor connector;

  void SetUp() override {
    seed_station("st_a", 10);
    seed_station("st_b", 10);
    seed_bicycle("SPB-1", "st_a");
  }

  void TearDown() override {
    for (const auto& a : {caf::actor_cast<caf::actor>(core), connector, net->door, caf::actor_cast<caf::actor>(front)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    core = front = nullptr;
    connector = net->door = nullptr;
    read_side_test::TearDown();
  }

  void open_core() {
    front = spawn_core_front(*sys, {identity, desk, ticket_listings, fleet, rental_listings, read_side, &storage});
    net->door = spawn_door(*sys, wire_fingerprint(), {{"core", caf::actor_cast<caf::actor>(front)}});
    connector = sys->spawn(fake_middleman, net);
    core = spawn_remote_core(*sys, test_link("core", {"core.test", 4200}, connector), peers, clock, 3000ms);
    drain();
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
  auto rental = ok(call<domain::rental>(core, rent_atom::value, me, domain::ids::bicycle_id{"SPB-1"}, ticket.id));
  EXPECT_EQ(ok(call<domain::current_rental>(core, current_atom::value, me, std::uint64_t{0})).rental_id, rental.id);
  auto returned = ok(call<domain::rental>(core, return_atom::value, me, rental.id, domain::ids::station_id{"st_b"}));
  EXPECT_EQ(returned.status, domain::rental_status::returned);
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

}  // namespace
}  // namespace ttareungyi::actors::test
