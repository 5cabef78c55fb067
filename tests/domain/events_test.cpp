// Every fact has a stable type name and names the aggregate that raised it.
#include "ttareungyi/domain/events.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "domain_test_support.hpp"

namespace ttareungyi::domain {
namespace {

using test::t0;

struct named_fact {
  event_payload payload;
  std::string type;
  std::string aggregate;
};

TEST(Events, TypeNameAndAggregateIdOfEveryPayload) {
  const named_fact facts[] = {
      {customer_registered{"CU1", "01012345678", "Kim"}, "customer_registered", "CU1"},
      {ticket_purchased{"TK1", "CU1", "1h", 1000}, "ticket_purchased", "TK1"},
      {ticket_paid{"TK2", "CU1", "TK2-1", 1000}, "ticket_paid", "TK2"},
      {ticket_payment_failed{"TK3", "CU1", "TK3-1"}, "ticket_payment_failed", "TK3"},
      {ticket_put_in_use{"TK4", "CU1", "R1"}, "ticket_put_in_use", "TK4"},
      {ticket_released{"TK5", "CU1", "R1"}, "ticket_released", "TK5"},
      {ticket_used{"TK6", "CU1", "R1"}, "ticket_used", "TK6"},
      {ticket_cancelled{"TK7", "CU1", 1000}, "ticket_cancelled", "TK7"},
      {ticket_refunded{"TK8", "CU1", "TK8-1", 1000}, "ticket_refunded", "TK8"},
      {station_registered{"ST-102", "Mangwon", 15}, "station_registered", "ST-102"},
      {bicycle_registered{"SPB-1", "ST-102"}, "bicycle_registered", "SPB-1"},
      {bicycle_deleted{"SPB-2", "ST-102"}, "bicycle_deleted", "SPB-2"},
      {bicycle_rented{"R1", "SPB-3", "TK1", "CU1", "ST-102", t0, t0 + std::chrono::minutes{60}}, "bicycle_rented", "SPB-3"},
      {bicycle_returned{"R1", "SPB-4", "TK1", "CU1", "ST-207", t0, 6, 400}, "bicycle_returned", "SPB-4"},
      {payment_approved{"P1", "TK1", 1000}, "payment_approved", "P1"},
      {payment_declined{"P2", "TK1", 1000}, "payment_declined", "P2"},
      {payment_refunded{"P3", "TK1", 1000}, "payment_refunded", "P3"},
      {alert_posted{"AL1", "station_closure", t0, std::nullopt}, "alert_posted", "AL1"},
  };
  // One row per alternative, in declaration order, so a new fact cannot go untested.
  ASSERT_EQ(std::size(facts), std::variant_size_v<event_payload>);
  for (std::size_t i = 0; i < std::size(facts); ++i) {
    const auto& f = facts[i];
    EXPECT_EQ(f.payload.index(), i) << f.type;
    EXPECT_EQ(type_name(f.payload), f.type);
    EXPECT_EQ(aggregate_id(f.payload), f.aggregate) << f.type;
  }
}

TEST(Events, EnvelopeDefaultsToSchemaVersionOne) {
  const event e{.id = "E1", .correlation_id = "TK1", .causation_id = "REQ1", .at = t0,
                .payload = ticket_purchased{"TK1", "CU1", "2h", 2000}};
  EXPECT_EQ(e.version, 1);
  EXPECT_EQ(type_name(e.payload), "ticket_purchased");
  EXPECT_EQ(aggregate_id(e.payload), "TK1");
}

TEST(Errors, HelpersSetKindAndCode) {
  const error i = invalid("bad field");
  EXPECT_EQ(i.kind, error_kind::invalid);
  EXPECT_EQ(i.code, error_code::invalid_request);
  EXPECT_EQ(i.detail, "bad field");
  EXPECT_TRUE(i.ids.empty());
  EXPECT_EQ(i.retry_after_seconds, 0);

  const error n = not_found(error_code::ticket_not_found, "no such ticket");
  EXPECT_EQ(n.kind, error_kind::not_found);
  EXPECT_EQ(n.code, error_code::ticket_not_found);
  EXPECT_EQ(n.detail, "no such ticket");

  error c = conflict(error_code::bicycle_unavailable, "rented");
  EXPECT_EQ(c.kind, error_kind::conflict);
  EXPECT_EQ(c.code, error_code::bicycle_unavailable);
  c.with("bicycleId", "SPB-1").with("rentalId", "R1");
  EXPECT_EQ(c.ids.size(), 2u);
  EXPECT_EQ(c.ids.at("bicycleId"), "SPB-1");
  EXPECT_EQ(c.ids.at("rentalId"), "R1");

  const error x = internal("disk");
  EXPECT_EQ(x.kind, error_kind::internal);
  EXPECT_EQ(x.code, error_code::internal_error);
  EXPECT_EQ(x.detail, "disk");
}

}  // namespace
}  // namespace ttareungyi::domain
