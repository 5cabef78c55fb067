#pragma once
// The bearer-token guard of /v1: verifies the JWT of `Authorization: Bearer` and checks its
// scope. 401 (with a WWW-Authenticate challenge) without a valid token, 403 with the wrong scope.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "problem.hpp"
#include "ttareungyi/security/tokens.hpp"

namespace ttareungyi::http {

inline constexpr std::string_view customer_scope = "customer";
inline constexpr std::string_view operator_scope = "operator";
inline constexpr std::string_view auth_realm = "ttareungyi";

struct principal {
  std::string subject;  // customer id, or operator client id
  std::string scope;    // the accepted scope the token carries
};

// Whether a space-separated scope claim contains `wanted`.
bool has_scope(std::string_view scope_claim, std::string_view wanted) noexcept;

// Checks `authorization` (the header's value, if any) against the scopes an endpoint accepts.
checked<principal> authorize(std::optional<std::string_view> authorization, const security::token_service& tokens,
                             std::initializer_list<std::string_view> accepted);

}  // namespace ttareungyi::http
