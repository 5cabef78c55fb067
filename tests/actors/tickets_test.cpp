// The ticket desk and its ticket actors: purchase and payment, pay later, cancel with refund,
// ownership, and what a failed commit leaves behind.
#include "fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::charge_verdict;
using domain::error_kind;
using domain::ticket;
using domain::ticket_status;
using answer = scripted_provider::answer;

using TicketTest = actor_test;

std::string ticket_id_of(const domain::error& e) {
  auto i = e.ids.find("ticketId");
  return i == e.ids.end() ? std::string{} : i->second;
}

TEST_F(TicketTest, ApprovedPurchasePaysTheTicketAndJournalsIt) {
  start();
  const auto bought_at = clock.now();
  auto t = ok(buy("c_alice"));

  EXPECT_EQ(t.status, ticket_status::paid);
  EXPECT_EQ(t.customer_id, "c_alice");
  EXPECT_EQ(t.paid_at, bought_at);
  ASSERT_TRUE(storage.rows.tickets.contains(t.id));
  EXPECT_EQ(storage.rows.tickets[t.id], t);

  ASSERT_EQ(provider.charges.size(), 1u);
  EXPECT_EQ(provider.charges[0].payment_id, t.id + "-1");
  EXPECT_EQ(provider.charges[0].amount, 1000);
  EXPECT_EQ(provider.charges[0].reference, t.id);
  ASSERT_TRUE(storage.rows.payments.contains(t.id + "-1"));
  EXPECT_EQ(storage.rows.payments[t.id + "-1"].status, domain::payment_status::approved);

  // Both ticket facts carry the ticket id as correlation id, in order.
  EXPECT_EQ(storage.events_of(t.id, "ticket_"), (std::vector<std::string>{"ticket_purchased", "ticket_paid"}));
  auto paid = storage.first_event<domain::ticket_paid>(t.id);
  ASSERT_TRUE(paid);
  EXPECT_EQ(paid->payment_id, t.id + "-1");
  EXPECT_EQ(paid->amount, 1000);
  for (const auto& r : storage.journal_rows) {
    EXPECT_FALSE(r.event.id.empty());
    EXPECT_FALSE(r.event.causation_id.empty());
    EXPECT_EQ(r.event.at, bought_at);
  }
}

TEST_F(TicketTest, TwoHourTicketCostsTwoThousand) {
  start();
  auto t = ok(buy("c_alice", domain::ticket_type::two_hours));
  EXPECT_EQ(t.status, ticket_status::paid);
  ASSERT_EQ(provider.charges.size(), 1u);
  EXPECT_EQ(provider.charges[0].amount, 2000);
}

TEST_F(TicketTest, DeclinedPurchaseLeavesPaymentFailed) {
  start();
  provider.on_charge = answer::decline;
  auto e = refusal(buy("c_alice"));

  EXPECT_EQ(e.kind, error_kind::declined);
  EXPECT_EQ(e.code, "payment_declined");
  const auto id = ticket_id_of(e);
  ASSERT_TRUE(storage.rows.tickets.contains(id));
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_failed);
  EXPECT_EQ(storage.rows.tickets[id].payment_attempt, 2);
  EXPECT_EQ(storage.rows.payments[id + "-1"].status, domain::payment_status::declined);
  EXPECT_EQ(storage.events_of(id, "ticket_"), (std::vector<std::string>{"ticket_purchased", "ticket_payment_failed"}));
}

TEST_F(TicketTest, ProviderFailureAnswersUnavailableAndLeavesTicketPending) {
  start();
  provider.on_charge = answer::fail;
  auto e = refusal(buy("c_alice"));

  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(e.code, "payment_unavailable");
  EXPECT_GT(e.retry_after_seconds, 0);
  const auto id = ticket_id_of(e);
  ASSERT_TRUE(storage.rows.tickets.contains(id));
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
  EXPECT_EQ(ok(get("c_alice", id)).status, ticket_status::payment_pending);
  EXPECT_FALSE(storage.rows.payments.contains(id + "-1"));
}

TEST_F(TicketTest, ProviderThatNeverAnswersTimesOutAsUnavailable) {
  start();
  provider.on_charge = answer::hold;
  auto bought = ask<ticket>(desk, buy_atom::value, std::string{"c_alice"}, domain::ticket_type::one_hour);
  drain();
  ASSERT_EQ(provider.held_charges.size(), 1u);
  EXPECT_FALSE(bought->has_value()) << "answered before the payment timeout";

  advance(pay.call_timeout - 1ms);
  EXPECT_FALSE(bought->has_value()) << "answered before the payment timeout";

  advance(2ms);
  auto e = refusal(bought);
  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(e.code, "payment_unavailable");
  EXPECT_GT(e.retry_after_seconds, 0);
  const auto id = ticket_id_of(e);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
  EXPECT_EQ(ok(get("c_alice", id)).status, ticket_status::payment_pending);
}

