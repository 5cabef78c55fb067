#pragma once
// Rental context: stations (대여소) with docks, bicycles (자전거), and rentals (대여).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::domain {

struct station {
  ids::station_id id{};
  std::string name{};
  double lat = 0;
  double lon = 0;
  int capacity = 0;  // docks
  bool operator==(const station&) const = default;
};

result<decided<station, event_payload>> register_station(ids::station_id id, std::string name, double lat, double lon, int capacity);

struct availability {
  int bicycles_available = 0;
  int docks_available = 0;
};
// Chain docking (연결거치) lets a full station take more bicycles: docks never go below zero.
availability availability_of(const station& s, int bicycles_parked);

enum class bicycle_status { available, rented };
std::string_view to_string(bicycle_status status);
std::optional<bicycle_status> parse_bicycle_status(std::string_view text);

struct bicycle {
  ids::bicycle_id id{};
  bicycle_status status = bicycle_status::available;
  std::optional<ids::station_id> station_id{};  // where it is parked; none while rented
  std::optional<ids::rental_id> rental_id{};    // the active rental while rented
  bool operator==(const bicycle&) const = default;
};

// Plates and other client-chosen ids: 1..64 of [A-Za-z0-9_-].
bool valid_id(std::string_view id);
// A bicycle id a client chose: valid_id, or 400 saying what an id may be.
result<void> check_bicycle_id(std::string_view id);

// The rental context's refusals, one definition each (code, words and the ids involved).
error station_not_found(std::string_view id);
error bicycle_not_found(std::string_view id);
error bicycle_id_taken(std::string_view id);
error rental_not_found(std::string_view id);
error rental_not_active(std::string_view id);  // returned already, or not this bicycle's

result<decided<bicycle, event_payload>> register_bicycle(ids::bicycle_id id, ids::station_id station_id);
result<std::vector<event_payload>> delete_bicycle(const bicycle& b);

enum class rental_status { active, returned };
std::string_view to_string(rental_status status);

struct rental {
  ids::rental_id id{};
  ids::bicycle_id bicycle_id{};
  ids::ticket_id ticket_id{};
  ids::customer_id customer_id{};
  ids::station_id from_station_id{};
  instant rented_at{};
  instant due_at{};
  rental_status status = rental_status::active;
  std::optional<instant> returned_at{};
  std::optional<ids::station_id> to_station_id{};  // once returned
  int overtime_minutes = 0;
  money overtime_fee = 0;
  bool operator==(const rental&) const = default;
};

// Overtime (초과요금): 200 KRW for each started 5 minutes past the due time.
inline constexpr money overtime_fee_per_block = 200;
inline constexpr std::chrono::minutes overtime_block{5};
struct overtime {
  int minutes = 0;  // started minutes past due
  money fee = 0;
};
overtime overtime_between(instant due_at, instant returned_at);

struct rent_request {
  ids::rental_id rental_id{};
  ids::ticket_id ticket_id{};
  ids::customer_id customer_id{};
  std::chrono::minutes ride_time;
};

struct ride {
  bicycle bike;
  rental trip;
  bool operator==(const ride&) const = default;
};

// Rent an available bicycle for a ticket already put in use.
result<decided<ride, event_payload>> rent_bicycle(const bicycle& b, const rent_request& request, instant now);
// Return to any station; the bicycle becomes available there, the rental ends with its overtime.
result<decided<ride, event_payload>> return_bicycle(const bicycle& b, const rental& r, const ids::station_id& station_id, instant now);

}  // namespace ttareungyi::domain
