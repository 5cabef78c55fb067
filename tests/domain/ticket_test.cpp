// Ticket (이용권) rules: terms, names, and every transition of the ticket state machine.
#include "ttareungyi/domain/ticket.hpp"

#include <gtest/gtest.h>

#include <array>

#include "domain_test_support.hpp"

namespace ttareungyi::domain {
namespace {

using namespace std::chrono_literals;
using test::event_at;
using test::refused;
using test::t0;

constexpr std::array all_statuses{ticket_status::payment_pending, ticket_status::paid, ticket_status::in_use,
                                  ticket_status::used,            ticket_status::cancelled, ticket_status::payment_failed};

// A ticket of customer C1 bought at t0 and driven to the given state through the rules.
ticket ticket_in(ticket_status status, ticket_type type = ticket_type::one_hour) {
  ticket t = purchase_ticket("TK1", "C1", type, t0).state;
  switch (status) {
    case ticket_status::payment_pending: return t;
    case ticket_status::payment_failed: return record_payment_declined(t).value().state;
    default: break;
  }
  t = record_payment_approved(t, t0 + 1s).value().state;
  switch (status) {
    case ticket_status::paid: return t;
    case ticket_status::cancelled: return cancel_ticket(t, t0 + 2s).value().state;
    default: break;
  }
  t = put_in_use(t, "C1", "R1").value().state;
  if (status == ticket_status::in_use) return t;
  return finish_ticket(t, "R1").value().state;  // used
}

// ---- terms and names -----------------------------------------------------------------------

TEST(TicketTerms, OneHourIsSixtyMinutesForOneThousandWon) {
  const ticket_terms terms = terms_of(ticket_type::one_hour);
  EXPECT_EQ(terms.ride_time, 60min);
  EXPECT_EQ(terms.price, 1000);
}

TEST(TicketTerms, TwoHoursIsOneHundredTwentyMinutesForTwoThousandWon) {
  const ticket_terms terms = terms_of(ticket_type::two_hours);
  EXPECT_EQ(terms.ride_time, 120min);
  EXPECT_EQ(terms.price, 2000);
}

TEST(TicketTerms, TicketTermsFollowItsType) {
  EXPECT_EQ(ticket{.type = ticket_type::one_hour}.terms().price, 1000);
  EXPECT_EQ(ticket{.type = ticket_type::two_hours}.terms().ride_time, 120min);
  EXPECT_EQ(ticket{.type = ticket_type::two_hours}.terms().price, 2000);
}

TEST(TicketType, NamesAndParsing) {
  EXPECT_EQ(to_string(ticket_type::one_hour), "1h");
  EXPECT_EQ(to_string(ticket_type::two_hours), "2h");
  EXPECT_EQ(parse_ticket_type("1h"), ticket_type::one_hour);
  EXPECT_EQ(parse_ticket_type("2h"), ticket_type::two_hours);
  for (std::string_view bad : {"", "1", "3h", "1H", " 1h", "1h ", "one_hour", "60"})
    EXPECT_EQ(parse_ticket_type(bad), std::nullopt) << "'" << bad << "'";
}

TEST(TicketStatus, NamesAndParsing) {
  EXPECT_EQ(to_string(ticket_status::payment_pending), "payment_pending");
  EXPECT_EQ(to_string(ticket_status::paid), "paid");
  EXPECT_EQ(to_string(ticket_status::in_use), "in_use");
  EXPECT_EQ(to_string(ticket_status::used), "used");
  EXPECT_EQ(to_string(ticket_status::cancelled), "cancelled");
  EXPECT_EQ(to_string(ticket_status::payment_failed), "payment_failed");
  for (ticket_status s : all_statuses) EXPECT_EQ(parse_ticket_status(to_string(s)), s) << to_string(s);
  for (std::string_view bad : {"", "PAID", "pending", "paid ", "refunded"})
    EXPECT_EQ(parse_ticket_status(bad), std::nullopt) << "'" << bad << "'";
}

// ---- purchase and payment ------------------------------------------------------------------

TEST(PurchaseTicket, StartsWaitingForPayment) {
  const auto d = purchase_ticket("TK1", "C1", ticket_type::one_hour, t0);
  const ticket& t = d.state;
  EXPECT_EQ(t.id, "TK1");
  EXPECT_EQ(t.customer_id, "C1");
  EXPECT_EQ(t.type, ticket_type::one_hour);
  EXPECT_EQ(t.status, ticket_status::payment_pending);
  EXPECT_EQ(t.purchased_at, t0);
  EXPECT_EQ(t.paid_at, std::nullopt);
  EXPECT_EQ(t.cancelled_at, std::nullopt);
  EXPECT_EQ(t.refunded_amount, std::nullopt);
  EXPECT_EQ(t.payment_attempt, 1);
  EXPECT_EQ(t.payment_id(), "TK1-1");
  EXPECT_EQ(t.rental_id, std::nullopt);

  ASSERT_EQ(d.events.size(), 1u);
  const auto& e = event_at<ticket_purchased>(d.events, 0);
  EXPECT_EQ(e.ticket_id, "TK1");
  EXPECT_EQ(e.customer_id, "C1");
  EXPECT_EQ(e.type, "1h");
  EXPECT_EQ(e.price, 1000);
}

TEST(PurchaseTicket, TwoHourTicketIsPricedTwoThousand) {
  const auto d = purchase_ticket("TK2", "C1", ticket_type::two_hours, t0);
  EXPECT_EQ(d.state.type, ticket_type::two_hours);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(event_at<ticket_purchased>(d.events, 0).type, "2h");
  EXPECT_EQ(event_at<ticket_purchased>(d.events, 0).price, 2000);
}

TEST(PayTicket, PendingAndFailedTicketsArePayable) {
  EXPECT_TRUE(check_payable(ticket_in(ticket_status::payment_pending)).has_value());
  EXPECT_TRUE(check_payable(ticket_in(ticket_status::payment_failed)).has_value());
}

TEST(PayTicket, ApprovedPaymentMakesItPaid) {
  const ticket pending = ticket_in(ticket_status::payment_pending);
  const auto d = record_payment_approved(pending, t0 + 30s);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state.status, ticket_status::paid);
  EXPECT_EQ(d->state.paid_at, t0 + 30s);
  EXPECT_EQ(d->state.purchased_at, t0);
  EXPECT_EQ(d->state.payment_attempt, 1);
  EXPECT_EQ(d->state.payment_id(), "TK1-1");
  EXPECT_EQ(d->state.cancelled_at, std::nullopt);
  EXPECT_EQ(d->state.refunded_amount, std::nullopt);

  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<ticket_paid>(d->events, 0);
  EXPECT_EQ(e.ticket_id, "TK1");
  EXPECT_EQ(e.customer_id, "C1");
  EXPECT_EQ(e.payment_id, "TK1-1");
  EXPECT_EQ(e.amount, 1000);
}

TEST(PayTicket, ApprovedTwoHourTicketPaysTwoThousand) {
  const auto d = record_payment_approved(ticket_in(ticket_status::payment_pending, ticket_type::two_hours), t0);
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->events.size(), 1u);
  EXPECT_EQ(event_at<ticket_paid>(d->events, 0).amount, 2000);
}

