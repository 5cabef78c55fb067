#include "gbfs.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "ttareungyi/domain/fleet.hpp"
#include "ttareungyi/domain/ticket.hpp"

namespace ttareungyi::http::gbfs {

namespace {

constexpr std::array<std::string_view, feed_count> names{
    "gbfs",          "gbfs_versions",       "system_information",   "vehicle_types",
    "station_information", "station_status", "system_pricing_plans", "system_alerts",
};

// The one kind of vehicle: a human-powered bicycle, rented with a 1 h or 2 h ticket.
constexpr std::string_view bicycle_type = "bicycle";
constexpr std::array passes{domain::ticket_type::one_hour, domain::ticket_type::two_hours};

// A localized string: the same thing said in each of the system's languages (ko, en).
json localized(std::string_view ko, std::string_view en) {
  return json::array({{{"text", ko}, {"language", "ko"}}, {{"text", en}, {"language", "en"}}});
}

json feeds(const system_facts& system) {
  json out = json::array();
  for (auto name : names)
    out.push_back({{"name", name}, {"url", system.base_url + "/gbfs/" + std::string{name} + ".json"}});
  return out;
}

json system_information(const system_facts& system) {
  return {
      {"system_id", "ttareungyi"},
      {"languages", json::array({"ko", "en"})},
      {"name", localized("따릉이", "Ttareungyi")},
      {"short_name", localized("따릉이", "Ttareungyi")},
      {"opening_hours", "24/7"},  // rents and returns never close
      {"feed_contact_email", system.contact_email},
      {"timezone", "Asia/Seoul"},
  };
}

json vehicle_types() {
  return {{"vehicle_types",
           json::array({{
               {"vehicle_type_id", bicycle_type},
               {"form_factor", "bicycle"},
               {"propulsion_type", "human"},
               {"name", localized("자전거", "Bicycle")},
               {"default_pricing_plan_id", domain::to_string(domain::ticket_type::one_hour)},
               {"pricing_plan_ids", json::array({domain::to_string(passes[0]), domain::to_string(passes[1])})},
           }})}};
}

// A ticket as a plan: its price buys its minutes; past them, the overtime fee of each started
// block (200 KRW per 5 minutes), charged from the minute the ticket runs out.
json plan(domain::ticket_type type) {
  const auto terms = domain::terms_of(type);
  const auto minutes = std::to_string(terms.ride_time.count());
  const auto fee = std::to_string(domain::overtime_fee_per_block);
  const auto block = std::to_string(domain::overtime_block.count());
  return {
      {"plan_id", domain::to_string(type)},
      {"name", localized(minutes + "분 이용권", minutes + "-minute pass")},
      {"currency", "KRW"},
      {"price", terms.price},
      {"is_taxable", false},
      {"description", localized(minutes + "분 이용. 초과 시 " + block + "분마다 " + fee + "원.",
                                minutes + " minutes of riding; past them, " + fee + " KRW for each started " + block +
                                    " minutes.")},
      {"per_min_pricing", json::array({{{"start", terms.ride_time.count()},
                                        {"rate", domain::overtime_fee_per_block},
                                        {"interval", domain::overtime_block.count()}}})},
  };
}

json station_information(std::span<const app::station_view> stations) {
  json out = json::array();
  for (const auto& v : stations) {
    const auto& s = v.station;
    out.push_back({
        {"station_id", s.id},
        {"name", localized(s.name, s.name)},  // stations are named once, as the operator wrote it
        {"lat", s.lat},
        {"lon", s.lon},
        {"capacity", s.capacity},
        {"is_virtual_station", false},
    });
  }
  return {{"stations", std::move(out)}};
}

json station_status(std::span<const app::station_view> stations) {
  json out = json::array();
  for (const auto& v : stations) {
    const auto bicycles = std::max(v.availability.bicycles_available, 0);
    out.push_back({
        {"station_id", v.station.id},
        {"num_vehicles_available", bicycles},
        {"vehicle_types_available", json::array({{{"vehicle_type_id", bicycle_type}, {"count", bicycles}}})},
        {"num_docks_available", std::max(v.availability.docks_available, 0)},
        {"is_installed", true},
        {"is_renting", true},
        {"is_returning", true},  // chain docking: a full station still takes a bicycle back
    });
  }
  return {{"stations", std::move(out)}};
}

// Alerts not over yet: in effect, or announced for later. The operator's text in both languages.
json system_alerts(std::span<const domain::alert> alerts, domain::instant now) {
  json out = json::array();
  for (const auto& a : alerts) {
    if (!domain::not_over(a, now)) continue;
    json window{{"start", domain::to_rfc3339(a.start)}};
    if (a.end) window["end"] = domain::to_rfc3339(*a.end);
    json alert{{"alert_id", a.id.str()},
               {"type", domain::to_string(a.type)},
               {"times", json::array({std::move(window)})},
               {"summary", localized(a.summary, a.summary)},
               {"last_updated", domain::to_rfc3339(a.posted_at)}};
    if (!a.station_ids.empty()) {
      alert["station_ids"] = json::array();
      for (const auto& s : a.station_ids) alert["station_ids"].push_back(s.str());
    }
    if (!a.description.empty()) alert["description"] = localized(a.description, a.description);
    out.push_back(std::move(alert));
  }
  return {{"alerts", std::move(out)}};
}

// FNV-1a, 64 bits: a digest of the content for its ETag (no security role).
std::uint64_t digest_of(std::string_view content) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : content) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::optional<feed> feed_named(std::string_view file) {
  constexpr std::string_view suffix = ".json";
  if (!file.ends_with(suffix)) return std::nullopt;
  file.remove_suffix(suffix.size());
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == file) return static_cast<feed>(i);
  return std::nullopt;
}

