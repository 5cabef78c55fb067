#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ttareungyi::security {

// RFC 4648 section 5 alphabet ('-', '_'), no padding; as used by JWS/JWK.
std::string base64url_encode(std::string_view data);
// Strict: no padding, no whitespace, unused trailing bits must be zero (one spelling per value).
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 section 4 alphabet ('+', '/') with '=' padding, e.g. for HTTP Basic credentials.
std::string base64_encode(std::string_view data);
// Padding may be present (then it must be correct) or omitted; otherwise strict like base64url_decode.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ttareungyi::security
