// The rides: a rent puts the ticket in use and rents the bicycle, a return ends the rental and
// marks the ticket used; each in one commit of both contexts' changes, or not at all.
#include "fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::bicycle_status;
using domain::error_kind;
using domain::rental;
using domain::rental_status;
using domain::ticket_status;

class RideTest : public actor_test {
 protected:
  void SetUp() override {
    seed_station("st_a", 10);
    seed_station("st_b", 2);
    seed_bicycle("SPB-1", "st_a");
    seed_bicycle("SPB-2", "st_a");
    start();
  }
};

TEST_F(RideTest, RentStartsTheRentalAndHoldsTheTicket) {
  auto t = paid_ticket("c_alice");
  ASSERT_EQ(availability()["st_a"].bicycles_available, 2);
  clock.advance(3min);
  const auto rented_at = clock.now();

  auto r = ok(rent("c_alice", "SPB-1", t.id));
  EXPECT_EQ(r.status, rental_status::active);
  EXPECT_EQ(r.bicycle_id, "SPB-1");
  EXPECT_EQ(r.ticket_id, t.id);
  EXPECT_EQ(r.customer_id, "c_alice");
  EXPECT_EQ(r.from_station_id, "st_a");
  EXPECT_EQ(r.rented_at, rented_at);
  EXPECT_EQ(r.due_at, rented_at + 60min);
  EXPECT_EQ(storage.rows.rentals[r.id], r);

  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::in_use);
  EXPECT_EQ(storage.rows.tickets[t.id].rental_id, r.id);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].status, bicycle_status::rented);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].rental_id, r.id);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].station_id, std::nullopt);

  auto seen = availability();
  EXPECT_EQ(seen["st_a"].bicycles_available, 1);
  EXPECT_EQ(seen["st_a"].docks_available, 9);
  EXPECT_EQ(storage.events_of(r.id), (std::vector<std::string>{"bicycle_rented"}));
  EXPECT_EQ(storage.events_of(t.id, "ticket_put"), (std::vector<std::string>{"ticket_put_in_use"}));
}

TEST_F(RideTest, TwoHourTicketIsDueInTwoHours) {
  auto t = paid_ticket("c_alice", domain::ticket_type::two_hours);
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  EXPECT_EQ(r.due_at, r.rented_at + 120min);
}

TEST_F(RideTest, RentedBicycleRefusesAndTheTicketStaysPaid) {
  auto bob = paid_ticket("c_bob");
  auto alice = paid_ticket("c_alice");
  ok(rent("c_bob", "SPB-1", bob.id));

  auto e = refusal(rent("c_alice", "SPB-1", alice.id));
  EXPECT_EQ(e.kind, error_kind::conflict);
  EXPECT_EQ(e.code, domain::error_code::bicycle_unavailable);
  EXPECT_EQ(e.ids.at("bicycleId"), "SPB-1");

  EXPECT_EQ(storage.rows.tickets[alice.id].status, ticket_status::paid);
  EXPECT_EQ(storage.rows.tickets[alice.id].rental_id, std::nullopt);
  EXPECT_EQ(ok(get("c_alice", alice.id)).status, ticket_status::paid);
  // Nothing of the refused rent was committed.
  EXPECT_EQ(storage.events_of(alice.id, "ticket_"), (std::vector<std::string>{"ticket_purchased", "ticket_paid"}));
  EXPECT_EQ(storage.rows.rentals.size(), 1u);
  EXPECT_EQ(availability()["st_a"].bicycles_available, 1);

  // The ticket rents another bicycle.
  EXPECT_EQ(ok(rent("c_alice", "SPB-2", alice.id)).bicycle_id, "SPB-2");
}

TEST_F(RideTest, UnknownBicycleIsNotFoundAndTheTicketIsPaidAgain) {
  auto t = paid_ticket("c_alice");
  auto e = refusal(rent("c_alice", "SPB-404", t.id));
  EXPECT_EQ(e.kind, error_kind::not_found);
  EXPECT_EQ(e.code, domain::error_code::bicycle_not_found);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::paid);
  EXPECT_TRUE(storage.rows.rentals.empty());
  EXPECT_FALSE(storage.rows.bicycles.contains("SPB-404"));
}

TEST_F(RideTest, UnusableTicketRentsNothing) {
  auto e = refusal(rent("c_alice", "SPB-1", "t_nosuchticket"));
  EXPECT_EQ(e.code, domain::error_code::ticket_not_found);
  auto bob = paid_ticket("c_bob");
  e = refusal(rent("c_alice", "SPB-1", bob.id));
  EXPECT_EQ(e.code, domain::error_code::ticket_not_found);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].status, bicycle_status::available);
  EXPECT_EQ(storage.rows.tickets[bob.id].status, ticket_status::paid);
  EXPECT_TRUE(storage.rows.rentals.empty());
}

