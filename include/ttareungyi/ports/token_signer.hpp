#pragma once
// The core's signing key, as the nodes that hand out its tokens see it (docs/nodes.md): a
// gateway has customers and operators sign in at the core, which checks who they are and
// signs; the gateway verifies the tokens itself with the key set the core publishes.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ttareungyi::ports {

// An access token as the token endpoint hands it out.
struct issued_token {
  std::string access_token;
  std::string scope;
  std::int64_t expires_in = 0;  // seconds
};

class token_signer {
 public:
  virtual ~token_signer() = default;
  // A customer's token, once their password was checked.
  virtual issued_token for_customer(std::string_view customer_id) const = 0;
  // An operator client's token; nullopt when the id and secret are not an operator client's.
  virtual std::optional<issued_token> for_operator(std::string_view client_id, std::string_view secret) const = 0;
  // The public keys its tokens verify with, as a JWK set.
  virtual std::string key_set() const = 0;
};

}  // namespace ttareungyi::ports
