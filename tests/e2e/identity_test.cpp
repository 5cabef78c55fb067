// Sign-up, OAuth 2.0 tokens for customers and operators, signing keys and metadata.
#include "e2e_fixture.hpp"

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Identity : public server_test {};

std::string digits_of(std::string_view phone) {
  std::string out;
  for (char ch : phone)
    if (ch >= '0' && ch <= '9') out += ch;
  return out;
}

// The answer names the phone as given or in another notation of the same number (the server
// may normalize "010-1234-5678" to "01012345678").
::testing::AssertionResult same_phone(const nlohmann::json& answered, std::string_view given) {
  if (answered.is_string() && digits_of(answered.get<std::string>()) == digits_of(given))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "phone " << answered.dump() << " is not " << given;
}

TEST_F(Identity, SignUpAnswersTheCustomer) {
  auto r = sign_up("010-1234-5678", "s3cret-pass", "김따릉");
  ASSERT_STATUS(r, 201);
  EXPECT_EQ(r.media_type(), "application/json");
  auto body = r.json();
  ASSERT_TRUE(body.contains("id") && body["id"].is_string()) << body.dump();
  EXPECT_FALSE(body["id"].get<std::string>().empty());
  EXPECT_TRUE(same_phone(body["phone"], "010-1234-5678"));
  EXPECT_EQ(body["name"], "김따릉");
  EXPECT_FALSE(body.contains("password")) << "the password must never be echoed: " << body.dump();

  auto other = sign_up("010-1234-5679", "s3cret-pass", "이따릉");
  ASSERT_STATUS(other, 201);
  EXPECT_NE(other.json()["id"], body["id"]);
}

TEST_F(Identity, PhoneWithoutHyphensIsAccepted) {
  auto r = sign_up("01098765432", "bike2024x", "박따릉");
  ASSERT_STATUS(r, 201);
  EXPECT_TRUE(same_phone(r.json()["phone"], "01098765432"));
  EXPECT_STATUS(password_grant("01098765432", "bike2024x"), 200);
}

TEST_F(Identity, SameNumberInAnotherNotationIsTaken) {
  // A customer is identified by the phone number, not by how it was typed.
  ASSERT_STATUS(sign_up("010-2468-1357", "s3cret-pass", "first"), 201);
  EXPECT_PROBLEM(sign_up("01024681357", "s3cret-pass", "second"), 409, "phone_taken");
  ASSERT_STATUS(sign_up("01097531357", "s3cret-pass", "third"), 201);
  EXPECT_PROBLEM(sign_up("010-9753-1357", "s3cret-pass", "fourth"), 409, "phone_taken");
}

TEST_F(Identity, DuplicatePhoneIsConflict) {
  ASSERT_STATUS(sign_up("010-2222-3333", "s3cret-pass", "first"), 201);
  EXPECT_PROBLEM(sign_up("010-2222-3333", "an0ther-pass", "second"), 409, "phone_taken");
  // The first registration still holds: its password logs in, the second one does not.
  EXPECT_STATUS(password_grant("010-2222-3333", "s3cret-pass"), 200);
  EXPECT_STATUS(password_grant("010-2222-3333", "an0ther-pass"), 400);
}

TEST_F(Identity, WeakPasswordsAreRejected) {
  int n = 0;
  for (const char* weak : {"short1a", "abc12", "onlyletters", "1234567890", "", "        "}) {
    auto phone = "010-3333-" + std::to_string(4000 + n++);
    EXPECT_PROBLEM(sign_up(phone, weak, "약한"), 400, "invalid_request") << "password '" << weak << "'";
  }
  EXPECT_STATUS(sign_up("010-3333-5000", "abcdefg1", "ok"), 201);  // exactly 8, letter + digit
}

TEST_F(Identity, InvalidPhonesAreRejected) {
  for (const char* bad : {"hello", "02-123-4567", "010-12-345", "010-1234-56789", "", "+82 10 1234 5678x"}) {
    EXPECT_PROBLEM(sign_up(bad, "s3cret-pass", "전화"), 400, "invalid_request") << "phone '" << bad << "'";
  }
}

TEST_F(Identity, MissingOrIllTypedFieldsAreRejected) {
  for (const json& body : {json{{"phone", "010-4444-5555"}, {"password", "s3cret-pass"}},
                           json{{"phone", "010-4444-5555"}, {"name", "x"}},
                           json{{"password", "s3cret-pass"}, {"name", "x"}},
                           json{{"phone", 1044445555}, {"password", "s3cret-pass"}, {"name", "x"}},
                           json{{"phone", "010-4444-5555"}, {"password", 12345678}, {"name", "x"}},
                           json{{"phone", "010-4444-5555"}, {"password", "s3cret-pass"}, {"name", json::array()}},
                           json{{"phone", "010-4444-5555"}, {"password", "s3cret-pass"}, {"name", ""}},
                           json::object(), json::array(), json("010-4444-5555")}) {
    EXPECT_PROBLEM(http().post_json("/v1/customers", body), 400, "invalid_request") << body.dump();
  }
  EXPECT_STATUS(sign_up("010-4444-5555", "s3cret-pass", "x"), 201);  // none of those created it
}

TEST_F(Identity, CustomerGetsABearerToken) {
  ASSERT_STATUS(sign_up("010-1234-5678", "s3cret-pass", "김따릉"), 201);
  auto r = password_grant("010-1234-5678", "s3cret-pass");
  ASSERT_STATUS(r, 200);
  EXPECT_EQ(r.media_type(), "application/json");
  auto body = r.json();
  ASSERT_TRUE(body["access_token"].is_string()) << body.dump();
  EXPECT_FALSE(body["access_token"].get<std::string>().empty());
  EXPECT_EQ(body["token_type"], "Bearer");
  ASSERT_TRUE(body["expires_in"].is_number_integer()) << body.dump();
  EXPECT_GT(body["expires_in"].get<long long>(), 0);
  EXPECT_EQ(body["scope"], "customer");
}

