// Durability: after a graceful stop (SIGTERM) or a crash (SIGKILL) and a restart on the same
// data dir, everything that was acknowledged is there and the flow continues.
#include "e2e_fixture.hpp"

#include <set>

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Restart : public server_test {
 protected:
  // A world with some history: two stations, bicycles in every state, two customers with
  // tickets in every state, one rental returned and one still active.
  void build_world() {
    a = create_station(5, std::nullopt, "A")["id"].get<std::string>();
    b = create_station(3, std::nullopt, "B")["id"].get<std::string>();
    ridden = create_bicycle(a)["id"].get<std::string>();
    returned = create_bicycle(a)["id"].get<std::string>();
    idle = create_bicycle(b)["id"].get<std::string>();
    deleted = create_bicycle(b)["id"].get<std::string>();
    ASSERT_STATUS(http().del("/v1/bicycles/" + url_encode(deleted), ops()), 204);

    alice = new_customer("alice");
    bob = new_customer("bob");
    t_active = buy_ticket(alice, "1h")["id"].get<std::string>();
    t_used = buy_ticket(alice, "2h")["id"].get<std::string>();
    t_paid = buy_ticket(alice, "1h")["id"].get<std::string>();
    t_cancelled = buy_ticket(alice, "2h")["id"].get<std::string>();
    t_bob = buy_ticket(bob, "2h")["id"].get<std::string>();
    ASSERT_STATUS(cancel(alice, t_cancelled), 200);

    auto done = rent(alice, returned, t_used);
    finished_rental = give_back(alice, done["id"].get<std::string>(), b);
    active_rental = rent(alice, ridden, t_active);
  }

  // What a client can see of that world.
  struct snapshot {
    json alice_tickets, bob_tickets, bicycles, stations;
  };

  snapshot take_snapshot() {
    snapshot s;
    s.alice_tickets = list_tickets(alice);
    s.bob_tickets = list_tickets(bob);
    s.bicycles = list_bicycles();
    // Station availability is a read model: wait until it reflects the world.
    station_when(a, 0, 5);
    station_when(b, 2, 1);
    s.stations = list_stations();
    return s;
  }

  // `added` names stations and bicycles created after the snapshot.
  void expect_world_as_before(const snapshot& before, const std::set<std::string>& added = {}) {
    auto without_added = [&](std::map<std::string, json> items) {
      for (const auto& id : added) items.erase(id);
      return items;
    };
    log_in(alice);
    log_in(bob);
    EXPECT_EQ(by_id(list_tickets(alice)), by_id(before.alice_tickets));
    EXPECT_EQ(by_id(list_tickets(bob)), by_id(before.bob_tickets));
    EXPECT_EQ(without_added(by_id(list_bicycles())), by_id(before.bicycles));
    station_when(a, 0, 5);
    station_when(b, 2, 1);
    EXPECT_EQ(without_added(by_id(list_stations())), by_id(before.stations));
    EXPECT_PROBLEM(sign_up(alice.phone, "an0ther-pass", "again"), 409, "phone_taken");

    EXPECT_EQ(ticket(alice, t_active)["status"], "in_use");
    EXPECT_EQ(ticket(alice, t_used)["status"], "used");
    EXPECT_EQ(ticket(alice, t_paid)["status"], "paid");
    EXPECT_EQ(ticket(alice, t_cancelled)["status"], "cancelled");
    EXPECT_EQ(ticket(alice, t_cancelled)["refundedAmount"], 2000);
    EXPECT_EQ(ticket(bob, t_bob)["status"], "paid");
    EXPECT_EQ((*bicycle(ridden))["status"], "rented");
    EXPECT_EQ((*bicycle(returned))["stationId"], b);
    EXPECT_FALSE(bicycle(deleted).has_value());
  }

  // The flow goes on: the active rental ends, the finished one stays finished, unused
  // tickets ride, new ids do not collide with old ones.
  void expect_flow_continues(const snapshot& before) {
    auto rental_id = active_rental["id"].get<std::string>();
    auto done = give_back(alice, rental_id, b);
    EXPECT_EQ(done["status"], "returned");
    EXPECT_EQ(done["rentedAt"], active_rental["rentedAt"]);
    EXPECT_EQ(done["dueAt"], active_rental["dueAt"]);
    EXPECT_EQ(done["fromStationId"], a);
    EXPECT_EQ(ticket_when(alice, t_active, "used")["status"], "used");
    EXPECT_PROBLEM(request_return(alice, finished_rental["id"].get<std::string>(), a), 409, "rental_not_active");
    EXPECT_PROBLEM(request_rental(alice, idle, t_used), 409, "ticket_not_usable");

    auto r = rent(bob, idle, t_bob);
    EXPECT_EQ(r["fromStationId"], b);
    EXPECT_NE(r["id"], rental_id);
    EXPECT_NE(r["id"], finished_rental["id"]);
    EXPECT_EQ(rent(alice, ridden, t_paid)["status"], "active");

    auto old_tickets = by_id(before.alice_tickets);
    auto fresh = buy_ticket(alice)["id"].get<std::string>();
    EXPECT_FALSE(old_tickets.contains(fresh)) << "ticket id " << fresh << " reused after restart";
    auto old_bicycles = by_id(before.bicycles);
    auto new_bike = create_bicycle(a)["id"].get<std::string>();
    EXPECT_FALSE(old_bicycles.contains(new_bike) || new_bike == deleted) << "bicycle id " << new_bike << " reused";
    auto new_station = create_station(1)["id"].get<std::string>();
    EXPECT_NE(new_station, a);
    EXPECT_NE(new_station, b);
    auto newcomer = new_customer("carol");
    EXPECT_NE(newcomer.id, alice.id);
    EXPECT_NE(newcomer.id, bob.id);
  }

  std::string a, b, ridden, returned, idle, deleted;
  customer alice, bob;
  std::string t_active, t_used, t_paid, t_cancelled, t_bob;
  json finished_rental, active_rental;
};

