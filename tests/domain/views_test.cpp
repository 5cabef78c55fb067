// The read side's pure functions: which facts notify a customer and with what words, the
// remaining ride time, and how the rental and availability views follow the journal.
#include "ttareungyi/domain/views.hpp"

#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <utility>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain_test_support.hpp"

namespace ttareungyi::domain {
namespace {

using test::t0;  // 2026-11-24T01:32:00Z = 10:32 in Seoul
using test::utc;
using namespace std::chrono_literals;

event make(event_payload payload, std::string id = "EV1", std::string correlation = "CORR1", instant at = t0) {
  return event{std::move(id), std::move(correlation), "REQ1", at, 1, std::move(payload)};
}

// One payload of every type, in variant order.
std::vector<event_payload> one_of_each() {
  return {
      customer_registered{"CU1", "01012345678", "Kim"},
      ticket_purchased{"TK1", "CU1", "1h", 1000},
      ticket_paid{"TK1", "CU1", "TK1-1", 1000},
      ticket_payment_failed{"TK1", "CU1", "TK1-1"},
      ticket_put_in_use{"TK1", "CU1", "R1"},
      ticket_released{"TK1", "CU1", "R1"},
      ticket_used{"TK1", "CU1", "R1"},
      ticket_cancelled{"TK1", "CU1", 1000},
      ticket_refunded{"TK1", "CU1", "TK1-1", 1000},
      station_registered{"ST1", "Yeouinaru", 20},
      bicycle_registered{"SPB-1", "ST1"},
      bicycle_deleted{"SPB-1", "ST1"},
      bicycle_rented{"R1", "SPB-1", "TK1", "CU1", "ST1", t0, t0 + 1h},
      bicycle_returned{"R1", "SPB-1", "TK1", "CU1", "ST2", t0 + 50min, 0, 0},
      payment_approved{"TK1-1", "TK1", 1000},
      payment_declined{"TK1-2", "TK1", 1000},
      payment_refunded{"TK1-1", "TK1", 1000},
      alert_posted{"AL1", "other", t0, std::nullopt},
  };
}

::testing::AssertionResult contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

notification notice_of(event_payload payload, std::uint64_t sequence = 7) {
  auto n = notify(sequence, make(std::move(payload)));
  if (!n) throw std::runtime_error("no notification");
  return *n;
}

// -- notify ----------------------------------------------------------------------------------

TEST(Notify, OnlyPaymentRefundRentAndReturnNotify) {
  std::vector<std::string> notified;
  const auto all = one_of_each();
  ASSERT_EQ(all.size(), std::variant_size_v<event_payload>);
  for (const auto& p : all)
    if (notify(1, make(p))) notified.emplace_back(type_name(p));
  EXPECT_EQ(notified, (std::vector<std::string>{"ticket_paid", "ticket_refunded", "bicycle_rented", "bicycle_returned"}));
}

TEST(Notify, CarriesTheFactsIdentityKindCustomerCorrelationTimeAndSequence) {
  const instant at = t0 + 5s;
  for (const auto& p : one_of_each()) {
    auto n = notify(42, make(p, "EV9", "CORR9", at));
    if (!n) continue;
    EXPECT_EQ(n->id, "n_EV9");
    EXPECT_EQ(n->sequence, 42u);
    EXPECT_EQ(n->customer_id, "CU1");
    EXPECT_EQ(n->kind, type_name(p));
    EXPECT_EQ(n->correlation_id, "CORR9");
    EXPECT_EQ(n->created_at, at);
    EXPECT_FALSE(n->message_ko.empty());
    EXPECT_FALSE(n->message_en.empty());
  }
}

TEST(Notify, TheCustomerComesFromThePayload) {
  EXPECT_EQ(notice_of(ticket_paid{"TK1", "CU-A", "TK1-1", 1000}).customer_id, "CU-A");
  EXPECT_EQ(notice_of(ticket_refunded{"TK1", "CU-B", "TK1-1", 1000}).customer_id, "CU-B");
  EXPECT_EQ(notice_of(bicycle_rented{"R1", "SPB-1", "TK1", "CU-C", "ST1", t0, t0 + 1h}).customer_id, "CU-C");
  EXPECT_EQ(notice_of(bicycle_returned{"R1", "SPB-1", "TK1", "CU-D", "ST2", t0, 0, 0}).customer_id, "CU-D");
}

TEST(Notify, PaidNamesThePassAndTheAmountWithThousandsSeparators) {
  auto one = notice_of(ticket_paid{"TK1", "CU1", "TK1-1", 1000});
  EXPECT_TRUE(contains(one.message_ko, "1시간권"));
  EXPECT_TRUE(contains(one.message_ko, "1,000원"));
  EXPECT_TRUE(contains(one.message_ko, "결제"));
  EXPECT_TRUE(contains(one.message_en, "1-hour pass"));
  EXPECT_TRUE(contains(one.message_en, "1,000 KRW"));
  EXPECT_TRUE(contains(one.message_en, "paid"));

  auto two = notice_of(ticket_paid{"TK2", "CU1", "TK2-1", 2000});
  EXPECT_TRUE(contains(two.message_ko, "2시간권"));
  EXPECT_TRUE(contains(two.message_ko, "2,000원"));
  EXPECT_TRUE(contains(two.message_en, "2-hour pass"));
  EXPECT_TRUE(contains(two.message_en, "2,000 KRW"));
}

TEST(Notify, PaidWithAnAmountNoPassCostsNamesNoPass) {
  auto n = notice_of(ticket_paid{"TK1", "CU1", "TK1-1", 1500});
  EXPECT_TRUE(contains(n.message_ko, "1,500원"));
  EXPECT_TRUE(contains(n.message_en, "1,500 KRW"));
  EXPECT_EQ(n.message_ko.find("시간권"), std::string::npos) << n.message_ko;
  EXPECT_EQ(n.message_en.find("pass"), std::string::npos) << n.message_en;
}

TEST(Notify, AmountsAreGroupedByThousands) {
  const std::pair<money, std::string> cases[] = {
      {0, "0"},         {7, "7"},           {999, "999"},           {1000, "1,000"},
      {12345, "12,345"}, {100000, "100,000"}, {1234567, "1,234,567"}, {-2500, "-2,500"},
  };
  for (const auto& [amount, text] : cases) {
    auto n = notice_of(ticket_refunded{"TK1", "CU1", "TK1-1", amount});
    EXPECT_TRUE(contains(n.message_ko, ": " + text + "원")) << amount;
    EXPECT_TRUE(contains(n.message_en, ": " + text + " KRW")) << amount;
  }
}

TEST(Notify, RefundedSaysRefundAndTheAmount) {
  auto n = notice_of(ticket_refunded{"TK1", "CU1", "TK1-1", 2000});
  EXPECT_TRUE(contains(n.message_ko, "환불"));
  EXPECT_TRUE(contains(n.message_ko, "2,000원"));
  EXPECT_TRUE(contains(n.message_en, "refunded"));
  EXPECT_TRUE(contains(n.message_en, "2,000 KRW"));
}

TEST(Notify, RentedNamesTheBicycleTheStationAndTheDueTimeInSeoul) {
  auto n = notice_of(bicycle_rented{"R1", "SPB-31542", "TK1", "CU1", "ST-102", t0, t0 + 1h});
  for (const auto* text : {&n.message_ko, &n.message_en}) {
    EXPECT_TRUE(contains(*text, "SPB-31542"));
    EXPECT_TRUE(contains(*text, "ST-102"));
    EXPECT_TRUE(contains(*text, "11:32"));  // 02:32Z is 11:32 KST
    EXPECT_TRUE(contains(*text, "KST"));
    EXPECT_EQ(text->find("02:32"), std::string::npos) << *text;
    EXPECT_EQ(text->find("11/24"), std::string::npos) << *text;  // same day: no date
  }
  EXPECT_TRUE(contains(n.message_ko, "대여"));
  EXPECT_TRUE(contains(n.message_ko, "반납 기한"));
  EXPECT_TRUE(contains(n.message_en, "Return by 11:32 KST"));
}

TEST(Notify, RentedDueAfterMidnightInSeoulShowsTheDate) {
  // 23:30 KST on 11/24, due 01:30 KST on 11/25 (UTC: still 11/24).
  const instant rented = utc(2026, 11, 24, 14, 30);
  auto n = notice_of(bicycle_rented{"R1", "SPB-1", "TK1", "CU1", "ST1", rented, rented + 2h});
  EXPECT_TRUE(contains(n.message_ko, "11/25 01:30"));
  EXPECT_TRUE(contains(n.message_en, "11/25 01:30 KST"));
  // Rented just after midnight in Seoul (still the previous day in UTC): same day, no date.
  const instant early = utc(2026, 11, 24, 15, 5);  // 00:05 KST on 11/25
  auto m = notice_of(bicycle_rented{"R1", "SPB-1", "TK1", "CU1", "ST1", early, early + 1h});
  EXPECT_TRUE(contains(m.message_en, "Return by 01:05 KST"));
}

TEST(Notify, ReturnedOnTimeNamesTheStationAndNoOvertime) {
  auto n = notice_of(bicycle_returned{"R1", "SPB-31542", "TK1", "CU1", "ST-205", t0, 0, 0});
  for (const auto* text : {&n.message_ko, &n.message_en}) {
    EXPECT_TRUE(contains(*text, "SPB-31542"));
    EXPECT_TRUE(contains(*text, "ST-205"));
  }
  EXPECT_TRUE(contains(n.message_ko, "반납"));
  EXPECT_TRUE(contains(n.message_en, "returned"));
  EXPECT_EQ(n.message_ko.find("초과"), std::string::npos) << n.message_ko;
  EXPECT_EQ(n.message_en.find("Overtime"), std::string::npos) << n.message_en;
}

TEST(Notify, ReturnedLateStatesOvertimeMinutesAndFee) {
  auto n = notice_of(bicycle_returned{"R1", "SPB-1", "TK1", "CU1", "ST2", t0, 10, 400});
  EXPECT_TRUE(contains(n.message_ko, "초과 10분, 초과요금 400원"));
  EXPECT_TRUE(contains(n.message_en, "Overtime 10 min, fee 400 KRW"));
  auto big = notice_of(bicycle_returned{"R1", "SPB-1", "TK1", "CU1", "ST2", t0, 146, 6000});
  EXPECT_TRUE(contains(big.message_ko, "초과 146분, 초과요금 6,000원"));
  EXPECT_TRUE(contains(big.message_en, "fee 6,000 KRW"));
}

// -- remaining_seconds -----------------------------------------------------------------------

TEST(RemainingSeconds, CountsWholeSecondsUntilDueAndNeverGoesNegative) {
  current_rental r;
  r.rented_at = t0;
  r.due_at = t0 + 1h;
  EXPECT_EQ(remaining_seconds(r, t0), 3600);
  EXPECT_EQ(remaining_seconds(r, t0 + 59min), 60);
  EXPECT_EQ(remaining_seconds(r, r.due_at - 1900ms), 1);  // whole seconds, rounded down
  EXPECT_EQ(remaining_seconds(r, r.due_at - 1000ms), 1);
  EXPECT_EQ(remaining_seconds(r, r.due_at - 999ms), 0);
  EXPECT_EQ(remaining_seconds(r, r.due_at), 0);
  EXPECT_EQ(remaining_seconds(r, r.due_at + 1ms), 0);
  EXPECT_EQ(remaining_seconds(r, r.due_at + 48h), 0);
  EXPECT_EQ(remaining_seconds(r, t0 - 10s), 3610);  // a clock behind the rental's
}

TEST(RemainingSeconds, WorksBeforeTheEpochToo) {
  current_rental r;
  r.due_at = instant{} - 10s;
  EXPECT_EQ(remaining_seconds(r, instant{} - 15500ms), 5);
  EXPECT_EQ(remaining_seconds(r, instant{}), 0);
}

// -- project_rental --------------------------------------------------------------------------

TEST(ProjectRental, ARentalPutsEveryFieldOfTheEvent) {
  auto change = project_rental(make(bicycle_rented{"R1", "SPB-9", "TK3", "CU1", "ST4", t0, t0 + 2h}));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->customer_id, "CU1");
  ASSERT_TRUE(change->put.has_value());
  const current_rental expected{.customer_id = "CU1",
                                .rental_id = "R1",
                                .bicycle_id = "SPB-9",
                                .ticket_id = "TK3",
                                .from_station_id = "ST4",
                                .rented_at = t0,
                                .due_at = t0 + 2h};
  EXPECT_EQ(*change->put, expected);
}

TEST(ProjectRental, AReturnDropsTheCustomersEntry) {
  auto change = project_rental(make(bicycle_returned{"R1", "SPB-9", "TK3", "CU7", "ST2", t0 + 1h, 0, 0}));
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->customer_id, "CU7");
  EXPECT_EQ(change->rental_id, "R1");
  EXPECT_FALSE(change->put.has_value());
}

