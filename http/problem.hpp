#pragma once
// Problem details (RFC 9457): every refusal of the API as application/problem+json
// {type, title, status, detail, code, ...ids}, and the mapping from domain errors.
#include <expected>
#include <map>
#include <string>
#include <string_view>

#include "message.hpp"
#include "ttareungyi/domain/error.hpp"

namespace ttareungyi::http {

struct problem {
  int status = 500;
  std::string code;    // stable machine code, e.g. "ticket_not_found"
  std::string detail;  // for people
  std::map<std::string, std::string> ids{};  // top-level members, e.g. {"ticketId", "t-1"}
  header_list headers{};                     // e.g. Retry-After, Allow, WWW-Authenticate
};

template <class T>
using checked = std::expected<T, problem>;

inline constexpr std::string_view problem_type = "about:blank";

// invalid 400, not_found 404, conflict 409, declined 402, unavailable 503 (+ Retry-After,
// at least 1 second), internal 500 (with a generic detail: internals never leak).
problem from_error(const domain::error& e);
// The stable machine code of a domain error, e.g. "ticket_not_found"; the kind's generic code
// ("not_found", "conflict", ...) when it names none. The only place codes become text.
std::string_view code_of(const domain::error& e) noexcept;
std::string_view to_string(domain::error_code code) noexcept;
int status_of(domain::error_kind kind) noexcept;

problem bad_request(std::string detail);  // 400 invalid_request
problem unauthorized(std::string detail, std::string challenge);  // 401 + WWW-Authenticate
problem forbidden(std::string detail, std::string challenge);     // 403 (+ WWW-Authenticate)
problem not_found_problem(std::string detail);                    // 404 not_found
problem method_not_allowed(std::string allow);                    // 405 + Allow
problem payload_too_large(std::size_t limit);                     // 413 payload_too_large
problem unsupported_media_type(std::string detail);               // 415
problem internal_problem();                                       // 500 internal_error
problem too_many_requests(int retry_after_seconds);                       // 429 rate_limited + Retry-After
problem service_unavailable(std::string detail, int retry_after_seconds);  // 503

// The JSON document of a problem.
std::string render(const problem& p);
response to_response(const problem& p);

}  // namespace ttareungyi::http
