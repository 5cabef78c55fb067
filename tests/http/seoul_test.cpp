// Stations in the shape of Seoul's open data service (bikeList): the path it pages with, the
// fields and their string values, and the endpoint over the fake facades.
#include <gtest/gtest.h>

#include "api.hpp"
#include "fakes.hpp"
#include "seoul_open_data.hpp"
#include "test_support.hpp"

namespace ttareungyi::http {
namespace {

using test::answers;
using test::body_of;
using test::json;
using test::make_request;

app::station_view view(std::string id, int capacity, int bicycles) {
  return {domain::station{domain::ids::station_id{std::move(id)}, "102. 망원역 1번출구 앞", 37.5556488, 126.91062927, capacity},
          domain::availability{bicycles, std::max(capacity - bicycles, 0)}};
}

TEST(SeoulBikeList, PathsPageByStartAndEndRow) {
  auto r = seoul::parse_bike_list("sample/json/bikeList/1/5/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->start, 1u);
  EXPECT_EQ(r->end, 5u);
  ASSERT_TRUE(seoul::parse_bike_list("KEY/json/bikeList/1001/2000"));
  for (auto bad : {"sample/xml/bikeList/1/5", "sample/json/bikeList/0/5", "sample/json/bikeList/6/5",
                   "sample/json/bikeList/1/1001", "sample/json/bikeList/1", "sample/json/bikeList/1/5/x",
                   "sample/json/bikeList/a/5", "sample/json/stationList/1/5", "/json/bikeList/1/5"})
    EXPECT_FALSE(seoul::parse_bike_list(bad)) << bad;
}

TEST(SeoulBikeList, RowsHaveTheServicesFieldsAsStrings) {
  std::vector<app::station_view> all{view("ST-4", 22, 3), view("ST-5", 10, 15), view("ST-6", 0, 0)};
  auto doc = seoul::bike_list(all, {2, 10});
  const auto& status = doc["rentBikeStatus"];
  EXPECT_EQ(status["list_total_count"], 3);
  EXPECT_EQ(status["RESULT"]["CODE"], "INFO-000");
  ASSERT_EQ(status["row"].size(), 2u);
  EXPECT_EQ(status["row"][0], (json{{"rackTotCnt", "10"},
                                    {"stationName", "102. 망원역 1번출구 앞"},
                                    {"parkingBikeTotCnt", "15"},
                                    {"shared", "150"},  // chain docking: over the docks
                                    {"stationLatitude", "37.55564880"},
                                    {"stationLongitude", "126.91062927"},
                                    {"stationId", "ST-5"}}));
  EXPECT_EQ(status["row"][1]["shared"], "0");
  EXPECT_EQ(seoul::bike_list(all, {1, 1})["rentBikeStatus"]["row"][0]["shared"], "14");  // 3 of 22
  EXPECT_TRUE(seoul::bike_list(all, {4, 5})["rentBikeStatus"]["row"].empty());
}

class SeoulApi : public ::testing::Test {
 protected:
  test::fake_app app;
  test::token_fixture fx;
  api endpoints{app.services(), fx.tokens, {}, 1024};

  response get(const std::string& target) {
    answers got;
    endpoints.handle(make_request("GET", target), got.responder_fn());
    EXPECT_TRUE(got.wait(1)) << target;
    return got.count() > 0 ? got.at(0) : response{0, {}, {}};
  }
};

TEST_F(SeoulApi, PublicRowsOfEveryPageOfStations) {
  {
    std::lock_guard lock{app.world.mutex};
    for (int i = 0; i < 150; ++i) {
      auto v = view("ST-" + std::to_string(1000 + i), 10, i % 11);
      app.world.stations[v.station.id] = v;
    }
  }
  auto r = get("/seoul/sample/json/bikeList/101/200/");
  ASSERT_EQ(r.status, 200) << r.body;
  auto rows = body_of(r)["rentBikeStatus"]["row"];
  ASSERT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows[0]["stationId"], "ST-1100");
  EXPECT_EQ(rows[0]["parkingBikeTotCnt"], std::to_string(100 % 11));
  EXPECT_EQ(body_of(r)["rentBikeStatus"]["list_total_count"], 150);
}

TEST_F(SeoulApi, ABadRangeIs400) {
  auto r = get("/seoul/sample/json/bikeList/1/1001");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r)["code"], "invalid_request");
  EXPECT_EQ(get("/seoul/sample/json/bikeList/5/1").status, 400);
}

}  // namespace
}  // namespace ttareungyi::http
