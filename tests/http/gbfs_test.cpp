// The GBFS 3.0 feed over the fake facades: every file checked against the rules of the
// specification (MobilityData, gbfs.md at v3.0: required fields, types, enumerations, ids
// referenced across files), the counts equal to the station view's, and ETag/Last-Modified
// with 304 for a planner whose copy is current.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "api.hpp"
#include "fakes.hpp"
#include "test_support.hpp"

namespace ttareungyi::http {
namespace {

using namespace std::chrono_literals;
using test::answers;
using test::body_of;
using test::json;
using test::make_request;

// ---- the specification's rules, as a checker that lists what a file breaks

class spec_check {
 public:
  explicit spec_check(std::string file) : file_(std::move(file)) {}
  const std::vector<std::string>& problems() const { return problems_; }

  void fail(const std::string& where, const std::string& what) { problems_.push_back(file_ + ": " + where + " " + what); }

  // A field the spec marks REQUIRED, of the JSON type `is` checks.
  template <class Is>
  bool required(const json& obj, const std::string& key, Is is, const std::string& where) {
    if (!obj.is_object() || !obj.contains(key)) return fail(where, "lacks required " + key), false;
    if (!is(obj.at(key))) return fail(where + "." + key, "has the wrong type: " + obj.at(key).dump()), false;
    return true;
  }
  template <class Is>
  void optional(const json& obj, const std::string& key, Is is, const std::string& where) {
    if (obj.is_object() && obj.contains(key) && !is(obj.at(key))) fail(where + "." + key, "has the wrong type");
  }
  void one_of(const json& v, std::initializer_list<std::string_view> allowed, const std::string& where) {
    if (!v.is_string() || std::ranges::find(allowed, v.get<std::string>()) == allowed.end())
      fail(where, "is not an allowed value: " + v.dump());
  }
  // Localized String: [{text, language}], a text in each of the system's languages.
  void localized(const json& obj, const std::string& key, const std::set<std::string>& languages, bool needed,
                 const std::string& where) {
    if (!obj.contains(key)) {
      if (needed) fail(where, "lacks required " + key);
      return;
    }
    const auto& v = obj.at(key);
    std::set<std::string> seen;
    if (!v.is_array() || v.empty()) return fail(where + "." + key, "is not a localized string");
    for (const auto& t : v) {
      if (!t.is_object() || !t.contains("text") || !t["text"].is_string() || !t.contains("language") ||
          !t["language"].is_string())
        return fail(where + "." + key, "has an entry without text and language");
      seen.insert(t["language"].get<std::string>());
    }
    if (seen != languages) fail(where + "." + key, "is not given in exactly the system's languages");
  }
  void id(const json& obj, const std::string& key, const std::string& where) {
    if (!required(obj, key, is_string, where)) return;
    static const std::regex printable{"^[\\x21-\\x7E]+$"};
    if (!std::regex_match(obj[key].get<std::string>(), printable)) fail(where + "." + key, "is not a GBFS id");
  }
  void count(const json& obj, const std::string& key, const std::string& where, bool needed = true) {
    if (!obj.contains(key) && !needed) return;
    if (required(obj, key, is_int, where) && obj[key].get<long long>() < 0) fail(where + "." + key, "is negative");
  }
  void timestamp(const json& obj, const std::string& key, const std::string& where) {
    static const std::regex rfc3339{R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)"};
    if (required(obj, key, is_string, where) && !std::regex_match(obj[key].get<std::string>(), rfc3339))
      fail(where + "." + key, "is not an RFC 3339 timestamp");
  }
  void url(const json& obj, const std::string& key, const std::string& where) {
    if (required(obj, key, is_string, where) && !obj[key].get<std::string>().starts_with("http"))
      fail(where + "." + key, "is not an absolute URL");
  }

  static bool is_string(const json& v) { return v.is_string(); }
  static bool is_int(const json& v) { return v.is_number_integer(); }
  static bool is_number(const json& v) { return v.is_number(); }
  static bool is_bool(const json& v) { return v.is_boolean(); }
  static bool is_array(const json& v) { return v.is_array(); }
  static bool is_object(const json& v) { return v.is_object(); }

