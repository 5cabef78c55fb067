#include "forms.hpp"

#include <algorithm>

#include "message.hpp"
#include "ttareungyi/security/base64.hpp"

namespace ttareungyi::http {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unreserved(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (unreserved(c)) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(digits[byte >> 4]);
      out.push_back(digits[byte & 0x0F]);
    }
  }
  return out;
}

std::expected<form_fields, std::string> parse_form(std::string_view text) {
  form_fields fields;
  while (!text.empty()) {
    auto amp = text.find('&');
    auto piece = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (piece.empty()) continue;
    auto eq = piece.find('=');
    auto name = percent_decode(piece.substr(0, eq), true);
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1), true);
    if (!name || !value) return std::unexpected(std::string{"malformed percent-encoding"});
    if (field(fields, *name)) return std::unexpected("parameter " + *name + " is repeated");
    fields.emplace_back(std::move(*name), std::move(*value));
  }
  return fields;
}

std::optional<std::string_view> field(const form_fields& fields, std::string_view name) {
  auto it = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
  if (it == fields.end()) return std::nullopt;
  return std::string_view{it->second};
}

bool has_scheme(std::string_view authorization, std::string_view scheme) {
  auto space = authorization.find(' ');
  return iequals(authorization.substr(0, space), scheme);
}

std::string_view credentials_of(std::string_view authorization) {
  auto space = authorization.find(' ');
  if (space == std::string_view::npos) return {};
  auto rest = authorization.substr(space);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\t')) rest.remove_suffix(1);
  return rest;
}

std::expected<basic_credentials, std::string> parse_basic(std::string_view authorization) {
  if (!has_scheme(authorization, "Basic")) return std::unexpected(std::string{"not HTTP Basic credentials"});
  auto encoded = credentials_of(authorization);
  if (encoded.empty()) return std::unexpected(std::string{"empty HTTP Basic credentials"});
  auto decoded = security::base64_decode(encoded);
  if (!decoded) return std::unexpected(std::string{"HTTP Basic credentials are not valid base64"});
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::unexpected(std::string{"HTTP Basic credentials lack a ':'"});
  return basic_credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace ttareungyi::http
