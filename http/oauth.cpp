#include "oauth.hpp"

#include <nlohmann/json.hpp>

#include "auth.hpp"
#include "forms.hpp"

namespace ttareungyi::http {

using json = nlohmann::json;

oauth_error invalid_request(std::string description) { return {400, "invalid_request", std::move(description)}; }
oauth_error invalid_client(std::string description) { return {401, "invalid_client", std::move(description)}; }
oauth_error invalid_grant(std::string description) { return {400, "invalid_grant", std::move(description)}; }

std::expected<token_request, oauth_error> parse_token_request(std::optional<std::string_view> content_type,
                                                              std::string_view body,
                                                              std::optional<std::string_view> authorization) {
  if (!is_form(content_type)) {
    return std::unexpected(invalid_request("Content-Type must be application/x-www-form-urlencoded"));
  }
  auto fields = parse_form(body);
  if (!fields) return std::unexpected(invalid_request(fields.error()));
  auto grant_type = field(*fields, "grant_type");
  if (!grant_type || grant_type->empty()) return std::unexpected(invalid_request("missing parameter grant_type"));

  if (*grant_type == "password") {
    auto username = field(*fields, "username");
    if (!username || username->empty()) return std::unexpected(invalid_request("missing parameter username"));
    auto password = field(*fields, "password");
    if (!password || password->empty()) return std::unexpected(invalid_request("missing parameter password"));
    return password_grant{std::string{*username}, std::string{*password}};
  }

  if (*grant_type == "client_credentials") {
    auto form_id = field(*fields, "client_id");
    auto form_secret = field(*fields, "client_secret");
    bool basic = authorization && has_scheme(*authorization, "Basic");
    if (basic) {
      if (form_secret) return std::unexpected(invalid_request("use only one client authentication method"));
      auto credentials = parse_basic(*authorization);
      if (!credentials) return std::unexpected(invalid_client("client authentication failed"));
      if (form_id && *form_id != credentials->user) {
        return std::unexpected(invalid_request("client_id does not match the HTTP Basic credentials"));
      }
      return client_credentials_grant{std::move(credentials->user), std::move(credentials->password)};
    }
    if (form_id && form_secret) return client_credentials_grant{std::string{*form_id}, std::string{*form_secret}};
    return std::unexpected(invalid_client("client authentication failed"));
  }

  return std::unexpected(
      oauth_error{400, "unsupported_grant_type", "grant_type must be password or client_credentials"});
}

response token_response(const ports::issued_token& token) {
  json doc = {
      {"access_token", token.access_token},
      {"token_type", "Bearer"},
      {"expires_in", token.expires_in},
      {"scope", token.scope},
  };
  auto r = json_response(200, doc.dump(-1, ' ', false, json::error_handler_t::replace));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Pragma", "no-cache");
  return r;
}

response to_response(const oauth_error& e) {
  json doc = {{"error", e.error}};
  if (!e.description.empty()) doc["error_description"] = e.description;
  auto r = json_response(e.status, doc.dump(-1, ' ', false, json::error_handler_t::replace));
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("Pragma", "no-cache");
  if (e.status == 401) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"" + std::string{auth_realm} + "\"");
  if (e.retry_after) r.headers.emplace_back("Retry-After", std::to_string(*e.retry_after));
  return r;
}

std::optional<std::string> base_url_from_host(std::optional<std::string_view> host) {
  if (!host || host->empty() || host->size() > 255) return std::nullopt;
  for (char c : *host) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == ':' || c == '[' || c == ']' || c == '_';
    if (!ok) return std::nullopt;
  }
  return "http://" + std::string{*host};
}

std::string authorization_server_metadata(std::string_view issuer, std::string_view base_url) {
  std::string base{base_url};
  while (!base.empty() && base.back() == '/') base.pop_back();
  json doc = {
      {"issuer", issuer},
      {"token_endpoint", base + "/oauth2/token"},
      {"jwks_uri", base + "/.well-known/jwks.json"},
      {"grant_types_supported", json::array({"password", "client_credentials"})},
      {"token_endpoint_auth_methods_supported", json::array({"client_secret_basic", "client_secret_post"})},
      {"response_types_supported", json::array()},
      {"scopes_supported", json::array({customer_scope, operator_scope})},
  };
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ttareungyi::http