std::string_view name_of(feed f) { return names[static_cast<std::size_t>(f)]; }

int ttl_of(feed f) {
  switch (f) {
    case feed::station_status:
      return 0;  // live counts: fetch anew each time (If-None-Match keeps that cheap)
    case feed::station_information:
    case feed::system_alerts:
      return 60;
    default:
      return 3600;
  }
}

source source_of(feed f) {
  if (f == feed::station_information || f == feed::station_status) return source::stations;
  return f == feed::system_alerts ? source::alerts : source::none;
}

json data_of(feed f, const system_facts& system, const sources& from) {
  switch (f) {
    case feed::gbfs:
      return {{"feeds", feeds(system)}};
    case feed::gbfs_versions:
      return {{"versions", json::array({{{"version", "3.0"}, {"url", system.base_url + "/gbfs/gbfs.json"}}})}};
    case feed::system_information:
      return system_information(system);
    case feed::vehicle_types:
      return vehicle_types();
    case feed::station_information:
      return station_information(from.stations);
    case feed::station_status:
      return station_status(from.stations);
    case feed::system_pricing_plans:
      return {{"plans", json::array({plan(passes[0]), plan(passes[1])})}};
    case feed::system_alerts:
      return system_alerts(from.alerts, from.now);
  }
  return json::object();
}

json document(feed f, json data, domain::instant last_updated) {
  const auto when = domain::to_rfc3339(last_updated);
  if (f == feed::station_status)
    for (auto& s : data["stations"]) s["last_reported"] = when;
  return {{"last_updated", when}, {"ttl", ttl_of(f)}, {"version", "3.0"}, {"data", std::move(data)}};
}

versions::version versions::observe(feed f, std::string_view content, domain::instant now) {
  const auto digest = digest_of(content);
  std::lock_guard lock{mutex_};
  auto& file = files_[static_cast<std::size_t>(f)];
  if (!file || file->digest != digest) {
    char etag[24];
    std::snprintf(etag, sizeof etag, "\"%016llx\"", static_cast<unsigned long long>(digest));
    file = seen{digest, version{etag, std::chrono::floor<std::chrono::seconds>(now)}};
  }
  return file->current;
}

}  // namespace ttareungyi::http::gbfs