TEST(ProjectRental, AReturnDropsOnlyTheRentalItEnded) {
  // Two bicycles at once (two tickets): returning the first keeps the second in view.
  auto first = project_rental(make(bicycle_rented{"R1", "SPB-1", "TK1", "CU1", "ST4", t0, t0 + 1h}))->put;
  auto second = project_rental(make(bicycle_rented{"R2", "SPB-2", "TK2", "CU1", "ST4", t0 + 1min, t0 + 61min}))->put;
  auto return_first = *project_rental(make(bicycle_returned{"R1", "SPB-1", "TK1", "CU1", "ST2", t0 + 5min, 0, 0}));
  EXPECT_FALSE(return_first.applies_to(second));
  EXPECT_TRUE(return_first.applies_to(first));
  EXPECT_FALSE(return_first.applies_to(std::nullopt));
  auto rent_again = *project_rental(make(bicycle_rented{"R3", "SPB-3", "TK3", "CU1", "ST4", t0, t0 + 1h}));
  EXPECT_TRUE(rent_again.applies_to(second));
  EXPECT_TRUE(rent_again.applies_to(std::nullopt));
}

TEST(ProjectRental, OtherFactsLeaveTheViewAlone) {
  for (const auto& p : one_of_each()) {
    const bool ride = std::holds_alternative<bicycle_rented>(p) || std::holds_alternative<bicycle_returned>(p);
    EXPECT_EQ(project_rental(make(p)).has_value(), ride) << type_name(p);
  }
}

