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

class TicketTest : public actor_test {
 protected:
  // Buys a ticket whose charge the provider holds past the payment timeout: the purchase
  // answers 503 and the ticket waits, while the provider still has the charge. Its id.
  domain::ids::ticket_id buy_with_a_charge_in_flight();

  // The ticket's half of a rent (the ride's other half: a bicycle, seeded when storage has
  // none): asked, then run to the end.
  slot<domain::rental> start_reserve(const domain::ids::customer_id& customer, const domain::ids::ticket_id& ticket,
                                     const domain::ids::rental_id& rental, std::string_view bicycle = "SPB-R") {
    const domain::ids::bicycle_id id{std::string{bicycle}};
    if (!storage.rows.bicycles.contains(id)) seed_bicycle(bicycle, "st_r");
    return ask<domain::rental>(desk, reserve_atom::value, customer, ticket, rental, id, bicycle_rent_actor{fleet});
  }
  slot<domain::rental> reserve(const domain::ids::customer_id& customer, const domain::ids::ticket_id& ticket,
                               const domain::ids::rental_id& rental) {
    auto out = start_reserve(customer, ticket, rental);
    drain();
    return out;
  }
};

domain::ids::ticket_id ticket_id_of(const domain::error& e) {
  auto i = e.ids.find("ticketId");
  return i == e.ids.end() ? domain::ids::ticket_id{} : domain::ids::ticket_id{i->second};
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
  EXPECT_EQ(provider.charges[0].payment_id, t.id.str() + "-1");
  EXPECT_EQ(provider.charges[0].amount, 1000);
  EXPECT_EQ(provider.charges[0].reference, t.id.str());
  ASSERT_TRUE(storage.rows.payments.contains(t.id.str() + "-1"));
  EXPECT_EQ(storage.rows.payments[t.id.str() + "-1"].status, domain::payment_status::approved);

  // Both ticket facts carry the ticket id as correlation id, in order.
  EXPECT_EQ(storage.events_of(t.id, "ticket_"), (std::vector<std::string>{"ticket_purchased", "ticket_paid"}));
  auto paid = storage.first_event<domain::ticket_paid>(t.id);
  ASSERT_TRUE(paid);
  EXPECT_EQ(paid->payment_id, t.id.str() + "-1");
  EXPECT_EQ(paid->amount, 1000);
  for (const auto& r : storage.journal_rows) {
    EXPECT_FALSE(r.event().id.empty());
    EXPECT_FALSE(r.event().causation_id.empty());
    EXPECT_EQ(r.event().at, bought_at);
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
  EXPECT_EQ(e.code, domain::error_code::payment_declined);
  const auto id = ticket_id_of(e);
  ASSERT_TRUE(storage.rows.tickets.contains(id));
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_failed);
  EXPECT_EQ(storage.rows.tickets[id].payment_attempt, 2);
  EXPECT_EQ(storage.rows.payments[id.str() + "-1"].status, domain::payment_status::declined);
  EXPECT_EQ(storage.events_of(id, "ticket_"), (std::vector<std::string>{"ticket_purchased", "ticket_payment_failed"}));
}

TEST_F(TicketTest, ProviderFailureAnswersUnavailableAndLeavesTicketPending) {
  start();
  provider.on_charge = answer::fail;
  auto e = refusal(buy("c_alice"));

  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(e.code, domain::error_code::payment_unavailable);
  EXPECT_GT(e.retry_after_seconds, 0);
  const auto id = ticket_id_of(e);
  ASSERT_TRUE(storage.rows.tickets.contains(id));
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
  EXPECT_EQ(ok(get("c_alice", id)).status, ticket_status::payment_pending);
  EXPECT_FALSE(storage.rows.payments.contains(id.str() + "-1"));
}

TEST_F(TicketTest, ProviderThatNeverAnswersTimesOutAsUnavailable) {
  start();
  provider.on_charge = answer::hold;
  auto bought = ask<ticket>(desk, buy_atom::value, domain::ids::customer_id{"c_alice"}, domain::ticket_type::one_hour);
  drain();
  ASSERT_EQ(provider.held_charges.size(), 1u);
  EXPECT_FALSE(bought->has_value()) << "answered before the payment timeout";

  advance(pay.call_timeout - 1ms);
  EXPECT_FALSE(bought->has_value()) << "answered before the payment timeout";

  advance(2ms);
  auto e = refusal(bought);
  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(e.code, domain::error_code::payment_unavailable);
  EXPECT_GT(e.retry_after_seconds, 0);
  const auto id = ticket_id_of(e);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
  EXPECT_EQ(ok(get("c_alice", id)).status, ticket_status::payment_pending);
}

