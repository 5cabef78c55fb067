// The read models: the remaining-time view and station availability follow the journal,
// answer read-your-writes, rebuild to exactly the live view, and survive failed commits
// without applying anything twice; the supervisor restarts what stops.
#include "read_side_fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::error_kind;
using domain::station;
using domain::station_count;

class ViewsTest : public read_side_test {
 protected:
  void SetUp() override {
    seed_station("st_a", 10);
    seed_station("st_b", 2);
    seed_bicycle("SPB-1", "st_a");
    seed_bicycle("SPB-2", "st_a");
  }
  slot<app::station_view> add_station(station s) {
    return call<app::station_view>(fleet, station_atom::value, add_atom::value, new_station_of(std::move(s)));
  }
  slot<domain::bicycle> add_bicycle(const domain::ids::bicycle_id& id, const domain::ids::station_id& station_id) {
    return call<domain::bicycle>(fleet, bicycle_atom::value, add_atom::value, new_bicycle_of(id, station_id));
  }
  slot<ok_atom> remove_bicycle(const domain::ids::bicycle_id& id) {
    return call<ok_atom>(fleet, bicycle_atom::value, remove_atom::value, id);
  }
  std::map<std::string, int> counts() {
    std::map<std::string, int> out;
    for (const auto& c : ok(call<std::vector<station_count>>(read_side, station_atom::value, count_atom::value,
                                                             storage.last_sequence())))
      out[c.station_id.str()] = c.bicycles_available;
    return out;
  }
};

// -- remaining time ----------------------------------------------------------------------------

TEST_F(ViewsTest, RemainingTimeViewFollowsRentAndReturn) {
  start();
  auto none = refusal(current("c_alice"));
  EXPECT_EQ(none.kind, error_kind::not_found);
  EXPECT_EQ(none.code, domain::error_code::no_active_rental);

  auto t = paid_ticket("c_alice");
  clock.advance(2min);
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  const domain::current_rental expected{.customer_id = "c_alice",
                                        .rental_id = r.id,
                                        .bicycle_id = "SPB-1",
                                        .ticket_id = t.id,
                                        .from_station_id = "st_a",
                                        .rented_at = r.rented_at,
                                        .due_at = r.due_at};
  EXPECT_EQ(ok(current("c_alice")), expected);
  EXPECT_EQ(storage.views.rentals.at("c_alice"), expected);
  EXPECT_EQ(domain::remaining_seconds(ok(current("c_alice")), clock.now()), 3600);
  EXPECT_EQ(refusal(current("c_bob")).code, domain::error_code::no_active_rental);

  ok(give_back("c_alice", r.id, "st_b"));
  EXPECT_EQ(refusal(current("c_alice")).code, domain::error_code::no_active_rental);
  EXPECT_FALSE(storage.views.rentals.contains("c_alice"));
  EXPECT_EQ(storage.position_of("rentals"), storage.last_sequence());
}

TEST_F(ViewsTest, RemainingTimeAnswersOnceTheViewHasReadWhatItsCallerSaw) {
  start();
  const auto at = clock.now();
  // A rent committed but not yet announced: the view has not applied it.
  storage.seed_event(domain::bicycle_rented{"r_1", "SPB-1", "t_1", "c_alice", "st_a", at, at + 60min}, at, "r_1");
  auto answer = current("c_alice");
  EXPECT_FALSE(answer->has_value()) << "answered from a view behind what the caller saw";
  announce();
  EXPECT_EQ(ok(answer).rental_id, "r_1");
}