// -- project_availability --------------------------------------------------------------------

using counts_t = std::map<ids::station_id, station_count>;

TEST(ProjectAvailability, ARegisteredStationStartsEmptyWithItsCapacity) {
  counts_t counts;
  auto changed = project_availability(counts, make(station_registered{"ST1", "Yeouinaru", 20}));
  const station_count expected{"ST1", 20, 0};
  EXPECT_EQ(changed, std::vector<station_count>{expected});
  EXPECT_EQ(counts, (counts_t{{"ST1", expected}}));
}

TEST(ProjectAvailability, FollowsRegistrationRentReturnAndDeletion) {
  counts_t counts;
  project_availability(counts, make(station_registered{"ST1", "a", 10}));
  project_availability(counts, make(station_registered{"ST2", "b", 5}));
  EXPECT_EQ(project_availability(counts, make(bicycle_registered{"SPB-1", "ST1"})),
            (std::vector<station_count>{{"ST1", 10, 1}}));
  EXPECT_EQ(project_availability(counts, make(bicycle_registered{"SPB-2", "ST1"})),
            (std::vector<station_count>{{"ST1", 10, 2}}));
  EXPECT_EQ(project_availability(counts, make(bicycle_rented{"R1", "SPB-1", "TK1", "CU1", "ST1", t0, t0 + 1h})),
            (std::vector<station_count>{{"ST1", 10, 1}}));
  EXPECT_EQ(project_availability(counts, make(bicycle_returned{"R1", "SPB-1", "TK1", "CU1", "ST2", t0, 0, 0})),
            (std::vector<station_count>{{"ST2", 5, 1}}));
  EXPECT_EQ(project_availability(counts, make(bicycle_deleted{"SPB-2", "ST1"})),
            (std::vector<station_count>{{"ST1", 10, 0}}));
  EXPECT_EQ(counts, (counts_t{{"ST1", {"ST1", 10, 0}}, {"ST2", {"ST2", 5, 1}}}));
}

