// The identity endpoints: sign-up, the OAuth 2.0 token endpoint, and what clients need to check
// the tokens (the JWKS and the authorization server metadata).
#include <utility>
#include <variant>

#include "answers.hpp"
#include "handlers.hpp"
#include "json_mapping.hpp"
#include "oauth.hpp"

namespace ttareungyi::http::handlers {

namespace {

// The token endpoint answers everything itself, in its own error form (RFC 6749 section 5.2).
void issue_token(const call& c, const responder& respond) {
  auto grant = parse_token_request(c.req.header("Content-Type"), c.req.body, c.req.header("Authorization"));
  if (!grant) return respond(to_response(grant.error()));

  const auto& services = c.services;
  if (auto* client = std::get_if<client_credentials_grant>(&*grant)) {
    if (!security::authenticate_operator(services.operators, client->client_id, client->client_secret)) {
      spdlog::debug("http: operator client authentication failed");
      return respond(to_response(invalid_client("client authentication failed")));
    }
    return respond(token_response(services.tokens, client->client_id, operator_scope));
  }

  auto& password = std::get<password_grant>(*grant);
  const auto* tokens = &services.tokens;
  services.app.identity.authenticate(
      std::move(password.username), std::move(password.password),
      [respond, tokens, gate = services.gate](domain::result<app::customer_profile> result) {
        std::shared_lock open{gate->mutex};
        if (!gate->open) return;
        respond(guarded([&]() -> response {
          if (result) return token_response(*tokens, result->id, customer_scope);
          const auto& e = result.error();
          switch (e.kind) {
            case domain::error_kind::unavailable:
              spdlog::warn("http: sign-in unavailable {}: {}", code_of(e), e.detail);
              return to_response(oauth_error{503, "temporarily_unavailable", "try again later",
                                             e.retry_after_seconds > 0 ? e.retry_after_seconds : 1});
            case domain::error_kind::internal:
              spdlog::warn("http: sign-in failed {}: {}", code_of(e), e.detail);
              return to_response(oauth_error{500, "server_error", "the server failed to handle the request"});
            default:
              return to_response(invalid_grant("wrong phone number or password"));
          }
        }));
      });
}

}  // namespace

checked<work> jwks(const call& c) {
  return [&c](responder respond) { respond(json_response(200, c.services.tokens.jwks_json())); };
}

checked<work> authorization_server_metadata(const call& c) {
  return [&c](responder respond) {
    const auto& tokens = c.services.tokens;
    auto base = base_url_from_host(c.req.header("Host")).value_or(tokens.issuer());
    respond(json_response(200, http::authorization_server_metadata(tokens.issuer(), base)));
  };
}

checked<work> token(const call& c) {
  return [&c](responder respond) { issue_token(c, respond); };
}

checked<work> create_customer(const call& c) {
  auto body = parse_sign_up(c.req.body);
  if (!body) return std::unexpected(std::move(body.error()));
  return [&c, body = std::move(*body)](responder respond) mutable {
    c.services.app.identity.sign_up(
        std::move(body), created_answer<app::customer_profile>(respond, "/v1/customers", &app::customer_profile::id));
  };
}

}  // namespace ttareungyi::http::handlers
