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

// A sign-in's outcome in the token endpoint's own error form (RFC 6749 section 5.2): a refusal
// of the credentials is `refused` (invalid_grant for a password, invalid_client for a client).
response token_answer(const domain::result<ports::issued_token>& result, const oauth_error& refused) {
  if (result) return token_response(*result);
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
      spdlog::debug("http: sign-in refused: {}", e.detail);
      return to_response(refused);
  }
}

// The token endpoint answers everything itself. A node with the signing key checks the
// credentials and signs here; a gateway has the core do both (app::sign_in_service).
void issue_token(const call& c, const responder& respond) {
  auto grant = parse_token_request(c.req.header("Content-Type"), c.req.body, c.req.header("Authorization"));
  if (!grant) return respond(to_response(grant.error()));

  const auto& services = c.services;
  auto answer = [respond, gate = services.gate](oauth_error refused) {
    return [respond, gate, refused = std::move(refused)](domain::result<ports::issued_token> result) {
      std::shared_lock open{gate->mutex};
      if (!gate->open) return;
      respond(guarded([&] { return token_answer(result, refused); }));
    };
  };
  if (auto* client = std::get_if<client_credentials_grant>(&*grant)) {
    auto done = answer(invalid_client("client authentication failed"));
    if (services.app.sign_in)
      return services.app.sign_in->operator_token(std::move(client->client_id), std::move(client->client_secret), done);
    if (auto token = services.signer->for_operator(client->client_id, client->client_secret)) return done(std::move(*token));
    return done(std::unexpected(domain::error{domain::error_kind::invalid, domain::error_code::invalid_credentials,
                                              "not an operator client"}));
  }
  auto& password = std::get<password_grant>(*grant);
  auto done = answer(invalid_grant("wrong phone number or password"));
  if (services.app.sign_in)
    return services.app.sign_in->customer_token(std::move(password.username), std::move(password.password), done);
  services.app.identity.authenticate(
      std::move(password.username), std::move(password.password),
      [done, signer = services.signer](domain::result<app::customer_profile> profile) {
        if (!profile) return done(std::unexpected(std::move(profile.error())));
        done(signer->for_customer(profile->id.str()));
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
