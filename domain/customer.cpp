#include "ttareungyi/domain/customer.hpp"

#include <algorithm>
#include <cctype>

namespace ttareungyi::domain {

std::optional<std::string> normalize_phone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
    else if (c != '-' && c != ' ') return std::nullopt;
  }
  // 010 numbers have 11 digits; the older 011/016/017/018/019 ranges 10 or 11.
  if (digits.size() < 10 || digits.size() > 11 || digits.compare(0, 2, "01") != 0) return std::nullopt;
  if (digits[2] == '0' ? digits.size() != 11 : std::string_view{"16789"}.find(digits[2]) == std::string_view::npos)
    return std::nullopt;
  return digits;
}

std::string display_phone(std::string_view digits) {
  if (digits.size() != 10 && digits.size() != 11) return std::string{digits};
  const std::size_t middle = digits.size() - 7;
  return std::string{digits.substr(0, 3)} + '-' + std::string{digits.substr(3, middle)} + '-' +
         std::string{digits.substr(3 + middle)};
}

bool acceptable_password(std::string_view password) {
  const auto is = [&](auto pred) { return std::ranges::any_of(password, [&](unsigned char c) { return pred(c) != 0; }); };
  return password.size() >= 8 && password.size() <= 128 && is(::isalpha) && is(::isdigit);
}

result<std::string> check_sign_up(const sign_up_request& request) {
  auto phone = normalize_phone(request.phone);
  if (!phone) return std::unexpected(invalid("phone must be a Korean mobile number such as 010-1234-5678"));
  if (!acceptable_password(request.password))
    return std::unexpected(invalid("password must have 8-128 characters with at least one letter and one digit"));
  if (request.name.empty() || request.name.size() > 100) return std::unexpected(invalid("name must have 1-100 characters"));
  return *phone;
}

decided<customer, event_payload> register_customer(ids::customer_id id, std::string phone, std::string name, std::string password_hash) {
  customer c{std::move(id), std::move(phone), std::move(name), std::move(password_hash)};
  auto fact = customer_registered{c.id, c.phone, c.name};
  return {std::move(c), {std::move(fact)}};
}

}  // namespace ttareungyi::domain
