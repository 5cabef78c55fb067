#pragma once
// Refusals are values: every decision returns either its outcome or an error that says which
// rule refused it, in words a client can act on.
#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ttareungyi::domain {

enum class error_kind {
  invalid,      // the request itself is wrong (400)
  not_found,    // no such thing for this caller (404)
  conflict,     // a rule refuses it in the current state (409)
  declined,     // the payment provider said no (402)
  unavailable,  // a dependency is down or slow; try again later (503)
  internal,     // our own failure, e.g. storage (500)
};

// Which rule or dependency refused, for control flow and for clients. A value, not text: it
// becomes the stable machine code of a problem document only at the HTTP edge
// (http/problem.cpp), and crosses nodes as its number (actors/wire.cpp). Append new codes at the
// end: a node may talk to one built before them.
enum class error_code : std::uint8_t {
  invalid_request,
  invalid_cursor,
  invalid_credentials,
  phone_taken,
  ticket_not_found,
  ticket_exists,
  ticket_not_payable,
  ticket_not_cancellable,
  ticket_not_usable,
  ticket_not_in_use,
  payment_not_found,
  payment_declined,
  payment_not_refundable,
  payment_unavailable,
  station_not_found,
  station_id_taken,
  bicycle_not_found,
  bicycle_id_taken,
  bicycle_rented,
  bicycle_unavailable,
  rental_not_found,
  rental_not_active,
  no_active_rental,
  view_unavailable,
  timeout,
  internal_error,
};
inline constexpr auto last_error_code = error_code::internal_error;

struct error {
  error_kind kind = error_kind::internal;
  std::optional<error_code> code{};  // none: the kind's generic code
  std::string detail{};  // human explanation
  std::map<std::string, std::string> ids{};  // ids involved, e.g. {"ticketId", "..."}
  int retry_after_seconds = 0;  // for unavailable: when trying again makes sense

  error& with(std::string key, std::string_view value) {
    ids[std::move(key)] = std::string{value};
    return *this;
  }
};

error invalid(std::string detail);
error not_found(error_code code, std::string detail);
error conflict(error_code code, std::string detail);
error internal(std::string detail);

// A rule or the provider said no: nothing was changed. The rest (unavailable, internal) leave
// it open whether a change was made.
inline bool is_refusal(const error& e) {
  return e.kind != error_kind::unavailable && e.kind != error_kind::internal;
}

template <class T>
using result = std::expected<T, error>;

// What a decision produces: the aggregate's next state and the facts it raised.
template <class State, class Event>
struct decided {
  State state;
  std::vector<Event> events;
};

}  // namespace ttareungyi::domain