TEST_F(TicketTest, ALateApprovalPaysTheWaitingTicket) {
  start();
  provider.on_charge = answer::hold;
  auto bought = ask<ticket>(desk, buy_atom::value, domain::ids::customer_id{"c_alice"}, domain::ticket_type::one_hour);
  drain();
  advance(pay.call_timeout + 1ms);
  const auto id = ticket_id_of(refusal(bought));

  // The provider approves after all: the payment context records it with the ticket's change
  // prepared for it, in one commit; the ticket's actor reloads on its next message.
  const int decisions = storage.commits - storage.view_commits;
  provider.release_charges(charge_verdict::approved);
  drain();
  EXPECT_EQ(storage.commits - storage.view_commits, decisions + 1);
  EXPECT_EQ(storage.rows.payments[id.str() + "-1"].status, domain::payment_status::approved);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::paid);
  EXPECT_EQ(ok(get("c_alice", id)).status, ticket_status::paid);
  EXPECT_EQ(storage.events_of(id, "ticket_"), (std::vector<std::string>{"ticket_purchased", "ticket_paid"}));
  EXPECT_EQ(provider.charges.size(), 1u);
}

TEST_F(TicketTest, APurchaseIsTwoCommits) {
  start();
  const int before = storage.commits - storage.view_commits;
  auto t = ok(buy("c_alice"));
  EXPECT_EQ(t.status, ticket_status::paid);
  // The intent before the provider is called, then the verdict with the ticket paid.
  EXPECT_EQ(storage.commits - storage.view_commits, before + 2);
  EXPECT_EQ(storage.rows.payments[t.id.str() + "-1"].status, domain::payment_status::approved);
  EXPECT_EQ(storage.rows.tickets[t.id], t);
}

// A verdict recorded without the ticket's change (by a payment node, or a store written before
// purchases committed twice): paying later finds it, the ticket records it, and the provider
// is not asked again.
TEST_F(TicketTest, AVerdictRecordedWithoutTheTicketIsCompletedByPayingLater) {
  start();
  provider.on_charge = answer::fail;
  const auto id = ticket_id_of(refusal(buy("c_alice")));
  const auto charges = provider.charges.size();
  const auto payment_id = id.str() + "-1";
  storage.rows.payments[payment_id] = domain::payment{.id = payment_id, .reference = id.str(), .amount = 1000,
                                                      .status = domain::payment_status::approved};

  provider.on_charge = answer::approve;
  auto t = ok(call<ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(t.status, ticket_status::paid);
  EXPECT_EQ(provider.charges.size(), charges);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::paid);
}

