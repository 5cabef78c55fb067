// The JSON codec on its own: every aggregate and every event type round-trips, the encoding
// has the documented shape, and bad bytes are errors, never exceptions or crashes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <limits>
#include <set>
#include <string>
#include <variant>

#include "codec.hpp"
#include "storage_test_support.hpp"

namespace ttareungyi::storage::test {
namespace {

using nlohmann::json;

template <class T>
T round_trip(const T& x) {
  auto bytes = codec::encode(x);
  EXPECT_TRUE(bytes.has_value()) << bytes.error();
  auto back = codec::decode<T>(*bytes);
  EXPECT_TRUE(back.has_value()) << back.error();
  return *back;
}

TEST(Codec, AggregatesRoundTrip) {
  EXPECT_EQ(round_trip(sample_customer()), sample_customer());
  EXPECT_EQ(round_trip(full_ticket()), full_ticket());
  EXPECT_EQ(round_trip(sample_ticket("tk-2", "cust-1", t0)), sample_ticket("tk-2", "cust-1", t0));
  for (auto status : {payment_status::approved, payment_status::declined, payment_status::refunded}) {
    payment p{"tk-1-1", "tk-1", 2000, status};
    EXPECT_EQ(round_trip(p), p);
  }
  EXPECT_EQ(round_trip(sample_station()), sample_station());
  bicycle rented{"SPB-31542", bicycle_status::rented, std::nullopt, "rt-1"};
  EXPECT_EQ(round_trip(rented), rented);
  EXPECT_EQ(round_trip(sample_bicycle("SPB-1")), sample_bicycle("SPB-1"));
  EXPECT_EQ(round_trip(full_rental()), full_rental());
  rental active = full_rental();
  active.status = rental_status::active;
  active.returned_at.reset();
  EXPECT_EQ(round_trip(active), active);
}

TEST(Codec, EveryTicketStatusAndTypeRoundTrips) {
  for (auto status : {ticket_status::payment_pending, ticket_status::paid, ticket_status::in_use, ticket_status::used,
                      ticket_status::cancelled, ticket_status::payment_failed})
    for (auto type : {ticket_type::one_hour, ticket_type::two_hours}) {
      auto t = sample_ticket("tk", "c", t0, status);
      t.type = type;
      EXPECT_EQ(round_trip(t), t);
    }
}

TEST(Codec, EveryEventTypeRoundTripsToTheSameAlternative) {
  std::set<std::size_t> covered;
  for (const auto& e : one_of_each_event()) {
    covered.insert(e.payload.index());
    EXPECT_TRUE(same_event(round_trip(e), e)) << type_name(e.payload);
  }
  EXPECT_EQ(covered.size(), std::variant_size_v<event_payload>);
}

TEST(Codec, EncodingShape) {
  auto e = make_event(bicycle_rented{"rt-1", "SPB-1", "tk-1", "cust-1", "ST-1", t0, t0 + 1h});
  auto j = json::parse(*codec::encode(e));
  EXPECT_EQ(j.at("type"), "bicycle_rented");
  EXPECT_EQ(j.at("id"), "ev-1");
  EXPECT_EQ(j.at("correlation_id"), "corr-1");
  EXPECT_EQ(j.at("causation_id"), "req-1");
  EXPECT_EQ(j.at("version"), 1);
  EXPECT_EQ(j.at("at"), t0.time_since_epoch().count());  // integer milliseconds
  EXPECT_EQ(j.at("payload").at("due_at"), (t0 + 1h).time_since_epoch().count());

  auto t = json::parse(*codec::encode(full_ticket()));
  EXPECT_EQ(t.at("type"), "2h");
  EXPECT_EQ(t.at("status"), "cancelled");
  EXPECT_EQ(t.at("paid_at"), (t0 + 5s).time_since_epoch().count());
  auto pending = json::parse(*codec::encode(sample_ticket("tk", "c", t0)));
  EXPECT_TRUE(pending.at("paid_at").is_null());
  EXPECT_EQ(json::parse(*codec::encode(full_rental())).at("status"), "returned");
  EXPECT_EQ(json::parse(*codec::encode(payment{"p", "r", 1, payment_status::refunded})).at("status"), "refunded");
}

TEST(Codec, AbsentOptionalFieldsDecodeAsEmpty) {
  auto j = json::parse(*codec::encode(sample_ticket("tk", "c", t0)));
  j.erase("paid_at");
  j.erase("refunded_amount");
  auto t = codec::decode<ticket>(j.dump());
  ASSERT_TRUE(t.has_value()) << t.error();
  EXPECT_EQ(*t, sample_ticket("tk", "c", t0));
}

TEST(Codec, BadBytesAreErrorsNotExceptions) {
  EXPECT_FALSE(codec::decode<customer>("").has_value());
  EXPECT_FALSE(codec::decode<customer>("{not json").has_value());
  EXPECT_FALSE(codec::decode<customer>("[1,2,3]").has_value());
  EXPECT_FALSE(codec::decode<customer>(std::string("\0\xff\x01", 3)).has_value());
  EXPECT_FALSE(codec::decode<customer>(R"({"id":"c","phone":"p","name":"n"})").has_value());  // missing field
  EXPECT_FALSE(codec::decode<customer>(R"({"id":1,"phone":"p","name":"n","password_hash":"h"})").has_value());

  auto ticket_json = json::parse(*codec::encode(full_ticket()));
  for (auto [field, value] : std::vector<std::pair<std::string, json>>{
           {"status", "lost"}, {"type", "3h"}, {"purchased_at", "yesterday"}, {"payment_attempt", 1.5},
           {"payment_attempt", 1e12}, {"paid_at", "x"}, {"purchased_at", 18446744073709551615ull}}) {
    auto bad = ticket_json;
    bad[field] = value;
    auto r = codec::decode<ticket>(bad.dump());
    EXPECT_FALSE(r.has_value()) << field << " = " << value.dump();
    if (!r) {
      EXPECT_NE(r.error().find(field), std::string::npos) << r.error();
    }
  }
  EXPECT_FALSE(codec::decode<payment>(R"({"id":"p","reference":"r","amount":1,"status":"lost"})").has_value());
  auto rental_json = json::parse(*codec::encode(full_rental()));
  rental_json["status"] = "stolen";
  EXPECT_FALSE(codec::decode<rental>(rental_json.dump()).has_value());
  auto station_json = json::parse(*codec::encode(sample_station()));
  station_json["lat"] = nullptr;
  EXPECT_FALSE(codec::decode<station>(station_json.dump()).has_value());

  auto event_json = json::parse(*codec::encode(make_event(ticket_paid{"tk", "c", "p", 1})));
  auto unknown = event_json;
  unknown["type"] = "ticket_stolen";
  EXPECT_FALSE(codec::decode<event>(unknown.dump()).has_value());
  auto no_payload = event_json;
  no_payload.erase("payload");
  EXPECT_FALSE(codec::decode<event>(no_payload.dump()).has_value());
  auto wrong_payload = event_json;
  wrong_payload["type"] = "bicycle_rented";  // the payload lacks bicycle_rented's fields
  EXPECT_FALSE(codec::decode<event>(wrong_payload.dump()).has_value());
}

TEST(Codec, ReadSideRecordsRoundTrip) {
  EXPECT_EQ(round_trip(sample_notification("cust-1", 42)), sample_notification("cust-1", 42));
  auto huge = sample_notification("cust-1", UINT64_MAX);  // the whole unsigned range
  EXPECT_EQ(round_trip(huge), huge);
  auto old = sample_notification("cust-1", 0);
  old.created_at = instant{} - 1h;  // before the epoch
  EXPECT_EQ(round_trip(old), old);
  EXPECT_EQ(round_trip(sample_current_rental()), sample_current_rental());
  const station_count counts{"ST-1", 20, 7};
  EXPECT_EQ(round_trip(counts), counts);
  const station_count empty{{}, 0, 0};
  EXPECT_EQ(round_trip(empty), empty);
}

TEST(Codec, ReadSideEncodingShape) {
  auto n = json::parse(*codec::encode(sample_notification("cust-1", 42)));
  EXPECT_EQ(n.at("id"), "n_ev-42");
  EXPECT_EQ(n.at("sequence"), 42);
  EXPECT_EQ(n.at("customer_id"), "cust-1");
  EXPECT_EQ(n.at("kind"), "bicycle_returned");
  EXPECT_EQ(n.at("correlation_id"), "rt-1");
  EXPECT_EQ(n.at("created_at"), (t0 + 42s).time_since_epoch().count());  // integer milliseconds
  EXPECT_EQ(n.at("message_ko").get<std::string>(), sample_notification("cust-1", 42).message_ko);
  auto r = json::parse(*codec::encode(sample_current_rental()));
  EXPECT_EQ(r.at("rental_id"), "rt-1");
  EXPECT_EQ(r.at("due_at"), (t0 + 2h).time_since_epoch().count());
  auto c = json::parse(*codec::encode(station_count{"ST-1", 20, 7}));
  EXPECT_EQ(c, json::parse(R"({"station_id":"ST-1","capacity":20,"bicycles_available":7})"));
}

TEST(Codec, BadReadSideRecordsAreErrors) {
  auto n = json::parse(*codec::encode(sample_notification("cust-1", 42)));
  for (auto [field, value] : std::vector<std::pair<std::string, json>>{
           {"sequence", -1}, {"sequence", "42"}, {"sequence", 4.2}, {"created_at", nullptr}, {"kind", 1}}) {
    auto bad = n;
    bad[field] = value;
    auto r = codec::decode<notification>(bad.dump());
    EXPECT_FALSE(r.has_value()) << field << " = " << value.dump();
    if (!r) {
      EXPECT_NE(r.error().find(field), std::string::npos) << r.error();
    }
  }
  auto missing = n;
  missing.erase("message_en");
  EXPECT_FALSE(codec::decode<notification>(missing.dump()).has_value());
  EXPECT_FALSE(codec::decode<current_rental>(R"({"customer_id":"c"})").has_value());
  EXPECT_FALSE(codec::decode<station_count>(R"({"station_id":"s","capacity":1e10,"bicycles_available":0})").has_value());
  EXPECT_FALSE(codec::decode<station_count>("null").has_value());
}

TEST(Codec, UnencodableValuesAreErrors) {
  auto c = sample_customer();
  c.name = std::string("\xff\xfe", 2);  // not UTF-8
  EXPECT_FALSE(codec::encode(c).has_value());
  auto s = sample_station();
  s.lat = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(codec::encode(s).has_value());
  EXPECT_FALSE(codec::encode(make_event(customer_registered{"c", "p", std::string("\xc3", 1)})).has_value());
  auto n = sample_notification("cust-1", 1);
  n.message_ko = std::string("\xed\xa0\x80", 3);  // a UTF-16 surrogate: not UTF-8
  EXPECT_FALSE(codec::encode(n).has_value());
  auto r = sample_current_rental();
  r.bicycle_id = ids::bicycle_id{std::string("\x80", 1)};
  EXPECT_FALSE(codec::encode(r).has_value());
  EXPECT_FALSE(codec::encode(station_count{ids::station_id{std::string("\xff", 1)}, 1, 1}).has_value());
}

}  // namespace
}  // namespace ttareungyi::storage::test