TEST_F(TicketTest, LateApprovalIsNotChargedTwiceWhenPayingLater) {
  start();
  provider.on_charge = answer::hold;
  auto bought = ask<ticket>(desk, buy_atom::value, std::string{"c_alice"}, domain::ticket_type::one_hour);
  drain();
  advance(pay.call_timeout + 1ms);
  const auto id = ticket_id_of(refusal(bought));

  // The provider approves after all; the payment context records it, the ticket still waits.
  provider.release_charges(charge_verdict::approved);
  drain();
  EXPECT_EQ(storage.rows.payments[id + "-1"].status, domain::payment_status::approved);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);

  // Paying later finds the recorded approval: paid, and the provider is not asked again.
  provider.on_charge = answer::approve;
  auto t = ok(call<ticket>(desk, pay_atom::value, std::string{"c_alice"}, id));
  EXPECT_EQ(t.status, ticket_status::paid);
  EXPECT_EQ(provider.charges.size(), 1u);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::paid);
}

TEST_F(TicketTest, PayingLaterReusesThePaymentIdOfTheFirstAttempt) {
  start();
  provider.on_charge = answer::fail;
  const auto id = ticket_id_of(refusal(buy("c_alice")));

  provider.on_charge = answer::approve;
  auto t = ok(call<ticket>(desk, pay_atom::value, std::string{"c_alice"}, id));
  EXPECT_EQ(t.status, ticket_status::paid);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::paid);
  ASSERT_EQ(provider.charges.size(), 2u);
  EXPECT_EQ(provider.charges[0].payment_id, id + "-1");
  EXPECT_EQ(provider.charges[1].payment_id, id + "-1");
  auto paid = storage.first_event<domain::ticket_paid>(id);
  ASSERT_TRUE(paid);
  EXPECT_EQ(paid->payment_id, id + "-1");

  // A paid ticket is not paid again.
  auto again = refusal(call<ticket>(desk, pay_atom::value, std::string{"c_alice"}, id));
  EXPECT_EQ(again.code, "ticket_not_payable");
  EXPECT_EQ(provider.charges.size(), 2u);
}

TEST_F(TicketTest, PayingAfterADeclineStartsANewAttempt) {
  start();
  provider.on_charge = answer::decline;
  const auto id = ticket_id_of(refusal(buy("c_alice")));

  provider.on_charge = answer::approve;
  auto t = ok(call<ticket>(desk, pay_atom::value, std::string{"c_alice"}, id));
  EXPECT_EQ(t.status, ticket_status::paid);
  ASSERT_EQ(provider.charges.size(), 2u);
  EXPECT_EQ(provider.charges[1].payment_id, id + "-2");
}

TEST_F(TicketTest, PendingTicketCannotRent) {
  start();
  provider.on_charge = answer::fail;
  const auto id = ticket_id_of(refusal(buy("c_alice")));

  auto e = refusal(call<ticket>(desk, reserve_atom::value, std::string{"c_alice"}, id, std::string{"r_1"}));
  EXPECT_EQ(e.kind, error_kind::conflict);
  EXPECT_EQ(e.code, "ticket_not_usable");
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
}

TEST_F(TicketTest, CancellingAPaidTicketRefundsItInFull) {
  start();
  auto t = paid_ticket("c_alice");
  clock.advance(10min);

  auto c = ok(call<ticket>(desk, cancel_atom::value, std::string{"c_alice"}, t.id));
  EXPECT_EQ(c.status, ticket_status::cancelled);
  EXPECT_EQ(c.refunded_amount, 1000);
  EXPECT_EQ(c.cancelled_at, clock.now());
  EXPECT_EQ(storage.rows.tickets[t.id], c);

  ASSERT_EQ(provider.refunds.size(), 1u);
  EXPECT_EQ(provider.refunds[0].payment_id, t.id + "-1");
  EXPECT_EQ(provider.refunds[0].amount, 1000);
  EXPECT_EQ(storage.rows.payments[t.id + "-1"].status, domain::payment_status::refunded);

  auto names = storage.events_of(t.id, "ticket_");
  EXPECT_EQ(names, (std::vector<std::string>{"ticket_purchased", "ticket_paid", "ticket_cancelled", "ticket_refunded"}));
  auto refunded = storage.first_event<domain::ticket_refunded>(t.id);
  ASSERT_TRUE(refunded);
  EXPECT_EQ(refunded->amount, 1000);
  EXPECT_EQ(refunded->payment_id, t.id + "-1");
}

