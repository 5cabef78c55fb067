#include "json_mapping.hpp"

#include <cmath>
#include <limits>

#include "forms.hpp"
#include "json_writer.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::http {

// ---------------------------------------------------------------- out

json to_json(const app::customer_profile& c) { return json{{"id", c.id}, {"phone", c.phone}, {"name", c.name}}; }

json to_json(const domain::ticket& t) {
  auto terms = t.terms();
  json doc = {
      {"id", t.id},
      {"type", domain::to_string(t.type)},
      {"minutes", terms.ride_time.count()},
      {"price", terms.price},
      {"currency", "KRW"},
      {"status", domain::to_string(t.status)},
      {"purchasedAt", domain::to_rfc3339(t.purchased_at)},
  };
  if (t.paid_at) doc["paidAt"] = domain::to_rfc3339(*t.paid_at);
  if (t.cancelled_at) doc["cancelledAt"] = domain::to_rfc3339(*t.cancelled_at);
  if (t.refunded_amount) {
    doc["refundedAmount"] = *t.refunded_amount;
  } else if (t.status == domain::ticket_status::cancelled) {
    doc["refundedAmount"] = 0;
  }
  return doc;
}

json to_json(const domain::rental& r) {
  json doc = {
      {"id", r.id},
      {"bicycleId", r.bicycle_id},
      {"ticketId", r.ticket_id},
      {"fromStationId", r.from_station_id},
      {"rentedAt", domain::to_rfc3339(r.rented_at)},
      {"dueAt", domain::to_rfc3339(r.due_at)},
      {"status", domain::to_string(r.status)},
  };
  if (r.status == domain::rental_status::returned) {
    if (r.returned_at) doc["returnedAt"] = domain::to_rfc3339(*r.returned_at);
    if (r.to_station_id) doc["toStationId"] = *r.to_station_id;
    doc["overtimeMinutes"] = r.overtime_minutes;
    doc["overtimeFee"] = r.overtime_fee;
  }
  return doc;
}

json to_json(const app::station_view& s) {
  return json{
      {"id", s.station.id},
      {"name", s.station.name},
      {"lat", s.station.lat},
      {"lon", s.station.lon},
      {"capacity", s.station.capacity},
      {"bicyclesAvailable", s.availability.bicycles_available},
      {"docksAvailable", s.availability.docks_available},
  };
}

json to_json(const domain::bicycle& b) {
  json doc = {{"id", b.id}, {"status", domain::to_string(b.status)}};
  if (b.station_id) doc["stationId"] = *b.station_id;
  return doc;
}

json to_json(const domain::alert& a) {
  json doc = {{"id", a.id},
              {"type", domain::to_string(a.type)},
              {"start", domain::to_rfc3339(a.start)},
              {"stationIds", json::array()},
              {"summary", a.summary},
              {"description", a.description},
              {"postedAt", domain::to_rfc3339(a.posted_at)}};
  if (a.end) doc["end"] = domain::to_rfc3339(*a.end);
  for (const auto& s : a.station_ids) doc["stationIds"].push_back(s);
  return doc;
}

json to_json(const app::payment_health& h) {
  json doc = {{"breaker", domain::to_string(h.breaker)}, {"failures", h.failures}};
  if (h.since) doc["since"] = domain::to_rfc3339(*h.since);
  if (h.retry_at) doc["retryAt"] = domain::to_rfc3339(*h.retry_at);
  return doc;
}

json to_json(const app::peer_health& p) {
  static constexpr const char* states[] = {"connecting", "connected", "refused"};
  json doc = {{"context", p.context}, {"address", p.address}, {"state", states[static_cast<int>(p.state)]}};
  if (p.since) doc["since"] = domain::to_rfc3339(*p.since);
  if (!p.last_error.empty()) doc["lastError"] = p.last_error;
  return doc;
}

json to_json(const app::notifier_health& n) {
  return {{"partitions", n.partitions}, {"generation", n.generation}, {"owned", n.owned}};
}

std::string current_rental_body(const domain::current_rental& r, domain::instant now) {
  return json_object_writer{}
      .field("rentalId", r.rental_id)
      .field("bicycleId", r.bicycle_id)
      .field("ticketId", r.ticket_id)
      .field("fromStationId", r.from_station_id)
      .field("rentedAt", domain::to_rfc3339(r.rented_at))
      .field("dueAt", domain::to_rfc3339(r.due_at))
      .field("remainingSeconds", domain::remaining_seconds(r, now))
      .finish();
}

