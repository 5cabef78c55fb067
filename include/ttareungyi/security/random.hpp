#pragma once

#include <cstddef>
#include <string>

namespace ttareungyi::security {

// Both draw from OpenSSL's CSPRNG (RAND_bytes) and abort the process if it ever fails.

// `bytes` random bytes as lowercase hex (2 * bytes characters).
std::string random_id(std::size_t bytes = 16);
// `bytes` random bytes as base64url without padding.
std::string random_secret(std::size_t bytes = 32);

}  // namespace ttareungyi::security
