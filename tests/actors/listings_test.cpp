// The listings: pages read straight from each context's store by actors of their own, so a
// listing is answered while the fleet, the ticket desk and their entity actors do not run at all,
// and a cursor the store cannot read is refused as the client's mistake.
#include "fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::bicycle;
using domain::ticket;

class ListingsTest : public actor_test {
 protected:
  // Runs every job except those of the actors named in `held`, until none is left.
  std::size_t run_all_but(std::initializer_list<std::string_view> held) {
    return sched->run_jobs_filtered([held](caf::resumable* job) {
      auto* a = dynamic_cast<caf::local_actor*>(job);
      return !a || std::find(held.begin(), held.end(), std::string_view{a->name()}) == held.end();
    });
  }

  static std::vector<std::string> ids(const std::vector<bicycle>& bs) {
    std::vector<std::string> out;
    for (const auto& b : bs) out.push_back(b.id.str());
    return out;
  }
};

TEST_F(ListingsTest, BicyclesAreListedWhileTheFleetDoesNotRun) {
  seed_station("st_a", 10);
  for (auto id : {"SPB-1", "SPB-2", "SPB-3"}) seed_bicycle(id, "st_a");
  start();
  // A registration waits in the fleet's mailbox, and the fleet never runs.
  auto registering = ask<bicycle>(fleet, bicycle_atom::value, add_atom::value, new_bicycle_of("SPB-4", "st_a"));
  auto listed = ask_items<bicycle>(rental_listings, bicycle_atom::value, list_atom::value, app::bicycle_query{},
                                   app::page_request{});
  run_all_but({"fleet"});
  ASSERT_TRUE(listed->has_value()) << "the listing waited for the fleet";
  EXPECT_EQ(ids(ok(listed)), (std::vector<std::string>{"SPB-1", "SPB-2", "SPB-3"}));
  EXPECT_FALSE(registering->has_value()) << "the fleet ran";

  drain();
  EXPECT_EQ(ok(registering).id, "SPB-4");
  EXPECT_EQ(ids(ok(call_items<bicycle>(rental_listings, bicycle_atom::value, list_atom::value, app::bicycle_query{},
                                       app::page_request{}))),
            (std::vector<std::string>{"SPB-1", "SPB-2", "SPB-3", "SPB-4"}));
}

TEST_F(ListingsTest, ARentDoesNotWaitBehindAListingNorAListingBehindARent) {
  seed_station("st_a", 10);
  for (int i = 0; i < 30; ++i) seed_bicycle("SPB-" + std::to_string(100 + i), "st_a");
  start();
  auto t = paid_ticket("c_alice");
  // The rent's steps run on the desk, the fleet and a bicycle actor; the listing's on its own actor.
  auto renting = start_rent("c_alice", "SPB-100", t.id);
  auto listed = ask_items<bicycle>(rental_listings, bicycle_atom::value, list_atom::value, app::bicycle_query{},
                                   app::page_request{.limit = 10});
  run_all_but({"rental-listings"});
  ASSERT_TRUE(renting->has_value()) << "the rent waited for the listing";
  EXPECT_EQ(ok(renting).bicycle_id, "SPB-100");
  EXPECT_FALSE(listed->has_value()) << "the listing ran";
  drain();
  EXPECT_EQ(ok(listed).size(), 10u);
}

TEST_F(ListingsTest, StationsAndTicketsAreListedWhileTheFleetAndTheTicketDeskDoNotRun) {
  seed_station("st_b", 4);
  seed_station("st_a", 2);
  seed_bicycle("SPB-1", "st_a");
  start();
  auto a1 = paid_ticket("c_alice");
  auto a2 = paid_ticket("c_alice");
  paid_ticket("c_bob");
  auto buying = ask<ticket>(desk, buy_atom::value, domain::ids::customer_id{"c_alice"}, domain::ticket_type::one_hour);
  auto adding = ask<app::station_view>(fleet, station_atom::value, add_atom::value,
                                       new_station_of({"st_c", "C", 37.5, 127.0, 3}));
  auto mine = ask_items<ticket>(ticket_listings, list_atom::value, domain::ids::customer_id{"c_alice"}, app::page_request{});
  auto stations = ask_items<app::station_view>(read_side, station_atom::value, list_atom::value, app::page_request{},
                                               storage.last_sequence());
  run_all_but({"fleet", "ticket-desk", "ticket", "bicycle"});
  EXPECT_FALSE(buying->has_value());
  EXPECT_FALSE(adding->has_value());
  std::vector<std::string> ticket_ids;
  for (const auto& x : ok(mine)) ticket_ids.push_back(x.id.str());
  EXPECT_EQ(ticket_ids.size(), 2u);
  EXPECT_TRUE(std::ranges::find(ticket_ids, a1.id.str()) != ticket_ids.end());
  EXPECT_TRUE(std::ranges::find(ticket_ids, a2.id.str()) != ticket_ids.end());
  auto listed = ok(stations);
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].station.id, "st_a");
  EXPECT_EQ(listed[0].availability.bicycles_available, 1) << "with the station view's counts";
  EXPECT_EQ(listed[1].station.id, "st_b");
  drain();
  EXPECT_TRUE(ok(buying).id.str().starts_with("t_"));
  EXPECT_EQ(ok(adding).station.id, "st_c");
}

