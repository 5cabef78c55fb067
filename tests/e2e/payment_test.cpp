// Payment trouble: the sandbox provider failing (503, ticket left payment_pending) or
// declining (402, ticket payment_failed); rent and return never wait on payment.
#include "e2e_fixture.hpp"

#include <cctype>

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

const std::vector<std::string> payment_down{"--sandbox-failure-rate", "1"};
const std::vector<std::string> payment_declines{"--sandbox-decline-rate", "1"};

class PaymentUnavailable : public server_test {
 protected:
  std::vector<std::string> extra_flags() const override { return payment_down; }
};

class PaymentDeclined : public server_test {
 protected:
  std::vector<std::string> extra_flags() const override { return payment_declines; }
};

class PaymentRecovery : public server_test {};

// Retry-After in delta-seconds form (the contract: an integer number of seconds).
::testing::AssertionResult has_retry_after(const response& r) {
  auto value = r.header("Retry-After");
  if (!value) return ::testing::AssertionFailure() << "no Retry-After header: " << r.describe();
  if (value->empty() || !std::all_of(value->begin(), value->end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    return ::testing::AssertionFailure() << "Retry-After is not a number of seconds: '" << *value << "'";
  return ::testing::AssertionSuccess();
}

TEST_F(PaymentUnavailable, PurchaseAnswers503AndLeavesTicketPending) {
  auto c = new_customer();
  auto r = purchase(c, "1h");
  ASSERT_PROBLEM(r, 503, "payment_unavailable");
  EXPECT_TRUE(has_retry_after(r));
  auto problem = r.json();
  ASSERT_TRUE(problem["ticketId"].is_string() && !problem["ticketId"].get<std::string>().empty()) << r.describe();
  auto id = problem["ticketId"].get<std::string>();

  auto t = ticket(c, id);
  EXPECT_EQ(t["status"], "payment_pending");
  EXPECT_EQ(t["type"], "1h");
  EXPECT_EQ(t["price"], 1000);
  EXPECT_FALSE(t.contains("paidAt") && !t["paidAt"].is_null()) << t.dump();
  auto listed = by_id(list_tickets(c));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed.begin()->first, id);
}

TEST_F(PaymentUnavailable, PendingTicketCannotRent) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto r = purchase(c, "2h");
  ASSERT_PROBLEM(r, 503, "payment_unavailable");
  auto id = r.json()["ticketId"].get<std::string>();

  EXPECT_PROBLEM(request_rental(c, bike, id), 409, "ticket_not_usable");
  EXPECT_EQ((*bicycle(bike))["status"], "available");
  EXPECT_EQ(ticket(c, id)["status"], "payment_pending");
}

TEST_F(PaymentUnavailable, PayingAgainWhileDownIs503) {
  auto c = new_customer();
  auto id = purchase(c, "1h").json()["ticketId"].get<std::string>();
  auto again = pay(c, id);
  EXPECT_PROBLEM(again, 503, "payment_unavailable");
  EXPECT_TRUE(has_retry_after(again));
  EXPECT_EQ(ticket(c, id)["status"], "payment_pending");
}

TEST_F(PaymentUnavailable, PendingTicketCancelsWithNothingToRefund) {
  auto c = new_customer();
  auto id = purchase(c, "1h").json()["ticketId"].get<std::string>();
  auto r = cancel(c, id);
  ASSERT_STATUS(r, 200);
  EXPECT_EQ(r.json()["status"], "cancelled");
  EXPECT_EQ(r.json()["refundedAmount"], 0) << r.describe();
  EXPECT_PROBLEM(pay(c, id), 409, "ticket_not_payable");
}

TEST_F(PaymentUnavailable, ManyPurchasesAllAnswerPromptly) {
  // With the provider down (and its circuit open) a purchase answers at once: eight in a
  // row must stay well inside the client's timeout.
  auto c = new_customer();
  http().set_timeout(5s);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) EXPECT_PROBLEM(purchase(c, "1h"), 503, "payment_unavailable");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
  for (const auto& [id, t] : by_id(list_tickets(c))) EXPECT_EQ(t["status"], "payment_pending") << t.dump();
}

TEST_F(PaymentDeclined, PurchaseAnswers402AndTicketIsPaymentFailed) {
  auto c = new_customer();
  auto r = purchase(c, "1h");
  ASSERT_PROBLEM(r, 402, "payment_declined");
  auto problem = r.json();
  ASSERT_TRUE(problem["ticketId"].is_string()) << r.describe();
  auto id = problem["ticketId"].get<std::string>();
  EXPECT_EQ(ticket(c, id)["status"], "payment_failed");
  auto listed = by_id(list_tickets(c));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[id]["status"], "payment_failed");
}

TEST_F(PaymentDeclined, FailedTicketCannotRentAndStaysFailedWhenPaidAgain) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto id = purchase(c, "1h").json()["ticketId"].get<std::string>();

  EXPECT_PROBLEM(request_rental(c, bike, id), 409, "ticket_not_usable");
  EXPECT_PROBLEM(pay(c, id), 402, "payment_declined");
  EXPECT_EQ(ticket(c, id)["status"], "payment_failed");
  EXPECT_EQ((*bicycle(bike))["status"], "available");

  auto r = cancel(c, id);
  ASSERT_STATUS(r, 200);
  EXPECT_EQ(r.json()["status"], "cancelled");
  EXPECT_EQ(r.json()["refundedAmount"], 0) << r.describe();
}

TEST_F(PaymentRecovery, PendingTicketIsPaidLaterWhenPaymentIsBack) {
  start_server(payment_down);
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto r = purchase(c, "1h");
  ASSERT_PROBLEM(r, 503, "payment_unavailable");
  auto id = r.json()["ticketId"].get<std::string>();

  restart_server(std::vector<std::string>{});  // the provider approves again
  log_in(c);
  EXPECT_EQ(ticket(c, id)["status"], "payment_pending");
  auto paid = pay(c, id);
  ASSERT_STATUS(paid, 200);
  EXPECT_EQ(paid.json()["status"], "paid");
  EXPECT_TRUE(is_utc_time(paid.json()["paidAt"]));
  EXPECT_EQ(rent(c, bike, id)["status"], "active");
}

TEST_F(PaymentRecovery, DeclinedTicketIsPaidLaterWhenApproved) {
  start_server(payment_declines);
  auto c = new_customer();
  auto r = purchase(c, "2h");
  ASSERT_PROBLEM(r, 402, "payment_declined");
  auto id = r.json()["ticketId"].get<std::string>();

  restart_server(std::vector<std::string>{});
  log_in(c);
  auto paid = pay(c, id);
  ASSERT_STATUS(paid, 200);
  EXPECT_EQ(paid.json()["status"], "paid");
  EXPECT_EQ(paid.json()["price"], 2000);
}

TEST_F(PaymentRecovery, RentAndReturnWorkWhilePaymentIsDown) {
  auto a = create_station()["id"].get<std::string>();
  auto b = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(a)["id"].get<std::string>();
  auto c = new_customer();
  auto t = buy_ticket(c)["id"].get<std::string>();

  restart_server(payment_down);
  log_in(c);
  auto rental = rent(c, bike, t);
  EXPECT_EQ(rental["status"], "active");
  auto done = give_back(c, rental["id"].get<std::string>(), b);
  EXPECT_EQ(done["status"], "returned");
  EXPECT_EQ(done["overtimeFee"], 0);
  EXPECT_EQ(ticket_when(c, t, "used")["status"], "used");
}

}  // namespace
}  // namespace ttareungyi::e2e
