#pragma once
// Refusals are values: every decision returns either its outcome or an error that says which
// rule refused it, in words a client can act on.
#include <expected>
#include <map>
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

struct error {
  error_kind kind = error_kind::internal;
  std::string code{};  // stable machine code, e.g. "bicycle_unavailable"
  std::string detail{};  // human explanation
  std::map<std::string, std::string> ids{};  // ids involved, e.g. {"ticketId", "..."}
  int retry_after_seconds = 0;  // for unavailable: when trying again makes sense

  error& with(std::string key, std::string value) {
    ids[std::move(key)] = std::move(value);
    return *this;
  }
};

error invalid(std::string detail);
error not_found(std::string code, std::string detail);
error conflict(std::string code, std::string detail);
error internal(std::string detail);

template <class T>
using result = std::expected<T, error>;

// What a decision produces: the aggregate's next state and the facts it raised.
template <class State, class Event>
struct decided {
  State state;
  std::vector<Event> events;
};

}  // namespace ttareungyi::domain
