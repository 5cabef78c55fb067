// Payment rules: recording a provider's verdict and refunding an approved charge once.
#include "ttareungyi/domain/payment.hpp"

#include <gtest/gtest.h>

#include "domain_test_support.hpp"

namespace ttareungyi::domain {
namespace {

using test::event_at;
using test::refused;

TEST(PaymentStatus, Names) {
  EXPECT_EQ(to_string(payment_status::approved), "approved");
  EXPECT_EQ(to_string(payment_status::declined), "declined");
  EXPECT_EQ(to_string(payment_status::refunded), "refunded");
}

TEST(RecordCharge, ApprovedChargeRaisesPaymentApproved) {
  const auto d = record_charge("TK1-1", "TK1", 1000, charge_verdict::approved);
  EXPECT_EQ(d.state, (payment{"TK1-1", "TK1", 1000, payment_status::approved}));
  ASSERT_EQ(d.events.size(), 1u);
  const auto& e = event_at<payment_approved>(d.events, 0);
  EXPECT_EQ(e.payment_id, "TK1-1");
  EXPECT_EQ(e.reference, "TK1");
  EXPECT_EQ(e.amount, 1000);
}

TEST(RecordCharge, DeclinedChargeRaisesPaymentDeclined) {
  const auto d = record_charge("TK1-1", "TK1", 2000, charge_verdict::declined);
  EXPECT_EQ(d.state, (payment{"TK1-1", "TK1", 2000, payment_status::declined}));
  ASSERT_EQ(d.events.size(), 1u);
  const auto& e = event_at<payment_declined>(d.events, 0);
  EXPECT_EQ(e.payment_id, "TK1-1");
  EXPECT_EQ(e.reference, "TK1");
  EXPECT_EQ(e.amount, 2000);
}

TEST(RecordRefund, ApprovedChargeIsRefundedInFull) {
  const payment approved = record_charge("TK1-1", "TK1", 1000, charge_verdict::approved).state;
  const auto d = record_refund(approved);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state, (payment{"TK1-1", "TK1", 1000, payment_status::refunded}));
  ASSERT_EQ(d->events.size(), 1u);
  const auto& e = event_at<payment_refunded>(d->events, 0);
  EXPECT_EQ(e.payment_id, "TK1-1");
  EXPECT_EQ(e.reference, "TK1");
  EXPECT_EQ(e.amount, 1000);
}

TEST(RecordRefund, RefundingTwiceRaisesNoSecondEvent) {
  const payment approved = record_charge("TK1-1", "TK1", 1000, charge_verdict::approved).state;
  const payment refunded = record_refund(approved).value().state;
  const auto d = record_refund(refunded);
  ASSERT_TRUE(d.has_value()) << d.error().detail;
  EXPECT_EQ(d->state, refunded);
  EXPECT_TRUE(d->events.empty());
}

TEST(RecordRefund, DeclinedChargeCannotBeRefunded) {
  const payment declined = record_charge("TK1-1", "TK1", 1000, charge_verdict::declined).state;
  const auto d = record_refund(declined);
  EXPECT_TRUE(refused(d, error_kind::conflict, error_code::payment_not_refundable, "paymentId", "TK1-1"));
}

TEST(OvertimeOwed, OnlyAReturnWithAFeeOwesOvertime) {
  const instant at{};
  EXPECT_EQ(overtime_owed(bicycle_returned{"r_1", "SPB-1", "t_1", "c_1", "st_b", at, 7, 400}),
            (overtime_charge{"r_1", "c_1", 400}));
  EXPECT_EQ(overtime_owed(bicycle_returned{"r_1", "SPB-1", "t_1", "c_1", "st_b", at, 0, 0}), std::nullopt);
  EXPECT_EQ(overtime_owed(bicycle_rented{"r_1", "SPB-1", "t_1", "c_1", "st_a", at, at}), std::nullopt);
  EXPECT_EQ(overtime_owed(payment_approved{"p_1", "r_1", 400}), std::nullopt);
}

TEST(OvertimeOwed, EachAttemptHasItsOwnPaymentId) {
  EXPECT_EQ(overtime_payment_id("r_1", 1), "ot_r_1-1");
  EXPECT_NE(overtime_payment_id("r_1", 1), overtime_payment_id("r_1", 2));
  EXPECT_NE(overtime_payment_id("r_1", 1), overtime_payment_id("r_2", 1));
}

}  // namespace
}  // namespace ttareungyi::domain
