// The fleet: stations and their availability, the registry of bicycle actors, registration
// and deletion rules.
#include "fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::bicycle;
using domain::bicycle_status;
using domain::error_kind;
using domain::station;

class FleetTest : public actor_test {
 protected:
  slot<app::station_view> add_station(station s) {
    return call<app::station_view>(fleet, station_atom::value, add_atom::value, new_station_of(std::move(s)));
  }
  slot<bicycle> add_bicycle(const domain::ids::bicycle_id& id, const domain::ids::station_id& station_id) {
    return call<bicycle>(fleet, bicycle_atom::value, add_atom::value, new_bicycle_of(id, station_id));
  }
  slot<ok_atom> remove_bicycle(const domain::ids::bicycle_id& id) {
    return call<ok_atom>(fleet, bicycle_atom::value, remove_atom::value, id);
  }
  // The first page of the rental context's listing of bicycles ("" for no filter).
  slot<std::vector<bicycle>> bicycles(const std::string& station_id, const std::string& status) {
    app::bicycle_query query;
    if (!station_id.empty()) query.station_id = domain::ids::station_id{station_id};
    query.status = domain::parse_bicycle_status(status);
    return call_items<bicycle>(rental_listings, bicycle_atom::value, list_atom::value, query, app::page_request{});
  }
};

TEST_F(FleetTest, RegistersAStation) {
  start();
  auto v = ok(add_station({"st_city", "City Hall", 37.5663, 126.9779, 12}));
  EXPECT_EQ(v.station, (station{"st_city", "City Hall", 37.5663, 126.9779, 12}));
  EXPECT_EQ(v.availability.bicycles_available, 0);
  EXPECT_EQ(v.availability.docks_available, 12);
  EXPECT_EQ(storage.rows.stations["st_city"], v.station);
  EXPECT_EQ(storage.events_of("st_city"), std::vector<std::string>{"station_registered"});

  auto all = ok(stations());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].station.id, "st_city");
  EXPECT_EQ(all[0].availability.docks_available, 12);
  // The rental context's own list is the stations alone.
  auto listed = ok(call_items<station>(rental_listings, station_atom::value, list_atom::value, app::page_request{}));
  EXPECT_EQ(listed, std::vector<station>{v.station});
}

TEST_F(FleetTest, StationWithoutIdGetsOne) {
  start();
  auto v = ok(add_station({{}, "Yeouido", 37.52, 126.92, 5}));
  EXPECT_TRUE(v.station.id.str().starts_with("s_"));
  EXPECT_TRUE(storage.rows.stations.contains(v.station.id));
}

TEST_F(FleetTest, AnAlertIsPostedForKnownStationsAndListedOffTheFleet) {
  seed_station("st_a", 4);
  start();
  domain::alert_request closure{.type = domain::alert_type::station_closure,
                                .start = clock.now(),
                                .end = clock.now() + 2h,
                                .station_ids = {"st_a"},
                                .summary = "공사",
                                .description = ""};
  auto posted = ok(call<domain::alert>(fleet, alert_atom::value, add_atom::value, closure));
  EXPECT_TRUE(posted.id.str().starts_with("al_"));
  EXPECT_EQ(posted.posted_at, clock.now());
  EXPECT_EQ(storage.rows.alerts[posted.id], posted);
  EXPECT_EQ(storage.events_of(posted.id), std::vector<std::string>{"alert_posted"});
  EXPECT_EQ(ok(call<std::vector<domain::alert>>(rental_listings, alert_atom::value, list_atom::value)),
            std::vector<domain::alert>{posted});

  auto unknown = closure;
  unknown.station_ids.push_back("st_nowhere");
  auto e = refusal(call<domain::alert>(fleet, alert_atom::value, add_atom::value, unknown));
  EXPECT_EQ(e.code, domain::error_code::station_not_found);
  auto over = closure;
  over.end = clock.now() - 1h, over.start = clock.now() - 2h;
  EXPECT_EQ(refusal(call<domain::alert>(fleet, alert_atom::value, add_atom::value, over)).kind, error_kind::invalid);
  EXPECT_EQ(storage.rows.alerts.size(), 1u) << "refusals store nothing";
}

