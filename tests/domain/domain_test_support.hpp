#pragma once
// Helpers shared by the domain tests: fixed instants, refusal matchers, typed event access.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::domain::test {

using namespace std::chrono_literals;

// A fixed instant: y-m-d h:mi:s.ms UTC.
inline instant utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0, int ms = 0) {
  using namespace std::chrono;
  return instant{sys_days{year{y} / month{mo} / day{d}}} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
}

// 2026-11-24T01:32:00Z, the "now" most tests use.
inline const instant t0 = utc(2026, 11, 24, 1, 32, 0);

inline std::string_view kind_name(error_kind k) {
  switch (k) {
    case error_kind::invalid: return "invalid";
    case error_kind::not_found: return "not_found";
    case error_kind::conflict: return "conflict";
    case error_kind::declined: return "declined";
    case error_kind::unavailable: return "unavailable";
    case error_kind::internal: return "internal";
  }
  return "?";
}

// The number of a code, for messages: the names are the HTTP edge's (http/problem.cpp).
inline int number_of(std::optional<error_code> code) { return code ? static_cast<int>(*code) : -1; }

// EXPECT_TRUE(refused(r, error_kind::conflict, error_code::ticket_not_payable))
template <class T>
::testing::AssertionResult refused(const result<T>& r, error_kind kind, error_code code) {
  if (r.has_value()) return ::testing::AssertionFailure() << "expected refusal " << number_of(code) << " but it succeeded";
  const error& e = r.error();
  if (e.kind != kind || e.code != code)
    return ::testing::AssertionFailure() << "refused as " << kind_name(e.kind) << "/" << number_of(e.code) << " ("
                                         << e.detail << "), expected " << kind_name(kind) << "/" << number_of(code);
  if (e.detail.empty()) return ::testing::AssertionFailure() << "refusal " << number_of(code) << " has no detail";
  return ::testing::AssertionSuccess();
}

// The same, and the refusal names the id involved: refused(r, kind, code, "ticketId", "TK1").
template <class T>
::testing::AssertionResult refused(const result<T>& r, error_kind kind, error_code code, const std::string& key,
                                   std::string_view value) {
  if (auto ok = refused(r, kind, code); !ok) return ok;
  const auto& ids = r.error().ids;
  const auto it = ids.find(key);
  if (it == ids.end()) return ::testing::AssertionFailure() << "refusal " << number_of(code) << " does not name " << key;
  if (it->second != value)
    return ::testing::AssertionFailure() << "refusal " << number_of(code) << " names " << key << "=" << it->second << ", expected " << value;
  return ::testing::AssertionSuccess();
}

// The i-th event, which must be a T (a wrong type or a missing event throws, failing the test).
template <class T>
const T& event_at(const std::vector<event_payload>& events, std::size_t i) {
  if (i >= events.size())
    throw std::out_of_range("event " + std::to_string(i) + " missing, only " + std::to_string(events.size()));
  if (!std::holds_alternative<T>(events[i]))
    throw std::runtime_error("event " + std::to_string(i) + " is " + std::string{type_name(events[i])});
  return std::get<T>(events[i]);
}

}  // namespace ttareungyi::domain::test