TEST_F(TicketTest, FailedRefundLeavesTheTicketPaid) {
  start();
  auto t = paid_ticket("c_alice");
  provider.on_refund = answer::fail;

  auto e = refusal(call<ticket>(desk, cancel_atom::value, std::string{"c_alice"}, t.id));
  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(e.code, "payment_unavailable");
  EXPECT_EQ(ticket_id_of(e), t.id);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::paid);
  EXPECT_EQ(ok(get("c_alice", t.id)).status, ticket_status::paid);
  EXPECT_EQ(storage.rows.payments[t.id + "-1"].status, domain::payment_status::approved);
  EXPECT_TRUE(storage.events_of(t.id, "ticket_c").empty());

  // Once the provider is back, cancelling again refunds the same payment.
  provider.on_refund = answer::approve;
  auto c = ok(call<ticket>(desk, cancel_atom::value, std::string{"c_alice"}, t.id));
  EXPECT_EQ(c.status, ticket_status::cancelled);
  ASSERT_EQ(provider.refunds.size(), 2u);
  EXPECT_EQ(provider.refunds[1].payment_id, t.id + "-1");
}

TEST_F(TicketTest, CancellingAPendingTicketRefundsNothing) {
  start();
  provider.on_charge = answer::fail;
  const auto id = ticket_id_of(refusal(buy("c_alice")));

  auto c = ok(call<ticket>(desk, cancel_atom::value, std::string{"c_alice"}, id));
  EXPECT_EQ(c.status, ticket_status::cancelled);
  EXPECT_EQ(c.refunded_amount, 0);
  EXPECT_TRUE(provider.refunds.empty());
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::cancelled);
}

TEST_F(TicketTest, TicketInUseCannotBeCancelled) {
  start();
  auto t = paid_ticket("c_alice");
  ASSERT_EQ(ok(call<ticket>(desk, reserve_atom::value, std::string{"c_alice"}, t.id, std::string{"r_1"})).status,
            ticket_status::in_use);

  auto e = refusal(call<ticket>(desk, cancel_atom::value, std::string{"c_alice"}, t.id));
  EXPECT_EQ(e.kind, error_kind::conflict);
  EXPECT_EQ(e.code, "ticket_not_cancellable");
  EXPECT_TRUE(provider.refunds.empty());
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::in_use);
}

TEST_F(TicketTest, AnotherCustomersTicketDoesNotExistForThem) {
  start();
  auto paid = paid_ticket("c_alice");
  provider.on_charge = answer::fail;
  const auto pending = ticket_id_of(refusal(buy("c_alice")));
  provider.on_charge = answer::approve;
  const auto charges = provider.charges.size();

  auto expect_not_found = [&](const domain::error& e, const std::string& id) {
    EXPECT_EQ(e.kind, error_kind::not_found);
    EXPECT_EQ(e.code, "ticket_not_found");
    EXPECT_EQ(ticket_id_of(e), id);
  };
  expect_not_found(refusal(get("c_bob", paid.id)), paid.id);
  expect_not_found(refusal(call<ticket>(desk, pay_atom::value, std::string{"c_bob"}, pending)), pending);
  expect_not_found(refusal(call<ticket>(desk, cancel_atom::value, std::string{"c_bob"}, paid.id)), paid.id);
  expect_not_found(refusal(call<ticket>(desk, reserve_atom::value, std::string{"c_bob"}, paid.id, std::string{"r_1"})),
                   paid.id);
  expect_not_found(refusal(get("c_alice", "t_nosuchticket")), "t_nosuchticket");

  // Nothing happened to either ticket.
  EXPECT_EQ(provider.charges.size(), charges);
  EXPECT_TRUE(provider.refunds.empty());
  EXPECT_EQ(storage.rows.tickets[paid.id].status, ticket_status::paid);
  EXPECT_EQ(storage.rows.tickets[pending].status, ticket_status::payment_pending);
  EXPECT_EQ(ok(get("c_alice", paid.id)).status, ticket_status::paid);
}

