// Rental context rules: stations and docks, bicycles, rent, return and the overtime fee.
#include "ttareungyi/domain/fleet.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "domain_test_support.hpp"

namespace ttareungyi::domain {
namespace {

using namespace std::chrono_literals;
using test::event_at;
using test::refused;
using test::t0;

bicycle parked(ids::bicycle_id id = "SPB-31542", ids::station_id station = "ST-102") {
  return register_bicycle(std::move(id), std::move(station)).value().state;
}

rent_request one_hour_ride(ids::rental_id rental = "R1", ids::ticket_id ticket = "TK1", ids::customer_id customer = "C1") {
  return {.rental_id = std::move(rental), .ticket_id = std::move(ticket), .customer_id = std::move(customer), .ride_time = 60min};
}

// ---- ids and stations ----------------------------------------------------------------------

TEST(ValidId, PlatesAndClientChosenIds) {
  for (std::string ok : {"SPB-31542", "a", "Z", "0", "st_102", "A-b_9"}) EXPECT_TRUE(valid_id(ok)) << "'" << ok << "'";
  EXPECT_TRUE(valid_id(std::string(64, 'x')));
  for (std::string bad : {"", "SPB 31542", "SPB.1", "a/b", "자전거", "SPB-1\n", "SPB:1", "SPB+1"})
    EXPECT_FALSE(valid_id(bad)) << "'" << bad << "'";
  EXPECT_FALSE(valid_id(std::string(65, 'x')));
}

TEST(RegisterStation, ValidStationRaisesStationRegistered) {
  const auto d = register_station("ST-102", "망원역 1번출구 앞", 37.5556, 126.9104, 15);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state, (station{"ST-102", "망원역 1번출구 앞", 37.5556, 126.9104, 15}));
  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<station_registered>(d->events, 0);
  EXPECT_EQ(e.station_id, "ST-102");
  EXPECT_EQ(e.name, "망원역 1번출구 앞");
  EXPECT_EQ(e.capacity, 15);
}

TEST(RegisterStation, BoundariesAreAccepted) {
  EXPECT_TRUE(register_station("S", "n", -90, -180, 0).has_value());
  EXPECT_TRUE(register_station("S", std::string(200, 'n'), 90, 180, 10'000).has_value());
}

TEST(RegisterStation, InvalidFieldsAreRefused) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct bad_station { std::string id; std::string name; double lat; double lon; int capacity; };
  const bad_station cases[] = {
      {"", "Mangwon", 37.5, 126.9, 10},
      {"ST 102", "Mangwon", 37.5, 126.9, 10},
      {std::string(65, 's'), "Mangwon", 37.5, 126.9, 10},
      {"ST-102", "", 37.5, 126.9, 10},
      {"ST-102", std::string(201, 'n'), 37.5, 126.9, 10},
      {"ST-102", "Mangwon", -90.0001, 126.9, 10},
      {"ST-102", "Mangwon", 90.0001, 126.9, 10},
      {"ST-102", "Mangwon", nan, 126.9, 10},
      {"ST-102", "Mangwon", inf, 126.9, 10},
      {"ST-102", "Mangwon", 37.5, -180.0001, 10},
      {"ST-102", "Mangwon", 37.5, 180.0001, 10},
      {"ST-102", "Mangwon", 37.5, nan, 10},
      {"ST-102", "Mangwon", 37.5, -inf, 10},
      {"ST-102", "Mangwon", 37.5, 126.9, -1},
      {"ST-102", "Mangwon", 37.5, 126.9, 10'001},
  };
  for (const auto& c : cases)
    EXPECT_TRUE(refused(register_station(ids::station_id{c.id}, c.name, c.lat, c.lon, c.capacity), error_kind::invalid, error_code::invalid_request))
        << c.id << " / " << c.name.size() << " / " << c.lat << " / " << c.lon << " / " << c.capacity;
}

TEST(Availability, DocksAreCapacityLessParkedBicycles) {
  const station s{"ST-102", "Mangwon", 37.5, 126.9, 10};
  EXPECT_EQ(availability_of(s, 0).bicycles_available, 0);
  EXPECT_EQ(availability_of(s, 0).docks_available, 10);
  EXPECT_EQ(availability_of(s, 3).bicycles_available, 3);
  EXPECT_EQ(availability_of(s, 3).docks_available, 7);
  EXPECT_EQ(availability_of(s, 10).bicycles_available, 10);
  EXPECT_EQ(availability_of(s, 10).docks_available, 0);
}

TEST(Availability, ChainDockingNeverTakesDocksBelowZero) {
  const station s{"ST-102", "Mangwon", 37.5, 126.9, 10};
  EXPECT_EQ(availability_of(s, 11).bicycles_available, 11);
  EXPECT_EQ(availability_of(s, 11).docks_available, 0);
  EXPECT_EQ(availability_of(s, 25).bicycles_available, 25);
  EXPECT_EQ(availability_of(s, 25).docks_available, 0);
  const station empty{"ST-0", "No docks", 37.5, 126.9, 0};
  EXPECT_EQ(availability_of(empty, 2).docks_available, 0);
}

// ---- bicycles ------------------------------------------------------------------------------

TEST(BicycleStatus, NamesAndParsing) {
  EXPECT_EQ(to_string(bicycle_status::available), "available");
  EXPECT_EQ(to_string(bicycle_status::rented), "rented");
  EXPECT_EQ(parse_bicycle_status("available"), bicycle_status::available);
  EXPECT_EQ(parse_bicycle_status("rented"), bicycle_status::rented);
  for (std::string_view bad : {"", "Available", "RENTED", "deleted", "rented "})
    EXPECT_EQ(parse_bicycle_status(bad), std::nullopt) << "'" << bad << "'";
}

TEST(RentalStatus, Names) {
  EXPECT_EQ(to_string(rental_status::active), "active");
  EXPECT_EQ(to_string(rental_status::returned), "returned");
}

TEST(RegisterBicycle, IsAvailableAtItsStation) {
  const auto d = register_bicycle("SPB-31542", "ST-102");
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state, (bicycle{.id = "SPB-31542", .status = bicycle_status::available, .station_id = "ST-102", .rental_id = std::nullopt}));
  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<bicycle_registered>(d->events, 0);
  EXPECT_EQ(e.bicycle_id, "SPB-31542");
  EXPECT_EQ(e.station_id, "ST-102");
}

TEST(RegisterBicycle, InvalidPlateIsRefused) {
  for (std::string bad : {std::string{}, std::string{"SPB 31542"}, std::string{"SPB#1"}, std::string(65, 'B')})
    EXPECT_TRUE(refused(register_bicycle(ids::bicycle_id{bad}, "ST-102"), error_kind::invalid, error_code::invalid_request)) << "'" << bad << "'";
}

TEST(DeleteBicycle, AvailableBicycleIsDeleted) {
  const auto d = delete_bicycle(parked());
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  ASSERT_EQ(d->size(), 1u);
  const auto& e = event_at<bicycle_deleted>(*d, 0);
  EXPECT_EQ(e.bicycle_id, "SPB-31542");
  EXPECT_EQ(e.station_id, "ST-102");
}

TEST(DeleteBicycle, RentedBicycleCannotBeDeleted) {
  const bicycle rented = rent_bicycle(parked(), one_hour_ride(), t0).value().state.bike;
  const auto d = delete_bicycle(rented);
  EXPECT_TRUE(refused(d, error_kind::conflict, error_code::bicycle_rented, "bicycleId", "SPB-31542"));
}

// ---- rent ----------------------------------------------------------------------------------

TEST(RentBicycle, AvailableBicycleLeavesItsStation) {
  const auto d = rent_bicycle(parked(), one_hour_ride(), t0);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  const bicycle& bike = d->state.bike;
  EXPECT_EQ(bike.id, "SPB-31542");
  EXPECT_EQ(bike.status, bicycle_status::rented);
  EXPECT_EQ(bike.station_id, std::nullopt);
  EXPECT_EQ(bike.rental_id, "R1");

  const rental& trip = d->state.trip;
  EXPECT_EQ(trip.id, "R1");
  EXPECT_EQ(trip.bicycle_id, "SPB-31542");
  EXPECT_EQ(trip.ticket_id, "TK1");
  EXPECT_EQ(trip.customer_id, "C1");
  EXPECT_EQ(trip.from_station_id, "ST-102");
  EXPECT_EQ(trip.rented_at, t0);
  EXPECT_EQ(trip.due_at, t0 + 60min);
  EXPECT_EQ(trip.status, rental_status::active);
  EXPECT_EQ(trip.returned_at, std::nullopt);
  EXPECT_EQ(trip.to_station_id, std::nullopt);
  EXPECT_EQ(trip.overtime_minutes, 0);
  EXPECT_EQ(trip.overtime_fee, 0);

  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<bicycle_rented>(d->events, 0);
  EXPECT_EQ(e.rental_id, "R1");
  EXPECT_EQ(e.bicycle_id, "SPB-31542");
  EXPECT_EQ(e.ticket_id, "TK1");
  EXPECT_EQ(e.customer_id, "C1");
  EXPECT_EQ(e.from_station_id, "ST-102");
  EXPECT_EQ(e.rented_at, t0);
  EXPECT_EQ(e.due_at, t0 + 60min);
}

TEST(RentBicycle, DueTimeIsRentTimePlusTheTicketsRideTime) {
  const instant at = t0 + 1234ms;
  auto request = one_hour_ride();
  request.ride_time = 120min;
  const auto d = rent_bicycle(parked(), request, at);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->state.trip.rented_at, at);
  EXPECT_EQ(d->state.trip.due_at, at + 120min);
  EXPECT_EQ(event_at<bicycle_rented>(d->events, 0).due_at, at + 120min);
}

TEST(RentBicycle, RentedBicycleIsUnavailable) {
  const bicycle rented = rent_bicycle(parked(), one_hour_ride("R1", "TK1", "C1"), t0).value().state.bike;
  // Two customers racing for one bicycle: the second decision sees it rented.
  const auto d = rent_bicycle(rented, one_hour_ride("R2", "TK2", "C2"), t0);
  EXPECT_TRUE(refused(d, error_kind::conflict, error_code::bicycle_unavailable, "bicycleId", "SPB-31542"));
}

// ---- return --------------------------------------------------------------------------------

TEST(ReturnBicycle, ToAnyStationEndsTheRentalAndFreesTheBicycleThere) {
  const ride out = rent_bicycle(parked(), one_hour_ride(), t0).value().state;
  const auto d = return_bicycle(out.bike, out.trip, "ST-207", t0 + 45min);
  ASSERT_TRUE(d.has_value()) << d.error().detail;

  EXPECT_EQ(d->state.bike, (bicycle{.id = "SPB-31542", .status = bicycle_status::available, .station_id = "ST-207", .rental_id = std::nullopt}));
  const rental& trip = d->state.trip;
  EXPECT_EQ(trip.id, "R1");
  EXPECT_EQ(trip.status, rental_status::returned);
  EXPECT_EQ(trip.from_station_id, "ST-102");
  EXPECT_EQ(trip.to_station_id, "ST-207");
  EXPECT_EQ(trip.rented_at, t0);
  EXPECT_EQ(trip.due_at, t0 + 60min);
  EXPECT_EQ(trip.returned_at, t0 + 45min);
  EXPECT_EQ(trip.overtime_minutes, 0);
  EXPECT_EQ(trip.overtime_fee, 0);

  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<bicycle_returned>(d->events, 0);
  EXPECT_EQ(e.rental_id, "R1");
  EXPECT_EQ(e.bicycle_id, "SPB-31542");
  EXPECT_EQ(e.ticket_id, "TK1");
  EXPECT_EQ(e.customer_id, "C1");
  EXPECT_EQ(e.to_station_id, "ST-207");
  EXPECT_EQ(e.returned_at, t0 + 45min);
  EXPECT_EQ(e.overtime_minutes, 0);
  EXPECT_EQ(e.overtime_fee, 0);
}

TEST(ReturnBicycle, ReturnToTheSameStationWorksToo) {
  const ride out = rent_bicycle(parked(), one_hour_ride(), t0).value().state;
  const auto d = return_bicycle(out.bike, out.trip, "ST-102", t0 + 1min);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->state.bike.station_id, "ST-102");
  EXPECT_EQ(d->state.bike.status, bicycle_status::available);
}

