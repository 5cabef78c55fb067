#include "oauth.hpp"
#include "ttareungyi/http/token_desk.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"
#include "ttareungyi/security/base64.hpp"

namespace ttareungyi::http {
namespace {

using test::json;

constexpr std::string_view form = "application/x-www-form-urlencoded";

std::string basic(std::string_view user, std::string_view secret) {
  return "Basic " + security::base64_encode(std::string{user} + ":" + std::string{secret});
}

void expect_error(const std::expected<token_request, oauth_error>& r, int status, std::string_view error) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, status);
  EXPECT_EQ(r.error().error, error);
}

TEST(OAuthRequest, PasswordGrant) {
  auto r = parse_token_request(form, "grant_type=password&username=010-1234-5678&password=bike2024", std::nullopt);
  ASSERT_TRUE(r);
  auto& g = std::get<password_grant>(*r);
  EXPECT_EQ(g.username, "010-1234-5678");
  EXPECT_EQ(g.password, "bike2024");
}

TEST(OAuthRequest, PasswordGrantNeedsUsernameAndPassword) {
  expect_error(parse_token_request(form, "grant_type=password&password=x", std::nullopt), 400, "invalid_request");
  expect_error(parse_token_request(form, "grant_type=password&username=010", std::nullopt), 400, "invalid_request");
  expect_error(parse_token_request(form, "grant_type=password&username=&password=x", std::nullopt), 400, "invalid_request");
  auto r = parse_token_request(form, "grant_type=password&password=x", std::nullopt);
  EXPECT_EQ(r.error().description, "missing parameter username");
}

TEST(OAuthRequest, ClientCredentialsWithBasic) {
  auto r = parse_token_request("application/x-www-form-urlencoded; charset=UTF-8", "grant_type=client_credentials",
                               basic("ops-1", "s3cret"));
  ASSERT_TRUE(r);
  auto& g = std::get<client_credentials_grant>(*r);
  EXPECT_EQ(g.client_id, "ops-1");
  EXPECT_EQ(g.client_secret, "s3cret");
}

TEST(OAuthRequest, ClientCredentialsInTheForm) {
  auto r = parse_token_request(form, "grant_type=client_credentials&client_id=ops-1&client_secret=s3cret", std::nullopt);
  ASSERT_TRUE(r);
  auto& g = std::get<client_credentials_grant>(*r);
  EXPECT_EQ(g.client_id, "ops-1");
  EXPECT_EQ(g.client_secret, "s3cret");
  // client_id may repeat the Basic user.
  EXPECT_TRUE(parse_token_request(form, "grant_type=client_credentials&client_id=ops-1", basic("ops-1", "s")));
}

TEST(OAuthRequest, ClientCredentialsRefusals) {
  expect_error(parse_token_request(form, "grant_type=client_credentials", std::nullopt), 401, "invalid_client");
  expect_error(parse_token_request(form, "grant_type=client_credentials&client_id=ops-1", std::nullopt), 401, "invalid_client");
  expect_error(parse_token_request(form, "grant_type=client_credentials", "Basic !!!"), 401, "invalid_client");
  expect_error(parse_token_request(form, "grant_type=client_credentials", "Bearer abc"), 401, "invalid_client");
  expect_error(parse_token_request(form, "grant_type=client_credentials&client_secret=s", basic("ops-1", "s")), 400,
               "invalid_request");
  expect_error(parse_token_request(form, "grant_type=client_credentials&client_id=other", basic("ops-1", "s")), 400,
               "invalid_request");
}

TEST(OAuthRequest, GrantTypeAndFormErrors) {
  expect_error(parse_token_request(form, "", std::nullopt), 400, "invalid_request");
  expect_error(parse_token_request(form, "username=x", std::nullopt), 400, "invalid_request");
  expect_error(parse_token_request(form, "grant_type=authorization_code&code=x", std::nullopt), 400, "unsupported_grant_type");
  expect_error(parse_token_request(form, "grant_type=password&grant_type=password&username=a&password=b", std::nullopt), 400,
               "invalid_request");
  expect_error(parse_token_request(form, "grant_type=%zz", std::nullopt), 400, "invalid_request");
  expect_error(parse_token_request("application/json", R"({"grant_type":"password"})", std::nullopt), 400, "invalid_request");
  expect_error(parse_token_request(std::nullopt, "grant_type=password&username=a&password=b", std::nullopt), 400,
               "invalid_request");
}

TEST(OAuthResponse, TokenResponseCarriesAVerifiableToken) {
  test::token_fixture fx;
  auto r = token_response(token_desk{fx.tokens, {}}.for_customer("c-1"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  auto doc = json::parse(r.body);
  EXPECT_EQ(doc.size(), 4u);
  EXPECT_EQ(doc["token_type"], "Bearer");
  EXPECT_EQ(doc["expires_in"], 3600);
  EXPECT_EQ(doc["scope"], "customer");
  auto claims = fx.tokens.verify(doc["access_token"].get<std::string>());
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->subject, "c-1");
  EXPECT_EQ(claims->scope, "customer");
}

TEST(OAuthResponse, ErrorsInRfc6749Form) {
  auto r = to_response(invalid_grant("wrong phone number or password"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  EXPECT_FALSE(r.header("WWW-Authenticate"));
  EXPECT_EQ(json::parse(r.body), (json{{"error", "invalid_grant"}, {"error_description", "wrong phone number or password"}}));

  auto c = to_response(invalid_client("client authentication failed"));
  EXPECT_EQ(c.status, 401);
  ASSERT_TRUE(c.header("WWW-Authenticate"));
  EXPECT_EQ(c.header("WWW-Authenticate")->substr(0, 6), "Basic ");
  EXPECT_EQ(json::parse(c.body)["error"], "invalid_client");

  auto u = to_response(oauth_error{503, "temporarily_unavailable", "later", 4});
  EXPECT_EQ(u.header("Retry-After"), "4");
}

TEST(OAuthMetadata, BaseUrlFromHost) {
  EXPECT_EQ(base_url_from_host("localhost:8080"), "http://localhost:8080");
  EXPECT_EQ(base_url_from_host("[::1]:8080"), "http://[::1]:8080");
  EXPECT_EQ(base_url_from_host("api.example.com"), "http://api.example.com");
  EXPECT_FALSE(base_url_from_host(std::nullopt));
  EXPECT_FALSE(base_url_from_host(""));
  EXPECT_FALSE(base_url_from_host("evil.com/path"));
  EXPECT_FALSE(base_url_from_host("a b"));
  EXPECT_FALSE(base_url_from_host("x\"y"));
}

TEST(OAuthMetadata, Rfc8414Document) {
  auto doc = json::parse(authorization_server_metadata("http://issuer.test", "http://localhost:8080/"));
  EXPECT_EQ(doc["issuer"], "http://issuer.test");
  EXPECT_EQ(doc["token_endpoint"], "http://localhost:8080/oauth2/token");
  EXPECT_EQ(doc["jwks_uri"], "http://localhost:8080/.well-known/jwks.json");
  EXPECT_EQ(doc["grant_types_supported"], (json{"password", "client_credentials"}));
  EXPECT_EQ(doc["token_endpoint_auth_methods_supported"], (json{"client_secret_basic", "client_secret_post"}));
  EXPECT_EQ(doc["response_types_supported"], json::array());
  EXPECT_EQ(doc["scopes_supported"], (json{"customer", "operator"}));
}

}  // namespace
}  // namespace ttareungyi::http
