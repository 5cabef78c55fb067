#pragma once
// Text formats around HTTP: percent-encoding, application/x-www-form-urlencoded (bodies and
// query strings) and the credentials of HTTP Basic authentication.
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ttareungyi::http {

// Decodes %XX escapes (and '+' as a space when plus_is_space). nullopt on a broken escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);
// Escapes everything but RFC 3986 unreserved characters (for path segments).
std::string percent_encode(std::string_view text);

using form_fields = std::vector<std::pair<std::string, std::string>>;
// name=value pairs separated by '&' (empty pieces skipped; a piece without '=' has an empty
// value). The error says what is wrong: a broken escape or a repeated parameter (RFC 6749 §3.2
// forbids repeats; the same rule is applied to query strings).
std::expected<form_fields, std::string> parse_form(std::string_view text);
// The value of a field, if present.
std::optional<std::string_view> field(const form_fields& fields, std::string_view name);

// Whether an Authorization value uses this scheme (case-insensitive), e.g. "Basic ...".
bool has_scheme(std::string_view authorization, std::string_view scheme);
// The credentials part after the scheme and its spaces ("" when there is none).
std::string_view credentials_of(std::string_view authorization);

struct basic_credentials {
  std::string user;
  std::string password;
};
// "Basic base64(user:password)", split at the first ':'. The parts are taken verbatim (not
// percent-decoded as RFC 6749 §2.3.1 would have it): that is what curl -u and most clients
// send, and operator client ids and secrets never need escaping.
std::expected<basic_credentials, std::string> parse_basic(std::string_view authorization);

}  // namespace ttareungyi::http