TEST_F(ViewsTest, AClientThatJustRentedSeesItsRental) {
  start();
  auto t = paid_ticket("c_alice");
  // Everything runs but the journal's wake-ups: the rent is answered, the view has not heard.
  const auto except = [](std::initializer_list<std::string_view> names) {
    return [names](caf::resumable* job) {
      auto* a = dynamic_cast<caf::local_actor*>(job);
      return !a || std::find(names.begin(), names.end(), std::string_view{a->name()}) == names.end();
    };
  };
  auto rented = start_rent("c_alice", "SPB-1", t.id);
  sched->run_jobs_filtered(except({"journal-hub"}));
  auto r = ok(rented);
  const auto seen = storage.last_sequence();
  ASSERT_LT(storage.position_of("rentals"), seen);
  // The client asks at once: the view holds the question until it has read that far.
  auto answer = ask<domain::current_rental>(read_side, current_atom::value, domain::ids::customer_id{"c_alice"}, seen);
  sched->run_jobs_filtered(except({"journal-hub"}));
  EXPECT_FALSE(answer->has_value()) << "answered from a view that had not read the rent";
  drain();
  EXPECT_EQ(ok(answer).rental_id, r.id);
}

TEST_F(ViewsTest, RemainingTimeNeedsNoTicketOrBicycleActor) {
  start();
  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  caf::anon_send_exit(fleet, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(desk, caf::exit_reason::user_shutdown);
  drain();
  EXPECT_EQ(ok(current("c_alice")).rental_id, r.id);
}

TEST_F(ViewsTest, RemainingTimeViewIsLoadedFromStorageAtStart) {
  const auto at = clock.now();
  storage.views.rentals["c_alice"] = {"c_alice", "r_7", "SPB-1", "t_7", "st_a", at, at + 120min};
  storage.views.positions["rentals"] = storage.last_sequence();
  start();
  EXPECT_EQ(ok(current("c_alice")).rental_id, "r_7");
}

// -- the rental board: the same view, read on the caller's thread -------------------------------

TEST_F(ViewsTest, RentalBoardShowsOnlyCommittedEntriesAndSaysWhenItIsBehind) {
  // The board is recent enough and the customer has no rental (as opposed to nullopt: behind).
  const std::optional<std::optional<domain::current_rental>> known_without_rental{std::in_place, std::nullopt};
  start();
  auto t = paid_ticket("c_alice");
  EXPECT_EQ(board->find("c_alice", storage.last_sequence()), known_without_rental);
  // The rent is committed and answered; the view has not applied it yet.
  auto rented = start_rent("c_alice", "SPB-1", t.id);
  sched->run_jobs_filtered([](caf::resumable* job) {
    auto* a = dynamic_cast<caf::local_actor*>(job);
    return !a || std::string_view{a->name()} != "rentals-view";
  });
  auto r = ok(rented);
  EXPECT_EQ(board->find("c_alice", storage.last_sequence()), std::nullopt) << "answered from a board behind the caller";
  EXPECT_EQ(board->get("c_alice"), std::nullopt);
  drain();
  auto found = board->find("c_alice", storage.last_sequence());
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->rental_id, r.id);
  EXPECT_EQ(**found, ok(current("c_alice")));

  ok(give_back("c_alice", r.id, "st_b"));
  EXPECT_EQ(board->find("c_alice", storage.last_sequence()), known_without_rental);
}

TEST_F(ViewsTest, RentalBoardKeepsNothingOfABatchWhoseCommitFailed) {
  start();
  auto t = paid_ticket("c_alice");
  storage.fail_view_commits(1, 0, "rentals");
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  EXPECT_FALSE(child("rentals"));
  EXPECT_EQ(board->get("c_alice"), std::nullopt);
  EXPECT_EQ(board->find("c_alice", storage.last_sequence()), std::nullopt);
  advance(read_settings.restart_first);
  auto found = board->find("c_alice", storage.last_sequence());
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->rental_id, r.id);
}

TEST_F(ViewsTest, RentalBoardIsLoadedFromStorageAtStart) {
  const auto at = clock.now();
  storage.views.rentals["c_alice"] = {"c_alice", "r_7", "SPB-1", "t_7", "st_a", at, at + 120min};
  storage.views.positions["rentals"] = storage.last_sequence();
  board->publish({{"c_ghost", domain::current_rental{"c_ghost", "r_0", "SPB-9", "t_0", "st_a", at, at}}}, 0);
  start();
  auto found = board->find("c_alice", storage.last_sequence());
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->rental_id, "r_7");
  EXPECT_EQ(board->get("c_ghost"), std::nullopt) << "an entry not in storage survived the reload";
}