TEST_F(FleetTest, DuplicateStationIdIsTaken) {
  seed_station("st_old", 4);
  start();
  ok(add_station({"st_new", "New", 37.5, 127.0, 4}));

  for (const auto* id : {"st_new", "st_old"}) {
    auto e = refusal(add_station({domain::ids::station_id{id}, "Again", 37.5, 127.0, 8}));
    EXPECT_EQ(e.kind, error_kind::conflict);
    EXPECT_EQ(e.code, domain::error_code::station_id_taken);
    EXPECT_EQ(e.ids.at("stationId"), id);
  }
  EXPECT_EQ(storage.rows.stations["st_new"].name, "New");
  EXPECT_EQ(storage.rows.stations["st_old"].capacity, 4);
}

TEST_F(FleetTest, ConcurrentRegistrationsOfOneStationIdExactlyOneWins) {
  start();
  auto a = ask<app::station_view>(fleet, station_atom::value, add_atom::value, new_station_of({"st_x", "A", 37.5, 127.0, 4}));
  auto b = ask<app::station_view>(fleet, station_atom::value, add_atom::value, new_station_of({"st_x", "B", 37.5, 127.0, 9}));
  drain();
  ASSERT_TRUE(a->has_value() && b->has_value());
  ASSERT_NE(a->value().has_value(), b->value().has_value());
  EXPECT_EQ(refusal(a->value().has_value() ? b : a).code, domain::error_code::station_id_taken);
  EXPECT_EQ(storage.events_of("st_x").size(), 1u);
}

TEST_F(FleetTest, InvalidStationIsRefused) {
  start();
  auto e = refusal(add_station({"st_bad", "", 37.5, 127.0, 4}));
  EXPECT_EQ(e.kind, error_kind::invalid);
  EXPECT_TRUE(storage.rows.stations.empty());
}

TEST_F(FleetTest, RegistersABicycleAtAStation) {
  seed_station("st_a", 10);
  start();
  auto b = ok(add_bicycle("SPB-31542", "st_a"));
  EXPECT_EQ(b, (bicycle{.id = "SPB-31542", .status = bicycle_status::available, .station_id = "st_a"}));
  EXPECT_EQ(storage.rows.bicycles["SPB-31542"], b);
  EXPECT_EQ(availability()["st_a"].bicycles_available, 1);
  EXPECT_EQ(availability()["st_a"].docks_available, 9);
  EXPECT_EQ(storage.events_of("SPB-31542"), std::vector<std::string>{"bicycle_registered"});
}

TEST_F(FleetTest, BicycleWithoutIdGetsOne) {
  seed_station("st_a", 10);
  start();
  auto b = ok(add_bicycle({}, "st_a"));  // no id: the fleet chooses one
  EXPECT_TRUE(b.id.str().starts_with("b_"));
  EXPECT_TRUE(storage.rows.bicycles.contains(b.id));
}

TEST_F(FleetTest, BicycleAtUnknownStationIsRefused) {
  start();
  auto e = refusal(add_bicycle("SPB-1", "st_nowhere"));
  EXPECT_EQ(e.kind, error_kind::not_found);
  EXPECT_EQ(e.code, domain::error_code::station_not_found);
  EXPECT_TRUE(storage.rows.bicycles.empty());
}

TEST_F(FleetTest, InvalidBicycleIdIsRefused) {
  seed_station("st_a", 10);
  start();
  EXPECT_EQ(refusal(add_bicycle("no spaces!", "st_a")).kind, error_kind::invalid);
  EXPECT_TRUE(storage.rows.bicycles.empty());
}