TEST(ProjectAvailability, ChainDockingCountsBeyondCapacity) {
  counts_t counts;
  project_availability(counts, make(station_registered{"ST1", "a", 1}));
  project_availability(counts, make(bicycle_returned{"R1", "SPB-1", "TK1", "CU1", "ST1", t0, 0, 0}));
  auto changed = project_availability(counts, make(bicycle_returned{"R2", "SPB-2", "TK2", "CU2", "ST1", t0, 0, 0}));
  EXPECT_EQ(changed, (std::vector<station_count>{{"ST1", 1, 2}}));
}

TEST(ProjectAvailability, NeverBelowZeroAndAnUnchangedCountIsNotReported) {
  counts_t counts;
  project_availability(counts, make(station_registered{"ST1", "a", 10}));
  EXPECT_TRUE(project_availability(counts, make(bicycle_rented{"R1", "SPB-1", "TK1", "CU1", "ST1", t0, t0 + 1h})).empty());
  EXPECT_TRUE(project_availability(counts, make(bicycle_deleted{"SPB-1", "ST1"})).empty());
  EXPECT_EQ(counts.at("ST1"), (station_count{"ST1", 10, 0}));
  // The next bicycle counts from zero, not from -2.
  EXPECT_EQ(project_availability(counts, make(bicycle_registered{"SPB-2", "ST1"})),
            (std::vector<station_count>{{"ST1", 10, 1}}));
}