TEST(PayTicket, DeclinedPaymentFailsAndStartsANewAttempt) {
  const ticket pending = ticket_in(ticket_status::payment_pending);
  const auto d = record_payment_declined(pending);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state.status, ticket_status::payment_failed);
  EXPECT_EQ(d->state.paid_at, std::nullopt);
  EXPECT_EQ(d->state.payment_attempt, 2);
  EXPECT_EQ(d->state.payment_id(), "TK1-2");

  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<ticket_payment_failed>(d->events, 0);
  EXPECT_EQ(e.ticket_id, "TK1");
  EXPECT_EQ(e.customer_id, "C1");
  EXPECT_EQ(e.payment_id, "TK1-1");  // the attempt that was declined
}

TEST(PayTicket, PayingAgainAfterAFailureIsAllowedWithTheNewPaymentId) {
  const ticket failed = ticket_in(ticket_status::payment_failed);
  const auto d = record_payment_approved(failed, t0 + 5min);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state.status, ticket_status::paid);
  EXPECT_EQ(d->state.paid_at, t0 + 5min);
  EXPECT_EQ(d->state.payment_id(), "TK1-2");
  ASSERT_EQ(d->events.size(), 1u);
  EXPECT_EQ(event_at<ticket_paid>(d->events, 0).payment_id, "TK1-2");
  EXPECT_EQ(event_at<ticket_paid>(d->events, 0).amount, 1000);
}

