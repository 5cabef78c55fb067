#pragma once
// The OAuth 2.0 parts: the token endpoint's request (RFC 6749 §4.3 password grant, §4.4 client
// credentials with HTTP Basic or form client authentication), its answers and §5.2 errors, and
// the authorization server metadata (RFC 8414).
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "message.hpp"
#include "ttareungyi/ports/token_signer.hpp"

namespace ttareungyi::http {

struct oauth_error {
  int status = 400;
  std::string error;        // invalid_request, invalid_client, invalid_grant, unsupported_grant_type, ...
  std::string description;  // error_description
  std::optional<int> retry_after{};
};

oauth_error invalid_request(std::string description);
oauth_error invalid_client(std::string description);  // 401, answered with WWW-Authenticate: Basic
oauth_error invalid_grant(std::string description);

struct password_grant {
  std::string username;  // the phone number
  std::string password;
};

struct client_credentials_grant {
  std::string client_id;
  std::string client_secret;
};

using token_request = std::variant<password_grant, client_credentials_grant>;

// The form body of POST /oauth2/token, with the request's Content-Type and Authorization.
std::expected<token_request, oauth_error> parse_token_request(std::optional<std::string_view> content_type,
                                                              std::string_view body,
                                                              std::optional<std::string_view> authorization);

// 200 {access_token, token_type:"Bearer", expires_in, scope}.
response token_response(const ports::issued_token& token);
// {error, error_description}, Cache-Control: no-store (+ WWW-Authenticate for invalid_client,
// Retry-After when set).
response to_response(const oauth_error& e);

// "http://HOST" from the Host header, when it looks like a host[:port]; nullopt otherwise.
std::optional<std::string> base_url_from_host(std::optional<std::string_view> host);
// RFC 8414 metadata document; endpoints are absolute URLs under base_url.
std::string authorization_server_metadata(std::string_view issuer, std::string_view base_url);

}  // namespace ttareungyi::http
