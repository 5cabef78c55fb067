#include "seoul_open_data.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>

namespace ttareungyi::http::seoul {

namespace {

// The next '/'-separated part of `rest`.
std::string_view next_part(std::string_view& rest) {
  const auto slash = rest.find('/');
  auto part = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  return part;
}

std::optional<std::size_t> row_number(std::string_view text) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || n == 0) return std::nullopt;
  return n;
}

std::string coordinate(double degrees) {
  char out[32];
  std::snprintf(out, sizeof out, "%.8f", degrees);
  return out;
}

}  // namespace

std::optional<row_range> parse_bike_list(std::string_view rest) {
  const auto key = next_part(rest);
  if (key.empty() || next_part(rest) != "json" || next_part(rest) != "bikeList") return std::nullopt;
  const auto start = row_number(next_part(rest));
  const auto end = row_number(next_part(rest));
  if (!rest.empty() || !start || !end || *end < *start || *end - *start + 1 > max_rows) return std::nullopt;
  return row_range{*start, *end};
}

nlohmann::json bike_list(const std::vector<app::station_view>& stations, row_range rows) {
  auto out = nlohmann::json::array();
  for (std::size_t i = rows.start - 1; i < std::min(rows.end, stations.size()); ++i) {
    const auto& s = stations[i].station;
    const int parked = std::max(stations[i].availability.bicycles_available, 0);
    // Occupancy in percent of the docks, as the service computes it (above 100 with chain docking).
    const int shared = s.capacity > 0 ? (parked * 100 + s.capacity / 2) / s.capacity : 0;
    out.push_back({
        {"rackTotCnt", std::to_string(s.capacity)},
        {"stationName", s.name},
        {"parkingBikeTotCnt", std::to_string(parked)},
        {"shared", std::to_string(shared)},
        {"stationLatitude", coordinate(s.lat)},
        {"stationLongitude", coordinate(s.lon)},
        {"stationId", s.id.str()},
    });
  }
  return {{"rentBikeStatus",
           {{"list_total_count", stations.size()},
            {"RESULT", {{"CODE", "INFO-000"}, {"MESSAGE", "정상 처리되었습니다."}}},
            {"row", std::move(out)}}}};
}

}  // namespace ttareungyi::http::seoul