TEST(ReturnBicycle, LateReturnChargesOvertime) {
  const ride out = rent_bicycle(parked(), one_hour_ride(), t0).value().state;
  const auto d = return_bicycle(out.bike, out.trip, "ST-207", t0 + 60min + 61min);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->state.trip.overtime_minutes, 61);
  EXPECT_EQ(d->state.trip.overtime_fee, 2600);
  ASSERT_EQ(d->events.size(), 1u);
  EXPECT_EQ(event_at<bicycle_returned>(d->events, 0).overtime_minutes, 61);
  EXPECT_EQ(event_at<bicycle_returned>(d->events, 0).overtime_fee, 2600);
}

TEST(ReturnBicycle, ReturningTwiceIsRefused) {
  const ride out = rent_bicycle(parked(), one_hour_ride(), t0).value().state;
  const ride back = return_bicycle(out.bike, out.trip, "ST-207", t0 + 30min).value().state;
  const auto d = return_bicycle(back.bike, back.trip, "ST-300", t0 + 31min);
  EXPECT_TRUE(refused(d, error_kind::conflict, error_code::rental_not_active, "rentalId", "R1"));
  // A stale copy of the bicycle does not help either: the rental has ended.
  EXPECT_TRUE(refused(return_bicycle(out.bike, back.trip, "ST-300", t0 + 31min), error_kind::conflict, error_code::rental_not_active));
}

