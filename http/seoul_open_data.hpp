#pragma once
// Stations in the shape of Seoul's open data service (서울 열린데이터광장, `bikeList`), so that
// dashboards built on it can point here: GET /seoul/{key}/json/bikeList/{start}/{end}, the rows
// start..end (1-based, inclusive, at most 1000) of the stations in id order. Pure.
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ttareungyi/app/services.hpp"

namespace ttareungyi::http::seoul {

inline constexpr std::size_t max_rows = 1000;

struct row_range {
  std::size_t start = 1;  // 1-based
  std::size_t end = 1;    // inclusive
};

// "{key}/json/bikeList/{start}/{end}" with an optional trailing '/' (the key is not checked:
// the feed is public). Nothing when the path or the range is not one the service answers.
std::optional<row_range> parse_bike_list(std::string_view rest);

// {"rentBikeStatus": {"list_total_count", "RESULT": {"CODE", "MESSAGE"}, "row": [...]}} with
// the service's field names and, as it writes them, every value a string.
nlohmann::json bike_list(const std::vector<app::station_view>& stations, row_range rows);

}  // namespace ttareungyi::http::seoul
