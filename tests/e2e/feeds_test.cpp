// The public feeds against the real server: a trip planner with no account reads the GBFS
// discovery file, follows every URL it lists on this server, and finds the stations and counts
// the API shows, live as bicycles are rented and returned.
#include "e2e_fixture.hpp"

#include <map>
#include <set>

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Feeds : public server_test {
 protected:
  // The files of the feed by name, read through gbfs.json without a token.
  std::map<std::string, json> read_feed() {
    std::map<std::string, json> files;
    auto discovery = http().get("/gbfs/gbfs.json");
    EXPECT_STATUS(discovery, 200);
    const std::string base = "http://127.0.0.1:" + std::to_string(http().port());
    const auto listed = discovery.json()["data"]["feeds"];
    for (const auto& f : listed) {
      const auto url = f["url"].get<std::string>();
      EXPECT_TRUE(url.starts_with(base + "/gbfs/")) << url;
      auto r = http().get(url.substr(base.size()));
      EXPECT_STATUS(r, 200) << url;
      EXPECT_EQ(r.json()["version"], "3.0") << url;
      files[f["name"].get<std::string>()] = r.json();
    }
    return files;
  }

  // GET station_status.json with the ETag of a copy the planner holds.
  test::response status_since(const std::string& etag) {
    test::request req;
    req.target = "/gbfs/station_status.json";
    req.headers.emplace("If-None-Match", etag);
    return http().send(req);
  }

  // station id -> (vehicles, docks) as station_status tells them.
  std::map<std::string, std::pair<int, int>> status_counts() {
    std::map<std::string, std::pair<int, int>> out;
    const auto stations = http().get("/gbfs/station_status.json").json()["data"]["stations"];
    for (const auto& s : stations)
      out[s["station_id"].get<std::string>()] = {s["num_vehicles_available"].get<int>(), s["num_docks_available"].get<int>()};
    return out;
  }
  // The same from GET /v1/stations.
  std::map<std::string, std::pair<int, int>> api_counts() {
    std::map<std::string, std::pair<int, int>> out;
    const auto stations = list_stations()["items"];
    for (const auto& s : stations)
      out[s["id"].get<std::string>()] = {s["bicyclesAvailable"].get<int>(), s["docksAvailable"].get<int>()};
    return out;
  }
};

TEST_F(Feeds, APlannerFindsTheStationsAndCountsTheApiShows) {
  auto a = id_of(create_station(5));
  auto b = id_of(create_station(3));
  for (int i = 0; i < 4; ++i) create_bicycle(a);
  station_when(a, 4, 1);

  auto files = read_feed();
  EXPECT_EQ(files.size(), 8u);
  std::set<std::string> informed;
  for (const auto& s : files["station_information"]["data"]["stations"]) informed.insert(s["station_id"].get<std::string>());
  EXPECT_EQ(informed, (std::set<std::string>{a, b}));
  EXPECT_EQ(status_counts(), api_counts());

  // A ride moves a bicycle from a to b: the live counts follow, and a planner's copy goes stale.
  const auto before = http().get("/gbfs/station_status.json");
  const auto etag = *before.header("ETag");
  EXPECT_STATUS(status_since(etag), 304);
  auto c = new_customer();
  auto t = buy_ticket(c);
  auto bicycle = list_bicycles("stationId=" + a)["items"].at(0)["id"].get<std::string>();
  auto r = rent(c, bicycle, id_of(t));
  give_back(c, id_of(r), b);
  station_when(b, 1, 2);
  EXPECT_EQ(status_counts(), api_counts());
  EXPECT_EQ(status_counts()[a], (std::pair{3, 2}));
  auto after = status_since(etag);
  EXPECT_STATUS(after, 200);
  EXPECT_NE(after.header("ETag"), etag);
}

TEST_F(Feeds, SeoulsBikeListShowsTheSameCountsPagedByRow) {
  auto a = id_of(create_station(4));
  auto b = id_of(create_station(8));
  for (int i = 0; i < 2; ++i) create_bicycle(b);
  station_when(b, 2, 6);
  auto r = http().get("/seoul/sample/json/bikeList/1/1000/");
  EXPECT_STATUS(r, 200);
  const auto status = r.json()["rentBikeStatus"];
  EXPECT_EQ(status["list_total_count"], 2);
  std::map<std::string, std::pair<int, int>> rows;
  for (const auto& row : status["row"])
    rows[row["stationId"].get<std::string>()] = {std::stoi(row["parkingBikeTotCnt"].get<std::string>()),
                                                 std::stoi(row["rackTotCnt"].get<std::string>())};
  EXPECT_EQ(rows, (std::map<std::string, std::pair<int, int>>{{a, {0, 4}}, {b, {2, 8}}}));
  auto second = http().get("/seoul/sample/json/bikeList/2/2").json()["rentBikeStatus"]["row"];
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["stationId"], std::max(a, b));
  EXPECT_STATUS(http().get("/seoul/sample/json/bikeList/0/2"), 400);
}

TEST_F(Feeds, AnOperatorsAlertReachesThePlanners) {
  auto a = id_of(create_station(4));
  auto posted = http().post_json("/v1/alerts",
                                 json{{"type", "station_closure"},
                                      {"start", "2026-01-01T00:00:00Z"},
                                      {"stationIds", {a}},
                                      {"summary", "대여소 공사"}},
                                 ops());
  EXPECT_STATUS(posted, 201);
  EXPECT_STATUS(http().post_json("/v1/alerts", json{{"type", "other"}, {"start", "2026-01-01T00:00:00Z"}, {"summary", "x"},
                                                    {"stationIds", {"nowhere"}}},
                                 ops()),
                404);
  const auto alerts = http().get("/gbfs/system_alerts.json").json()["data"]["alerts"];
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["alert_id"], posted.json()["id"]);
  EXPECT_EQ(alerts[0]["station_ids"], json::array({a}));
  // Kept across a restart.
  restart_server();
  EXPECT_EQ(http().get("/gbfs/system_alerts.json").json()["data"]["alerts"].size(), 1u);
}

TEST_F(Feeds, APublicUrlNamesTheFiles) {
  restart_server(std::vector<std::string>{"--public-url", "https://bikes.example/"});
  auto discovery = http().get("/gbfs/gbfs.json").json();
  EXPECT_EQ(discovery["data"]["feeds"][0]["url"], "https://bikes.example/gbfs/gbfs.json");
}

}  // namespace
}  // namespace ttareungyi::e2e