TEST_F(TicketTest, PayingLaterReusesThePaymentIdOfTheFirstAttempt) {
  start();
  provider.on_charge = answer::fail;
  const auto id = ticket_id_of(refusal(buy("c_alice")));

  provider.on_charge = answer::approve;
  auto t = ok(call<ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(t.status, ticket_status::paid);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::paid);
  ASSERT_EQ(provider.charges.size(), 2u);
  EXPECT_EQ(provider.charges[0].payment_id, id.str() + "-1");
  EXPECT_EQ(provider.charges[1].payment_id, id.str() + "-1");
  auto paid = storage.first_event<domain::ticket_paid>(id);
  ASSERT_TRUE(paid);
  EXPECT_EQ(paid->payment_id, id.str() + "-1");

  // A paid ticket is not paid again.
  auto again = refusal(call<ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(again.code, domain::error_code::ticket_not_payable);
  EXPECT_EQ(provider.charges.size(), 2u);
}

TEST_F(TicketTest, PayingAfterADeclineStartsANewAttempt) {
  start();
  provider.on_charge = answer::decline;
  const auto id = ticket_id_of(refusal(buy("c_alice")));

  provider.on_charge = answer::approve;
  auto t = ok(call<ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(t.status, ticket_status::paid);
  ASSERT_EQ(provider.charges.size(), 2u);
  EXPECT_EQ(provider.charges[1].payment_id, id.str() + "-2");
}

TEST_F(TicketTest, PendingTicketCannotRent) {
  start();
  provider.on_charge = answer::fail;
  const auto id = ticket_id_of(refusal(buy("c_alice")));

  auto e = refusal(reserve(domain::ids::customer_id{"c_alice"}, id, domain::ids::rental_id{"r_1"}));
  EXPECT_EQ(e.kind, error_kind::conflict);
  EXPECT_EQ(e.code, domain::error_code::ticket_not_usable);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
}

TEST_F(TicketTest, CancellingAPaidTicketRefundsItInFull) {
  start();
  auto t = paid_ticket("c_alice");
  clock.advance(10min);

  auto c = ok(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, t.id));
  EXPECT_EQ(c.status, ticket_status::cancelled);
  EXPECT_EQ(c.refunded_amount, 1000);
  EXPECT_EQ(c.cancelled_at, clock.now());
  EXPECT_EQ(storage.rows.tickets[t.id], c);

  ASSERT_EQ(provider.refunds.size(), 1u);
  EXPECT_EQ(provider.refunds[0].payment_id, t.id.str() + "-1");
  EXPECT_EQ(provider.refunds[0].amount, 1000);
  EXPECT_EQ(storage.rows.payments[t.id.str() + "-1"].status, domain::payment_status::refunded);

  auto names = storage.events_of(t.id, "ticket_");
  EXPECT_EQ(names, (std::vector<std::string>{"ticket_purchased", "ticket_paid", "ticket_cancelled", "ticket_refunded"}));
  auto refunded = storage.first_event<domain::ticket_refunded>(t.id);
  ASSERT_TRUE(refunded);
  EXPECT_EQ(refunded->amount, 1000);
  EXPECT_EQ(refunded->payment_id, t.id.str() + "-1");
}

TEST_F(TicketTest, FailedRefundLeavesTheTicketPaid) {
  start();
  auto t = paid_ticket("c_alice");
  provider.on_refund = answer::fail;

  auto e = refusal(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, t.id));
  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(e.code, domain::error_code::payment_unavailable);
  EXPECT_EQ(ticket_id_of(e), t.id);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::paid);
  EXPECT_EQ(ok(get("c_alice", t.id)).status, ticket_status::paid);
  EXPECT_EQ(storage.rows.payments[t.id.str() + "-1"].status, domain::payment_status::approved);
  EXPECT_TRUE(storage.events_of(t.id, "ticket_c").empty());

  // Once the provider is back, cancelling again refunds the same payment.
  provider.on_refund = answer::approve;
  auto c = ok(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, t.id));
  EXPECT_EQ(c.status, ticket_status::cancelled);
  ASSERT_EQ(provider.refunds.size(), 2u);
  EXPECT_EQ(provider.refunds[1].payment_id, t.id.str() + "-1");
}

TEST_F(TicketTest, ARefundWhoseCancellationWasNotStoredCancelsTheTicketBeforeItRents) {
  start();
  auto t = paid_ticket("c_alice");
  // The refund commits (the payment context's), the cancellation's commit fails.
  storage.fail_commits(1, 1);
  auto e = refusal(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, t.id));
  EXPECT_EQ(e.kind, error_kind::internal);
  ASSERT_EQ(storage.rows.payments[t.id.str() + "-1"].status, domain::payment_status::refunded);
  ASSERT_EQ(storage.rows.tickets[t.id].status, ticket_status::paid);

  // Refunded money rents nothing: the ticket records its cancellation first.
  auto refused_rent = refusal(reserve(domain::ids::customer_id{"c_alice"}, t.id, domain::ids::rental_id{"r_1"}));
  EXPECT_EQ(refused_rent.kind, error_kind::conflict);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::cancelled);
  EXPECT_EQ(storage.rows.tickets[t.id].refunded_amount, 1000);
  EXPECT_EQ(storage.events_of(t.id, "ticket_"), (std::vector<std::string>{"ticket_purchased", "ticket_paid",
                                                                           "ticket_cancelled", "ticket_refunded"}));
  EXPECT_EQ(provider.refunds.size(), 1u);
}

