// Rentals: the journey from rent to return, and the rules that guard it.
#include "e2e_fixture.hpp"

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Rentals : public server_test {};

std::chrono::nanoseconds between(const json& from, const json& to) {
  auto a = parse_rfc3339(from.get<std::string>());
  auto b = parse_rfc3339(to.get<std::string>());
  if (!a || !b) throw std::runtime_error("not RFC 3339: " + from.dump() + " / " + to.dump());
  return *b - *a;
}

TEST_F(Rentals, FullJourneyFromRentToReturnAtAnotherStation) {
  auto a = create_station(10)["id"].get<std::string>();
  auto b = create_station(5)["id"].get<std::string>();
  auto bike = create_bicycle(a)["id"].get<std::string>();
  auto spare = create_bicycle(a)["id"].get<std::string>();
  station_when(a, 2, 8);
  station_when(b, 0, 5);
  auto c = new_customer();
  auto t = buy_ticket(c, "1h")["id"].get<std::string>();

  // Rent.
  auto r = request_rental(c, bike, t);
  ASSERT_STATUS(r, 201);
  EXPECT_EQ(r.media_type(), "application/json");
  auto rental = r.json();
  ASSERT_TRUE(rental["id"].is_string() && !rental["id"].get<std::string>().empty()) << rental.dump();
  auto rental_id = rental["id"].get<std::string>();
  EXPECT_EQ(rental["bicycleId"], bike);
  EXPECT_EQ(rental["ticketId"], t);
  EXPECT_EQ(rental["fromStationId"], a);
  EXPECT_EQ(rental["status"], "active");
  ASSERT_TRUE(is_utc_time(rental["rentedAt"]));
  ASSERT_TRUE(is_utc_time(rental["dueAt"]));
  EXPECT_EQ(between(rental["rentedAt"], rental["dueAt"]), std::chrono::minutes{60}) << rental.dump();
  EXPECT_FALSE(rental.contains("returnedAt") && !rental["returnedAt"].is_null()) << rental.dump();

  EXPECT_EQ(ticket_when(c, t, "in_use")["status"], "in_use");
  auto rented = bicycle(bike);
  ASSERT_TRUE(rented.has_value());
  EXPECT_EQ((*rented)["status"], "rented");
  auto at_a = station_when(a, 1, 9);
  EXPECT_EQ(at_a["bicyclesAvailable"], 1) << at_a.dump();
  EXPECT_EQ(at_a["docksAvailable"], 9) << at_a.dump();

  // Return at another station.
  auto ret = request_return(c, rental_id, b);
  ASSERT_STATUS(ret, 200);
  auto done = ret.json();
  EXPECT_EQ(done["id"], rental_id);
  EXPECT_EQ(done["status"], "returned");
  EXPECT_EQ(done["bicycleId"], bike);
  EXPECT_EQ(done["ticketId"], t);
  EXPECT_EQ(done["fromStationId"], a);
  EXPECT_EQ(done["toStationId"], b);
  EXPECT_EQ(done["rentedAt"], rental["rentedAt"]);
  EXPECT_EQ(done["dueAt"], rental["dueAt"]);
  ASSERT_TRUE(is_utc_time(done["returnedAt"]));
  EXPECT_GE(between(done["rentedAt"], done["returnedAt"]).count(), 0);
  EXPECT_EQ(done["overtimeMinutes"], 0) << done.dump();
  EXPECT_EQ(done["overtimeFee"], 0) << done.dump();

  EXPECT_EQ(ticket_when(c, t, "used")["status"], "used");
  auto back = bicycle(bike);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ((*back)["status"], "available");
  EXPECT_EQ((*back)["stationId"], b);
  auto at_b = station_when(b, 1, 4);
  EXPECT_EQ(at_b["bicyclesAvailable"], 1) << at_b.dump();
  EXPECT_EQ(at_b["docksAvailable"], 4) << at_b.dump();
  at_a = station_when(a, 1, 9);
  EXPECT_EQ(at_a["bicyclesAvailable"], 1) << at_a.dump();
  EXPECT_EQ((*bicycle(spare))["stationId"], a);
}

TEST_F(Rentals, TwoHourTicketIsDueIn120Minutes) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto rental = rent(c, bike, buy_ticket(c, "2h")["id"].get<std::string>());
  EXPECT_EQ(between(rental["rentedAt"], rental["dueAt"]), std::chrono::minutes{120}) << rental.dump();
}