TEST_F(FleetTest, DuplicateBicycleIdIsTaken) {
  seed_station("st_a", 10);
  seed_station("st_b", 10);
  seed_bicycle("SPB-old", "st_a");
  start();
  ok(add_bicycle("SPB-new", "st_a"));

  for (const auto* id : {"SPB-new", "SPB-old"}) {
    auto e = refusal(add_bicycle(domain::ids::bicycle_id{id}, "st_b"));
    EXPECT_EQ(e.kind, error_kind::conflict);
    EXPECT_EQ(e.code, domain::error_code::bicycle_id_taken);
    EXPECT_EQ(storage.rows.bicycles[domain::ids::bicycle_id{id}].station_id, "st_a");
  }
  auto seen = availability();
  EXPECT_EQ(seen["st_a"].bicycles_available, 2);
  EXPECT_EQ(seen["st_b"].bicycles_available, 0);
}

TEST_F(FleetTest, RentedBicycleCannotBeDeleted) {
  seed_station("st_a", 10);
  storage.rows.bicycles["SPB-1"] = {.id = "SPB-1", .status = bicycle_status::rented, .rental_id = "r_1"};
  storage.rows.rentals["r_1"] = {.id = "r_1", .bicycle_id = "SPB-1", .ticket_id = "t_1", .customer_id = "c_alice",
                                 .from_station_id = "st_a", .rented_at = clock.now(), .due_at = clock.now() + 60min};
  start();
  auto e = refusal(remove_bicycle("SPB-1"));
  EXPECT_EQ(e.kind, error_kind::conflict);
  EXPECT_EQ(e.code, domain::error_code::bicycle_rented);
  EXPECT_TRUE(storage.rows.bicycles.contains("SPB-1"));
  EXPECT_TRUE(storage.events_of("SPB-1").empty());
}

TEST_F(FleetTest, RentedThroughARideBicycleCannotBeDeleted) {
  seed_station("st_a", 10);
  seed_bicycle("SPB-1", "st_a");
  start();
  auto t = paid_ticket("c_alice");
  ok(rent("c_alice", "SPB-1", t.id));
  EXPECT_EQ(refusal(remove_bicycle("SPB-1")).code, domain::error_code::bicycle_rented);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].status, bicycle_status::rented);
}

TEST_F(FleetTest, DeletingAnAvailableBicycleLowersAvailability) {
  seed_station("st_a", 10);
  seed_bicycle("SPB-1", "st_a");
  seed_bicycle("SPB-2", "st_a");
  start();
  ok(remove_bicycle("SPB-1"));
  EXPECT_FALSE(storage.rows.bicycles.contains("SPB-1"));
  EXPECT_EQ(availability()["st_a"].bicycles_available, 1);
  EXPECT_EQ(storage.events_of("SPB-1"), std::vector<std::string>{"bicycle_deleted"});

  // Gone: deleting again, or renting it, finds nothing; the id may be registered anew.
  EXPECT_EQ(refusal(remove_bicycle("SPB-1")).code, domain::error_code::bicycle_not_found);
  auto t = paid_ticket("c_alice");
  EXPECT_EQ(refusal(rent("c_alice", "SPB-1", t.id)).code, domain::error_code::bicycle_not_found);
  ok(add_bicycle("SPB-1", "st_a"));
  EXPECT_EQ(availability()["st_a"].bicycles_available, 2);
}

TEST_F(FleetTest, DeletingAnUnknownBicycleIsNotFound) {
  start();
  auto e = refusal(remove_bicycle("SPB-404"));
  EXPECT_EQ(e.kind, error_kind::not_found);
  EXPECT_EQ(e.code, domain::error_code::bicycle_not_found);
}