TEST_F(TicketTest, ListingShowsOnlyTheCustomersTickets) {
  start();
  auto a1 = paid_ticket("c_alice");
  auto a2 = paid_ticket("c_alice", domain::ticket_type::two_hours);
  paid_ticket("c_bob");

  auto mine = ok(call<std::vector<ticket>>(desk, list_atom::value, std::string{"c_alice"}));
  ASSERT_EQ(mine.size(), 2u);
  for (const auto& t : mine) {
    EXPECT_EQ(t.customer_id, "c_alice");
    EXPECT_TRUE(t.id == a1.id || t.id == a2.id);
  }
}

TEST_F(TicketTest, TicketsAreLoadedFromStorage) {
  storage.rows.tickets["t_old"] = ticket{.id = "t_old", .customer_id = "c_alice", .status = ticket_status::paid,
                                         .purchased_at = clock.now(), .paid_at = clock.now()};
  start();
  auto t = ok(get("c_alice", "t_old"));
  EXPECT_EQ(t, storage.rows.tickets["t_old"]);
}

// Known bug, disabled until fixed: a purchase that timed out is approved by the provider
// later; the payment context records the approval but the ticket stays payment_pending, and
// cancelling it refunds nothing (refund_due looks at the ticket only): the customer paid for
// a cancelled ticket.
TEST_F(TicketTest, DISABLED_CancellingAPendingTicketWhoseChargeWasApprovedLateRefundsIt) {
  start();
  provider.on_charge = answer::hold;
  auto bought = ask<ticket>(desk, buy_atom::value, std::string{"c_alice"}, domain::ticket_type::one_hour);
  drain();
  advance(pay.call_timeout + 1ms);
  const auto id = ticket_id_of(refusal(bought));
  provider.release_charges(charge_verdict::approved);
  drain();
  ASSERT_EQ(storage.rows.payments[id + "-1"].status, domain::payment_status::approved);

  auto c = ok(call<ticket>(desk, cancel_atom::value, std::string{"c_alice"}, id));
  EXPECT_EQ(c.status, ticket_status::cancelled);
  EXPECT_EQ(c.refunded_amount, 1000);
  EXPECT_EQ(storage.rows.payments[id + "-1"].status, domain::payment_status::refunded);
}

// --- storage failures

TEST_F(TicketTest, FailedCommitAnswersInternalAndTheNextRequestReloads) {
  start();
  auto t = paid_ticket("c_alice");

  storage.fail_commits(1);
  auto e = refusal(call<ticket>(desk, reserve_atom::value, std::string{"c_alice"}, t.id, std::string{"r_1"}));
  EXPECT_EQ(e.kind, error_kind::internal);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::paid);

  // The ticket's actor does not keep the decision it could not store.
  EXPECT_EQ(ok(get("c_alice", t.id)).status, ticket_status::paid);
  EXPECT_TRUE(storage.events_of(t.id, "ticket_put").empty());

  // And the ticket works again.
  auto held = ok(call<ticket>(desk, reserve_atom::value, std::string{"c_alice"}, t.id, std::string{"r_2"}));
  EXPECT_EQ(held.status, ticket_status::in_use);
  EXPECT_EQ(held.rental_id, "r_2");
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::in_use);
}

TEST_F(TicketTest, FailedPurchaseCommitChargesNothing) {
  start();
  storage.fail_commits(1);
  auto e = refusal(buy("c_alice"));
  EXPECT_EQ(e.kind, error_kind::internal);
  EXPECT_TRUE(provider.charges.empty());
  EXPECT_TRUE(storage.rows.tickets.empty());
}

TEST_F(TicketTest, ApprovalThatCannotBeStoredOnTheTicketIsCompletedByPayingAgain) {
  start();
  // Commits of a purchase: the ticket, the payment record, then the ticket paid: fail the last.
  storage.fail_commits(1, 2);
  auto e = refusal(buy("c_alice"));
  EXPECT_EQ(e.kind, error_kind::internal);
  ASSERT_EQ(storage.rows.tickets.size(), 1u);
  const auto id = storage.rows.tickets.begin()->first;
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
  EXPECT_EQ(storage.rows.payments[id + "-1"].status, domain::payment_status::approved);

  auto t = ok(call<ticket>(desk, pay_atom::value, std::string{"c_alice"}, id));
  EXPECT_EQ(t.status, ticket_status::paid);
  EXPECT_EQ(provider.charges.size(), 1u) << "the provider was charged twice";
}

}  // namespace
}  // namespace ttareungyi::actors::test
