#pragma once

#include <string>
#include <string_view>

namespace ttareungyi::security {

inline constexpr int default_password_iterations = 60'000;

// PBKDF2-HMAC-SHA256 with a 16-byte random salt and a 32-byte hash, encoded as
// "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>" (b64 = base64url without padding).
// Iteration counts are clamped to [1, 10'000'000] (verify_password refuses larger ones too).
std::string hash_password(std::string_view password, int iterations = default_password_iterations);

// Recomputes the hash with the encoded salt and iteration count and compares in constant time.
// False for a wrong password and for anything malformed (never throws).
bool verify_password(std::string_view password, std::string_view encoded);

}  // namespace ttareungyi::security