 private:
  std::string file_;
  std::vector<std::string> problems_;
};

// Every file: last_updated (3.0: an RFC 3339 string), ttl (seconds, >= 0), version "3.0", data.
void check_envelope(spec_check& s, const json& doc) {
  s.timestamp(doc, "last_updated", "file");
  s.count(doc, "ttl", "file");
  if (s.required(doc, "version", spec_check::is_string, "file") && doc["version"] != "3.0")
    s.fail("file.version", "is not 3.0");
  s.required(doc, "data", spec_check::is_object, "file");
}

// The whole feed, read through the discovery file as a planner would: what each file breaks
// of the specification, alone and across files.
struct feed_files {
  std::map<std::string, json> docs;  // by feed name
};

std::vector<std::string> spec_problems(const feed_files& feed) {
  std::vector<std::string> out;
  auto doc = [&](const std::string& name) -> const json& { return feed.docs.at(name); };
  std::set<std::string> languages;
  {
    spec_check s{"system_information"};
    check_envelope(s, doc("system_information"));
    const auto& d = doc("system_information")["data"];
    s.id(d, "system_id", "data");
    if (s.required(d, "languages", spec_check::is_array, "data"))
      for (const auto& l : d["languages"]) languages.insert(l.get<std::string>());
    s.localized(d, "name", languages, true, "data");
    s.localized(d, "short_name", languages, false, "data");
    s.required(d, "opening_hours", spec_check::is_string, "data");
    if (s.required(d, "feed_contact_email", spec_check::is_string, "data") &&
        d["feed_contact_email"].get<std::string>().find('@') == std::string::npos)
      s.fail("data.feed_contact_email", "is not an email address");
    if (s.required(d, "timezone", spec_check::is_string, "data") && d["timezone"] != "Asia/Seoul")
      s.fail("data.timezone", "is not Seoul's");
    out.insert(out.end(), s.problems().begin(), s.problems().end());
  }
  {
    spec_check s{"gbfs"};
    check_envelope(s, doc("gbfs"));
    std::set<std::string> names;
    if (s.required(doc("gbfs")["data"], "feeds", spec_check::is_array, "data"))
      for (const auto& f : doc("gbfs")["data"]["feeds"]) {
        s.one_of(f["name"], {"gbfs", "gbfs_versions", "system_information", "vehicle_types", "station_information",
                             "station_status", "vehicle_status", "system_alerts", "system_regions",
                             "system_pricing_plans", "geofencing_zones"},
                 "feeds[].name");
        s.url(f, "url", "feeds[]");
        names.insert(f["name"].get<std::string>());
      }
    // A docked system publishes system_information, station_information and station_status.
    for (auto required : {"system_information", "station_information", "station_status"})
      if (!names.contains(required)) s.fail("data.feeds", std::string{"does not list "} + required);
    out.insert(out.end(), s.problems().begin(), s.problems().end());
  }
  {
    spec_check s{"gbfs_versions"};
    check_envelope(s, doc("gbfs_versions"));
    for (const auto& v : doc("gbfs_versions")["data"]["versions"]) {
      s.one_of(v["version"], {"1.0", "1.1", "2.0", "2.1", "2.2", "2.3", "3.0"}, "versions[].version");
      s.url(v, "url", "versions[]");
    }
    out.insert(out.end(), s.problems().begin(), s.problems().end());
  }
  std::set<std::string> plan_ids;
  {
    spec_check s{"system_pricing_plans"};
    check_envelope(s, doc("system_pricing_plans"));
    for (const auto& p : doc("system_pricing_plans")["data"]["plans"]) {
      s.id(p, "plan_id", "plans[]");
      plan_ids.insert(p["plan_id"].get<std::string>());
      s.localized(p, "name", languages, true, "plans[]");
      s.localized(p, "description", languages, true, "plans[]");
      if (s.required(p, "currency", spec_check::is_string, "plans[]") && p["currency"] != "KRW")
        s.fail("plans[].currency", "is not KRW");
      if (s.required(p, "price", spec_check::is_number, "plans[]") && p["price"].get<double>() < 0)
        s.fail("plans[].price", "is negative");
      s.required(p, "is_taxable", spec_check::is_bool, "plans[]");
      if (p.contains("per_min_pricing"))
        for (const auto& seg : p["per_min_pricing"]) {
          s.count(seg, "start", "per_min_pricing[]");
          s.required(seg, "rate", spec_check::is_number, "per_min_pricing[]");
          s.count(seg, "interval", "per_min_pricing[]");
          s.count(seg, "end", "per_min_pricing[]", false);
        }
    }
    out.insert(out.end(), s.problems().begin(), s.problems().end());
  }
  std::set<std::string> type_ids;
  {
    spec_check s{"vehicle_types"};
    check_envelope(s, doc("vehicle_types"));
    for (const auto& t : doc("vehicle_types")["data"]["vehicle_types"]) {
      s.id(t, "vehicle_type_id", "vehicle_types[]");
      type_ids.insert(t["vehicle_type_id"].get<std::string>());
      s.one_of(t["form_factor"], {"bicycle", "cargo_bicycle", "car", "moped", "scooter_standing", "scooter_seated", "other"},
               "form_factor");
      s.one_of(t["propulsion_type"], {"human", "electric_assist", "electric", "combustion", "combustion_diesel", "hybrid",
                                      "plug_in_hybrid", "hydrogen_fuel_cell"},
               "propulsion_type");
      if (t["propulsion_type"] != "human") s.count(t, "max_range_meters", "vehicle_types[]");
      s.localized(t, "name", languages, false, "vehicle_types[]");
      // Required once pricing plans are published, and one of them.
      if (s.required(t, "default_pricing_plan_id", spec_check::is_string, "vehicle_types[]") &&
          !plan_ids.contains(t["default_pricing_plan_id"].get<std::string>()))
        s.fail("vehicle_types[].default_pricing_plan_id", "names no plan");
      for (const auto& p : t.value("pricing_plan_ids", json::array()))
        if (!plan_ids.contains(p.get<std::string>())) s.fail("vehicle_types[].pricing_plan_ids", "names no plan");
    }
    out.insert(out.end(), s.problems().begin(), s.problems().end());
  }
  std::set<std::string> informed, reported;
  {
    spec_check s{"station_information"};
    check_envelope(s, doc("station_information"));
    for (const auto& st : doc("station_information")["data"]["stations"]) {
      s.id(st, "station_id", "stations[]");
      informed.insert(st["station_id"].get<std::string>());
      s.localized(st, "name", languages, true, "stations[]");
      if (s.required(st, "lat", spec_check::is_number, "stations[]") && std::abs(st["lat"].get<double>()) > 90)
        s.fail("stations[].lat", "is out of range");
      if (s.required(st, "lon", spec_check::is_number, "stations[]") && std::abs(st["lon"].get<double>()) > 180)
        s.fail("stations[].lon", "is out of range");
      s.count(st, "capacity", "stations[]", false);
      s.optional(st, "is_virtual_station", spec_check::is_bool, "stations[]");
    }
    out.insert(out.end(), s.problems().begin(), s.problems().end());
  }
  {
    spec_check s{"station_status"};
    check_envelope(s, doc("station_status"));
    for (const auto& st : doc("station_status")["data"]["stations"]) {
      s.id(st, "station_id", "stations[]");
      reported.insert(st["station_id"].get<std::string>());
      s.count(st, "num_vehicles_available", "stations[]");
      s.count(st, "num_docks_available", "stations[]");  // required: no station docks without limit
      // Required because vehicle_types.json is published; the counts add up to the total.
      if (s.required(st, "vehicle_types_available", spec_check::is_array, "stations[]")) {
        long long sum = 0;
        for (const auto& a : st["vehicle_types_available"]) {
          s.count(a, "count", "vehicle_types_available[]");
          sum += a.value("count", 0LL);
          if (!type_ids.contains(a.value("vehicle_type_id", ""))) s.fail("vehicle_types_available[]", "names no vehicle type");
        }
        if (sum != st.value("num_vehicles_available", -1LL)) s.fail("stations[]", "counts by type do not add up");
      }
      for (auto flag : {"is_installed", "is_renting", "is_returning"}) s.required(st, flag, spec_check::is_bool, "stations[]");
      s.timestamp(st, "last_reported", "stations[]");
    }
    out.insert(out.end(), s.problems().begin(), s.problems().end());
  }
  if (informed != reported) out.push_back("station_information and station_status list different stations");
  {
    spec_check s{"system_alerts"};
    check_envelope(s, doc("system_alerts"));
    if (s.required(doc("system_alerts")["data"], "alerts", spec_check::is_array, "data"))
      for (const auto& a : doc("system_alerts")["data"]["alerts"]) {
        s.id(a, "alert_id", "alerts[]");
        s.one_of(a["type"], {"system_closure", "station_closure", "station_move", "other"}, "alerts[].type");
        s.localized(a, "summary", languages, true, "alerts[]");
        s.localized(a, "description", languages, false, "alerts[]");
        if (a.contains("times"))
          for (const auto& t : a["times"]) {
            s.timestamp(t, "start", "alerts[].times[]");
            if (t.contains("end")) s.timestamp(t, "end", "alerts[].times[]");
          }
        for (const auto& id : a.value("station_ids", json::array()))
          if (!informed.contains(id.get<std::string>())) s.fail("alerts[].station_ids", "names no station");
        if (a.contains("last_updated")) s.timestamp(a, "last_updated", "alerts[]");
      }
    out.insert(out.end(), s.problems().begin(), s.problems().end());
  }
  return out;
}

// ---- the feed through the api, over the fake facades

class Gbfs : public ::testing::Test {
 protected:
  test::fake_app app;
  test::token_fixture fx;
  test::simulated_clock clock{test::at(9, 30)};
  api endpoints{app.services(), fx.tokens, {}, 1024, &clock, {}, {.public_url = "https://bikes.example/", .contact_email = "ops@bikes.example"}};