TEST(ReturnBicycle, BicycleMustBeHeldByThatRental) {
  const ride first = rent_bicycle(parked(), one_hour_ride("R1"), t0).value().state;
  const ride back = return_bicycle(first.bike, first.trip, "ST-207", t0 + 10min).value().state;
  const ride second = rent_bicycle(back.bike, one_hour_ride("R2", "TK2", "C2"), t0 + 20min).value().state;
  // The first rental's active copy cannot return a bicycle now held by R2 ...
  EXPECT_TRUE(refused(return_bicycle(second.bike, first.trip, "ST-300", t0 + 30min), error_kind::conflict, error_code::rental_not_active));
  // ... nor an active rental a bicycle that is parked.
  EXPECT_TRUE(refused(return_bicycle(back.bike, second.trip, "ST-300", t0 + 30min), error_kind::conflict, error_code::rental_not_active));
}

// ---- overtime ------------------------------------------------------------------------------

TEST(Overtime, Constants) {
  EXPECT_EQ(overtime_fee_per_block, 200);
  EXPECT_EQ(overtime_block, 5min);
}

struct overtime_case {
  std::chrono::milliseconds late;
  int minutes;
  money fee;
};

class OvertimeFee : public ::testing::TestWithParam<overtime_case> {};

TEST_P(OvertimeFee, TwoHundredWonPerStartedFiveMinutes) {
  const instant due = t0 + 60min;
  const overtime o = overtime_between(due, due + GetParam().late);
  EXPECT_EQ(o.minutes, GetParam().minutes) << GetParam().late.count() << " ms late";
  EXPECT_EQ(o.fee, GetParam().fee) << GetParam().late.count() << " ms late";
}

using std::chrono::milliseconds;
INSTANTIATE_TEST_SUITE_P(Fleet, OvertimeFee,
                         ::testing::Values(overtime_case{-10min, 0, 0},           // early
                                           overtime_case{-1ms, 0, 0},             // just before due
                                           overtime_case{0ms, 0, 0},              // exactly at due
                                           overtime_case{1ms, 1, 200},            // 1 ms late
                                           overtime_case{59'999ms, 1, 200},
                                           overtime_case{1min, 1, 200},
                                           overtime_case{1min + 1ms, 2, 200},
                                           overtime_case{4min + 59s, 5, 200},
                                           overtime_case{5min, 5, 200},           // 5:00
                                           overtime_case{5min + 1ms, 6, 400},
                                           overtime_case{5min + 1s, 6, 400},      // 5:01
                                           overtime_case{10min, 10, 400},
                                           overtime_case{10min + 1ms, 11, 600},
                                           overtime_case{61min, 61, 2600},        // 13 started blocks
                                           overtime_case{24h, 1440, 57'600}));

}  // namespace
}  // namespace ttareungyi::domain
