#include "auth.hpp"

#include "forms.hpp"

namespace ttareungyi::http {

namespace {

std::string challenge(std::string_view error = {}, std::string_view description = {}) {
  std::string out = "Bearer realm=\"" + std::string{auth_realm} + "\"";
  if (!error.empty()) out += ", error=\"" + std::string{error} + "\"";
  if (!description.empty()) out += ", error_description=\"" + std::string{description} + "\"";
  return out;
}

bool token68(std::string_view token) noexcept {
  if (token.empty()) return false;
  for (char c : token) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  return true;
}

std::string joined(std::initializer_list<std::string_view> scopes, std::string_view separator) {
  std::string out;
  for (auto s : scopes) {
    if (!out.empty()) out += separator;
    out += s;
  }
  return out;
}

}  // namespace

bool has_scope(std::string_view scope_claim, std::string_view wanted) noexcept {
  while (!scope_claim.empty()) {
    auto space = scope_claim.find(' ');
    if (scope_claim.substr(0, space) == wanted) return true;
    if (space == std::string_view::npos) break;
    scope_claim.remove_prefix(space + 1);
  }
  return false;
}

checked<principal> authorize(std::optional<std::string_view> authorization, const security::token_service& tokens,
                             std::initializer_list<std::string_view> accepted) {
  if (!authorization || !has_scheme(*authorization, "Bearer")) {
    return std::unexpected(unauthorized("a valid bearer token is required", challenge()));
  }
  auto token = credentials_of(*authorization);
  if (!token68(token)) {
    return std::unexpected(unauthorized("the access token is malformed", challenge("invalid_request", "malformed token")));
  }
  auto verified = tokens.verify(token);
  if (!verified) {
    if (verified.error() == security::token_error::no_key)  // a gateway that has not reached the core yet
      return std::unexpected(service_unavailable("tokens cannot be checked yet; try again shortly", 1));
    if (verified.error() == security::token_error::expired) {
      return std::unexpected(unauthorized("the access token has expired", challenge("invalid_token", "the token expired")));
    }
    return std::unexpected(unauthorized("the access token is invalid", challenge("invalid_token", "the token is invalid")));
  }
  for (auto scope : accepted) {
    if (has_scope(verified->scope, scope)) {
      if (verified->subject.empty()) {
        return std::unexpected(unauthorized("the access token has no subject", challenge("invalid_token", "the token is invalid")));
      }
      return principal{std::move(verified->subject), std::string{scope}};
    }
  }
  auto needed = joined(accepted, " or ");
  return std::unexpected(forbidden("scope " + needed + " is required",
                                   challenge("insufficient_scope") + ", scope=\"" + joined(accepted, " ") + "\""));
}

}  // namespace ttareungyi::http
