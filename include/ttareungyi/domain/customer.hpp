#pragma once
// Identity context: customers (고객) identified by their phone number.
#include <optional>
#include <string>
#include <string_view>

#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/events.hpp"

namespace ttareungyi::domain {

struct customer {
  ids::customer_id id{};
  std::string phone{};  // normalized digits, e.g. 01012345678
  std::string name{};
  std::string password_hash{};
  bool operator==(const customer&) const = default;
};

// Korean mobile numbers: 010-1234-5678, 01012345678, 011-123-4567 ... Returns the digits.
std::optional<std::string> normalize_phone(std::string_view phone);
// The usual way to write a normalized number: 010-1234-5678, 011-123-4567.
std::string display_phone(std::string_view digits);
// At least 8 characters, at most 128, with a letter and a digit.
bool acceptable_password(std::string_view password);

struct sign_up_request {
  std::string phone{};
  std::string password{};
  std::string name{};
};
// Validates a sign-up and returns the phone in normal form.
result<std::string> check_sign_up(const sign_up_request& request);
decided<customer, event_payload> register_customer(ids::customer_id id, std::string phone, std::string name, std::string password_hash);

}  // namespace ttareungyi::domain