TEST(PayTicket, DecliningAgainMovesToTheNextAttempt) {
  const auto d = record_payment_declined(ticket_in(ticket_status::payment_failed));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->state.status, ticket_status::payment_failed);
  EXPECT_EQ(d->state.payment_attempt, 3);
  EXPECT_EQ(d->state.payment_id(), "TK1-3");
  ASSERT_EQ(d->events.size(), 1u);
  EXPECT_EQ(event_at<ticket_payment_failed>(d->events, 0).payment_id, "TK1-2");
}

TEST(PayTicket, PaymentIdStaysTheSameUntilADecline) {
  const ticket pending = ticket_in(ticket_status::payment_pending);
  // A retry after a timeout or "try again later" finds the ticket unchanged: same id.
  EXPECT_EQ(pending.payment_id(), "TK1-1");
  EXPECT_EQ(pending.payment_id(), purchase_ticket("TK1", "C1", ticket_type::one_hour, t0 + 1h).state.payment_id());
  // Approval, use and cancel keep it: the refund goes to the payment that was charged.
  EXPECT_EQ(ticket_in(ticket_status::paid).payment_id(), "TK1-1");
  EXPECT_EQ(ticket_in(ticket_status::in_use).payment_id(), "TK1-1");
  EXPECT_EQ(ticket_in(ticket_status::used).payment_id(), "TK1-1");
  EXPECT_EQ(ticket_in(ticket_status::cancelled).payment_id(), "TK1-1");
  // Only a decline changes it.
  EXPECT_EQ(ticket_in(ticket_status::payment_failed).payment_id(), "TK1-2");
}

class NotPayable : public ::testing::TestWithParam<ticket_status> {};

TEST_P(NotPayable, ApprovalAndDeclineAreRefused) {
  const ticket t = ticket_in(GetParam());
  ASSERT_EQ(t.status, GetParam());

  const auto check = check_payable(t);
  EXPECT_TRUE(refused(check, error_kind::conflict, error_code::ticket_not_payable, "ticketId", "TK1"));

  EXPECT_TRUE(refused(record_payment_approved(t, t0 + 1h), error_kind::conflict, error_code::ticket_not_payable));
  EXPECT_TRUE(refused(record_payment_declined(t), error_kind::conflict, error_code::ticket_not_payable));
}

INSTANTIATE_TEST_SUITE_P(Ticket, NotPayable,
                         ::testing::Values(ticket_status::paid, ticket_status::in_use, ticket_status::used,
                                           ticket_status::cancelled),
                         [](const auto& info) { return std::string{to_string(info.param)}; });

// ---- cancel and refund ---------------------------------------------------------------------

TEST(CancelTicket, PaidTicketIsRefundedInFull) {
  const ticket paid = ticket_in(ticket_status::paid);
  EXPECT_EQ(refund_due(paid), 1000);
  const auto d = cancel_ticket(paid, t0 + 10min);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state.status, ticket_status::cancelled);
  EXPECT_EQ(d->state.cancelled_at, t0 + 10min);
  EXPECT_EQ(d->state.refunded_amount, 1000);
  EXPECT_EQ(d->state.paid_at, t0 + 1s);

  ASSERT_EQ(d->events.size(), 2u);
  const auto& cancelled = event_at<ticket_cancelled>(d->events, 0);
  EXPECT_EQ(cancelled.ticket_id, "TK1");
  EXPECT_EQ(cancelled.customer_id, "C1");
  EXPECT_EQ(cancelled.refunded_amount, 1000);
  const auto& refunded = event_at<ticket_refunded>(d->events, 1);
  EXPECT_EQ(refunded.ticket_id, "TK1");
  EXPECT_EQ(refunded.customer_id, "C1");
  EXPECT_EQ(refunded.payment_id, "TK1-1");
  EXPECT_EQ(refunded.amount, 1000);
}

