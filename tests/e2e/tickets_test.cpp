// Tickets: buy, list, read, cancel with refund, pay again (sandbox payment approving all).
#include "e2e_fixture.hpp"

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Tickets : public server_test {};

void expect_ticket_terms(const json& t, std::string_view type, int minutes, int price) {
  EXPECT_TRUE(t["id"].is_string() && !t["id"].get<std::string>().empty()) << t.dump();
  EXPECT_EQ(t["type"], type) << t.dump();
  EXPECT_EQ(t["minutes"], minutes) << t.dump();
  EXPECT_EQ(t["price"], price) << t.dump();
  EXPECT_EQ(t["currency"], "KRW") << t.dump();
}

TEST_F(Tickets, BuyOneHourTicket) {
  auto c = new_customer();
  auto r = purchase(c, "1h");
  ASSERT_STATUS(r, 201);
  EXPECT_EQ(r.media_type(), "application/json");
  auto t = r.json();
  expect_ticket_terms(t, "1h", 60, 1000);
  EXPECT_EQ(t["status"], "paid");
  EXPECT_TRUE(is_utc_time(t["purchasedAt"]));
  EXPECT_TRUE(is_utc_time(t["paidAt"]));
  EXPECT_LE(*parse_rfc3339(t["purchasedAt"].get<std::string>()), *parse_rfc3339(t["paidAt"].get<std::string>()));
  EXPECT_EQ(ticket(c, t["id"].get<std::string>()), t);
}

TEST_F(Tickets, BuyTwoHourTicket) {
  auto c = new_customer();
  auto t = buy_ticket(c, "2h");
  expect_ticket_terms(t, "2h", 120, 2000);
  EXPECT_EQ(t["status"], "paid");
  EXPECT_EQ(ticket(c, t["id"].get<std::string>())["status"], "paid");
}

TEST_F(Tickets, UnknownRequestFieldsAreIgnored) {
  auto c = new_customer();
  auto r = http().post_json("/v1/tickets", {{"type", "2h"}, {"colour", "green"}, {"price", 1}}, c.auth());
  ASSERT_STATUS(r, 201);
  expect_ticket_terms(r.json(), "2h", 120, 2000);
}

TEST_F(Tickets, ListShowsOnlyTheCallersTickets) {
  auto alice = new_customer("alice");
  auto bob = new_customer("bob");
  auto a1 = buy_ticket(alice, "1h");
  auto a2 = buy_ticket(alice, "2h");
  auto b1 = buy_ticket(bob, "1h");

  auto alices = by_id(list_tickets(alice));
  ASSERT_EQ(alices.size(), 2u);
  EXPECT_EQ(alices[a1["id"].get<std::string>()], a1);
  EXPECT_EQ(alices[a2["id"].get<std::string>()], a2);
  auto bobs = by_id(list_tickets(bob));
  ASSERT_EQ(bobs.size(), 1u);
  EXPECT_EQ(bobs.begin()->second, b1);

  auto carol = new_customer("carol");
  EXPECT_TRUE(list_tickets(carol)["items"].empty());
}

TEST_F(Tickets, AnotherCustomersTicketIsNotFound) {
  auto alice = new_customer("alice");
  auto bob = new_customer("bob");
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto t = buy_ticket(alice)["id"].get<std::string>();

  EXPECT_PROBLEM(get_ticket(bob, t), 404, "ticket_not_found");
  EXPECT_PROBLEM(cancel(bob, t), 404, "ticket_not_found");
  EXPECT_PROBLEM(pay(bob, t), 404, "ticket_not_found");
  EXPECT_PROBLEM(request_rental(bob, bike, t), 404, "ticket_not_found");
  // Nothing happened to it or to the bicycle.
  EXPECT_EQ(ticket(alice, t)["status"], "paid");
  EXPECT_EQ((*bicycle(bike))["status"], "available");
}

TEST_F(Tickets, UnknownTicketIsNotFound) {
  auto c = new_customer();
  EXPECT_PROBLEM(get_ticket(c, "no-such-ticket"), 404, "ticket_not_found");
  EXPECT_PROBLEM(cancel(c, "no-such-ticket"), 404, "ticket_not_found");
  EXPECT_PROBLEM(pay(c, "no-such-ticket"), 404, "ticket_not_found");
}

TEST_F(Tickets, CancelPaidUnusedTicketRefundsInFull) {
  auto c = new_customer();
  for (auto [type, price] : {std::pair{"1h", 1000}, std::pair{"2h", 2000}}) {
    auto t = buy_ticket(c, type);
    auto id = t["id"].get<std::string>();
    auto r = cancel(c, id);
    ASSERT_STATUS(r, 200);
    auto cancelled = r.json();
    EXPECT_EQ(cancelled["id"], id);
    EXPECT_EQ(cancelled["status"], "cancelled");
    EXPECT_EQ(cancelled["refundedAmount"], price) << cancelled.dump();
    EXPECT_TRUE(is_utc_time(cancelled["cancelledAt"]));
    EXPECT_EQ(cancelled["price"], price);
    EXPECT_EQ(ticket(c, id)["status"], "cancelled");
    EXPECT_EQ(ticket(c, id)["refundedAmount"], price);
  }
}

TEST_F(Tickets, CancelledTicketCannotBeCancelledPaidOrUsed) {
  auto c = new_customer();
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto id = buy_ticket(c)["id"].get<std::string>();
  ASSERT_STATUS(cancel(c, id), 200);

  EXPECT_PROBLEM(cancel(c, id), 409, "ticket_not_cancellable");
  EXPECT_PROBLEM(pay(c, id), 409, "ticket_not_payable");
  EXPECT_PROBLEM(request_rental(c, bike, id), 409, "ticket_not_usable");
  auto t = ticket(c, id);
  EXPECT_EQ(t["status"], "cancelled");
  EXPECT_EQ(t["refundedAmount"], 1000) << "refunded once, not twice";
  EXPECT_EQ((*bicycle(bike))["status"], "available");
}

TEST_F(Tickets, InUseAndUsedTicketsCannotBeCancelled) {
  auto c = new_customer();
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto id = buy_ticket(c)["id"].get<std::string>();
  auto rental = rent(c, bike, id);
  ticket_when(c, id, "in_use");

  EXPECT_PROBLEM(cancel(c, id), 409, "ticket_not_cancellable");
  EXPECT_EQ(ticket(c, id)["status"], "in_use");

  give_back(c, rental["id"].get<std::string>(), st);
  EXPECT_EQ(ticket_when(c, id, "used")["status"], "used");
  EXPECT_PROBLEM(cancel(c, id), 409, "ticket_not_cancellable");
  EXPECT_EQ(ticket(c, id)["status"], "used");
  EXPECT_FALSE(ticket(c, id).contains("refundedAmount") && ticket(c, id)["refundedAmount"] != 0);
}

TEST_F(Tickets, PaidTicketCannotBePaidAgain) {
  auto c = new_customer();
  auto id = buy_ticket(c)["id"].get<std::string>();
  EXPECT_PROBLEM(pay(c, id), 409, "ticket_not_payable");
  EXPECT_EQ(ticket(c, id)["status"], "paid");
}

}  // namespace
}  // namespace ttareungyi::e2e
