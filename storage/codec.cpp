#include "codec.hpp"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "ttareungyi/domain/fields.hpp"

namespace ttareungyi::storage::codec {
namespace {

using nlohmann::json;
using namespace ttareungyi::domain;

struct codec_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- Values. Writing. ----

json value_of(const std::string& s) { return s; }
json value_of(int v) { return v; }
json value_of(std::int64_t v) { return v; }
json value_of(std::uint64_t v) { return v; }
json value_of(double v) {
  if (!std::isfinite(v)) throw codec_failure("non-finite number");
  return v;
}
json value_of(instant t) { return t.time_since_epoch().count(); }
json value_of(ticket_type v) { return std::string{to_string(v)}; }
json value_of(ticket_status v) { return std::string{to_string(v)}; }
json value_of(payment_status v) { return std::string{to_string(v)}; }
json value_of(bicycle_status v) { return std::string{to_string(v)}; }
json value_of(rental_status v) { return std::string{to_string(v)}; }
json value_of(alert_type v) { return std::string{to_string(v)}; }
template <class Tag>
json value_of(const identifier<Tag>& id) { return id.str(); }
// An id that is not there yet was always stored as "" (a bicycle's station while rented):
// keeping it so keeps every stored byte as it was.
template <class Tag>
json value_of(const std::optional<identifier<Tag>>& id) { return id ? id->str() : std::string{}; }
template <class T>
json value_of(const std::vector<T>& items) {
  json out = json::array();
  for (const auto& x : items) out.push_back(value_of(x));
  return out;
}
template <class T>
json value_of(const std::optional<T>& v) {
  return v ? value_of(*v) : json(nullptr);
}

// ---- Values. Reading, strictly: a wrong type is a failure, never a conversion. ----

void read(const json& j, std::string& out) {
  if (!j.is_string()) throw codec_failure("expected a string");
  out = j.get<std::string>();
}
void read(const json& j, std::int64_t& out) {
  if (!j.is_number_integer()) throw codec_failure("expected an integer");
  if (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    throw codec_failure("integer out of range");
  out = j.get<std::int64_t>();
}
void read(const json& j, std::uint64_t& out) {
  if (!j.is_number_integer()) throw codec_failure("expected an integer");
  if (!j.is_number_unsigned()) {
    if (j.get<std::int64_t>() < 0) throw codec_failure("integer out of range");
  }
  out = j.get<std::uint64_t>();
}
void read(const json& j, int& out) {
  std::int64_t v = 0;
  read(j, v);
  if (v < INT32_MIN || v > INT32_MAX) throw codec_failure("integer out of range");
  out = static_cast<int>(v);
}
void read(const json& j, double& out) {
  if (!j.is_number()) throw codec_failure("expected a number");
  out = j.get<double>();
}
void read(const json& j, instant& out) {
  std::int64_t ms = 0;
  read(j, ms);
  out = instant{std::chrono::milliseconds{ms}};
}

std::string name_in(const json& j) {
  if (!j.is_string()) throw codec_failure("expected a name");
  return j.get<std::string>();
}
template <class Enum>
Enum named(std::optional<Enum> parsed, const std::string& name, const char* what) {
  if (!parsed) throw codec_failure(std::string{"unknown "} + what + " '" + name + "'");
  return *parsed;
}
// For the enums the domain gives no parse_* for: match against to_string of every value.
template <class Enum>
std::optional<Enum> by_name(std::string_view name, std::initializer_list<Enum> all) {
  for (Enum e : all)
    if (to_string(e) == name) return e;
  return std::nullopt;
}

void read(const json& j, ticket_type& out) {
  auto n = name_in(j);
  out = named(parse_ticket_type(n), n, "ticket type");
}
void read(const json& j, ticket_status& out) {
  auto n = name_in(j);
  out = named(parse_ticket_status(n), n, "ticket status");
}
void read(const json& j, bicycle_status& out) {
  auto n = name_in(j);
  out = named(parse_bicycle_status(n), n, "bicycle status");
}
void read(const json& j, payment_status& out) {
  auto n = name_in(j);
  out = named(by_name(n, {payment_status::approved, payment_status::declined, payment_status::refunded}), n,
              "payment status");
}
void read(const json& j, rental_status& out) {
  auto n = name_in(j);
  out = named(by_name(n, {rental_status::active, rental_status::returned}), n, "rental status");
}
void read(const json& j, alert_type& out) {
  auto n = name_in(j);
  out = named(parse_alert_type(n), n, "alert type");
}
template <class Tag>
void read(const json& j, identifier<Tag>& out) {
  std::string text;
  read(j, text);
  out = identifier<Tag>{std::move(text)};
}
template <class Tag>
void read(const json& j, std::optional<identifier<Tag>>& out) {
  std::string text;
  if (!j.is_null()) read(j, text);
  if (text.empty()) out.reset();
  else out = identifier<Tag>{std::move(text)};
}
template <class T>
void read(const json& j, std::vector<T>& out) {
  if (!j.is_array()) throw codec_failure("expected a list");
  out.clear();
  for (const auto& x : j) {
    T v{};
    read(x, v);
    out.push_back(std::move(v));
  }
}
template <class T>
void read(const json& j, std::optional<T>& out) {
  if (j.is_null()) {
    out.reset();
    return;
  }
  T v{};
  read(j, v);
  out = std::move(v);
}

template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;

// ---- Objects. ----

// A record is a JSON object with a key per field of its list (domain/fields.hpp).
template <class T>
json object_of(const T& x) {
  json j = json::object();
  fields(x, [&j](const char*, auto... members) { ((j[members.name] = value_of(members.value)), ...); });
  return j;
}

// A missing optional is absent; any other missing field is a failure.
template <class T>
void read_member(const json& j, field<T> member) {
  auto it = j.find(member.name);
  if (it == j.end()) {
    if constexpr (is_optional<T>) {
      member.value.reset();
      return;
    } else {
      throw codec_failure(std::string{"missing field '"} + member.name + "'");
    }
  }
  try {
    read(*it, member.value);
  } catch (const codec_failure& e) {
    throw codec_failure(std::string{"field '"} + member.name + "': " + e.what());
  }
}

template <class T>
T from_object(const json& j) {
  if (!j.is_object()) throw codec_failure("expected an object");
  T x{};
  fields(x, [&j](const char*, auto... members) { (read_member(j, members), ...); });
  return x;
}

// ---- Events: the envelope, the type name and the payload object. ----

using payload_decoder = event_payload (*)(const json&);

template <std::size_t I>
event_payload decode_payload(const json& j) {
  return event_payload{std::in_place_index<I>, from_object<std::variant_alternative_t<I, event_payload>>(j)};
}

struct named_decoder {
  std::string_view type;
  payload_decoder decode;
};

template <std::size_t... I>
std::array<named_decoder, sizeof...(I)> make_decoders(std::index_sequence<I...>) {
  return {named_decoder{type_name(event_payload{std::in_place_index<I>}), &decode_payload<I>}...};
}

const auto& decoders() {
  static const auto table = make_decoders(std::make_index_sequence<std::variant_size_v<event_payload>>{});
  return table;
}

json event_object(const event& e) {
  json j = json::object();
  j["id"] = e.id;
  j["correlation_id"] = e.correlation_id;
  j["causation_id"] = e.causation_id;
  j["at"] = value_of(e.at);
  j["version"] = e.version;
  j["type"] = std::string{type_name(e.payload)};
  j["payload"] = std::visit([](const auto& p) { return object_of(p); }, e.payload);
  return j;
}

struct envelope {
  std::string id, correlation_id, causation_id;
  instant at{};
  int version = 1;
  std::string type;
};
template <either<envelope> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("envelope", field{"id", x.id}, field{"correlation_id", x.correlation_id},
           field{"causation_id", x.causation_id}, field{"at", x.at}, field{"version", x.version},
           field{"type", x.type});
}

event event_from(const json& j) {
  auto head = from_object<envelope>(j);
  auto it = j.find("payload");
  if (it == j.end()) throw codec_failure("missing field 'payload'");
  for (const auto& d : decoders()) {
    if (d.type != head.type) continue;
    event e;
    e.id = std::move(head.id);
    e.correlation_id = std::move(head.correlation_id);
    e.causation_id = std::move(head.causation_id);
    e.at = head.at;
    e.version = head.version;
    try {
      e.payload = d.decode(*it);
    } catch (const codec_failure& f) {
      throw codec_failure("payload of " + head.type + ": " + f.what());
    }
    return e;
  }
  throw codec_failure("unknown event type '" + head.type + "'");
}

template <class F>
auto guarded(F&& f) -> outcome<decltype(f())> {
  try {
    return f();
  } catch (const std::exception& e) {
    return std::unexpected(std::string{e.what()});
  } catch (...) {
    return std::unexpected(std::string{"unknown failure"});
  }
}

template <class T>
outcome<std::string> encode_object(const T& x) {
  return guarded([&] { return object_of(x).dump(); });
}

}  // namespace

outcome<std::string> encode(const customer& c) { return encode_object(c); }
outcome<std::string> encode(const ticket& t) { return encode_object(t); }
outcome<std::string> encode(const payment& p) { return encode_object(p); }
outcome<std::string> encode(const station& s) { return encode_object(s); }
outcome<std::string> encode(const bicycle& b) { return encode_object(b); }
outcome<std::string> encode(const rental& r) { return encode_object(r); }
outcome<std::string> encode(const alert& a) { return encode_object(a); }
outcome<std::string> encode(const event& e) {
  return guarded([&] { return event_object(e).dump(); });
}
outcome<std::string> encode(const notification& n) { return encode_object(n); }
outcome<std::string> encode(const current_rental& r) { return encode_object(r); }
outcome<std::string> encode(const station_count& c) { return encode_object(c); }

outcome<std::string> encode(const ports::kept_answer& a) {
  return guarded([&] {
    json headers = json::array();
    for (const auto& [name, value] : a.headers) headers.push_back(json::array({name, value}));
    return json{{"fingerprint", a.fingerprint},
                {"status", a.status},
                {"headers", std::move(headers)},
                {"body", a.body},
                {"kept_at", a.kept_at.time_since_epoch().count()}}
        .dump();
  });
}

outcome<ports::kept_answer> decode_kept_answer(std::string_view bytes) {
  return guarded([&] {
    auto j = json::parse(bytes);
    ports::kept_answer a;
    a.fingerprint = j.at("fingerprint").get<std::string>();
    a.status = j.at("status").get<int>();
    for (const auto& h : j.at("headers")) a.headers.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
    a.body = j.at("body").get<std::string>();
    a.kept_at = instant{std::chrono::milliseconds{j.at("kept_at").get<std::int64_t>()}};
    return a;
  });
}

template <class T>
outcome<T> decode(std::string_view bytes) {
  return guarded([&] {
    auto j = json::parse(bytes);
    if constexpr (std::is_same_v<T, event>)
      return event_from(j);
    else
      return from_object<T>(j);
  });
}

template outcome<customer> decode<customer>(std::string_view);
template outcome<ticket> decode<ticket>(std::string_view);
template outcome<payment> decode<payment>(std::string_view);
template outcome<station> decode<station>(std::string_view);
template outcome<bicycle> decode<bicycle>(std::string_view);
template outcome<rental> decode<rental>(std::string_view);
template outcome<alert> decode<alert>(std::string_view);
template outcome<event> decode<event>(std::string_view);
template outcome<notification> decode<notification>(std::string_view);
template outcome<current_rental> decode<current_rental>(std::string_view);
template outcome<station_count> decode<station_count>(std::string_view);

}  // namespace ttareungyi::storage::codec
