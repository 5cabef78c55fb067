#pragma once
// The tokens a node with the signing key hands out: customers' (scope customer) once their
// password was checked, and operator clients' (scope operator) for their id and secret. The
// token endpoint signs through it; a core signs through it for the gateways (docs/nodes.md).
#include <vector>

#include "ttareungyi/ports/token_signer.hpp"
#include "ttareungyi/security/operator_clients.hpp"
#include "ttareungyi/security/tokens.hpp"

namespace ttareungyi::http {

class token_desk final : public ports::token_signer {
 public:
  // `tokens` must outlive the desk, and must sign (not a verifier).
  token_desk(const security::token_service& tokens, std::vector<security::operator_client> operators);
  ports::issued_token for_customer(std::string_view customer_id) const override;
  std::optional<ports::issued_token> for_operator(std::string_view client_id, std::string_view secret) const override;
  std::string key_set() const override;

 private:
  ports::issued_token issue(std::string_view subject, std::string_view scope) const;
  const security::token_service& tokens_;
  std::vector<security::operator_client> operators_;
};

}  // namespace ttareungyi::http
