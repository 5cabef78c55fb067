#include "ttareungyi/security/random.hpp"

#include <algorithm>
#include <climits>
#include <string_view>

#include <openssl/rand.h>

#include "internal.hpp"
#include "ttareungyi/security/base64.hpp"

namespace ttareungyi::security {
namespace detail {

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t done = 0; done < n;) {
    const int chunk = static_cast<int>(std::min<std::size_t>(n - done, INT_MAX));
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + done), chunk) != 1) fatal("RAND_bytes failed");
    done += static_cast<std::size_t>(chunk);
  }
  return out;
}

}  // namespace detail

using detail::random_bytes;

std::string random_id(std::size_t bytes) {
  static constexpr std::string_view digits = "0123456789abcdef";
  const std::string raw = random_bytes(bytes);
  std::string out;
  out.reserve(raw.size() * 2);
  for (const unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string random_secret(std::size_t bytes) { return base64url_encode(random_bytes(bytes)); }

}  // namespace ttareungyi::security
