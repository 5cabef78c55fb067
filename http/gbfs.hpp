#pragma once
// The public GBFS 3.0 feed (General Bikeshare Feed Specification, MobilityData): how trip
// planners see the system's stations, their availability and its prices. Pure: each file's
// document is built from the station view's stations and counts, the base URL and a time, all
// passed in; the handler (feeds.cpp) fetches them and answers with ETag and Last-Modified.
#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ttareungyi/app/services.hpp"
#include "ttareungyi/domain/alert.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::http::gbfs {

using json = nlohmann::json;

// The files this server publishes, in the order gbfs.json lists them.
enum class feed {
  gbfs,
  gbfs_versions,
  system_information,
  vehicle_types,
  station_information,
  station_status,
  system_pricing_plans,
  system_alerts,
};
inline constexpr std::size_t feed_count = static_cast<std::size_t>(feed::system_alerts) + 1;

// "station_status.json" names feed::station_status; anything else names none.
std::optional<feed> feed_named(std::string_view file);
std::string_view name_of(feed f);  // "station_status"
// Seconds a planner may keep the file: 0 for the live counts, longer for what rarely changes.
int ttl_of(feed f);
// What a file is made from, besides what the system says of itself.
enum class source { none, stations, alerts };
source source_of(feed f);

// What the system says of itself.
struct system_facts {
  std::string base_url;       // absolute, e.g. "https://bikes.example"; files are at base_url + "/gbfs/<name>.json"
  std::string contact_email;  // feed_contact_email
};

// What the files are made from: the stations with the station view's counts, and the alerts
// (those over at `now` are left out).
struct sources {
  std::span<const app::station_view> stations{};
  std::span<const domain::alert> alerts{};
  domain::instant now{};
};

// The `data` of a file, from the part of `from` that source_of(f) names.
json data_of(feed f, const system_facts& system, const sources& from);

// The whole file: last_updated, ttl, version "3.0" and the data; in station_status each
// station's last_reported is the file's last_updated (when its counts were last seen to change).
json document(feed f, json data, domain::instant last_updated);

// When each file's content last changed, so that an unchanged file keeps its ETag and
// Last-Modified and a planner polling with If-None-Match gets 304. Memory: one entry per file.
class versions {
 public:
  struct version {
    std::string etag;        // strong, quoted: the content's digest
    domain::instant since;   // when this content was first served
  };
  // The version of `f` whose content is `content`: the last one while the content is the same,
  // otherwise a new one since `now`.
  version observe(feed f, std::string_view content, domain::instant now);

 private:
  struct seen {
    std::uint64_t digest = 0;
    version current;
  };
  std::mutex mutex_;
  std::array<std::optional<seen>, feed_count> files_;
};

}  // namespace ttareungyi::http::gbfs
