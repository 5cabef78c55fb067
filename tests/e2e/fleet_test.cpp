// Stations and bicycles: operators create them, everybody lists them.
#include "e2e_fixture.hpp"

#include <set>

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Fleet : public server_test {};

std::set<std::string> ids_of(const json& list) {
  std::set<std::string> out;
  for (const auto& [id, _] : by_id(list)) out.insert(id);
  return out;
}

TEST_F(Fleet, OperatorCreatesStations) {
  auto r = http().post_json("/v1/stations",
                            {{"id", "ST-101"}, {"name", "여의나루역 1번출구 앞"}, {"lat", 37.52706}, {"lon", 126.93209}, {"capacity", 20}},
                            ops());
  ASSERT_STATUS(r, 201);
  auto s = r.json();
  EXPECT_EQ(s["id"], "ST-101");
  EXPECT_EQ(s["name"], "여의나루역 1번출구 앞");
  EXPECT_DOUBLE_EQ(s["lat"].get<double>(), 37.52706);
  EXPECT_DOUBLE_EQ(s["lon"].get<double>(), 126.93209);
  EXPECT_EQ(s["capacity"], 20);
  EXPECT_EQ(s["bicyclesAvailable"], 0);
  EXPECT_EQ(s["docksAvailable"], 20);

  auto generated = http().post_json("/v1/stations", {{"name", "마포구청역"}, {"lat", 37.5}, {"lon", 126.9}, {"capacity", 5}}, ops());
  ASSERT_STATUS(generated, 201);
  auto gid = generated.json()["id"];
  ASSERT_TRUE(gid.is_string() && !gid.get<std::string>().empty()) << generated.describe();
  EXPECT_NE(gid, "ST-101");

  auto listed = station_when("ST-101", 0, 20);
  EXPECT_EQ(listed["name"], "여의나루역 1번출구 앞");
  EXPECT_EQ(listed["capacity"], 20);
  EXPECT_EQ(station_when(gid.get<std::string>(), 0, 5)["name"], "마포구청역");
}

TEST_F(Fleet, StationIdTakenIsConflict) {
  create_station(10, "ST-1");
  EXPECT_PROBLEM(http().post_json("/v1/stations", {{"id", "ST-1"}, {"name", "again"}, {"lat", 1.0}, {"lon", 2.0}, {"capacity", 3}}, ops()),
                 409, "station_id_taken");
  EXPECT_EQ(station("ST-1")["capacity"], 10);
}

TEST_F(Fleet, CustomersAndOperatorsListStations) {
  auto a = create_station(3)["id"].get<std::string>();
  auto b = create_station(4)["id"].get<std::string>();
  auto c = new_customer();
  auto r = eventually([&] { return http().get("/v1/stations", c.auth()); },
                      [&](const response& x) { return x.status == 200 && ids_of(x.json()).size() == 2; });
  ASSERT_STATUS(r, 200);
  EXPECT_EQ(ids_of(r.json()), (std::set<std::string>{a, b}));
  const auto body = r.json();
  for (const auto& s : body["items"]) {
    for (const char* f : {"id", "name", "lat", "lon", "capacity", "bicyclesAvailable", "docksAvailable"})
      EXPECT_TRUE(s.contains(f)) << f << " missing in " << s.dump();
  }
}

TEST_F(Fleet, OperatorRegistersBicycles) {
  auto st = create_station(10, "ST-101")["id"].get<std::string>();
  auto r = http().post_json("/v1/bicycles", {{"id", "SPB-31542"}, {"stationId", st}}, ops());
  ASSERT_STATUS(r, 201);
  EXPECT_EQ(r.json(), (json{{"id", "SPB-31542"}, {"status", "available"}, {"stationId", st}}));

  auto generated = http().post_json("/v1/bicycles", {{"stationId", st}}, ops());
  ASSERT_STATUS(generated, 201);
  auto gid = generated.json()["id"];
  ASSERT_TRUE(gid.is_string() && !gid.get<std::string>().empty()) << generated.describe();
  EXPECT_NE(gid, "SPB-31542");
  EXPECT_EQ(generated.json()["status"], "available");
  EXPECT_EQ(generated.json()["stationId"], st);

  auto listed = bicycle("SPB-31542");
  ASSERT_TRUE(listed.has_value());
  EXPECT_EQ((*listed)["status"], "available");
  EXPECT_EQ((*listed)["stationId"], st);
  EXPECT_EQ(ids_of(list_bicycles()), (std::set<std::string>{"SPB-31542", gid.get<std::string>()}));
}

TEST_F(Fleet, GeneratedBicycleIdsAreDistinct) {
  auto st = create_station(50)["id"].get<std::string>();
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.insert(create_bicycle(st)["id"].get<std::string>());
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(ids_of(list_bicycles()), ids);
}

TEST_F(Fleet, BicycleIdTakenIsConflict) {
  auto a = create_station(10)["id"].get<std::string>();
  auto b = create_station(10)["id"].get<std::string>();
  create_bicycle(a, "SPB-1");
  EXPECT_PROBLEM(http().post_json("/v1/bicycles", {{"id", "SPB-1"}, {"stationId", b}}, ops()), 409, "bicycle_id_taken");
  EXPECT_EQ((*bicycle("SPB-1"))["stationId"], a) << "the existing bicycle must not move";
}

