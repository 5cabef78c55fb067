// The payment supervisor and its workers: replacing failed workers, idempotency on the
// payment id, answering within the call timeout, and the circuit breaker in front of the provider.
#include "fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::charge_verdict;
using domain::error_kind;
using domain::payment_status;
using domain::ticket_status;
using answer = scripted_provider::answer;

class PaymentTest : public actor_test {
 protected:
  PaymentTest() { pay.workers = 1; }  // a dead worker that is not replaced fails every call

  slot<charge_verdict> charge(const std::string& payment_id, domain::money amount = 1000,
                              const std::string& reference = "t_ref") {
    return call<charge_verdict>(payment, charge_atom::value, ports::charge_request{payment_id, amount, reference});
  }
  slot<ok_atom> refund(const std::string& payment_id, domain::money amount = 1000) {
    return call<ok_atom>(payment, refund_atom::value, ports::refund_request{payment_id, amount});
  }
};

TEST_F(PaymentTest, ChargesAreRecordedWithTheirReference) {
  start();
  EXPECT_EQ(ok(charge("p_1")), charge_verdict::approved);
  provider.on_charge = answer::decline;
  EXPECT_EQ(ok(charge("p_2", 2000, "t_other")), charge_verdict::declined);

  EXPECT_EQ(storage.rows.payments["p_1"], (domain::payment{"p_1", "t_ref", 1000, payment_status::approved}));
  EXPECT_EQ(storage.rows.payments["p_2"], (domain::payment{"p_2", "t_other", 2000, payment_status::declined}));
  EXPECT_EQ(storage.events_of("t_ref"), std::vector<std::string>{"payment_approved"});
  EXPECT_EQ(storage.events_of("t_other"), std::vector<std::string>{"payment_declined"});
}

TEST_F(PaymentTest, KilledWorkerIsReplaced) {
  start();
  // Find the only worker: it has work once, when it starts. Replace the fixture's supervisor
  // by a fresh one to see that happen.
  caf::anon_send_exit(payment, caf::exit_reason::user_shutdown);
  drain();
  payment = spawn_payment(*sys, env, storage, provider, pay);
  auto workers = drain_collecting("payment-worker");
  ASSERT_EQ(workers.size(), 1u);

  // It dies while the provider holds its call: the call fails within the call timeout.
  provider.on_charge = answer::hold;
  auto held = ask<charge_verdict>(payment, charge_atom::value, ports::charge_request{"p_1", 1000, "t_ref"});
  drain();
  ASSERT_EQ(provider.held_charges.size(), 1u);
  caf::anon_send_exit(workers[0], caf::exit_reason::kill);
  drain();
  advance(pay.call_timeout + 1ms);
  EXPECT_EQ(refusal(held).code, domain::error_code::payment_unavailable);

  // The only slot holds a new worker: charges still work.
  provider.on_charge = answer::approve;
  auto replaced = ask<charge_verdict>(payment, charge_atom::value, ports::charge_request{"p_2", 1000, "t_ref"});
  auto fresh = drain_collecting("payment-worker");
  EXPECT_EQ(ok(replaced), charge_verdict::approved);
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_NE(fresh[0], workers[0]);
  EXPECT_EQ(ok(charge("p_3")), charge_verdict::approved);
  EXPECT_EQ(provider.charges.size(), 3u);
}

TEST_F(PaymentTest, WorkerThatCrashesIsReplacedAndTheCallFails) {
  start();
  provider.on_charge = answer::raise;
  auto first = ask<charge_verdict>(payment, charge_atom::value, ports::charge_request{"p_1", 1000, "t_ref"});
  drain();
  advance(pay.call_timeout + 1ms);  // at the latest, the call fails when it times out
  auto e = refusal(first);
  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(e.code, domain::error_code::payment_unavailable);

  provider.on_charge = answer::approve;
  EXPECT_EQ(ok(charge("p_1")), charge_verdict::approved);
  EXPECT_EQ(storage.rows.payments["p_1"].status, payment_status::approved);
}