TEST_F(RideTest, TwoCustomersRacingForOneBicycleExactlyOneWins) {
  auto alice = paid_ticket("c_alice");
  auto bob = paid_ticket("c_bob");

  auto a = start_rent("c_alice", "SPB-1", alice.id);
  auto b = start_rent("c_bob", "SPB-1", bob.id);
  drain();
  ASSERT_TRUE(a->has_value() && b->has_value());
  ASSERT_NE(a->value().has_value(), b->value().has_value()) << "exactly one rent must succeed";

  const bool alice_won = a->value().has_value();
  const auto& winner = alice_won ? alice : bob;
  const auto& loser = alice_won ? bob : alice;
  auto lost = refusal(alice_won ? b : a);
  EXPECT_EQ(lost.code, domain::error_code::bicycle_unavailable);

  EXPECT_EQ(storage.rows.rentals.size(), 1u);
  EXPECT_EQ(storage.rows.tickets[winner.id].status, ticket_status::in_use);
  EXPECT_EQ(storage.rows.tickets[loser.id].status, ticket_status::paid);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].rental_id, storage.rows.tickets[winner.id].rental_id);
  EXPECT_EQ(availability()["st_a"].bicycles_available, 1);
}

TEST_F(RideTest, OneTicketCannotStartTwoRentals) {
  auto t = paid_ticket("c_alice");

  auto one = start_rent("c_alice", "SPB-1", t.id);
  auto two = start_rent("c_alice", "SPB-2", t.id);
  drain();
  ASSERT_TRUE(one->has_value() && two->has_value());
  ASSERT_NE(one->value().has_value(), two->value().has_value()) << "exactly one rent must succeed";

  const auto& won = one->value().has_value() ? one : two;
  const auto& lost = one->value().has_value() ? two : one;
  EXPECT_EQ(refusal(lost).code, domain::error_code::ticket_not_usable);
  auto r = ok(won);

  EXPECT_EQ(storage.rows.rentals.size(), 1u);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::in_use);
  EXPECT_EQ(storage.rows.tickets[t.id].rental_id, r.id);
  const domain::ids::bicycle_id other{r.bicycle_id == "SPB-1" ? "SPB-2" : "SPB-1"};
  EXPECT_EQ(storage.rows.bicycles[other].status, bicycle_status::available);
  EXPECT_EQ(availability()["st_a"].bicycles_available, 1);
}

TEST_F(RideTest, ReturnEndsTheRentalWithOvertimeAndUsesTheTicket) {
  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  clock.advance(60min + 61min);  // 61 minutes late: 13 started blocks of 5 minutes

  auto ended = ok(give_back("c_alice", r.id, "st_b"));
  EXPECT_EQ(ended.id, r.id);
  EXPECT_EQ(ended.status, rental_status::returned);
  EXPECT_EQ(ended.returned_at, clock.now());
  EXPECT_EQ(ended.to_station_id, "st_b");
  EXPECT_EQ(ended.overtime_minutes, 61);
  EXPECT_EQ(ended.overtime_fee, 13 * 200);
  EXPECT_EQ(storage.rows.rentals[r.id], ended);

  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::used);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].status, bicycle_status::available);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].station_id, "st_b");
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].rental_id, std::nullopt);

  auto seen = availability();
  EXPECT_EQ(seen["st_a"].bicycles_available, 1);
  EXPECT_EQ(seen["st_b"].bicycles_available, 1);
  EXPECT_EQ(seen["st_b"].docks_available, 1);
  // The overtime is charged after the return, by the read side's collector (overtime_test.cpp).
  EXPECT_EQ(storage.events_of(r.id), (std::vector<std::string>{"bicycle_rented", "bicycle_returned", "payment_approved"}));
  auto returned = storage.first_event<domain::bicycle_returned>(r.id);
  ASSERT_TRUE(returned);
  EXPECT_EQ(returned->overtime_fee, 2600);
  EXPECT_EQ(storage.events_of(t.id, "ticket_u"), (std::vector<std::string>{"ticket_used"}));

  // The bicycle rents again from its new station.
  auto next = paid_ticket("c_bob");
  EXPECT_EQ(ok(rent("c_bob", "SPB-1", next.id)).from_station_id, "st_b");
}

TEST_F(RideTest, ReturnInTimeCostsNothing) {
  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  clock.advance(60min);
  auto ended = ok(give_back("c_alice", r.id, "st_a"));
  EXPECT_EQ(ended.overtime_minutes, 0);
  EXPECT_EQ(ended.overtime_fee, 0);
  EXPECT_EQ(availability()["st_a"].bicycles_available, 2);
}

TEST_F(RideTest, ReturningTwiceIsRefused) {
  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  auto first = ok(give_back("c_alice", r.id, "st_b"));

  clock.advance(5min);
  auto e = refusal(give_back("c_alice", r.id, "st_a"));
  EXPECT_EQ(e.kind, error_kind::conflict);
  EXPECT_EQ(e.code, domain::error_code::rental_not_active);
  EXPECT_EQ(storage.rows.rentals[r.id], first);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].station_id, "st_b");
  auto seen = availability();
  EXPECT_EQ(seen["st_a"].bicycles_available, 1);
  EXPECT_EQ(seen["st_b"].bicycles_available, 1);
}

