// Service alerts: what an operator may post, the fact it raises, and until when planners see it.
#include "ttareungyi/domain/alert.hpp"

#include <gtest/gtest.h>

#include "domain_test_support.hpp"

namespace ttareungyi::domain {
namespace {

using namespace std::chrono_literals;
using test::event_at;
using test::t0;

alert_request closure() {
  return {.type = alert_type::station_closure,
          .start = t0 + 1h,
          .end = t0 + 3h,
          .station_ids = {"ST-102"},
          .summary = "망원역 1번출구 대여소 공사",
          .description = "가까운 망원역 2번출구 대여소를 이용하세요."};
}

TEST(PostAlert, KeepsTheWindowAndStationsAndRaisesAlertPosted) {
  auto d = post_alert("al_1", closure(), t0);
  ASSERT_TRUE(d) << d.error().detail;
  EXPECT_EQ(d->state.id, "al_1");
  EXPECT_EQ(d->state.type, alert_type::station_closure);
  EXPECT_EQ(d->state.end, t0 + 3h);
  EXPECT_EQ(d->state.station_ids, std::vector<ids::station_id>{"ST-102"});
  EXPECT_EQ(d->state.posted_at, t0);
  const auto& fact = event_at<alert_posted>(d->events, 0);
  EXPECT_EQ(fact.alert_id, "al_1");
  EXPECT_EQ(fact.type, "station_closure");
  EXPECT_EQ(fact.start, t0 + 1h);
  EXPECT_EQ(type_name(d->events[0]), "alert_posted");
  EXPECT_EQ(aggregate_id(d->events[0]), "al_1");
}

TEST(PostAlert, RefusesWhatTellsNobodyAnything) {
  auto refused = [](alert_request r) {
    auto d = post_alert("al_1", std::move(r), t0);
    return !d && d.error().kind == error_kind::invalid;
  };
  auto r = closure();
  r.summary = "";
  EXPECT_TRUE(refused(r));
  r = closure();
  r.summary = std::string(201, 'x');
  EXPECT_TRUE(refused(r));
  r = closure();
  r.description = std::string(2001, 'x');
  EXPECT_TRUE(refused(r));
  r = closure();
  r.end = r.start;
  EXPECT_TRUE(refused(r)) << "ends as it starts";
  r = closure();
  r.start = t0 - 2h, r.end = t0 - 1h;
  EXPECT_TRUE(refused(r)) << "over already";
  r = closure();
  r.station_ids.assign(101, "ST-1");
  EXPECT_TRUE(refused(r));
  r = closure();
  r.end.reset();
  r.station_ids.clear();
  EXPECT_FALSE(refused(r)) << "the whole system, until further notice";
}

TEST(PostAlert, IsNotOverUntilItsEnd) {
  auto a = post_alert("al_1", closure(), t0)->state;
  EXPECT_TRUE(not_over(a, t0)) << "announced";
  EXPECT_TRUE(not_over(a, t0 + 2h)) << "in effect";
  EXPECT_FALSE(not_over(a, t0 + 3h));
  a.end.reset();
  EXPECT_TRUE(not_over(a, t0 + 1000h));
}

TEST(AlertType, NamesRoundTrip) {
  for (auto t : {alert_type::system_closure, alert_type::station_closure, alert_type::station_move, alert_type::other})
    EXPECT_EQ(parse_alert_type(to_string(t)), t);
  EXPECT_FALSE(parse_alert_type("scooter"));
}

}  // namespace
}  // namespace ttareungyi::domain