TEST_F(Restart, GracefulRestartKeepsEverything) {
  ASSERT_NO_FATAL_FAILURE(build_world());
  auto before = take_snapshot();
  restart_server();
  expect_world_as_before(before);
  expect_flow_continues(before);
}

TEST_F(Restart, CrashRightAfterAcknowledgedWritesLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(build_world());
  auto before = take_snapshot();
  // More acknowledged writes, and the kill right after the last answer.
  auto extra_station = create_station(2, "ST-LAST")["id"].get<std::string>();
  auto extra_bike = create_bicycle(extra_station, "SPB-LAST")["id"].get<std::string>();
  auto carol = new_customer("carol");
  auto carol_ticket = buy_ticket(carol, "2h");
  auto carol_rental = rent(carol, extra_bike, carol_ticket["id"].get<std::string>());
  crash_and_restart();  // SIGKILL: no chance to flush anything

  log_in(carol);
  EXPECT_EQ(ticket_when(carol, carol_ticket["id"].get<std::string>(), "in_use")["status"], "in_use");
  ASSERT_TRUE(bicycle("SPB-LAST").has_value());
  EXPECT_EQ((*bicycle("SPB-LAST"))["status"], "rented");
  EXPECT_EQ(station_when("ST-LAST", 0, 2)["capacity"], 2);
  auto done = give_back(carol, carol_rental["id"].get<std::string>(), "ST-LAST");
  EXPECT_EQ(done["rentedAt"], carol_rental["rentedAt"]);

  expect_world_as_before(before, {"ST-LAST", "SPB-LAST"});
  expect_flow_continues(before);
}

TEST_F(Restart, CrashAfterABurstOfWritesLosesNone) {
  auto st = create_station(50)["id"].get<std::string>();
  std::set<std::string> bikes;
  for (int i = 0; i < 25; ++i) bikes.insert(create_bicycle(st)["id"].get<std::string>());
  auto c = new_customer();
  std::map<std::string, json> tickets;
  for (int i = 0; i < 10; ++i) {
    auto t = buy_ticket(c, i % 2 ? "2h" : "1h");
    tickets[t["id"].get<std::string>()] = t;
  }
  auto last = create_bicycle(st)["id"].get<std::string>();
  bikes.insert(last);
  crash_and_restart();

  log_in(c);
  std::set<std::string> seen;
  for (const auto& [id, _] : by_id(list_bicycles("stationId=" + url_encode(st)))) seen.insert(id);
  EXPECT_EQ(seen, bikes);
  EXPECT_EQ(by_id(list_tickets(c)), tickets);
  EXPECT_EQ(station_when(st, 26, 24)["bicyclesAvailable"], 26);
}

TEST_F(Restart, RestartTwiceStillConsistent) {
  auto st = create_station(4)["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto t = buy_ticket(c)["id"].get<std::string>();
  restart_server();
  log_in(c);
  auto rental = rent(c, bike, t);
  crash_and_restart();
  log_in(c);
  EXPECT_PROBLEM(request_rental(c, bike, t), 409);  // in use, and the bicycle rented
  give_back(c, rental["id"].get<std::string>(), st);
  restart_server();
  log_in(c);
  EXPECT_EQ(ticket_when(c, t, "used")["status"], "used");
  EXPECT_EQ((*bicycle(bike))["status"], "available");
  EXPECT_EQ(station_when(st, 1, 3)["bicyclesAvailable"], 1);
}

}  // namespace
}  // namespace ttareungyi::e2e