  void add_station(const std::string& id, int bicycles, int docks) {
    std::lock_guard lock{app.world.mutex};
    domain::ids::station_id sid{id};
    app.world.stations[sid] = {domain::station{sid, "정류소 " + id, 37.55, 126.91, bicycles + docks},
                               domain::availability{bicycles, docks}};
  }

  response get(const std::string& target, header_list headers = {}) {
    answers got;
    endpoints.handle(make_request("GET", target, {}, std::move(headers)), got.responder_fn());
    EXPECT_TRUE(got.wait(1)) << target;
    return got.count() > 0 ? got.at(0) : response{0, {}, {}};
  }

  // The whole feed as a planner reads it: gbfs.json, then every file it lists.
  feed_files read_feed() {
    feed_files feed;
    auto discovery = get("/gbfs/gbfs.json");
    EXPECT_EQ(discovery.status, 200) << discovery.body;
    feed.docs["gbfs"] = body_of(discovery);
    const auto listed = feed.docs["gbfs"]["data"]["feeds"];  // gbfs.json lists itself: read it again
    for (const auto& f : listed) {
      const auto url = f["url"].get<std::string>();
      EXPECT_TRUE(url.starts_with("https://bikes.example/gbfs/")) << url;
      auto r = get(url.substr(std::string{"https://bikes.example"}.size()));
      EXPECT_EQ(r.status, 200) << url << " " << r.body;
      EXPECT_EQ(r.header("Content-Type"), "application/json") << url;
      feed.docs[f["name"].get<std::string>()] = body_of(r);
    }
    return feed;
  }
};

TEST_F(Gbfs, EveryFileFollowsTheSpecificationWithoutAToken) {
  add_station("ST-101", 3, 7);
  add_station("ST-102", 0, 12);
  add_station("ST-103", 15, 0);  // chain docking: more bicycles than docks
  auto feed = read_feed();
  EXPECT_EQ(feed.docs.size(), 8u);
  EXPECT_EQ(spec_problems(feed), std::vector<std::string>{});
  EXPECT_EQ(feed.docs["station_status"]["ttl"], 0) << "live counts are fetched anew";
  EXPECT_EQ(feed.docs["system_information"]["data"]["feed_contact_email"], "ops@bikes.example");
}

TEST_F(Gbfs, TheSpecCheckFindsWhatAFileBreaks) {
  add_station("ST-101", 3, 7);
  auto feed = read_feed();
  auto broken = feed;
  broken.docs["station_status"]["data"]["stations"][0].erase("num_vehicles_available");
  broken.docs["station_information"]["data"]["stations"][0]["station_id"] = "ST 101";
  broken.docs["vehicle_types"]["data"]["vehicle_types"][0]["form_factor"] = "scooter";
  broken.docs["system_information"]["version"] = "2.3";
  broken.docs["system_pricing_plans"]["data"]["plans"][0]["name"] = json::array({{{"text", "1h"}, {"language", "ko"}}});
  EXPECT_EQ(spec_problems(broken).size(), 7u) << testing::PrintToString(spec_problems(broken));
}

TEST_F(Gbfs, StatusCountsAreTheStationViewsAtTheMomentOfTheAnswer) {
  add_station("ST-101", 3, 7);
  add_station("ST-102", 0, 12);
  auto status = body_of(get("/gbfs/station_status.json"))["data"]["stations"];
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0]["station_id"], "ST-101");
  EXPECT_EQ(status[0]["num_vehicles_available"], 3);
  EXPECT_EQ(status[0]["num_docks_available"], 7);
  EXPECT_EQ(status[1]["num_vehicles_available"], 0);
  add_station("ST-102", 1, 11);
  EXPECT_EQ(body_of(get("/gbfs/station_status.json"))["data"]["stations"][1]["num_vehicles_available"], 1);
}