TEST(CancelTicket, APaidTicketWhosePaymentWasRefundedOwesItsCancellation) {
  const ticket paid = ticket_in(ticket_status::paid);
  const payment refunded{"TK1-1", "TK1", 1000, payment_status::refunded};
  const auto d = complete_refunded_cancellation(paid, refunded, t0 + 5min);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->state, cancel_ticket(paid, t0 + 5min)->state);
  EXPECT_EQ(d->state.status, ticket_status::cancelled);
  EXPECT_EQ(d->state.refunded_amount, 1000);
  ASSERT_EQ(d->events.size(), 2u);
  EXPECT_EQ(event_at<ticket_refunded>(d->events, 1).payment_id, "TK1-1");
}

TEST(CancelTicket, NoCancellationIsOwedWhileTheTicketAndItsPaymentAgree) {
  const ticket paid = ticket_in(ticket_status::paid);
  EXPECT_FALSE(complete_refunded_cancellation(paid, {"TK1-1", "TK1", 1000, payment_status::approved}, t0));
  // Another attempt's refund is not this payment's.
  EXPECT_FALSE(complete_refunded_cancellation(paid, {"TK1-2", "TK1", 1000, payment_status::refunded}, t0));
  for (auto status : all_statuses) {
    if (status == ticket_status::paid) continue;
    EXPECT_FALSE(complete_refunded_cancellation(ticket_in(status), {"TK1-1", "TK1", 1000, payment_status::refunded}, t0))
        << to_string(status);
  }
}

TEST(CancelTicket, PaidTwoHourTicketIsRefundedTwoThousand) {
  const ticket paid = ticket_in(ticket_status::paid, ticket_type::two_hours);
  EXPECT_EQ(refund_due(paid), 2000);
  const auto d = cancel_ticket(paid, t0 + 10min);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->state.refunded_amount, 2000);
  ASSERT_EQ(d->events.size(), 2u);
  EXPECT_EQ(event_at<ticket_cancelled>(d->events, 0).refunded_amount, 2000);
  EXPECT_EQ(event_at<ticket_refunded>(d->events, 1).amount, 2000);
}

TEST(CancelTicket, RefundGoesToThePaymentThatSucceededAfterADecline) {
  ticket t = ticket_in(ticket_status::payment_failed);
  t = record_payment_approved(t, t0 + 1min).value().state;
  const auto d = cancel_ticket(t, t0 + 2min);
  ASSERT_TRUE(d.has_value());
  ASSERT_EQ(d->events.size(), 2u);
  EXPECT_EQ(event_at<ticket_refunded>(d->events, 1).payment_id, "TK1-2");
}

class CancelWithoutRefund : public ::testing::TestWithParam<ticket_status> {};

TEST_P(CancelWithoutRefund, IsCancelledWithNothingToRefund) {
  const ticket t = ticket_in(GetParam());
  ASSERT_EQ(t.status, GetParam());
  EXPECT_EQ(refund_due(t), 0);
  const auto d = cancel_ticket(t, t0 + 3min);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state.status, ticket_status::cancelled);
  EXPECT_EQ(d->state.cancelled_at, t0 + 3min);
  EXPECT_EQ(d->state.refunded_amount, 0);
  ASSERT_EQ(d->events.size(), 1u);  // no ticket_refunded
  const auto& e = event_at<ticket_cancelled>(d->events, 0);
  EXPECT_EQ(e.ticket_id, "TK1");
  EXPECT_EQ(e.customer_id, "C1");
  EXPECT_EQ(e.refunded_amount, 0);
}

INSTANTIATE_TEST_SUITE_P(Ticket, CancelWithoutRefund,
                         ::testing::Values(ticket_status::payment_pending, ticket_status::payment_failed),
                         [](const auto& info) { return std::string{to_string(info.param)}; });

