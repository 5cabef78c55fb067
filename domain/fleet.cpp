#include "ttareungyi/domain/fleet.hpp"

#include <algorithm>
#include <cmath>

namespace ttareungyi::domain {

bool valid_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::ranges::all_of(id, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

result<void> check_bicycle_id(std::string_view id) {
  if (!valid_id(id)) return std::unexpected(invalid("bicycle id must be 1-64 letters, digits, '-' or '_'"));
  return {};
}

error station_not_found(std::string_view id) {
  return not_found(error_code::station_not_found, "no such station").with("stationId", std::string{id});
}
error bicycle_not_found(std::string_view id) {
  return not_found(error_code::bicycle_not_found, "no such bicycle").with("bicycleId", std::string{id});
}
error bicycle_id_taken(std::string_view id) {
  return conflict(error_code::bicycle_id_taken, "a bicycle with this id exists").with("bicycleId", std::string{id});
}
error rental_not_found(std::string_view id) {
  return not_found(error_code::rental_not_found, "no such rental").with("rentalId", std::string{id});
}
error rental_not_active(std::string_view id) {
  return conflict(error_code::rental_not_active, "this rental has already ended").with("rentalId", std::string{id});
}

result<decided<station, event_payload>> register_station(ids::station_id id, std::string name, double lat, double lon, int capacity) {
  if (!valid_id(id)) return std::unexpected(invalid("station id must be 1-64 letters, digits, '-' or '_'"));
  if (name.empty() || name.size() > 200) return std::unexpected(invalid("station name must be 1-200 characters"));
  if (!std::isfinite(lat) || lat < -90 || lat > 90) return std::unexpected(invalid("lat must be within -90..90"));
  if (!std::isfinite(lon) || lon < -180 || lon > 180) return std::unexpected(invalid("lon must be within -180..180"));
  if (capacity < 0 || capacity > 10'000) return std::unexpected(invalid("capacity must be within 0..10000"));
  station s{std::move(id), std::move(name), lat, lon, capacity};
  auto fact = station_registered{s.id, s.name, s.capacity};
  return decided<station, event_payload>{std::move(s), {std::move(fact)}};
}

availability availability_of(const station& s, int bicycles_parked) {
  return {bicycles_parked, std::max(0, s.capacity - bicycles_parked)};
}

std::string_view to_string(bicycle_status status) { return status == bicycle_status::rented ? "rented" : "available"; }

std::optional<bicycle_status> parse_bicycle_status(std::string_view text) {
  if (text == "available") return bicycle_status::available;
  if (text == "rented") return bicycle_status::rented;
  return std::nullopt;
}

result<decided<bicycle, event_payload>> register_bicycle(ids::bicycle_id id, ids::station_id station_id) {
  if (auto checked = check_bicycle_id(id); !checked) return std::unexpected(checked.error());
  bicycle b{.id = std::move(id), .station_id = std::move(station_id)};
  auto fact = bicycle_registered{b.id, *b.station_id};
  return decided<bicycle, event_payload>{std::move(b), {std::move(fact)}};
}

result<std::vector<event_payload>> delete_bicycle(const bicycle& b) {
  if (b.status == bicycle_status::rented)
    return std::unexpected(conflict(error_code::bicycle_rented, "a rented bicycle cannot be deleted").with("bicycleId", b.id));
  return std::vector<event_payload>{bicycle_deleted{b.id, b.station_id.value_or(ids::station_id{})}};
}

std::string_view to_string(rental_status status) { return status == rental_status::returned ? "returned" : "active"; }

overtime overtime_between(instant due_at, instant returned_at) {
  using namespace std::chrono;
  if (returned_at <= due_at) return {};
  const auto late = returned_at - due_at;
  const auto started = [&](auto unit) { return static_cast<int>((late + unit - milliseconds{1}) / unit); };
  return {started(milliseconds{minutes{1}}), started(milliseconds{overtime_block}) * overtime_fee_per_block};
}

result<decided<ride, event_payload>> rent_bicycle(const bicycle& b, const rent_request& request, instant now) {
  if (b.status != bicycle_status::available)
    return std::unexpected(conflict(error_code::bicycle_unavailable, "bicycle is already rented").with("bicycleId", b.id));
  ride next{b, rental{.id = request.rental_id,
                      .bicycle_id = b.id,
                      .ticket_id = request.ticket_id,
                      .customer_id = request.customer_id,
                      .from_station_id = b.station_id.value_or(ids::station_id{}),
                      .rented_at = now,
                      .due_at = now + request.ride_time}};
  next.bike.status = bicycle_status::rented;
  next.bike.station_id.reset();
  next.bike.rental_id = request.rental_id;
  const rental& r = next.trip;
  auto fact = bicycle_rented{r.id, r.bicycle_id, r.ticket_id, r.customer_id, r.from_station_id, r.rented_at, r.due_at};
  return decided<ride, event_payload>{std::move(next), {std::move(fact)}};
}

result<decided<ride, event_payload>> return_bicycle(const bicycle& b, const rental& r, const ids::station_id& station_id, instant now) {
  if (r.status != rental_status::active || b.status != bicycle_status::rented || b.rental_id != r.id)
    return std::unexpected(rental_not_active(r.id));
  ride next{b, r};
  next.bike.status = bicycle_status::available;
  next.bike.station_id = station_id;
  next.bike.rental_id.reset();
  const auto late = overtime_between(r.due_at, now);
  next.trip.status = rental_status::returned;
  next.trip.returned_at = now;
  next.trip.to_station_id = station_id;
  next.trip.overtime_minutes = late.minutes;
  next.trip.overtime_fee = late.fee;
  auto fact = bicycle_returned{r.id, b.id, r.ticket_id, r.customer_id, station_id, now, late.minutes, late.fee};
  return decided<ride, event_payload>{std::move(next), {std::move(fact)}};
}

}  // namespace ttareungyi::domain