std::string dump(const json& doc) { return doc.dump(-1, ' ', false, json::error_handler_t::replace); }

// ---------------------------------------------------------------- in

namespace {

problem missing(std::string_view name, std::string_view what) {
  return bad_request("field " + std::string{name} + " is required and must be " + std::string{what});
}

checked<std::string> required_string(const json& doc, std::string_view name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) return std::unexpected(missing(name, "a string"));
  return it->get<std::string>();
}

// Absent or null: nullopt; a string: its value; anything else: 400.
checked<std::optional<std::string>> optional_string(const json& doc, std::string_view name) {
  auto it = doc.find(name);
  if (it == doc.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return std::unexpected(bad_request("field " + std::string{name} + " must be a string"));
  return std::optional<std::string>{it->get<std::string>()};
}

// An optional id field as an id, when given; "" is none (the server chooses one).
template <class Id>
std::optional<Id> as_id(std::optional<std::string> text) {
  if (!text || text->empty()) return std::nullopt;
  return Id{std::move(*text)};
}

checked<std::string> required_id(const json& doc, std::string_view name) {
  auto value = required_string(doc, name);
  if (value && !acceptable_id(*value)) {
    return std::unexpected(bad_request("field " + std::string{name} + " must have 1-64 characters"));
  }
  return value;
}

checked<double> required_number(const json& doc, std::string_view name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_number()) return std::unexpected(missing(name, "a number"));
  double value = it->get<double>();
  if (!std::isfinite(value)) return std::unexpected(missing(name, "a number"));
  return value;
}

checked<int> required_int(const json& doc, std::string_view name) {
  auto it = doc.find(name);
  if (it == doc.end()) return std::unexpected(missing(name, "an integer"));
  if (it->is_number_unsigned()) {
    auto v = it->get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
      return std::unexpected(bad_request("field " + std::string{name} + " is out of range"));
    }
    return static_cast<int>(v);
  }
  if (it->is_number_integer()) {
    auto v = it->get<std::int64_t>();
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
      return std::unexpected(bad_request("field " + std::string{name} + " is out of range"));
    }
    return static_cast<int>(v);
  }
  if (it->is_number_float()) {
    // 20.0 is an integer written as a float; 20.5 is not.
    double v = it->get<double>();
    if (std::isfinite(v) && std::trunc(v) == v && v >= std::numeric_limits<int>::min() &&
        v <= std::numeric_limits<int>::max()) {
      return static_cast<int>(v);
    }
  }
  return std::unexpected(missing(name, "an integer"));
}

}  // namespace

checked<json> parse_object(std::string_view body) {
  if (body.empty()) return std::unexpected(bad_request("request body is required: a JSON object"));
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) return std::unexpected(bad_request("request body is not valid JSON"));
  if (!doc.is_object()) return std::unexpected(bad_request("request body must be a JSON object"));
  return doc;
}

checked<domain::sign_up_request> parse_sign_up(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  auto phone = required_string(*doc, "phone");
  if (!phone) return std::unexpected(phone.error());
  auto password = required_string(*doc, "password");
  if (!password) return std::unexpected(password.error());
  auto name = required_string(*doc, "name");
  if (!name) return std::unexpected(name.error());
  return domain::sign_up_request{std::move(*phone), std::move(*password), std::move(*name)};
}

checked<domain::ticket_type> parse_new_ticket(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  auto type = required_string(*doc, "type");
  if (!type) return std::unexpected(type.error());
  auto parsed = domain::parse_ticket_type(*type);
  if (!parsed) return std::unexpected(bad_request("field type must be \"1h\" or \"2h\""));
  return *parsed;
}

checked<rent_body> parse_new_rental(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  auto bicycle = required_id(*doc, "bicycleId");
  if (!bicycle) return std::unexpected(bicycle.error());
  auto ticket = required_id(*doc, "ticketId");
  if (!ticket) return std::unexpected(ticket.error());
  return rent_body{domain::ids::bicycle_id{std::move(*bicycle)}, domain::ids::ticket_id{std::move(*ticket)}};
}

checked<domain::ids::station_id> parse_return(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  auto station = required_id(*doc, "stationId");
  if (!station) return std::unexpected(station.error());
  return domain::ids::station_id{std::move(*station)};
}