TEST_F(Identity, TokenIsAnEs256JwtSignedByAPublishedKey) {
  auto c = new_customer();
  auto parts = std::vector<std::string>{};
  std::string_view token = c.token;
  for (std::size_t start = 0;;) {
    auto dot = token.find('.', start);
    parts.emplace_back(token.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  ASSERT_EQ(parts.size(), 3u) << "not a JWS compact serialization: " << c.token;
  auto header = json::parse(base64url_decode(parts[0]));
  EXPECT_EQ(header["alg"], "ES256") << header.dump();
  auto claims = json::parse(base64url_decode(parts[1]));
  EXPECT_TRUE(claims.contains("exp")) << claims.dump();
  EXPECT_TRUE(claims.contains("sub")) << claims.dump();

  auto jwks = http().get("/.well-known/jwks.json");
  ASSERT_STATUS(jwks, 200);
  auto keys = jwks.json()["keys"];
  if (header.contains("kid")) {
    bool found = false;
    for (const auto& k : keys) found = found || k.value("kid", "") == header["kid"];
    EXPECT_TRUE(found) << "token kid " << header["kid"] << " not in " << keys.dump();
  }
}

TEST_F(Identity, WrongPasswordIsInvalidGrant) {
  ASSERT_STATUS(sign_up("010-1234-5678", "s3cret-pass", "김따릉"), 201);
  for (auto [phone, password] : {std::pair{"010-1234-5678", "wrong-pass1"}, std::pair{"010-9999-0000", "s3cret-pass"}}) {
    auto r = password_grant(phone, password);
    ASSERT_STATUS(r, 400);
    EXPECT_EQ(r.json()["error"], "invalid_grant") << r.describe();
    EXPECT_FALSE(r.json().contains("access_token"));
  }
}

TEST_F(Identity, TokenEndpointErrorsFollowRfc6749) {
  auto unsupported = http().post_form("/oauth2/token", {{"grant_type", "authorization_code"}, {"code", "x"}});
  ASSERT_STATUS(unsupported, 400);
  EXPECT_EQ(unsupported.json()["error"], "unsupported_grant_type");

  auto missing = http().post_form("/oauth2/token", {{"grant_type", "password"}, {"password", "s3cret-pass"}});
  ASSERT_STATUS(missing, 400);
  EXPECT_EQ(missing.json()["error"], "invalid_request");

  auto no_grant = http().post_form("/oauth2/token", {{"username", "010-1234-5678"}});
  ASSERT_STATUS(no_grant, 400);
  EXPECT_EQ(no_grant.json()["error"], "invalid_request");
}

TEST_F(Identity, OperatorGetsAnOperatorToken) {
  auto r = client_credentials(operator_client_id, operator_client_secret);
  ASSERT_STATUS(r, 200);
  auto body = r.json();
  EXPECT_TRUE(body["access_token"].is_string() && !body["access_token"].get<std::string>().empty()) << body.dump();
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_TRUE(body["expires_in"].is_number_integer() && body["expires_in"].get<long long>() > 0) << body.dump();
  EXPECT_EQ(body["scope"], "operator");
}

TEST_F(Identity, OperatorWithBadCredentialsIsInvalidClient) {
  for (auto creds : {std::pair{"ops", "wrong"}, std::pair{"nobody", "secret"}}) {
    auto r = client_credentials(creds.first, creds.second);
    ASSERT_STATUS(r, 401);
    EXPECT_EQ(r.json()["error"], "invalid_client") << r.describe();
  }
  auto anonymous = http().post_form("/oauth2/token", {{"grant_type", "client_credentials"}});
  ASSERT_STATUS(anonymous, 401);
  EXPECT_EQ(anonymous.json()["error"], "invalid_client");
}

TEST_F(Identity, JwksPublishesEcKeys) {
  auto r = http().get("/.well-known/jwks.json");
  ASSERT_STATUS(r, 200);
  auto body = r.json();
  ASSERT_TRUE(body["keys"].is_array()) << body.dump();
  ASSERT_FALSE(body["keys"].empty());
  for (const auto& key : body["keys"]) {
    EXPECT_EQ(key["kty"], "EC") << key.dump();
    EXPECT_EQ(key["crv"], "P-256") << key.dump();
    for (const char* f : {"x", "y", "kid"}) EXPECT_TRUE(key[f].is_string()) << f << " in " << key.dump();
    EXPECT_FALSE(key.contains("d")) << "private key material published: " << key.dump();
  }
}

TEST_F(Identity, AuthorizationServerMetadata) {
  auto r = http().get("/.well-known/oauth-authorization-server");
  ASSERT_STATUS(r, 200);
  auto body = r.json();
  for (const char* f : {"issuer", "token_endpoint", "jwks_uri"}) {
    ASSERT_TRUE(body[f].is_string()) << f << " in " << body.dump();
  }
  EXPECT_TRUE(body["token_endpoint"].get<std::string>().ends_with("/oauth2/token")) << body.dump();
  EXPECT_TRUE(body["jwks_uri"].get<std::string>().ends_with("/.well-known/jwks.json")) << body.dump();
  ASSERT_TRUE(body["grant_types_supported"].is_array()) << body.dump();
  auto grants = body["grant_types_supported"];
  EXPECT_NE(std::find(grants.begin(), grants.end(), "password"), grants.end()) << grants.dump();
  EXPECT_NE(std::find(grants.begin(), grants.end(), "client_credentials"), grants.end()) << grants.dump();
}

}  // namespace
}  // namespace ttareungyi::e2e