// Availability is the station view's: an earlier run's journal is counted when the view
// starts from scratch (position 0), chain docking included.
TEST_F(FleetTest, AvailabilityIsCountedFromTheJournalAtStart) {
  seed_station("st_a", 3);
  seed_station("st_b", 2);
  seed_station("st_empty", 5);
  seed_bicycle("SPB-1", "st_a");
  seed_bicycle("SPB-2", "st_a");
  seed_bicycle("SPB-3", "st_a");
  storage.rows.bicycles["SPB-3"] = {.id = "SPB-3", .status = bicycle_status::rented, .rental_id = "r_1"};
  storage.seed_event(domain::bicycle_rented{"r_1", "SPB-3", "t_1", "c_alice", "st_a", clock.now(), clock.now() + 60min});
  for (const auto* id : {"SPB-4", "SPB-5", "SPB-6"}) seed_bicycle(id, "st_b");  // chain docking: over capacity
  start();

  auto seen = availability();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen["st_a"].bicycles_available, 2);
  EXPECT_EQ(seen["st_a"].docks_available, 1);
  EXPECT_EQ(seen["st_b"].bicycles_available, 3);
  EXPECT_EQ(seen["st_b"].docks_available, 0);
  EXPECT_EQ(seen["st_empty"].bicycles_available, 0);
  EXPECT_EQ(seen["st_empty"].docks_available, 5);
}

// A view that is up to date at start is loaded, not recounted: start-up reads no bicycle.
TEST_F(FleetTest, AvailabilityIsLoadedFromTheStoredViewAtStart) {
  seed_station("st_a", 3);
  seed_bicycle("SPB-1", "st_a");
  storage.views.stations["st_a"] = {"st_a", 3, 2};  // what the view had stored: trusted as is
  storage.views.positions["stations"] = storage.last_sequence();
  start();
  EXPECT_EQ(availability()["st_a"].bicycles_available, 2);  // a recount would say 1

  // New events are counted on top of it.
  ok(add_bicycle("SPB-2", "st_a"));
  EXPECT_EQ(availability()["st_a"].bicycles_available, 3);
  EXPECT_EQ(availability()["st_a"].docks_available, 0);
  EXPECT_EQ(storage.views.stations["st_a"].bicycles_available, 3);
}

TEST_F(FleetTest, ListsBicyclesByStationAndStatus) {
  seed_station("st_a", 3);
  seed_station("st_b", 3);
  seed_bicycle("SPB-1", "st_a");
  seed_bicycle("SPB-2", "st_b");
  storage.rows.bicycles["SPB-3"] = {.id = "SPB-3", .status = bicycle_status::rented, .rental_id = "r_1"};
  start();

  auto ids = [](const std::vector<bicycle>& bs) {
    std::vector<std::string> out;
    for (const auto& b : bs) out.push_back(b.id.str());
    return out;
  };
  EXPECT_EQ(ids(ok(bicycles("", ""))), (std::vector<std::string>{"SPB-1", "SPB-2", "SPB-3"}));
  EXPECT_EQ(ids(ok(bicycles("st_a", ""))), std::vector<std::string>{"SPB-1"});
  EXPECT_EQ(ids(ok(bicycles("", "rented"))), std::vector<std::string>{"SPB-3"});
  EXPECT_EQ(ids(ok(bicycles("st_b", "available"))), std::vector<std::string>{"SPB-2"});
}

TEST_F(FleetTest, RentalIsLookedUpFromStorage) {
  storage.rows.rentals["r_1"] = {.id = "r_1", .bicycle_id = "SPB-1", .customer_id = "c_alice"};
  start();
  EXPECT_EQ(ok(call<domain::rental>(fleet, rental_atom::value, domain::ids::rental_id{"r_1"})), storage.rows.rentals["r_1"]);
  EXPECT_EQ(refusal(call<domain::rental>(fleet, rental_atom::value, domain::ids::rental_id{"r_2"})).code, domain::error_code::rental_not_found);
}

TEST_F(FleetTest, FailedStationCommitRegistersNothing) {
  start();
  storage.fail_commits(1);
  EXPECT_EQ(refusal(add_station({"st_a", "A", 37.5, 127.0, 4})).kind, error_kind::internal);
  EXPECT_TRUE(ok(stations()).empty());
  ok(add_station({"st_a", "A", 37.5, 127.0, 4}));
}