// The unpaid ticket's current charge was approved after the purchase stopped waiting (and the
// payment context refunded it): the cancellation records the refund of that payment.
TEST_P(CancelWithoutRefund, ChargedLateIsCancelledWithTheRefundOfItsCurrentPayment) {
  const ticket t = ticket_in(GetParam());
  EXPECT_TRUE(awaiting_payment(t));
  EXPECT_EQ(refund_due(t, true), 1000);
  const auto d = cancel_ticket(t, t0 + 3min, true);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state.status, ticket_status::cancelled);
  EXPECT_EQ(d->state.refunded_amount, 1000);
  ASSERT_EQ(d->events.size(), 2u);
  EXPECT_EQ(event_at<ticket_cancelled>(d->events, 0).refunded_amount, 1000);
  const auto& r = event_at<ticket_refunded>(d->events, 1);
  EXPECT_EQ(r.payment_id, t.payment_id());
  EXPECT_EQ(r.amount, 1000);
}

TEST(CancelTicket, OnlyAnUnpaidTicketAwaitsItsPayment) {
  for (auto s : all_statuses)
    EXPECT_EQ(awaiting_payment(ticket_in(s)), s == ticket_status::payment_pending || s == ticket_status::payment_failed)
        << to_string(s);
  // A paid ticket's refund is its price either way.
  EXPECT_EQ(refund_due(ticket_in(ticket_status::paid), true), 1000);
}

class NotCancellable : public ::testing::TestWithParam<ticket_status> {};

TEST_P(NotCancellable, CancelIsRefusedAsConflict) {
  const ticket t = ticket_in(GetParam());
  ASSERT_EQ(t.status, GetParam());
  EXPECT_EQ(refund_due(t), 0);
  const auto d = cancel_ticket(t, t0 + 1h);
  EXPECT_TRUE(refused(d, error_kind::conflict, error_code::ticket_not_cancellable, "ticketId", "TK1"));
}

INSTANTIATE_TEST_SUITE_P(Ticket, NotCancellable,
                         ::testing::Values(ticket_status::in_use, ticket_status::used, ticket_status::cancelled),
                         [](const auto& info) { return std::string{to_string(info.param)}; });

// ---- rental use ----------------------------------------------------------------------------

TEST(PutInUse, PaidTicketOfTheSameCustomerIsHeldByTheRental) {
  const auto d = put_in_use(ticket_in(ticket_status::paid), "C1", "R7");
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state.status, ticket_status::in_use);
  EXPECT_EQ(d->state.rental_id, "R7");
  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<ticket_put_in_use>(d->events, 0);
  EXPECT_EQ(e.ticket_id, "TK1");
  EXPECT_EQ(e.customer_id, "C1");
  EXPECT_EQ(e.rental_id, "R7");
}

TEST(PutInUse, AnotherCustomersTicketIsNotFound) {
  const auto d = put_in_use(ticket_in(ticket_status::paid), "C2", "R7");
  EXPECT_TRUE(refused(d, error_kind::not_found, error_code::ticket_not_found, "ticketId", "TK1"));
  // Not even its state leaks to another customer.
  EXPECT_TRUE(refused(put_in_use(ticket_in(ticket_status::used), "C2", "R7"), error_kind::not_found, error_code::ticket_not_found));
}

class NotUsable : public ::testing::TestWithParam<ticket_status> {};

TEST_P(NotUsable, OnlyAPaidTicketRents) {
  const ticket t = ticket_in(GetParam());
  ASSERT_EQ(t.status, GetParam());
  const auto d = put_in_use(t, "C1", "R9");
  EXPECT_TRUE(refused(d, error_kind::conflict, error_code::ticket_not_usable, "ticketId", "TK1"));
}

INSTANTIATE_TEST_SUITE_P(Ticket, NotUsable,
                         ::testing::Values(ticket_status::payment_pending, ticket_status::payment_failed,
                                           ticket_status::in_use, ticket_status::used, ticket_status::cancelled),
                         [](const auto& info) { return std::string{to_string(info.param)}; });