// -- station availability ----------------------------------------------------------------------

TEST_F(ViewsTest, StationCountsFollowRegisterRentReturnAndDelete) {
  start();
  EXPECT_EQ(counts(), (std::map<std::string, int>{{"st_a", 2}, {"st_b", 0}}));
  ok(add_station({"st_c", "C", 37.5, 127.0, 1}));
  ok(add_bicycle("SPB-3", "st_c"));
  ok(add_bicycle("SPB-4", "st_c"));  // chain docking: over capacity
  EXPECT_EQ(counts(), (std::map<std::string, int>{{"st_a", 2}, {"st_b", 0}, {"st_c", 2}}));
  EXPECT_EQ(availability()["st_c"].docks_available, 0);

  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  EXPECT_EQ(counts()["st_a"], 1);
  ok(give_back("c_alice", r.id, "st_b"));
  EXPECT_EQ(counts()["st_b"], 1);
  EXPECT_EQ(availability()["st_b"].docks_available, 1);
  ok(remove_bicycle("SPB-2"));
  EXPECT_EQ(counts(), (std::map<std::string, int>{{"st_a", 0}, {"st_b", 1}, {"st_c", 2}}));
  // Stored as counted, with the position of the last event.
  EXPECT_EQ(storage.views.stations.at("st_a"), (station_count{"st_a", 10, 0}));
  EXPECT_EQ(storage.views.stations.at("st_b"), (station_count{"st_b", 2, 1}));
  EXPECT_EQ(storage.views.stations.at("st_c"), (station_count{"st_c", 1, 2}));
  EXPECT_EQ(storage.position_of("stations"), storage.last_sequence());
}

TEST_F(ViewsTest, StationListWaitsUntilTheViewHasReadWhatItsCallerSaw) {
  start();
  storage.seed_event(domain::bicycle_registered{"SPB-9", "st_b"}, clock.now(), "SPB-9");
  auto answer = stations();
  EXPECT_FALSE(answer->has_value());
  announce();
  std::map<std::string, int> seen;
  for (const auto& v : ok(answer)) seen[v.station.id.str()] = v.availability.bicycles_available;
  EXPECT_EQ(seen, (std::map<std::string, int>{{"st_a", 2}, {"st_b", 1}}));
}

// -- rebuild and failures ----------------------------------------------------------------------