TEST_F(PaymentTest, PurchaseWorksAfterAWorkerCrashed) {
  start();
  provider.on_charge = answer::raise;
  auto bought = ask<domain::ticket>(desk, buy_atom::value, domain::ids::customer_id{"c_alice"}, domain::ticket_type::one_hour);
  drain();
  advance(pay.call_timeout + 1ms);
  auto e = refusal(bought);
  EXPECT_EQ(e.code, domain::error_code::payment_unavailable);
  const domain::ids::ticket_id id{e.ids.at("ticketId")};
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);

  provider.on_charge = answer::approve;
  EXPECT_EQ(ok(call<domain::ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_alice"}, id)).status, ticket_status::paid);
}

TEST_F(PaymentTest, SlowProviderCallFailsWithinTheCallTimeout) {
  start();
  provider.on_charge = answer::hold;
  auto slow = ask<charge_verdict>(payment, charge_atom::value, ports::charge_request{"p_1", 1000, "t_ref"});
  drain();
  EXPECT_FALSE(slow->has_value());
  advance(pay.call_timeout + 1ms);
  auto e = refusal(slow);
  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(e.code, domain::error_code::payment_unavailable);

  // The worker is not stuck: the next call is answered.
  provider.on_charge = answer::approve;
  EXPECT_EQ(ok(charge("p_2")), charge_verdict::approved);
}

TEST_F(PaymentTest, RecordedChargeIsNotSentToTheProviderAgain) {
  storage.rows.payments["p_ok"] = {"p_ok", "t_ref", 1000, payment_status::approved};
  storage.rows.payments["p_no"] = {"p_no", "t_ref", 1000, payment_status::declined};
  start();
  provider.on_charge = answer::fail;  // asking the provider would fail the call
  EXPECT_EQ(ok(charge("p_ok")), charge_verdict::approved);
  EXPECT_EQ(ok(charge("p_no")), charge_verdict::declined);
  EXPECT_TRUE(provider.charges.empty());
  EXPECT_TRUE(storage.journal_rows.empty());
}

TEST_F(PaymentTest, ChargingTheSamePaymentTwiceCallsTheProviderOnce) {
  start();
  EXPECT_EQ(ok(charge("p_1")), charge_verdict::approved);
  EXPECT_EQ(ok(charge("p_1")), charge_verdict::approved);
  EXPECT_EQ(provider.charges.size(), 1u);
  EXPECT_EQ(storage.events_of("t_ref"), std::vector<std::string>{"payment_approved"});
}

TEST_F(PaymentTest, RefundIsRecordedOnceAndNotRepeated) {
  storage.rows.payments["p_1"] = {"p_1", "t_ref", 1000, payment_status::approved};
  start();
  ok(refund("p_1"));
  EXPECT_EQ(storage.rows.payments["p_1"].status, payment_status::refunded);
  ok(refund("p_1"));
  EXPECT_EQ(provider.refunds.size(), 1u);
  EXPECT_EQ(storage.events_of("t_ref"), std::vector<std::string>{"payment_refunded"});
}

// Nothing was taken: an answer (a decline), not a failure of the payment context.
TEST_F(PaymentTest, UnknownOrDeclinedPaymentIsNotRefunded) {
  storage.rows.payments["p_no"] = {"p_no", "t_ref", 1000, payment_status::declined};
  start();
  for (const auto* id : {"p_none", "p_no"}) {
    auto e = refusal(refund(id));
    EXPECT_EQ(e.kind, error_kind::declined);
    EXPECT_EQ(e.code, domain::error_code::payment_not_refundable);
    EXPECT_EQ(e.ids.at("paymentId"), id);
  }
  EXPECT_TRUE(provider.refunds.empty());
  EXPECT_EQ(storage.rows.payments["p_no"].status, payment_status::declined);
}

// While a charge is with the provider nobody knows whether it is taken: a refund of it can
// neither be made nor denied yet.
TEST_F(PaymentTest, RefundOfAChargeInFlightIsUnavailableUntilItsVerdict) {
  start();
  provider.on_charge = answer::hold;
  auto charged = ask<charge_verdict>(payment, charge_atom::value, ports::charge_request{"p_1", 1000, "t_ref"});
  drain();
  EXPECT_EQ(refusal(refund("p_1")).code, domain::error_code::payment_unavailable);
  EXPECT_TRUE(provider.refunds.empty());
  provider.release_charges(charge_verdict::approved);
  drain();
  EXPECT_EQ(ok(charged), charge_verdict::approved);
  ok(refund("p_1"));
  EXPECT_EQ(storage.rows.payments["p_1"].status, payment_status::refunded);
}

TEST_F(PaymentTest, FailedRefundKeepsThePaymentApproved) {
  storage.rows.payments["p_1"] = {"p_1", "t_ref", 1000, payment_status::approved};
  start();
  provider.on_refund = answer::fail;
  auto e = refusal(refund("p_1"));
  EXPECT_EQ(e.kind, error_kind::unavailable);
  EXPECT_EQ(storage.rows.payments["p_1"].status, payment_status::approved);
}

// Known bug, disabled until fixed: a retry while the first call is still with the provider
// goes to another worker, which also finds no record and asks the provider again; when both
// calls are approved, both workers record the payment: two payment_approved facts for one
// payment id.
TEST_F(PaymentTest, RetryWhileTheFirstCallIsInFlightRecordsOneApproval) {
  pay.workers = 2;
  start();
  provider.on_charge = answer::hold;
  auto bought = ask<domain::ticket>(desk, buy_atom::value, domain::ids::customer_id{"c_alice"}, domain::ticket_type::one_hour);
  drain();
  advance(pay.call_timeout + 1ms);
  const domain::ids::ticket_id id{refusal(bought).ids.at("ticketId")};
  auto paid = ask<domain::ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_alice"}, id);
  drain();
  provider.release_charges(charge_verdict::approved);
  drain();
  EXPECT_EQ(ok(paid).status, ticket_status::paid);
  EXPECT_EQ(storage.events_of(id, "payment_"), std::vector<std::string>{"payment_approved"});
}


// -- the circuit breaker (its rules: tests/domain/circuit_breaker_test.cpp)

using domain::breaker_state;

class BreakerTest : public PaymentTest {
 protected:
  BreakerTest() {
    pay.breaker.failure_threshold = 3;
    pay.breaker.reset_timeout = 10s;
    pay.breaker.max_reset_timeout = 30s;
  }

  breaker_state breaker() const { return payment_board->read().breaker; }

  // `n` charges that the provider fails.
  void fail_charges(int n) {
    auto before = provider.on_charge;
    provider.on_charge = answer::fail;
    for (int i = 0; i < n; ++i) refusal(charge("p_fail_" + std::to_string(next_++)));
    provider.on_charge = before;
  }

  // Moves simulated time (CAF's, which the breaker uses) and the domain clock together.
  void wait(std::chrono::milliseconds d) {
    clock.advance(d);
    advance(d);
  }

  int next_ = 0;
};

TEST_F(BreakerTest, OpensAfterConsecutiveFailuresAndFailsFastWithoutCallingTheProvider) {
  start();
  EXPECT_EQ(breaker(), breaker_state::closed);
  fail_charges(2);
  EXPECT_EQ(breaker(), breaker_state::closed);
  EXPECT_EQ(payment_board->read().failures, 2);

  provider.on_charge = answer::fail;
  auto third = refusal(charge("p_3"));
  EXPECT_EQ(third.kind, error_kind::unavailable);
  EXPECT_EQ(third.retry_after_seconds, 10);  // the failure that opened it knows when the trial is
  const auto health = payment_board->read();
  EXPECT_EQ(health.breaker, breaker_state::open);
  EXPECT_EQ(health.failures, 3);
  EXPECT_EQ(health.since, clock.now());
  EXPECT_EQ(health.retry_at, clock.now() + 10s);
  EXPECT_EQ(provider.charges.size(), 3u);

  // Open: charges and refunds fail at once, with the time until the trial; the provider would
  // approve, but is not asked.
  provider.on_charge = answer::approve;
  storage.rows.payments["p_paid"] = {"p_paid", "t_ref", 1000, payment_status::approved};
  wait(4s);
  auto fast = refusal(charge("p_4"));
  EXPECT_EQ(fast.kind, error_kind::unavailable);
  EXPECT_EQ(fast.code, domain::error_code::payment_unavailable);
  EXPECT_EQ(fast.retry_after_seconds, 6);
  EXPECT_EQ(refusal(refund("p_paid")).retry_after_seconds, 6);
  EXPECT_EQ(provider.charges.size(), 3u);
  EXPECT_TRUE(provider.refunds.empty());
  EXPECT_EQ(storage.rows.payments.count("p_4"), 0u);
}

TEST_F(BreakerTest, HalfOpenLetsExactlyOneTrialThroughAndItsSuccessCloses) {
  start();
  fail_charges(3);
  wait(10s);
  provider.on_charge = answer::hold;
  auto trial = ask<charge_verdict>(payment, charge_atom::value, ports::charge_request{"p_trial", 1000, "t_ref"});
  drain();
  EXPECT_EQ(breaker(), breaker_state::half_open);
  EXPECT_EQ(payment_board->read().since, clock.now());
  ASSERT_EQ(provider.held_charges.size(), 1u);

  // While the trial is out, everything else fails at once.
  auto other = refusal(charge("p_other"));
  EXPECT_EQ(other.kind, error_kind::unavailable);
  EXPECT_EQ(other.retry_after_seconds, 2);  // the trial is decided within the call timeout
  EXPECT_EQ(provider.charges.size(), 4u);

  provider.release_charges(charge_verdict::approved);
  drain();
  EXPECT_EQ(ok(trial), charge_verdict::approved);
  EXPECT_EQ(breaker(), breaker_state::closed);
  EXPECT_EQ(payment_board->read().failures, 0);

  provider.on_charge = answer::approve;
  EXPECT_EQ(ok(charge("p_after")), charge_verdict::approved);
  EXPECT_EQ(provider.charges.size(), 5u);
}

TEST_F(BreakerTest, FailedTrialReopensWithDoubledBackOff) {
  start();
  fail_charges(3);
  wait(10s);
  fail_charges(1);  // the trial
  auto health = payment_board->read();
  EXPECT_EQ(health.breaker, breaker_state::open);
  EXPECT_EQ(health.failures, 4);
  EXPECT_EQ(health.retry_at, clock.now() + 20s);

  wait(19s);
  EXPECT_EQ(refusal(charge("p_early")).retry_after_seconds, 1);
  EXPECT_EQ(provider.charges.size(), 4u);
  wait(1s);
  fail_charges(1);  // the second trial: 40 s, capped at 30 s
  EXPECT_EQ(payment_board->read().retry_at, clock.now() + 30s);
  wait(30s);
  EXPECT_EQ(ok(charge("p_ok")), charge_verdict::approved);
  EXPECT_EQ(breaker(), breaker_state::closed);
  // The next opening starts from the reset timeout again.
  fail_charges(3);
  EXPECT_EQ(payment_board->read().retry_at, clock.now() + 10s);
}

TEST_F(BreakerTest, DeclinesAreNotFailures) {
  start();
  provider.on_charge = answer::decline;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ok(charge("p_no_" + std::to_string(i))), charge_verdict::declined);
  EXPECT_EQ(breaker(), breaker_state::closed);
  // A decline ends a run of failures, as any answer does.
  fail_charges(2);
  EXPECT_EQ(ok(charge("p_no_x")), charge_verdict::declined);
  fail_charges(2);
  EXPECT_EQ(breaker(), breaker_state::closed);
  EXPECT_EQ(payment_board->read().failures, 2);
}

