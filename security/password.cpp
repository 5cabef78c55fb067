#include "ttareungyi/security/password.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>

#include <openssl/evp.h>

#include "internal.hpp"
#include "ttareungyi/security/base64.hpp"

namespace ttareungyi::security {
namespace {

constexpr std::string_view scheme = "pbkdf2-sha256";
constexpr std::size_t salt_bytes = 16;
constexpr std::size_t hash_bytes = 32;
// Bounds so that a corrupted or hostile record cannot make verification arbitrarily slow.
constexpr int max_iterations = 10'000'000;
constexpr std::size_t min_salt_bytes = 8;
constexpr std::size_t max_salt_bytes = 1024;

std::optional<std::string> pbkdf2(std::string_view password, std::string_view salt, int iterations,
                                  std::size_t length) {
  std::string out(length, '\0');
  // OpenSSL wants a non-null pointer even for an empty password.
  const char* pass = password.empty() ? "" : password.data();
  if (password.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      PKCS5_PBKDF2_HMAC(pass, static_cast<int>(password.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(), static_cast<int>(length),
                        reinterpret_cast<unsigned char*>(out.data())) != 1) {
    return std::nullopt;
  }
  return out;
}

// Returns the text up to the next '$' (or the end) and drops it, with the '$', from `rest`.
std::string_view next_field(std::string_view& rest, bool& had_separator) {
  const auto pos = rest.find('$');
  const std::string_view field = rest.substr(0, pos);
  had_separator = pos != std::string_view::npos;
  rest = had_separator ? rest.substr(pos + 1) : std::string_view{};
  return field;
}

}  // namespace

std::string hash_password(std::string_view password, int iterations) {
  iterations = std::clamp(iterations, 1, max_iterations);
  const std::string salt = detail::random_bytes(salt_bytes);
  const auto hash = pbkdf2(password, salt, iterations, hash_bytes);
  if (!hash) detail::fatal("PBKDF2 failed");
  std::string out(scheme);
  out += '$';
  out += std::to_string(iterations);
  out += '$';
  out += base64url_encode(salt);
  out += '$';
  out += base64url_encode(*hash);
  return out;
}

bool verify_password(std::string_view password, std::string_view encoded) {
  bool sep1 = false, sep2 = false, sep3 = false, sep4 = false;
  std::string_view rest = encoded;
  const std::string_view name = next_field(rest, sep1);
  const std::string_view iter_text = next_field(rest, sep2);
  const std::string_view salt_text = next_field(rest, sep3);
  const std::string_view hash_text = next_field(rest, sep4);
  if (name != scheme || !sep1 || !sep2 || !sep3 || sep4) return false;

  int iterations = 0;
  const auto [end, ec] = std::from_chars(iter_text.data(), iter_text.data() + iter_text.size(), iterations);
  if (ec != std::errc{} || end != iter_text.data() + iter_text.size() || iterations < 1 ||
      iterations > max_iterations || iter_text.front() == '0') {
    return false;
  }

  const auto salt = base64url_decode(salt_text);
  const auto expected = base64url_decode(hash_text);
  // A fixed hash length: a shortened hash would be a prefix that also matches other passwords.
  if (!salt || !expected || salt->size() < min_salt_bytes || salt->size() > max_salt_bytes ||
      expected->size() != hash_bytes) {
    return false;
  }
  const auto actual = pbkdf2(password, *salt, iterations, expected->size());
  return actual && detail::equal_constant_time(*actual, *expected);
}

}  // namespace ttareungyi::security