TEST(ProjectAvailability, AStationNotRegisteredYetIsCreatedWithNoCapacity) {
  counts_t counts;
  EXPECT_EQ(project_availability(counts, make(bicycle_registered{"SPB-1", "ST9"})),
            (std::vector<station_count>{{"ST9", 0, 1}}));
  // Created even when the count cannot go lower: the entry itself is new.
  EXPECT_EQ(project_availability(counts, make(bicycle_rented{"R1", "SPB-2", "TK1", "CU1", "ST8", t0, t0 + 1h})),
            (std::vector<station_count>{{"ST8", 0, 0}}));
  EXPECT_EQ(counts.size(), 2u);
  // Its registration arriving late sets the capacity and keeps the bicycles counted so far.
  EXPECT_EQ(project_availability(counts, make(station_registered{"ST9", "late", 12})),
            (std::vector<station_count>{{"ST9", 12, 1}}));
}

TEST(ProjectAvailability, RegisteringAgainChangesOnlyTheCapacity) {
  counts_t counts;
  project_availability(counts, make(station_registered{"ST1", "a", 10}));
  project_availability(counts, make(bicycle_registered{"SPB-1", "ST1"}));
  EXPECT_EQ(project_availability(counts, make(station_registered{"ST1", "a", 15})),
            (std::vector<station_count>{{"ST1", 15, 1}}));
  EXPECT_TRUE(project_availability(counts, make(station_registered{"ST1", "a", 15})).empty());  // nothing moved
}

TEST(ProjectAvailability, OtherFactsAndUnparkedBicyclesChangeNothing) {
  counts_t counts;
  project_availability(counts, make(station_registered{"ST1", "a", 10}));
  project_availability(counts, make(bicycle_registered{"SPB-1", "ST1"}));
  const counts_t before = counts;
  for (const auto& p : one_of_each()) {
    const bool counted = std::holds_alternative<station_registered>(p) || std::holds_alternative<bicycle_registered>(p) ||
                         std::holds_alternative<bicycle_deleted>(p) || std::holds_alternative<bicycle_rented>(p) ||
                         std::holds_alternative<bicycle_returned>(p);
    if (counted) continue;
    EXPECT_TRUE(project_availability(counts, make(p)).empty()) << type_name(p);
  }
  // A bicycle that was parked nowhere (no station id) moves no count.
  EXPECT_TRUE(project_availability(counts, make(bicycle_deleted{"SPB-7", ids::station_id{}})).empty());
  EXPECT_EQ(counts, before);
}

TEST(ProjectAvailability, TheReportedCountsAreTheMapsNewValues) {
  counts_t counts;
  project_availability(counts, make(station_registered{"ST1", "a", 3}));
  for (int i = 0; i < 5; ++i) {
    std::string bike = "SPB-";
    bike += std::to_string(i);
    auto changed = project_availability(counts, make(bicycle_registered{ids::bicycle_id{bike}, "ST1"}));
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0], counts.at("ST1"));
    EXPECT_EQ(changed[0].bicycles_available, i + 1);
  }
}

}  // namespace
}  // namespace ttareungyi::domain