TEST_F(BreakerTest, SlowCallsAreFailures) {
  start();
  provider.on_charge = answer::hold;
  for (int i = 0; i < 3; ++i) {
    auto slow = ask<charge_verdict>(payment, charge_atom::value, ports::charge_request{"p_slow_" + std::to_string(i), 1000, "t_ref"});
    drain();
    EXPECT_EQ(breaker(), breaker_state::closed);
    wait(pay.call_timeout + 1ms);
    EXPECT_EQ(refusal(slow).kind, error_kind::unavailable);
  }
  EXPECT_EQ(breaker(), breaker_state::open);
  EXPECT_EQ(provider.charges.size(), 3u);
}

TEST_F(BreakerTest, RefusalsBeforeTheProviderDoNotCount) {
  start();
  for (int i = 0; i < 5; ++i) refusal(refund("p_unknown"));  // no such payment: never reaches the provider
  EXPECT_EQ(breaker(), breaker_state::closed);
  EXPECT_EQ(payment_board->read().failures, 0);
}

TEST_F(BreakerTest, PurchaseWhileOpenLeavesTheTicketPendingAndPayingLaterWorks) {
  start();
  fail_charges(3);
  auto bought = buy("c_alice");
  auto e = refusal(bought);
  EXPECT_EQ(e.code, domain::error_code::payment_unavailable);
  EXPECT_EQ(e.retry_after_seconds, 10);  // the breaker's, not the default
  const domain::ids::ticket_id id{e.ids.at("ticketId")};
  EXPECT_EQ(storage.rows.tickets[id].status, ticket_status::payment_pending);
  EXPECT_EQ(provider.charges.size(), 3u);

  wait(10s);
  EXPECT_EQ(ok(call<domain::ticket>(desk, pay_atom::value, domain::ids::customer_id{"c_alice"}, id)).status, ticket_status::paid);
  EXPECT_EQ(breaker(), breaker_state::closed);
}

}  // namespace
}  // namespace ttareungyi::actors::test