TEST_F(RideTest, AnotherCustomersRentalIsNotFound) {
  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-1", t.id));

  auto e = refusal(give_back("c_bob", r.id, "st_b"));
  EXPECT_EQ(e.kind, error_kind::not_found);
  EXPECT_EQ(e.code, domain::error_code::rental_not_found);
  EXPECT_EQ(refusal(give_back("c_alice", "r_nosuchrental", "st_b")).code, domain::error_code::rental_not_found);
  EXPECT_EQ(storage.rows.rentals[r.id].status, rental_status::active);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::in_use);
}

TEST_F(RideTest, ReturnToUnknownStationIsRefused) {
  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-1", t.id));

  auto e = refusal(give_back("c_alice", r.id, "st_nowhere"));
  EXPECT_EQ(e.kind, error_kind::not_found);
  EXPECT_EQ(e.code, domain::error_code::station_not_found);
  EXPECT_EQ(storage.rows.rentals[r.id].status, rental_status::active);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].status, bicycle_status::rented);

  // The rental can still be returned properly.
  EXPECT_EQ(ok(give_back("c_alice", r.id, "st_a")).status, rental_status::returned);
}

TEST_F(RideTest, ARentIsOneCommitOfTheTicketAndTheBicycle) {
  auto t = paid_ticket("c_alice");
  const int before = storage.commits - storage.view_commits;
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  EXPECT_EQ(storage.commits - storage.view_commits, before + 1);
  // One commit, each context's facts in it, in the order they were decided.
  std::vector<std::string> facts;
  for (const auto& row : storage.journal_rows)
    if (row.sequence > storage.last_sequence() - 2) facts.push_back(std::string{domain::type_name(row.event().payload)});
  EXPECT_EQ(facts, (std::vector<std::string>{"ticket_put_in_use", "bicycle_rented"}));

  const int before_return = storage.commits - storage.view_commits;
  ok(give_back("c_alice", r.id, "st_b"));
  EXPECT_EQ(storage.commits - storage.view_commits, before_return + 1);
}

TEST_F(RideTest, AFailedRentCommitLeavesBothAsTheyWere) {
  auto t = paid_ticket("c_alice");
  storage.fail_commits(1);
  auto e = refusal(rent("c_alice", "SPB-1", t.id));
  EXPECT_EQ(e.kind, error_kind::internal);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::paid);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].status, bicycle_status::available);
  EXPECT_TRUE(storage.rows.rentals.empty());
  EXPECT_EQ(availability()["st_a"].bicycles_available, 2);

  // Both actors reloaded what storage holds: the ticket rents the bicycle now.
  EXPECT_EQ(ok(get("c_alice", t.id)).status, ticket_status::paid);
  EXPECT_EQ(ok(rent("c_alice", "SPB-1", t.id)).bicycle_id, "SPB-1");
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::in_use);
}

TEST_F(RideTest, AFailedReturnCommitLeavesTheRideActive) {
  auto t = paid_ticket("c_alice");
  auto r = ok(rent("c_alice", "SPB-1", t.id));
  storage.fail_commits(1);
  EXPECT_EQ(refusal(give_back("c_alice", r.id, "st_b")).kind, error_kind::internal);
  EXPECT_EQ(storage.rows.rentals[r.id].status, rental_status::active);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].status, bicycle_status::rented);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::in_use);

  // Tried again, the return goes through, both sides at once.
  EXPECT_EQ(ok(give_back("c_alice", r.id, "st_b")).status, rental_status::returned);
  EXPECT_EQ(storage.rows.bicycles["SPB-1"].station_id, "st_b");
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::used);
}

// A store that lost the ticket of an active rental (nothing this version writes): the customer
// still gives the bicycle back.
TEST_F(RideTest, AReturnWhoseTicketRefusesStillCommits) {
  storage.rows.bicycles["SPB-3"] = {.id = "SPB-3", .status = bicycle_status::rented, .rental_id = "r_9"};
  storage.rows.rentals["r_9"] = {.id = "r_9", .bicycle_id = "SPB-3", .ticket_id = "t_lost", .customer_id = "c_alice",
                                 .from_station_id = "st_a", .rented_at = clock.now(), .due_at = clock.now() + 60min};
  EXPECT_EQ(ok(give_back("c_alice", "r_9", "st_b")).status, rental_status::returned);
  EXPECT_EQ(storage.rows.bicycles["SPB-3"].status, bicycle_status::available);
  EXPECT_EQ(storage.rows.rentals["r_9"].status, rental_status::returned);
  EXPECT_EQ(storage.events_of("r_9"), (std::vector<std::string>{"bicycle_returned"}));
}

}  // namespace
}  // namespace ttareungyi::actors::test