TEST_F(FleetTest, FailedBicycleCommitRegistersNothing) {
  seed_station("st_a", 4);
  start();
  storage.fail_commits(1);
  EXPECT_EQ(refusal(add_bicycle("SPB-1", "st_a")).kind, error_kind::internal);
  EXPECT_EQ(availability()["st_a"].bicycles_available, 0);
  // The bicycle's actor did not keep what it could not store.
  ok(add_bicycle("SPB-1", "st_a"));
  EXPECT_EQ(availability()["st_a"].bicycles_available, 1);
}

// --- storage failures and passivation of bicycle actors

domain::rent_request rent_for(const std::string& customer, const std::string& rental) {
  return {domain::ids::rental_id{rental}, domain::ids::ticket_id{"t_" + customer}, domain::ids::customer_id{customer},
          std::chrono::minutes{60}};
}

// A commit that fails while other requests wait for the bicycle: they are served from storage,
// not from the rent that was not stored (and not refused because the actor stopped).
TEST_F(FleetTest, RequestsWaitingBehindAFailedCommitAreServedFromStorage) {
  seed_station("st_a", 4);
  seed_bicycle("SPB-1", "st_a");
  start();
  storage.fail_commits(1);
  auto first = ask<domain::rental>(fleet, rent_atom::value, domain::ids::bicycle_id{"SPB-1"}, rent_for("c_alice", "r_1"), ports::changeset{});
  auto second = ask<domain::rental>(fleet, rent_atom::value, domain::ids::bicycle_id{"SPB-1"}, rent_for("c_bob", "r_2"), ports::changeset{});
  drain();
  EXPECT_EQ(refusal(first).kind, error_kind::internal);
  EXPECT_EQ(ok(second).customer_id, "c_bob");
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].rental_id, "r_2");
}

// After a failed commit the bicycle is reloaded; if that read fails too, it refuses rather
// than serve what it holds, and reloads on the next request.
TEST_F(FleetTest, AFailedReloadServesNothingStale) {
  seed_station("st_a", 4);
  seed_bicycle("SPB-1", "st_a");
  start();
  storage.fail_commits(1);
  EXPECT_EQ(refusal(call<domain::rental>(fleet, rent_atom::value, domain::ids::bicycle_id{"SPB-1"}, rent_for("c_alice", "r_1"), ports::changeset{})).kind,
            error_kind::internal);
  storage.fail_reads(1);
  EXPECT_EQ(refusal(call<domain::rental>(fleet, rent_atom::value, domain::ids::bicycle_id{"SPB-1"}, rent_for("c_bob", "r_2"), ports::changeset{})).kind,
            error_kind::internal);
  EXPECT_EQ(ok(call<domain::rental>(fleet, rent_atom::value, domain::ids::bicycle_id{"SPB-1"}, rent_for("c_bob", "r_3"), ports::changeset{})).id, "r_3");
}

// A rented bicycle whose rental cannot be read is not activated half-loaded (without its trip).
TEST_F(FleetTest, AFailedLoadActivatesNothing) {
  seed_station("st_a", 4);
  storage.rows.bicycles["SPB-1"] = {.id = "SPB-1", .status = bicycle_status::rented, .rental_id = "r_1"};
  storage.rows.rentals["r_1"] = {.id = "r_1", .bicycle_id = "SPB-1", .ticket_id = "t_1", .customer_id = "c_alice",
                                 .from_station_id = "st_a", .rented_at = clock.now(), .due_at = clock.now() + 60min};
  start();
  auto give_back = [&] {
    return call<domain::rental>(fleet, return_atom::value, domain::ids::customer_id{"c_alice"}, domain::ids::rental_id{"r_1"},
                                domain::ids::station_id{"st_a"}, ticket_finish_actor{desk});
  };
  storage.fail_reads(1, 2);  // the rental (by the fleet), the bicycle, then the bicycle's rental
  EXPECT_EQ(refusal(give_back()).kind, error_kind::internal);
  EXPECT_EQ(live.bicycles, 0u);
  EXPECT_EQ(ok(give_back()).status, domain::rental_status::returned);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].status, bicycle_status::available);
}