TEST_F(Rentals, ReturnToAFullStationIsAccepted) {
  auto a = create_station(1)["id"].get<std::string>();
  auto b = create_station(1)["id"].get<std::string>();
  auto bike = create_bicycle(a)["id"].get<std::string>();
  create_bicycle(b);
  station_when(b, 1, 0);
  auto c = new_customer();
  auto rental = rent(c, bike, buy_ticket(c)["id"].get<std::string>());

  auto done = give_back(c, rental["id"].get<std::string>(), b);
  EXPECT_EQ(done["status"], "returned");
  EXPECT_EQ(done["toStationId"], b);
  auto full = station_when(b, 2, 0);
  EXPECT_EQ(full["bicyclesAvailable"], 2) << "chain docking: " << full.dump();
  EXPECT_EQ(full["docksAvailable"], 0) << "never below zero: " << full.dump();
  auto empty = station_when(a, 0, 1);
  EXPECT_EQ(empty["docksAvailable"], 1) << empty.dump();
  EXPECT_EQ(by_id(list_bicycles("stationId=" + url_encode(b))).size(), 2u);
}

TEST_F(Rentals, ReturnedBicycleCanBeRentedAgain) {
  auto a = create_station()["id"].get<std::string>();
  auto b = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(a)["id"].get<std::string>();
  auto first = new_customer("first");
  auto second = new_customer("second");
  auto r1 = rent(first, bike, buy_ticket(first)["id"].get<std::string>());
  give_back(first, r1["id"].get<std::string>(), b);

  auto r2 = rent(second, bike, buy_ticket(second)["id"].get<std::string>());
  EXPECT_NE(r2["id"], r1["id"]);
  EXPECT_EQ(r2["fromStationId"], b);
  auto done = give_back(second, r2["id"].get<std::string>(), a);
  EXPECT_EQ(done["toStationId"], a);
}

TEST_F(Rentals, RentedBicycleIsUnavailable) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto winner = new_customer("winner");
  auto other = new_customer("other");
  rent(winner, bike, buy_ticket(winner)["id"].get<std::string>());
  auto t = buy_ticket(other)["id"].get<std::string>();

  EXPECT_PROBLEM(request_rental(other, bike, t), 409, "bicycle_unavailable");
  EXPECT_EQ(ticket(other, t)["status"], "paid") << "a refused rent leaves the ticket usable";
}

TEST_F(Rentals, OneTicketCannotStartTwoRentals) {
  auto st = create_station()["id"].get<std::string>();
  auto first = create_bicycle(st)["id"].get<std::string>();
  auto second = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto t = buy_ticket(c)["id"].get<std::string>();
  rent(c, first, t);

  EXPECT_PROBLEM(request_rental(c, second, t), 409, "ticket_not_usable");
  EXPECT_EQ((*bicycle(second))["status"], "available");
  EXPECT_EQ(by_id(list_bicycles("status=rented")).size(), 1u);
}

TEST_F(Rentals, UsedTicketCannotRentAgain) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto t = buy_ticket(c)["id"].get<std::string>();
  give_back(c, rent(c, bike, t)["id"].get<std::string>(), st);
  ticket_when(c, t, "used");
  EXPECT_PROBLEM(request_rental(c, bike, t), 409, "ticket_not_usable");
  EXPECT_EQ((*bicycle(bike))["status"], "available");
}

TEST_F(Rentals, UnknownBicycleOrTicketIsNotFound) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto t = buy_ticket(c)["id"].get<std::string>();
  EXPECT_PROBLEM(request_rental(c, "SPB-99999", t), 404, "bicycle_not_found");
  EXPECT_PROBLEM(request_rental(c, bike, "no-such-ticket"), 404, "ticket_not_found");
  EXPECT_EQ(ticket(c, t)["status"], "paid");
  EXPECT_EQ((*bicycle(bike))["status"], "available");
}

TEST_F(Rentals, ReturnTwiceIsConflict) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto id = rent(c, bike, buy_ticket(c)["id"].get<std::string>())["id"].get<std::string>();
  give_back(c, id, st);
  EXPECT_PROBLEM(request_return(c, id, st), 409, "rental_not_active");
  station_when(st, 1, 9);
  EXPECT_EQ(station(st)["bicyclesAvailable"], 1) << "the bicycle is not docked twice";
}

TEST_F(Rentals, ReturnToUnknownStationIsNotFound) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto t = buy_ticket(c)["id"].get<std::string>();
  auto id = rent(c, bike, t)["id"].get<std::string>();
  EXPECT_PROBLEM(request_return(c, id, "no-such-station"), 404, "station_not_found");
  EXPECT_EQ((*bicycle(bike))["status"], "rented") << "the rental goes on";
  EXPECT_EQ(give_back(c, id, st)["status"], "returned");
}

TEST_F(Rentals, AnotherCustomersRentalIsNotFound) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto owner = new_customer("owner");
  auto thief = new_customer("thief");
  auto id = rent(owner, bike, buy_ticket(owner)["id"].get<std::string>())["id"].get<std::string>();
  EXPECT_PROBLEM(request_return(thief, id, st), 404, "rental_not_found");
  EXPECT_PROBLEM(request_return(thief, "no-such-rental", st), 404, "rental_not_found");
  EXPECT_EQ((*bicycle(bike))["status"], "rented");
  EXPECT_EQ(give_back(owner, id, st)["status"], "returned");
}

}  // namespace
}  // namespace ttareungyi::e2e