TEST_F(ListingsTest, PagesFollowTheirNextCursorsToTheLastPage) {
  for (auto id : {"st_c", "st_a", "st_b"}) seed_station(id, 5);
  for (int i = 0; i < 5; ++i) seed_bicycle("SPB-" + std::to_string(i), i % 2 ? "st_a" : "st_b");
  start();
  auto first = ok(call<app::page<app::station_view>>(read_side, station_atom::value, list_atom::value,
                                                     app::page_request{.limit = 2}, storage.last_sequence()));
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(first.items[0].station.id, "st_a");
  EXPECT_EQ(first.items[0].availability.bicycles_available, 2);
  EXPECT_EQ(first.items[1].availability.bicycles_available, 3);
  ASSERT_TRUE(first.next.has_value());
  auto last = ok(call<app::page<app::station_view>>(read_side, station_atom::value, list_atom::value,
                                                    app::page_request{.cursor = first.next, .limit = 2},
                                                    storage.last_sequence()));
  ASSERT_EQ(last.items.size(), 1u);
  EXPECT_EQ(last.items[0].station.id, "st_c");
  EXPECT_FALSE(last.next.has_value());

  app::bicycle_query at_b;
  at_b.station_id = "st_b";
  auto bikes = ok(call<app::page<bicycle>>(rental_listings, bicycle_atom::value, list_atom::value, at_b,
                                           app::page_request{.limit = 2}));
  EXPECT_EQ(ids(bikes.items), (std::vector<std::string>{"SPB-0", "SPB-2"}));
  ASSERT_TRUE(bikes.next.has_value());
  auto rest = ok(call<app::page<bicycle>>(rental_listings, bicycle_atom::value, list_atom::value, at_b,
                                          app::page_request{.cursor = bikes.next, .limit = 2}));
  EXPECT_EQ(ids(rest.items), std::vector<std::string>{"SPB-4"});
  EXPECT_FALSE(rest.next.has_value());
}

TEST_F(ListingsTest, ACursorTheStoreCannotReadIsRefusedAsInvalidCursor) {
  seed_station("st_a", 5);
  start();
  const app::page_request bad{.cursor = "not-a-cursor", .limit = 10};
  std::vector<domain::error> refusals{
      refusal(call<app::page<bicycle>>(rental_listings, bicycle_atom::value, list_atom::value, app::bicycle_query{}, bad)),
      refusal(call<app::page<domain::station>>(rental_listings, station_atom::value, list_atom::value, bad)),
      refusal(call<app::page<app::station_view>>(read_side, station_atom::value, list_atom::value, bad,
                                                 storage.last_sequence())),
      refusal(call<app::page<ticket>>(ticket_listings, list_atom::value, domain::ids::customer_id{"c_alice"}, bad)),
      refusal(call<app::page<domain::notification>>(read_side, notice_atom::value, list_atom::value,
                                                    domain::ids::customer_id{"c_alice"}, bad, storage.last_sequence())),
  };
  for (const auto& e : refusals) {
    EXPECT_EQ(e.kind, domain::error_kind::invalid);
    EXPECT_EQ(e.code, domain::error_code::invalid_cursor);
  }
  // Any other failure of the store is ours.
  EXPECT_EQ(listing_refusal(ports::storage_error{"disk on fire"}, "bicycles").kind, domain::error_kind::internal);
}

}  // namespace
}  // namespace ttareungyi::actors::test