TEST_F(Gbfs, PricingPlansAreTheTicketsWithTheOvertimeFee) {
  auto plans = body_of(get("/gbfs/system_pricing_plans.json"))["data"]["plans"];
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0]["plan_id"], "1h");
  EXPECT_EQ(plans[0]["price"], 1000);
  EXPECT_EQ(plans[0]["per_min_pricing"], json::parse(R"([{"start": 60, "rate": 200, "interval": 5}])"));
  EXPECT_EQ(plans[1]["plan_id"], "2h");
  EXPECT_EQ(plans[1]["price"], 2000);
  EXPECT_EQ(plans[1]["per_min_pricing"], json::parse(R"([{"start": 120, "rate": 200, "interval": 5}])"));
}

TEST_F(Gbfs, AnUnchangedFileKeepsItsVersionAndACurrentCopyGets304) {
  add_station("ST-101", 3, 7);
  auto first = get("/gbfs/station_status.json");
  ASSERT_EQ(first.status, 200);
  const auto etag = std::string{*first.header("ETag")};
  const auto modified = std::string{*first.header("Last-Modified")};
  EXPECT_EQ(modified, "Wed, 01 May 2024 09:30:00 GMT");
  EXPECT_EQ(body_of(first)["last_updated"], "2024-05-01T09:30:00Z");

  clock.advance(90s);
  auto again = get("/gbfs/station_status.json");
  EXPECT_EQ(again.header("ETag"), etag);
  EXPECT_EQ(again.header("Last-Modified"), modified);
  EXPECT_EQ(body_of(again)["last_updated"], "2024-05-01T09:30:00Z") << "nothing changed since";

  auto current = get("/gbfs/station_status.json", {{"If-None-Match", etag}});
  EXPECT_EQ(current.status, 304);
  EXPECT_TRUE(current.body.empty());
  EXPECT_EQ(current.header("ETag"), etag);
  EXPECT_EQ(get("/gbfs/station_status.json", {{"If-None-Match", "\"other\", " + etag}}).status, 304);
  EXPECT_EQ(get("/gbfs/station_status.json", {{"If-Modified-Since", modified}}).status, 304);
  // If-None-Match decides when both are sent.
  EXPECT_EQ(get("/gbfs/station_status.json", {{"If-None-Match", "\"other\""}, {"If-Modified-Since", modified}}).status,
            200);

  add_station("ST-101", 2, 8);  // a rent
  auto changed = get("/gbfs/station_status.json", {{"If-None-Match", etag}});
  EXPECT_EQ(changed.status, 200);
  EXPECT_NE(changed.header("ETag"), etag);
  EXPECT_EQ(body_of(changed)["last_updated"], "2024-05-01T09:31:30Z");
  EXPECT_EQ(body_of(changed)["data"]["stations"][0]["last_reported"], "2024-05-01T09:31:30Z");
}