TEST_F(ViewsTest, RebuildFromTheJournalYieldsExactlyTheLiveView) {
  start();
  for (int k = 0; k < 3; ++k)
    ride(domain::ids::customer_id{"c_" + std::to_string(k)}, "SPB-1", domain::ids::station_id{k % 2 ? "st_a" : "st_b"});
  auto t = paid_ticket("c_alice");
  ok(rent("c_alice", "SPB-2", t.id));  // still riding
  ok(add_bicycle("SPB-7", "st_b"));
  ok(remove_bicycle("SPB-7"));
  const auto live_rentals = storage.views.rentals;
  const auto live_stations = storage.views.stations;
  const auto live_answer = ok(stations());
  ASSERT_EQ(live_rentals.size(), 1u);

  // Stop the read side, damage the views, then rebuild as node does with rebuild_views.
  caf::anon_send_exit(read_side, caf::exit_reason::user_shutdown);
  drain();
  storage.views.stations["st_a"].bicycles_available = 42;
  storage.views.rentals["c_ghost"] = {"c_ghost", "r_ghost", "SPB-0", "t_ghost", "st_a", {}, {}};
  ports::changeset drop;
  drop.save(ports::dropped_view{ports::view::rentals}).save(ports::dropped_view{ports::view::stations});
  ASSERT_TRUE(storage.commit_and_wait(std::move(drop)));
  EXPECT_TRUE(storage.views.rentals.empty());
  EXPECT_TRUE(storage.views.stations.empty());
  EXPECT_EQ(storage.position_of("rentals"), 0u);
  EXPECT_EQ(storage.position_of("stations"), 0u);
  const auto notifier_at = storage.position_of("notifier");

  read_side = spawn_read_side(*sys, env, stores(), {hub, rental_listings, payment, webhook, board, tap}, read_settings);
  drain();
  EXPECT_EQ(storage.views.rentals, live_rentals);
  EXPECT_EQ(storage.views.stations, live_stations);
  EXPECT_EQ(storage.position_of("rentals"), storage.last_sequence());
  EXPECT_EQ(storage.position_of("stations"), storage.last_sequence());
  EXPECT_EQ(storage.position_of("notifier"), notifier_at) << "the notifier is not rebuilt";
  auto rebuilt = ok(stations());
  ASSERT_EQ(rebuilt.size(), live_answer.size());
  for (std::size_t i = 0; i < rebuilt.size(); ++i) {
    EXPECT_EQ(rebuilt[i].station, live_answer[i].station);
    EXPECT_EQ(rebuilt[i].availability.bicycles_available, live_answer[i].availability.bicycles_available);
  }
  EXPECT_EQ(ok(current("c_alice")), live_rentals.at("c_alice"));
  EXPECT_EQ(refusal(current("c_ghost")).code, domain::error_code::no_active_rental);
}

TEST_F(ViewsTest, ConsumerWhoseCommitFailsRestartsAndAppliesNothingTwice) {
  start();
  ASSERT_EQ(counts()["st_a"], 2);
  storage.fail_view_commits(1, 0, "stations");
  ok(add_bicycle("SPB-3", "st_a"));  // counted in memory, then the commit fails
  EXPECT_FALSE(child("stations"));
  EXPECT_EQ(storage.views.stations.at("st_a").bicycles_available, 2);
  EXPECT_EQ(refusal(stations()).code, domain::error_code::view_unavailable);

  advance(read_settings.restart_first);
  ASSERT_TRUE(child("stations"));
  EXPECT_EQ(counts()["st_a"], 3);
  EXPECT_EQ(storage.views.stations.at("st_a").bicycles_available, 3);
  ok(add_bicycle("SPB-4", "st_a"));
  EXPECT_EQ(counts()["st_a"], 4);

  // The remaining-time view likewise.
  storage.fail_view_commits(1, 0, "rentals");
  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  EXPECT_FALSE(child("rentals"));
  advance(read_settings.restart_first);
  EXPECT_EQ(ok(current("c_alice")).rental_id, r.id);
  EXPECT_EQ(storage.position_of("rentals"), storage.last_sequence());
}

TEST_F(ViewsTest, SupervisorBacksOffWhileAChildKeepsFailing) {
  start();
  const auto tried = [&] { return storage.commits_by["stations"]; };
  storage.fail_view_commits(3, 0, "stations");
  const int before = tried();
  ok(add_bicycle("SPB-3", "st_a"));
  EXPECT_EQ(tried(), before + 1);
  EXPECT_FALSE(child("stations"));
  // Restarts after 100 ms, then 200 ms, then 400 ms; the first two fail their commit again.
  int expected = before + 1;
  for (auto wait : {100ms, 200ms, 400ms}) {
    advance(wait - 1ms);
    EXPECT_EQ(tried(), expected) << "restarted before its back-off of " << wait.count() << " ms";
    advance(1ms);
    EXPECT_EQ(tried(), ++expected);
  }
  ASSERT_TRUE(child("stations"));
  EXPECT_EQ(counts()["st_a"], 3);
  EXPECT_EQ(storage.views.stations.at("st_a").bicycles_available, 3);
}

}  // namespace
}  // namespace ttareungyi::actors::test