TEST_F(Fleet, BicycleAtUnknownStationIsNotFound) {
  EXPECT_PROBLEM(http().post_json("/v1/bicycles", {{"id", "SPB-2"}, {"stationId", "no-such-station"}}, ops()), 404,
                 "station_not_found");
  EXPECT_FALSE(bicycle("SPB-2").has_value());
}

TEST_F(Fleet, StationAvailabilityCountsBicycles) {
  auto st = create_station(3)["id"].get<std::string>();
  station_when(st, 0, 3);
  create_bicycle(st);
  create_bicycle(st);
  auto s = station_when(st, 2, 1);
  EXPECT_EQ(s["bicyclesAvailable"], 2) << s.dump();
  EXPECT_EQ(s["docksAvailable"], 1) << s.dump();
}

TEST_F(Fleet, BicycleListFilters) {
  auto a = create_station(10)["id"].get<std::string>();
  auto b = create_station(10)["id"].get<std::string>();
  auto a1 = create_bicycle(a)["id"].get<std::string>();
  auto a2 = create_bicycle(a)["id"].get<std::string>();
  auto b1 = create_bicycle(b)["id"].get<std::string>();
  auto c = new_customer();
  rent(c, a1, buy_ticket(c)["id"].get<std::string>());

  using ids = std::set<std::string>;
  EXPECT_EQ(ids_of(list_bicycles()), (ids{a1, a2, b1}));
  EXPECT_EQ(ids_of(list_bicycles("stationId=" + url_encode(a))), (ids{a2})) << "a rented bicycle is at no station";
  EXPECT_EQ(ids_of(list_bicycles("stationId=" + url_encode(b))), (ids{b1}));
  EXPECT_EQ(ids_of(list_bicycles("status=available")), (ids{a2, b1}));
  EXPECT_EQ(ids_of(list_bicycles("status=rented")), (ids{a1}));
  EXPECT_EQ(ids_of(list_bicycles("stationId=" + url_encode(a) + "&status=available")), (ids{a2}));
  EXPECT_EQ(ids_of(list_bicycles("stationId=" + url_encode(b) + "&status=rented")), (ids{}));
  EXPECT_EQ(ids_of(list_bicycles("stationId=nowhere")), (ids{}));

  auto rented = by_id(list_bicycles("status=rented"))[a1];
  EXPECT_EQ(rented["status"], "rented");
  EXPECT_FALSE(rented.contains("stationId") && !rented["stationId"].is_null())
      << "stationId is absent while rented: " << rented.dump();

  auto as_customer = http().get("/v1/bicycles?status=available&stationId=" + url_encode(b), c.auth());
  ASSERT_STATUS(as_customer, 200);
  EXPECT_EQ(ids_of(as_customer.json()), (ids{b1}));

  EXPECT_PROBLEM(http().get("/v1/bicycles?status=flying", ops()), 400, "invalid_request");
}

TEST_F(Fleet, DeleteAvailableBicycle) {
  auto st = create_station(10)["id"].get<std::string>();
  auto id = create_bicycle(st)["id"].get<std::string>();
  auto keep = create_bicycle(st)["id"].get<std::string>();
  station_when(st, 2, 8);

  auto r = http().del("/v1/bicycles/" + url_encode(id), ops());
  ASSERT_STATUS(r, 204);
  EXPECT_TRUE(r.body.empty());
  EXPECT_PROBLEM(http().del("/v1/bicycles/" + url_encode(id), ops()), 404, "bicycle_not_found");
  EXPECT_FALSE(bicycle(id).has_value());
  EXPECT_TRUE(bicycle(keep).has_value());
  station_when(st, 1, 9);
  EXPECT_EQ(station(st)["bicyclesAvailable"], 1);

  auto c = new_customer();
  auto t = buy_ticket(c)["id"].get<std::string>();
  EXPECT_PROBLEM(request_rental(c, id, t), 404, "bicycle_not_found");
  EXPECT_EQ(ticket(c, t)["status"], "paid");
}

TEST_F(Fleet, DeleteRentedBicycleIsConflict) {
  auto st = create_station(10)["id"].get<std::string>();
  auto id = create_bicycle(st)["id"].get<std::string>();
  auto c = new_customer();
  auto rental = rent(c, id, buy_ticket(c)["id"].get<std::string>());

  EXPECT_PROBLEM(http().del("/v1/bicycles/" + url_encode(id), ops()), 409, "bicycle_rented");
  ASSERT_TRUE(bicycle(id).has_value());
  EXPECT_EQ((*bicycle(id))["status"], "rented");

  // The ride goes on and ends normally; then the bicycle can go.
  give_back(c, rental["id"].get<std::string>(), st);
  EXPECT_STATUS(http().del("/v1/bicycles/" + url_encode(id), ops()), 204);
}

TEST_F(Fleet, DeleteUnknownBicycleIsNotFound) {
  EXPECT_PROBLEM(http().del("/v1/bicycles/SPB-00000", ops()), 404, "bicycle_not_found");
}

}  // namespace
}  // namespace ttareungyi::e2e