TEST_F(TicketTest, ATicketLoadedPaidWithARefundedPaymentIsCancelledOnLoad) {
  // As a crash between the refund and the cancellation leaves storage.
  storage.rows.tickets["t_old"] = ticket{.id = "t_old", .customer_id = "c_alice", .status = ticket_status::paid,
                                         .purchased_at = clock.now(), .paid_at = clock.now()};
  const auto payment_id = storage.rows.tickets["t_old"].payment_id();
  storage.rows.payments[payment_id] = domain::payment{payment_id, "t_old", 1000, domain::payment_status::refunded};
  start();
  auto t = ok(get("c_alice", "t_old"));
  EXPECT_EQ(t.status, ticket_status::cancelled);
  EXPECT_EQ(t.refunded_amount, 1000);
  EXPECT_EQ(storage.rows.tickets["t_old"], t);
  EXPECT_EQ(storage.events_of("t_old", "ticket_"), (std::vector<std::string>{"ticket_cancelled", "ticket_refunded"}));
  EXPECT_TRUE(provider.refunds.empty()) << "the refund was made before the crash";
}

TEST_F(TicketTest, CancellingAPendingTicketRefundsNothing) {
  start();
  provider.on_charge = answer::fail;
  const auto id = ticket_id_of(refusal(buy("c_alice")));

  auto c = ok(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(c.status, ticket_status::cancelled);
  EXPECT_EQ(c.refunded_amount, 0);
  EXPECT_TRUE(provider.refunds.empty());
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::cancelled);
}