TEST(PutInUse, OneTicketCannotStartTwoRentals) {
  const ticket held = put_in_use(ticket_in(ticket_status::paid), "C1", "R1").value().state;
  EXPECT_TRUE(refused(put_in_use(held, "C1", "R2"), error_kind::conflict, error_code::ticket_not_usable));
  EXPECT_TRUE(refused(put_in_use(held, "C1", "R1"), error_kind::conflict, error_code::ticket_not_usable));
}

TEST(ReleaseTicket, TheHoldingRentalGivesItBack) {
  const ticket held = ticket_in(ticket_status::in_use);
  const auto d = release_ticket(held, "R1");
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state.status, ticket_status::paid);
  EXPECT_EQ(d->state.rental_id, std::nullopt);
  EXPECT_EQ(d->state.payment_id(), "TK1-1");
  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<ticket_released>(d->events, 0);
  EXPECT_EQ(e.ticket_id, "TK1");
  EXPECT_EQ(e.customer_id, "C1");
  EXPECT_EQ(e.rental_id, "R1");

  // Released, it may start another rental.
  const auto again = put_in_use(d->state, "C1", "R2");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->state.rental_id, "R2");
}

TEST(ReleaseTicket, OnlyTheHoldingRentalReleasesIt) {
  const auto d = release_ticket(ticket_in(ticket_status::in_use), "R2");
  EXPECT_TRUE(refused(d, error_kind::conflict, error_code::ticket_not_in_use, "ticketId", "TK1"));
  for (ticket_status s : all_statuses) {
    if (s == ticket_status::in_use) continue;
    EXPECT_TRUE(refused(release_ticket(ticket_in(s), "R1"), error_kind::conflict, error_code::ticket_not_in_use)) << to_string(s);
  }
}

TEST(FinishTicket, ReturnMarksItUsed) {
  const auto d = finish_ticket(ticket_in(ticket_status::in_use), "R1");
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state.status, ticket_status::used);
  EXPECT_EQ(d->state.rental_id, "R1");
  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<ticket_used>(d->events, 0);
  EXPECT_EQ(e.ticket_id, "TK1");
  EXPECT_EQ(e.customer_id, "C1");
  EXPECT_EQ(e.rental_id, "R1");
}

TEST(FinishTicket, FinishingTwiceIsANoOpWithoutEvents) {
  const ticket used = ticket_in(ticket_status::used);
  const auto d = finish_ticket(used, "R1");
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state, used);
  EXPECT_TRUE(d->events.empty());
}

TEST(FinishTicket, OnlyTheHoldingRentalFinishesIt) {
  EXPECT_TRUE(refused(finish_ticket(ticket_in(ticket_status::in_use), "R2"), error_kind::conflict, error_code::ticket_not_in_use));
  EXPECT_TRUE(refused(finish_ticket(ticket_in(ticket_status::used), "R2"), error_kind::conflict, error_code::ticket_not_in_use));
  for (ticket_status s : {ticket_status::payment_pending, ticket_status::payment_failed, ticket_status::paid,
                          ticket_status::cancelled})
    EXPECT_TRUE(refused(finish_ticket(ticket_in(s), "R1"), error_kind::conflict, error_code::ticket_not_in_use)) << to_string(s);
}

TEST(FinishTicket, AUsedTicketCannotBeUsedAgainPaidOrCancelled) {
  const ticket used = ticket_in(ticket_status::used);
  EXPECT_TRUE(refused(put_in_use(used, "C1", "R2"), error_kind::conflict, error_code::ticket_not_usable));
  EXPECT_TRUE(refused(release_ticket(used, "R1"), error_kind::conflict, error_code::ticket_not_in_use));
  EXPECT_TRUE(refused(record_payment_approved(used, t0 + 2h), error_kind::conflict, error_code::ticket_not_payable));
  EXPECT_TRUE(refused(cancel_ticket(used, t0 + 2h), error_kind::conflict, error_code::ticket_not_cancellable));
}

}  // namespace
}  // namespace ttareungyi::domain