class FleetPassivationTest : public FleetTest {
 protected:
  FleetPassivationTest() { passivate_after = 1000ms; }
};

TEST_F(FleetPassivationTest, IdleBicycleActorsStopAndReloadWithTheirRental) {
  seed_station("st_a", 10);
  start();
  for (const auto* id : {"SPB-1", "SPB-2", "SPB-3"}) ok(add_bicycle(domain::ids::bicycle_id{id}, "st_a"));
  EXPECT_EQ(live.bicycles, 3u);
  advance(1001ms);
  EXPECT_EQ(live.bicycles, 0u);

  // Rented, passivated, then returned: the rental comes back with the bicycle.
  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-2", t.id));
  EXPECT_EQ(live.bicycles, 1u);
  advance(1001ms);
  EXPECT_EQ(live.bicycles, 0u);
  EXPECT_EQ(live.tickets, 0u);
  auto ended = ok(give_back("c_alice", r.id, "st_a"));
  EXPECT_EQ(ended.status, domain::rental_status::returned);
  EXPECT_EQ(storage.rows.bicycles["SPB-2"].status, bicycle_status::available);
  EXPECT_EQ(storage.rows.tickets[t.id].status, domain::ticket_status::used);
}

// Deleted, the bicycle's actor stays until idle and serves "gone"; registering the id again works.
TEST_F(FleetPassivationTest, ADeletedBicycleIsGoneBeforeAndAfterPassivation) {
  seed_station("st_a", 10);
  seed_bicycle("SPB-1", "st_a");
  start();
  ok(remove_bicycle("SPB-1"));
  EXPECT_EQ(refusal(remove_bicycle("SPB-1")).code, domain::error_code::bicycle_not_found);
  advance(1001ms);
  EXPECT_EQ(live.bicycles, 0u);
  EXPECT_EQ(refusal(remove_bicycle("SPB-1")).code, domain::error_code::bicycle_not_found);
  EXPECT_EQ(live.bicycles, 0u) << "a missing bicycle was activated";
  ok(add_bicycle("SPB-1", "st_a"));
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].station_id, "st_a");
}

// Two customers race for a bicycle that is stopping: exactly one rents it, and nothing is lost.
TEST_F(FleetPassivationTest, RentsRacingAStoppingBicycleAreBothAnswered) {
  seed_station("st_a", 10);
  seed_bicycle("SPB-1", "st_a");
  start();
  EXPECT_EQ(refusal(add_bicycle("SPB-1", "st_a")).code, domain::error_code::bicycle_id_taken);  // activates it
  sched->advance_time(1001ms);
  run_only("bicycle");  // its idle tick: it asks the fleet whether it may stop
  auto a = ask<domain::rental>(fleet, rent_atom::value, domain::ids::bicycle_id{"SPB-1"}, rent_for("c_alice", "r_1"), ports::changeset{});
  auto b = ask<domain::rental>(fleet, rent_atom::value, domain::ids::bicycle_id{"SPB-1"}, rent_for("c_bob", "r_2"), ports::changeset{});
  drain();
  ASSERT_TRUE(a->has_value() && b->has_value()) << "a request was lost";
  ASSERT_NE(a->value().has_value(), b->value().has_value());
  EXPECT_EQ(refusal(a->value().has_value() ? b : a).code, domain::error_code::bicycle_unavailable);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].status, bicycle_status::rented);
  EXPECT_EQ(live.bicycles, 1u);
}

}  // namespace
}  // namespace ttareungyi::actors::test