checked<app::new_station> parse_new_station(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  auto id = optional_string(*doc, "id");
  if (!id) return std::unexpected(id.error());
  auto name = required_string(*doc, "name");
  if (!name) return std::unexpected(name.error());
  auto lat = required_number(*doc, "lat");
  if (!lat) return std::unexpected(lat.error());
  auto lon = required_number(*doc, "lon");
  if (!lon) return std::unexpected(lon.error());
  auto capacity = required_int(*doc, "capacity");
  if (!capacity) return std::unexpected(capacity.error());
  return app::new_station{as_id<domain::ids::station_id>(std::move(*id)), std::move(*name), *lat, *lon, *capacity};
}

checked<new_bicycle_body> parse_new_bicycle(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  auto id = optional_string(*doc, "id");
  if (!id) return std::unexpected(id.error());
  auto station = required_id(*doc, "stationId");
  if (!station) return std::unexpected(station.error());
  return new_bicycle_body{as_id<domain::ids::bicycle_id>(std::move(*id)), domain::ids::station_id{std::move(*station)}};
}

namespace {

checked<domain::instant> time_field(const json& doc, std::string_view name) {
  auto text = required_string(doc, name);
  if (!text) return std::unexpected(text.error());
  auto t = domain::parse_rfc3339(*text);
  if (!t) return std::unexpected(bad_request("field " + std::string{name} + " must be an RFC 3339 UTC time, e.g. 2026-05-01T09:00:00Z"));
  return *t;
}

}  // namespace

checked<domain::alert_request> parse_new_alert(std::string_view body) {
  auto doc = parse_object(body);
  if (!doc) return std::unexpected(doc.error());
  domain::alert_request r;
  auto type = required_string(*doc, "type");
  if (!type) return std::unexpected(type.error());
  auto parsed = domain::parse_alert_type(*type);
  if (!parsed)
    return std::unexpected(bad_request("field type must be system_closure, station_closure, station_move or other"));
  r.type = *parsed;
  auto start = time_field(*doc, "start");
  if (!start) return std::unexpected(start.error());
  r.start = *start;
  if (doc->contains("end") && !(*doc)["end"].is_null()) {
    auto end = time_field(*doc, "end");
    if (!end) return std::unexpected(end.error());
    r.end = *end;
  }
  if (auto it = doc->find("stationIds"); it != doc->end() && !it->is_null()) {
    if (!it->is_array()) return std::unexpected(bad_request("field stationIds must be a list of station ids"));
    for (const auto& s : *it) {
      if (!s.is_string() || !acceptable_id(s.get<std::string>()))
        return std::unexpected(bad_request("field stationIds must be a list of station ids of 1-64 characters"));
      r.station_ids.emplace_back(s.get<std::string>());
    }
  }
  auto summary = required_string(*doc, "summary");
  if (!summary) return std::unexpected(summary.error());
  r.summary = std::move(*summary);
  auto description = optional_string(*doc, "description");
  if (!description) return std::unexpected(description.error());
  r.description = description->value_or("");
  return r;
}

checked<app::bicycle_query> parse_bicycle_query(std::string_view query) {
  auto fields = parse_form(query);
  if (!fields) return std::unexpected(bad_request("query string: " + fields.error()));
  app::bicycle_query q;
  if (auto station = field(*fields, "stationId"); station && !station->empty()) {
    if (!acceptable_id(*station)) return std::unexpected(bad_request("query parameter stationId must have 1-64 characters"));
    q.station_id = domain::ids::station_id{std::string{*station}};
  }
  if (auto status = field(*fields, "status"); status && !status->empty()) {
    auto parsed = domain::parse_bicycle_status(*status);
    if (!parsed) return std::unexpected(bad_request("query parameter status must be available or rented"));
    q.status = *parsed;
  }
  return q;
}

bool acceptable_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > max_id_length) return false;
  for (char c : id) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return false;
  }
  return true;
}

checked<std::string> path_id(std::string_view raw_segment, std::string_view name) {
  auto decoded = percent_decode(raw_segment, false);
  if (!decoded || !acceptable_id(*decoded)) {
    return std::unexpected(bad_request("path parameter " + std::string{name} + " must have 1-64 characters"));
  }
  return std::move(*decoded);
}

}  // namespace ttareungyi::http
