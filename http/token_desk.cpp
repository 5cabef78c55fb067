#include "ttareungyi/http/token_desk.hpp"

#include <string>
#include <utility>

#include "auth.hpp"

namespace ttareungyi::http {

token_desk::token_desk(const security::token_service& tokens, std::vector<security::operator_client> operators)
    : tokens_(tokens), operators_(std::move(operators)) {}

ports::issued_token token_desk::issue(std::string_view subject, std::string_view scope) const {
  return {tokens_.issue(subject, scope), std::string{scope}, static_cast<std::int64_t>(tokens_.ttl().count())};
}

ports::issued_token token_desk::for_customer(std::string_view customer_id) const {
  return issue(customer_id, customer_scope);
}

std::optional<ports::issued_token> token_desk::for_operator(std::string_view client_id, std::string_view secret) const {
  if (!security::authenticate_operator(operators_, client_id, secret)) return std::nullopt;
  return issue(client_id, operator_scope);
}

std::string token_desk::key_set() const { return tokens_.jwks_json(); }

}  // namespace ttareungyi::http