TEST_F(TicketTest, TicketInUseCannotBeCancelled) {
  start();
  auto t = paid_ticket("c_alice");
  ASSERT_EQ(ok(reserve(domain::ids::customer_id{"c_alice"}, t.id, domain::ids::rental_id{"r_1"})).ticket_id, t.id);
  ASSERT_EQ(ok(get("c_alice", t.id)).status, ticket_status::in_use);

  auto e = refusal(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, t.id));
  EXPECT_EQ(e.kind, error_kind::conflict);
  EXPECT_EQ(e.code, domain::error_code::ticket_not_cancellable);
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

  auto expect_not_found = [&](const domain::error& e, const domain::ids::ticket_id& id) {
    EXPECT_EQ(e.kind, error_kind::not_found);
    EXPECT_EQ(e.code, domain::error_code::ticket_not_found);
    EXPECT_EQ(ticket_id_of(e), id);
  };
  expect_not_found(refusal(get("c_bob", paid.id)), paid.id);
  expect_not_found(refusal(call<ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_bob"}, pending)), pending);
  expect_not_found(refusal(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_bob"}, paid.id)), paid.id);
  expect_not_found(refusal(reserve(domain::ids::customer_id{"c_bob"}, paid.id, domain::ids::rental_id{"r_1"})),
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

  auto mine = ok(call_items<ticket>(ticket_listings, list_atom::value, domain::ids::customer_id{"c_alice"}, app::page_request{}));
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

// --- a charge approved after the purchase stopped waiting (the provider timed out)

domain::ids::ticket_id TicketTest::buy_with_a_charge_in_flight() {
  provider.on_charge = answer::hold;
  auto bought = ask<ticket>(desk, buy_atom::value, domain::ids::customer_id{"c_alice"}, domain::ticket_type::one_hour);
  drain();
  advance(pay.call_timeout + 1ms);
  auto id = ticket_id_of(refusal(bought));
  if (storage.rows.tickets[id].status != ticket_status::payment_pending) throw std::runtime_error("not pending");
  return id;
}

TEST_F(TicketTest, CancellingATicketWhoseChargeWasApprovedLateRefundsIt) {
  start();
  const auto id = buy_with_a_charge_in_flight();
  provider.release_charges(charge_verdict::approved);
  drain();
  ASSERT_EQ(storage.rows.payments[id.str() + "-1"].status, domain::payment_status::approved);

  auto c = ok(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(c.status, ticket_status::cancelled);
  EXPECT_EQ(c.refunded_amount, 1000);
  EXPECT_EQ(storage.rows.payments[id.str() + "-1"].status, domain::payment_status::refunded);
  ASSERT_EQ(provider.refunds.size(), 1u);
  EXPECT_EQ(provider.refunds[0].payment_id, id.str() + "-1");
  EXPECT_EQ(provider.refunds[0].amount, 1000);
  EXPECT_EQ(storage.events_of(id, "ticket_"),
            (std::vector<std::string>{"ticket_purchased", "ticket_paid", "ticket_cancelled", "ticket_refunded"}));
  auto refunded = storage.first_event<domain::ticket_refunded>(id);
  ASSERT_TRUE(refunded);
  EXPECT_EQ(refunded->payment_id, id.str() + "-1");
}

// While the provider still has the charge, nobody knows whether money is taken: cancelling
// waits (503) instead of cancelling for free and leaving a later approval unrefunded.
TEST_F(TicketTest, CancellingWhileTheChargeIsInFlightWaitsForItsVerdict) {
  start();
  const auto id = buy_with_a_charge_in_flight();

  auto e = refusal(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(e.code, domain::error_code::payment_unavailable);
  EXPECT_GT(e.retry_after_seconds, 0);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
  EXPECT_TRUE(provider.refunds.empty());

  // The approval arrives after all; the ticket was not cancelled, so cancelling now refunds it.
  provider.release_charges(charge_verdict::approved);
  drain();
  auto c = ok(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(c.refunded_amount, 1000);
  EXPECT_EQ(storage.rows.payments[id.str() + "-1"].status, domain::payment_status::refunded);
}

// The same while the late approval is being recorded: the payment context keeps the charge
// known until its record is durable.
TEST_F(TicketTest, CancellingWhileALateApprovalIsBeingRecordedWaitsForIt) {
  start();
  const auto id = buy_with_a_charge_in_flight();
  storage.hold_commits();
  provider.release_charges(charge_verdict::approved);
  drain();
  ASSERT_EQ(storage.held_commits(), 1u);

  auto cancelled = ask<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, id);
  drain();
  EXPECT_EQ(refusal(cancelled).code, domain::error_code::payment_unavailable);
  storage.release_commits();
  drain();
  EXPECT_EQ(storage.rows.payments[id.str() + "-1"].status, domain::payment_status::approved);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::paid);

  EXPECT_EQ(ok(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, id)).refunded_amount, 1000);
  EXPECT_EQ(storage.rows.payments[id.str() + "-1"].status, domain::payment_status::refunded);
}

// Paying again while the purchase's charge is still with the provider joins it: one charge, and
// the ticket paid once, with the changes of the call still waiting.
TEST_F(TicketTest, PayingWhileTheChargeIsInFlightJoinsIt) {
  start();
  const auto id = buy_with_a_charge_in_flight();
  auto paying = ask<ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_alice"}, id);
  drain();
  provider.release_charges(charge_verdict::approved);
  drain();
  EXPECT_EQ(ok(paying).status, ticket_status::paid);
  EXPECT_EQ(provider.charges.size(), 1u);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::paid);
  EXPECT_EQ(storage.events_of(id, "ticket_"), (std::vector<std::string>{"ticket_purchased", "ticket_paid"}));
}

// A late decline takes nothing: the ticket cancels with nothing to refund.
TEST_F(TicketTest, CancellingAPendingTicketWhoseChargeWasDeclinedLateRefundsNothing) {
  start();
  const auto id = buy_with_a_charge_in_flight();
  provider.release_charges(charge_verdict::declined);
  drain();
  auto c = ok(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(c.status, ticket_status::cancelled);
  EXPECT_EQ(c.refunded_amount, 0);
  EXPECT_TRUE(provider.refunds.empty());
}

// When the payment context cannot tell whether the charge was taken, the ticket stays.
TEST_F(TicketTest, CancellingAPendingTicketWhileItsPaymentCannotBeCheckedIsRefused) {
  start();
  provider.on_charge = answer::fail;
  const auto id = ticket_id_of(refusal(buy("c_alice")));
  ok(get("c_alice", id));  // after a charge without an answer, the ticket reloads first
  storage.fail_reads(1);   // the payment record
  auto e = refusal(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
  EXPECT_EQ(ok(call<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, id)).status, ticket_status::cancelled);
}

// --- storage failures

TEST_F(TicketTest, FailedCommitAnswersInternalAndTheNextRequestReloads) {
  start();
  auto t = paid_ticket("c_alice");

  storage.fail_commits(1);
  auto e = refusal(reserve(domain::ids::customer_id{"c_alice"}, t.id, domain::ids::rental_id{"r_1"}));
  EXPECT_EQ(e.kind, error_kind::internal);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::paid);

  // The ticket's actor does not keep the decision it could not store.
  EXPECT_EQ(ok(get("c_alice", t.id)).status, ticket_status::paid);
  EXPECT_TRUE(storage.events_of(t.id, "ticket_put").empty());

  // And the ticket works again.
  EXPECT_EQ(ok(reserve(domain::ids::customer_id{"c_alice"}, t.id, domain::ids::rental_id{"r_2"})).id, "r_2");
  auto held = ok(get("c_alice", t.id));
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

// A commit that fails while other requests wait for the ticket: they are served from storage
// (not from the decision that was not stored, and not refused because the actor stopped).
TEST_F(TicketTest, RequestsWaitingBehindAFailedCommitAreServedFromStorage) {
  start();
  auto t = paid_ticket("c_alice");
  storage.fail_commits(1);
  auto reserved = start_reserve(domain::ids::customer_id{"c_alice"}, t.id, domain::ids::rental_id{"r_1"});
  auto read = ask<ticket>(desk, get_atom::value, domain::ids::customer_id{"c_alice"}, t.id);
  auto again = start_reserve(domain::ids::customer_id{"c_alice"}, t.id, domain::ids::rental_id{"r_2"});
  drain();
  EXPECT_EQ(refusal(reserved).kind, error_kind::internal);
  EXPECT_EQ(ok(read).status, ticket_status::paid);
  EXPECT_EQ(ok(again).id, "r_2");
  EXPECT_EQ(storage.rows.tickets[t.id].rental_id, "r_2");
}

// After a failed commit the ticket is reloaded; if that read fails too, it refuses rather than
// serve what it holds, and reloads on the next request.
TEST_F(TicketTest, AFailedReloadServesNothingStale) {
  start();
  auto t = paid_ticket("c_alice");
  storage.fail_commits(1);
  EXPECT_EQ(refusal(reserve(domain::ids::customer_id{"c_alice"}, t.id, domain::ids::rental_id{"r_1"})).kind,
            error_kind::internal);
  storage.fail_reads(1);
  EXPECT_EQ(refusal(get("c_alice", t.id)).kind, error_kind::internal);
  EXPECT_EQ(ok(get("c_alice", t.id)).status, ticket_status::paid);
}

// A ticket that cannot be read is not activated: no actor is left half-loaded.
TEST_F(TicketTest, AFailedLoadActivatesNothing) {
  storage.rows.tickets["t_old"] = ticket{.id = "t_old", .customer_id = "c_alice", .status = ticket_status::paid,
                                         .purchased_at = clock.now(), .paid_at = clock.now()};
  start();
  storage.fail_reads(1);
  EXPECT_EQ(refusal(get("c_alice", "t_old")).kind, error_kind::internal);
  EXPECT_EQ(live.tickets, 0u);
  EXPECT_EQ(ok(get("c_alice", "t_old")).status, ticket_status::paid);
  EXPECT_EQ(live.tickets, 1u);
}

TEST_F(TicketTest, AVerdictThatCannotBeStoredRecordsNeitherSide) {
  start();
  // Commits of a purchase: the ticket, then the verdict with the ticket paid: fail the last.
  storage.fail_commits(1, 1);
  auto e = refusal(buy("c_alice"));
  EXPECT_EQ(e.kind, error_kind::unavailable);
  ASSERT_EQ(storage.rows.tickets.size(), 1u);
  const auto id = storage.rows.tickets.begin()->first;
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
  EXPECT_FALSE(storage.rows.payments.contains(id.str() + "-1"));

  // Paying again asks the provider with the same payment id, which it takes at most once.
  auto t = ok(call<ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_alice"}, id));
  EXPECT_EQ(t.status, ticket_status::paid);
  ASSERT_EQ(provider.charges.size(), 2u);
  EXPECT_EQ(provider.charges[1].payment_id, provider.charges[0].payment_id);
  EXPECT_EQ(storage.rows.payments[id.str() + "-1"].status, domain::payment_status::approved);
}

// --- passivation

class TicketPassivationTest : public TicketTest {
 protected:
  TicketPassivationTest() { passivate_after = 1000ms; }
};

TEST_F(TicketPassivationTest, IdleTicketActorsStopAndReloadOnTheNextMessage) {
  start();
  std::vector<ticket> bought;
  for (int i = 0; i < 5; ++i) bought.push_back(paid_ticket("c_alice"));
  EXPECT_EQ(live.tickets, 5u);
  const auto running = sys->registry().running();

  advance(999ms);
  EXPECT_EQ(live.tickets, 5u) << "stopped before the idle time";
  advance(2ms);
  EXPECT_EQ(live.tickets, 0u);
  EXPECT_EQ(sys->registry().running(), running - 5) << "the actors are forgotten but still running";

  // Each comes back from storage on its next message, as it was.
  for (const auto& t : bought) EXPECT_EQ(ok(get("c_alice", t.id)), t);
  EXPECT_EQ(live.tickets, 5u);
  ok(reserve(domain::ids::customer_id{"c_alice"}, bought[0].id, domain::ids::rental_id{"r_1"}));
  EXPECT_EQ(ok(get("c_alice", bought[0].id)).status, ticket_status::in_use);
  advance(1001ms);
  EXPECT_EQ(live.tickets, 0u);
  EXPECT_EQ(ok(get("c_alice", bought[0].id)).rental_id, "r_1");
}

TEST_F(TicketPassivationTest, ActivityKeepsATicketActorAlive) {
  start();
  auto t = paid_ticket("c_alice");
  for (int i = 0; i < 4; ++i) {
    advance(600ms);
    ok(get("c_alice", t.id));
  }
  EXPECT_EQ(live.tickets, 1u) << "stopped although used every 600 ms";
  advance(1000ms);
  EXPECT_EQ(live.tickets, 0u);
}

// The ticket asks to stop while a request for it already waits in its mailbox: the registry
// refuses, and the same actor answers the request.
TEST_F(TicketPassivationTest, ARequestWaitingWhileTheTicketAsksToStopIsAnswered) {
  start();
  auto t = paid_ticket("c_alice");
  const auto running = sys->registry().running();
  sched->advance_time(1001ms);  // the ticket's idle tick waits in its mailbox
  auto read = ask<ticket>(desk, get_atom::value, domain::ids::customer_id{"c_alice"}, t.id);
  run_only("ticket", true);  // the desk routes the request behind the tick
  drain();
  EXPECT_EQ(ok(read), t);
  EXPECT_EQ(live.tickets, 1u) << "the ticket stopped with a request routed to it";
  EXPECT_EQ(sys->registry().running(), running);
  advance(1001ms);
  EXPECT_EQ(live.tickets, 0u);
}

// A request that reaches the desk once the ticket may stop, before the old actor has stopped,
// is answered by a new incarnation loaded from storage.
TEST_F(TicketPassivationTest, ARequestArrivingWhileTheTicketStopsIsAnsweredByTheNextIncarnation) {
  start();
  auto t = paid_ticket("c_alice");
  sched->advance_time(1001ms);
  run_only("ticket");  // the ticket's idle tick: it asks the desk whether it may stop
  auto read = ask<ticket>(desk, get_atom::value, domain::ids::customer_id{"c_alice"}, t.id);
  auto cancelled = ask<ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, t.id);
  drain();
  EXPECT_EQ(ok(read), t);
  EXPECT_EQ(ok(cancelled).status, ticket_status::cancelled);
  EXPECT_EQ(storage.rows.tickets[t.id].status, ticket_status::cancelled);
  EXPECT_EQ(provider.refunds.size(), 1u);
  EXPECT_EQ(live.tickets, 1u);
}

// A ticket does not stop in the middle of a decision: the purchase waits for the provider past
// the idle time, and still answers and records it.
TEST_F(TicketPassivationTest, ATicketWaitingForItsPaymentDoesNotStop) {
  passivate_after = 100ms;
  start();
  provider.on_charge = answer::hold;
  auto bought = ask<ticket>(desk, buy_atom::value, domain::ids::customer_id{"c_alice"}, domain::ticket_type::one_hour);
  drain();
  advance(150ms);
  EXPECT_EQ(live.tickets, 1u);
  provider.release_charges(charge_verdict::approved);
  drain();
  EXPECT_EQ(ok(bought).status, ticket_status::paid);
  advance(101ms);
  EXPECT_EQ(live.tickets, 0u);
}

TEST_F(TicketTest, WithPassivationOffTicketActorsStay) {
  passivate_after = 0ms;
  start();
  paid_ticket("c_alice");
  advance(24h);
  EXPECT_EQ(live.tickets, 1u);
}

}  // namespace
}  // namespace ttareungyi::actors::test
