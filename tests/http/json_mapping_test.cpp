#include "json_mapping.hpp"
#include "json_writer.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace ttareungyi::http {
namespace {

using test::at;

domain::ticket paid_ticket() {
  domain::ticket t;
  t.id = "t-01HZX3";
  t.customer_id = "c-1";
  t.type = domain::ticket_type::one_hour;
  t.status = domain::ticket_status::paid;
  t.purchased_at = at(9);
  t.paid_at = at(9) + std::chrono::seconds{1};
  return t;
}

TEST(JsonOut, PaidTicketHasExactlyTheContractFields) {
  EXPECT_EQ(to_json(paid_ticket()), (json{{"id", "t-01HZX3"},
                                          {"type", "1h"},
                                          {"minutes", 60},
                                          {"price", 1000},
                                          {"currency", "KRW"},
                                          {"status", "paid"},
                                          {"purchasedAt", "2024-05-01T09:00:00Z"},
                                          {"paidAt", "2024-05-01T09:00:01Z"}}));
}

TEST(JsonOut, PendingTicketHasNoOptionalFields) {
  domain::ticket t;
  t.id = "t-2";
  t.type = domain::ticket_type::two_hours;
  t.status = domain::ticket_status::payment_pending;
  t.purchased_at = at(9);
  auto doc = to_json(t);
  EXPECT_EQ(doc["type"], "2h");
  EXPECT_EQ(doc["minutes"], 120);
  EXPECT_EQ(doc["price"], 2000);
  EXPECT_EQ(doc["status"], "payment_pending");
  EXPECT_FALSE(doc.contains("paidAt"));
  EXPECT_FALSE(doc.contains("cancelledAt"));
  EXPECT_FALSE(doc.contains("refundedAmount"));
  EXPECT_FALSE(doc.contains("customerId"));
  EXPECT_EQ(doc.size(), 7u);
}

TEST(JsonOut, CancelledTicketHasCancelledAtAndRefundedAmount) {
  auto t = paid_ticket();
  t.status = domain::ticket_status::cancelled;
  t.cancelled_at = at(9, 10);
  t.refunded_amount = 1000;
  auto doc = to_json(t);
  EXPECT_EQ(doc["status"], "cancelled");
  EXPECT_EQ(doc["cancelledAt"], "2024-05-01T09:10:00Z");
  EXPECT_EQ(doc["refundedAmount"], 1000);
  EXPECT_EQ(doc["paidAt"], "2024-05-01T09:00:01Z");
}

TEST(JsonOut, CancelledUnpaidTicketRefundsZero) {
  domain::ticket t;
  t.id = "t-3";
  t.status = domain::ticket_status::cancelled;
  t.purchased_at = at(9);
  t.cancelled_at = at(9, 5);
  auto doc = to_json(t);
  EXPECT_EQ(doc["refundedAmount"], 0);
  EXPECT_FALSE(doc.contains("paidAt"));
}

TEST(JsonOut, EveryTicketStatusIsSpelledAsInTheContract) {
  domain::ticket t = paid_ticket();
  std::vector<std::pair<domain::ticket_status, std::string>> cases{
      {domain::ticket_status::payment_pending, "payment_pending"}, {domain::ticket_status::paid, "paid"},
      {domain::ticket_status::in_use, "in_use"},                   {domain::ticket_status::used, "used"},
      {domain::ticket_status::cancelled, "cancelled"},             {domain::ticket_status::payment_failed, "payment_failed"}};
  for (const auto& [status, text] : cases) {
    t.status = status;
    EXPECT_EQ(to_json(t)["status"], text);
  }
}

domain::rental active_rental() {
  domain::rental r;
  r.id = "r-01HZX9";
  r.bicycle_id = "SPB-31542";
  r.ticket_id = "t-01HZX3";
  r.customer_id = "c-1";
  r.from_station_id = "ST-101";
  r.rented_at = at(9, 5);
  r.due_at = at(10, 5);
  return r;
}

TEST(JsonOut, ActiveRentalHasNoReturnFields) {
  EXPECT_EQ(to_json(active_rental()), (json{{"id", "r-01HZX9"},
                                            {"bicycleId", "SPB-31542"},
                                            {"ticketId", "t-01HZX3"},
                                            {"fromStationId", "ST-101"},
                                            {"rentedAt", "2024-05-01T09:05:00Z"},
                                            {"dueAt", "2024-05-01T10:05:00Z"},
                                            {"status", "active"}}));
}

TEST(JsonOut, ReturnedRentalHasTheReturnFields) {
  auto r = active_rental();
  r.status = domain::rental_status::returned;
  r.returned_at = at(10, 12);
  r.to_station_id = "ST-205";
  r.overtime_minutes = 7;
  r.overtime_fee = 400;
  EXPECT_EQ(to_json(r), (json{{"id", "r-01HZX9"},
                              {"bicycleId", "SPB-31542"},
                              {"ticketId", "t-01HZX3"},
                              {"fromStationId", "ST-101"},
                              {"rentedAt", "2024-05-01T09:05:00Z"},
                              {"dueAt", "2024-05-01T10:05:00Z"},
                              {"status", "returned"},
                              {"returnedAt", "2024-05-01T10:12:00Z"},
                              {"toStationId", "ST-205"},
                              {"overtimeMinutes", 7},
                              {"overtimeFee", 400}}));
}

TEST(JsonOut, ReturnedOnTimeStillShowsZeroOvertime) {
  auto r = active_rental();
  r.status = domain::rental_status::returned;
  r.returned_at = at(9, 50);
  r.to_station_id = "ST-101";
  auto doc = to_json(r);
  EXPECT_EQ(doc["overtimeMinutes"], 0);
  EXPECT_EQ(doc["overtimeFee"], 0);
}

TEST(JsonOut, Station) {
  app::station_view s{domain::station{"ST-101", "여의나루역 1번출구 앞", 37.52706, 126.93209, 20}, domain::availability{12, 8}};
  EXPECT_EQ(to_json(s), (json{{"id", "ST-101"},
                              {"name", "여의나루역 1번출구 앞"},
                              {"lat", 37.52706},
                              {"lon", 126.93209},
                              {"capacity", 20},
                              {"bicyclesAvailable", 12},
                              {"docksAvailable", 8}}));
}

TEST(JsonOut, BicycleAtAStationAndRented) {
  domain::bicycle parked{"SPB-31542", domain::bicycle_status::available, "ST-101", {}};
  EXPECT_EQ(to_json(parked), (json{{"id", "SPB-31542"}, {"status", "available"}, {"stationId", "ST-101"}}));
  domain::bicycle rented{"SPB-20017", domain::bicycle_status::rented, std::nullopt, "r-1"};
  EXPECT_EQ(to_json(rented), (json{{"id", "SPB-20017"}, {"status", "rented"}}));
}

TEST(JsonOut, Customer) {
  app::customer_profile c{"c-7f3a9e", "010-1234-5678", "김따릉"};
  EXPECT_EQ(to_json(c), (json{{"id", "c-7f3a9e"}, {"phone", "010-1234-5678"}, {"name", "김따릉"}}));
}

TEST(JsonOut, ListsAreItemsObjects) {
  app::page<domain::bicycle> none;
  EXPECT_EQ(page_json(none), (json{{"items", json::array()}}));
  app::page<domain::ticket> one{{paid_ticket()}};
  auto doc = page_json(one);
  ASSERT_EQ(doc["items"].size(), 1u);
  EXPECT_EQ(doc["items"][0]["id"], "t-01HZX3");
}

TEST(JsonOut, APageWithAnotherAfterItNamesItsCursorInNext) {
  app::page<domain::ticket> first{{paid_ticket()}, "t.AAAB"};
  auto doc = page_json(first);
  EXPECT_EQ(doc["next"], "t.AAAB");
  EXPECT_EQ(doc["items"].size(), 1u);
  EXPECT_EQ(doc.size(), 2u);
  auto ids = page_json(first, [](const domain::ticket& t) { return json(t.id); });
  EXPECT_EQ(ids, (json{{"items", {"t-01HZX3"}}, {"next", "t.AAAB"}}));
}

TEST(JsonOut, DumpReplacesInvalidUtf8) {
  json doc = {{"name", std::string{"a\xff"}}};
  EXPECT_TRUE(json::accept(dump(doc)));
}

TEST(JsonOut, CurrentRentalHasTheContractFieldsAndTheTimeLeft) {
  const domain::instant rented = *domain::parse_rfc3339("2026-11-24T09:00:00Z");
  const domain::current_rental r{"c_1", "r_1", "SPB-1", "t_1", "st_a", rented, rented + std::chrono::minutes{60}};
  auto doc = json::parse(current_rental_body(r, rented + std::chrono::minutes{15}));
  EXPECT_EQ(doc, (json{{"rentalId", "r_1"},
                       {"bicycleId", "SPB-1"},
                       {"ticketId", "t_1"},
                       {"fromStationId", "st_a"},
                       {"rentedAt", "2026-11-24T09:00:00Z"},
                       {"dueAt", "2026-11-24T10:00:00Z"},
                       {"remainingSeconds", 45 * 60}}));
  EXPECT_EQ(json::parse(current_rental_body(r, rented + std::chrono::minutes{90}))["remainingSeconds"], 0);
}

TEST(JsonOut, WrittenStringsAreEscapedLikeTheDocumentWriter) {
  for (std::string s : {std::string{"plain"}, std::string{"quote\" and \\ backslash"}, std::string{"tab\t nl\n cr\r"},
                        std::string{"ctl \x01\x1f \x7f"}, std::string{"한글 따릉이 \xF0\x9F\x9A\xB2"},
                        std::string{"nul", 4}}) {
    std::string written;
    append_json_string(written, s);
    EXPECT_EQ(written, dump(json(s))) << s;
    EXPECT_EQ(json::parse(written).get<std::string>(), s);
  }
}

TEST(JsonOut, WrittenStringsReplaceInvalidUtf8) {
  for (std::string s : {std::string{"\xff"}, std::string{"\xC0\x80"}, std::string{"\xED\xA0\x80"}, std::string{"\xE2\x82"},
                        std::string{"\xF4\x90\x80\x80"}}) {
    std::string written;
    append_json_string(written, "a" + s + "b");
    ASSERT_TRUE(json::accept(written)) << written;
    const auto back = json::parse(written).get<std::string>();
    EXPECT_EQ(back.front(), 'a');
    EXPECT_EQ(back.back(), 'b');
    EXPECT_NE(back.find("\xEF\xBF\xBD"), std::string::npos);
  }
}

// ---------------------------------------------------------------- in

void expect_400(const problem& p, std::string_view detail_part) {
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(p.code, "invalid_request");
  EXPECT_NE(p.detail.find(detail_part), std::string::npos) << p.detail;
}

TEST(JsonIn, ParseObjectRefusesNonObjects) {
  expect_400(parse_object("").error(), "required");
  expect_400(parse_object("{").error(), "not valid JSON");
  expect_400(parse_object("{\"a\":1} x").error(), "not valid JSON");
  expect_400(parse_object("[1,2]").error(), "must be a JSON object");
  expect_400(parse_object("\"text\"").error(), "must be a JSON object");
  expect_400(parse_object("null").error(), "must be a JSON object");
  expect_400(parse_object("42").error(), "must be a JSON object");
  expect_400(parse_object(std::string{"{\"a\":\"\xff\"}"}).error(), "not valid JSON");
  EXPECT_TRUE(parse_object("{}"));
}

TEST(JsonIn, DeeplyNestedJsonDoesNotCrash) {
  std::string deep(20'000, '[');
  deep += std::string(20'000, ']');
  EXPECT_FALSE(parse_object(deep));
  std::string deep_object = "{\"a\":" + deep + "}";
  EXPECT_TRUE(parse_object(deep_object));
}

TEST(JsonIn, SignUp) {
  auto ok = parse_sign_up(R"({"phone":"010-1234-5678","password":"bike2024","name":"김따릉","extra":true})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->phone, "010-1234-5678");
  EXPECT_EQ(ok->password, "bike2024");
  EXPECT_EQ(ok->name, "김따릉");
  expect_400(parse_sign_up(R"({"password":"bike2024","name":"n"})").error(), "field phone is required and must be a string");
  expect_400(parse_sign_up(R"({"phone":1,"password":"bike2024","name":"n"})").error(), "field phone");
  expect_400(parse_sign_up(R"({"phone":"010","password":null,"name":"n"})").error(), "field password");
  expect_400(parse_sign_up(R"({"phone":"010","password":"p"})").error(), "field name");
}

TEST(JsonIn, NewTicket) {
  EXPECT_EQ(parse_new_ticket(R"({"type":"1h"})").value(), domain::ticket_type::one_hour);
  EXPECT_EQ(parse_new_ticket(R"({"type":"2h","note":"x"})").value(), domain::ticket_type::two_hours);
  expect_400(parse_new_ticket(R"({"type":"3h"})").error(), "field type");
  expect_400(parse_new_ticket(R"({"type":1})").error(), "field type");
  expect_400(parse_new_ticket(R"({})").error(), "field type is required");
  expect_400(parse_new_ticket(R"([])").error(), "JSON object");
}

TEST(JsonIn, NewRental) {
  auto ok = parse_new_rental(R"({"bicycleId":"SPB-31542","ticketId":"t-1"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->bicycle_id, "SPB-31542");
  EXPECT_EQ(ok->ticket_id, "t-1");
  expect_400(parse_new_rental(R"({"ticketId":"t-1"})").error(), "field bicycleId");
  expect_400(parse_new_rental(R"({"bicycleId":"SPB-1","ticketId":7})").error(), "field ticketId");
  expect_400(parse_new_rental(R"({"bicycleId":"","ticketId":"t-1"})").error(), "field bicycleId must have 1-64");
  expect_400(parse_new_rental(R"({"bicycleId":")" + std::string(65, 'x') + R"(","ticketId":"t-1"})").error(), "bicycleId");
}

TEST(JsonIn, Return) {
  EXPECT_EQ(parse_return(R"({"stationId":"ST-205"})").value(), "ST-205");
  expect_400(parse_return(R"({"station":"ST-205"})").error(), "field stationId is required and must be a string");
  expect_400(parse_return(R"({"stationId":["ST"]})").error(), "field stationId");
}

TEST(JsonIn, NewStation) {
  auto ok = parse_new_station(R"({"id":"ST-101","name":"여의나루","lat":37.52706,"lon":126.93209,"capacity":20})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->id, "ST-101");
  EXPECT_EQ(ok->name, "여의나루");
  EXPECT_DOUBLE_EQ(ok->lat, 37.52706);
  EXPECT_DOUBLE_EQ(ok->lon, 126.93209);
  EXPECT_EQ(ok->capacity, 20);

  auto no_id = parse_new_station(R"({"name":"n","lat":37,"lon":127,"capacity":0})");
  ASSERT_TRUE(no_id);
  EXPECT_FALSE(no_id->id);
  EXPECT_DOUBLE_EQ(no_id->lat, 37.0);
  auto null_id = parse_new_station(R"({"id":null,"name":"n","lat":37,"lon":127,"capacity":20.0})");
  ASSERT_TRUE(null_id);
  EXPECT_FALSE(null_id->id);
  EXPECT_EQ(null_id->capacity, 20);

  expect_400(parse_new_station(R"({"id":5,"name":"n","lat":37,"lon":127,"capacity":1})").error(), "field id must be a string");
  expect_400(parse_new_station(R"({"lat":37,"lon":127,"capacity":1})").error(), "field name");
  expect_400(parse_new_station(R"({"name":"n","lat":"37","lon":127,"capacity":1})").error(), "field lat is required and must be a number");
  expect_400(parse_new_station(R"({"name":"n","lat":37,"capacity":1})").error(), "field lon");
  expect_400(parse_new_station(R"({"name":"n","lat":37,"lon":127})").error(), "field capacity is required and must be an integer");
  expect_400(parse_new_station(R"({"name":"n","lat":37,"lon":127,"capacity":2.5})").error(), "field capacity");
  expect_400(parse_new_station(R"({"name":"n","lat":37,"lon":127,"capacity":"20"})").error(), "field capacity");
  expect_400(parse_new_station(R"({"name":"n","lat":37,"lon":127,"capacity":99999999999})").error(), "capacity is out of range");
  expect_400(parse_new_station(R"({"name":"n","lat":37,"lon":127,"capacity":-99999999999})").error(), "capacity is out of range");
  EXPECT_EQ(parse_new_station(R"({"name":"n","lat":37,"lon":127,"capacity":-1})").value().capacity, -1);  // the domain judges
}

TEST(JsonIn, NewBicycle) {
  auto ok = parse_new_bicycle(R"({"id":"SPB-31542","stationId":"ST-101"})");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->id, "SPB-31542");
  EXPECT_EQ(ok->station_id, "ST-101");
  auto no_id = parse_new_bicycle(R"({"stationId":"ST-101"})");
  ASSERT_TRUE(no_id);
  EXPECT_FALSE(no_id->id);
  expect_400(parse_new_bicycle(R"({"id":"SPB-1"})").error(), "field stationId is required and must be a string");
  expect_400(parse_new_bicycle(R"({"id":true,"stationId":"ST-101"})").error(), "field id must be a string");
}

TEST(JsonIn, BicycleQuery) {
  auto none = parse_bicycle_query("");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->station_id);
  EXPECT_FALSE(none->status);

  auto both = parse_bicycle_query("stationId=ST-101&status=available&other=1");
  ASSERT_TRUE(both);
  EXPECT_EQ(both->station_id, "ST-101");
  EXPECT_EQ(both->status, domain::bicycle_status::available);

  auto rented = parse_bicycle_query("status=rented");
  ASSERT_TRUE(rented);
  EXPECT_EQ(rented->status, domain::bicycle_status::rented);

  auto encoded = parse_bicycle_query("stationId=ST%2D1");
  ASSERT_TRUE(encoded);
  EXPECT_EQ(encoded->station_id, "ST-1");

  auto empty = parse_bicycle_query("stationId=&status=");
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->station_id);
  EXPECT_FALSE(empty->status);

  expect_400(parse_bicycle_query("status=lost").error(), "status must be available or rented");
  expect_400(parse_bicycle_query("status=available&status=rented").error(), "repeated");
  expect_400(parse_bicycle_query("stationId=%zz").error(), "query string");
  expect_400(parse_bicycle_query("stationId=" + std::string(65, 'a')).error(), "stationId");
}

TEST(JsonIn, PathIds) {
  EXPECT_EQ(path_id("t-1", "id").value(), "t-1");
  EXPECT_EQ(path_id("t%2D1", "id").value(), "t-1");
  EXPECT_EQ(path_id(std::string(64, 'a'), "id").value(), std::string(64, 'a'));
  expect_400(path_id(std::string(65, 'a'), "id").error(), "path parameter id must have 1-64 characters");
  expect_400(path_id("", "id").error(), "path parameter id");
  expect_400(path_id("%", "id").error(), "path parameter id");
  expect_400(path_id("a%00b", "id").error(), "path parameter id");
  expect_400(path_id("%0A", "id").error(), "path parameter id");
}

}  // namespace
}  // namespace ttareungyi::http