TEST_F(Gbfs, AlertsPostedByAnOperatorArePublishedUntilTheyAreOver) {
  add_station("ST-101", 3, 7);
  const auto ops = fx.bearer("ops-1", "operator");
  auto post = [&](const json& body, const std::string& auth) {
    answers got;
    header_list headers{{"Content-Type", "application/json"}, {"Authorization", auth}};
    endpoints.handle(make_request("POST", "/v1/alerts", body.dump(), std::move(headers)), got.responder_fn());
    EXPECT_TRUE(got.wait(1));
    return got.count() > 0 ? got.at(0) : response{0, {}, {}};
  };
  auto closure = post({{"type", "station_closure"},
                       {"start", "2024-05-01T09:00:00Z"},
                       {"end", "2024-05-01T10:00:00Z"},
                       {"stationIds", {"ST-101"}},
                       {"summary", "망원역 대여소 공사"}},
                      ops);
  ASSERT_EQ(closure.status, 201) << closure.body;
  EXPECT_EQ(closure.header("Location"), "/gbfs/system_alerts.json");
  EXPECT_EQ(body_of(closure)["stationIds"], json::array({"ST-101"}));
  EXPECT_EQ(body_of(closure)["end"], "2024-05-01T10:00:00Z");
  ASSERT_EQ(post({{"type", "other"}, {"start", "2024-05-01T09:00:00Z"}, {"summary", "요금 안내"}}, ops).status, 201);

  // A customer may not post; bad input is a 400 problem before the facade.
  EXPECT_EQ(post({{"type", "other"}, {"start", "2024-05-01T09:00:00Z"}, {"summary", "x"}}, fx.bearer("c-1", "customer")).status,
            403);
  EXPECT_EQ(post({{"type", "scooter"}, {"start", "2024-05-01T09:00:00Z"}, {"summary", "x"}}, ops).status, 400);
  EXPECT_EQ(post({{"type", "other"}, {"start", "yesterday"}, {"summary", "x"}}, ops).status, 400);
  EXPECT_EQ(post({{"type", "other"}, {"start", "2024-05-01T09:00:00Z"}, {"summary", "x"}, {"stationIds", "ST-101"}}, ops).status,
            400);

  auto feed = read_feed();
  EXPECT_EQ(spec_problems(feed), std::vector<std::string>{});
  auto alerts = feed.docs["system_alerts"]["data"]["alerts"];
  ASSERT_EQ(alerts.size(), 2u) << alerts.dump();
  EXPECT_EQ(alerts[0]["type"], "station_closure");
  EXPECT_EQ(alerts[0]["station_ids"], json::array({"ST-101"}));
  EXPECT_EQ(alerts[0]["times"], json::parse(R"([{"start": "2024-05-01T09:00:00Z", "end": "2024-05-01T10:00:00Z"}])"));
  EXPECT_EQ(alerts[0]["summary"][1], (json{{"text", "망원역 대여소 공사"}, {"language", "en"}}));
  EXPECT_FALSE(alerts[1].contains("station_ids")) << "the whole system";

  clock.advance(31min);  // 10:01: the closure is over, the open-ended notice stays
  alerts = body_of(get("/gbfs/system_alerts.json"))["data"]["alerts"];
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["type"], "other");
}

TEST_F(Gbfs, UnknownFilesAre404AndUrlsFollowTheHostWithoutAPublicUrl) {
  auto missing = get("/gbfs/free_bike_status.json");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(body_of(missing)["code"], "not_found");
  EXPECT_EQ(get("/gbfs/gbfs").status, 404);

  api by_host{app.services(), fx.tokens, {}, 1024, &clock};
  answers got;
  by_host.handle(make_request("GET", "/gbfs/gbfs.json", {}, {{"Host", "bikes.test:8080"}}), got.responder_fn());
  ASSERT_TRUE(got.wait(1));
  EXPECT_EQ(body_of(got.at(0))["data"]["feeds"][0]["url"], "http://bikes.test:8080/gbfs/gbfs.json");
}

TEST_F(Gbfs, AStationListingFailureIsAProblem) {
  app.fail_next(domain::error{domain::error_kind::unavailable, std::nullopt, "the listing is down"});
  auto r = get("/gbfs/station_information.json");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
}

}  // namespace
}  // namespace ttareungyi::http
