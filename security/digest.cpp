#include "ttareungyi/security/digest.hpp"

#include "internal.hpp"

namespace ttareungyi::security {

std::string sha256_hex(std::string_view data) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (unsigned char c : detail::sha256(data)) {
    out.push_back(hex[c >> 4]);
    out.push_back(hex[c & 0xf]);
  }
  return out;
}

}  // namespace ttareungyi::security
