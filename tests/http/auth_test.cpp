#include "auth.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace ttareungyi::http {
namespace {

using test::token_fixture;

class Auth : public ::testing::Test {
 protected:
  token_fixture fx;
};

TEST(AuthScopes, HasScope) {
  EXPECT_TRUE(has_scope("customer", "customer"));
  EXPECT_TRUE(has_scope("read customer", "customer"));
  EXPECT_TRUE(has_scope("customer operator", "operator"));
  EXPECT_FALSE(has_scope("customers", "customer"));
  EXPECT_FALSE(has_scope("", "customer"));
  EXPECT_FALSE(has_scope("operator", "customer"));
}

TEST_F(Auth, CustomerTokenForCustomerScope) {
  auto p = authorize(fx.bearer("c-1", "customer"), fx.tokens, {customer_scope});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->subject, "c-1");
  EXPECT_EQ(p->scope, "customer");
}

TEST_F(Auth, EitherScopeWhereBothAreAccepted) {
  auto c = authorize(fx.bearer("c-1", "customer"), fx.tokens, {customer_scope, operator_scope});
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scope, "customer");
  auto o = authorize(fx.bearer("ops-1", "operator"), fx.tokens, {customer_scope, operator_scope});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->subject, "ops-1");
  EXPECT_EQ(o->scope, "operator");
}

TEST_F(Auth, WrongScopeIs403) {
  auto p = authorize(fx.bearer("c-1", "customer"), fx.tokens, {operator_scope});
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().status, 403);
  EXPECT_EQ(p.error().code, "forbidden");
  EXPECT_EQ(p.error().detail, "scope operator is required");
  auto q = authorize(fx.bearer("ops-1", "operator"), fx.tokens, {customer_scope});
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().status, 403);
  auto r = authorize(fx.bearer("x", "admin"), fx.tokens, {customer_scope, operator_scope});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().status, 403);
}

void expect_401(const checked<principal>& p, std::string_view detail_part) {
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().status, 401);
  EXPECT_EQ(p.error().code, "unauthorized");
  EXPECT_NE(p.error().detail.find(detail_part), std::string::npos) << p.error().detail;
  auto r = to_response(p.error());
  auto challenge = r.header("WWW-Authenticate");
  ASSERT_TRUE(challenge);
  EXPECT_EQ(challenge->substr(0, 7), "Bearer ");
}

TEST_F(Auth, MissingOrForeignCredentialsAre401) {
  expect_401(authorize(std::nullopt, fx.tokens, {customer_scope}), "a valid bearer token is required");
  expect_401(authorize("Basic YTpi", fx.tokens, {customer_scope}), "a valid bearer token is required");
  expect_401(authorize("Bearer", fx.tokens, {customer_scope}), "malformed");
  expect_401(authorize("Bearer a b", fx.tokens, {customer_scope}), "malformed");
  expect_401(authorize("", fx.tokens, {customer_scope}), "a valid bearer token is required");
}

TEST_F(Auth, InvalidTokensAre401) {
  expect_401(authorize("Bearer not.a.jwt", fx.tokens, {customer_scope}), "invalid");
  auto good = fx.tokens.issue("c-1", "customer");
  auto tampered = good;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  expect_401(authorize("Bearer " + tampered, fx.tokens, {customer_scope}), "invalid");

  token_fixture other;  // another key
  expect_401(authorize(other.bearer("c-1", "customer"), fx.tokens, {customer_scope}), "invalid");
}

// A gateway verifies with the core's keys: before it has them it cannot tell, and says so.
TEST_F(Auth, AGatewayWithoutTheCoresKeysAnswers503) {
  auto gateway = security::token_service::verifier(std::string{test::test_issuer}, std::chrono::seconds{3600}, fx.clock.seconds());
  auto header = fx.bearer("c-1", "customer");
  auto before = authorize(header, gateway, {customer_scope});
  ASSERT_FALSE(before);
  EXPECT_EQ(before.error().status, 503);
  EXPECT_EQ(to_response(before.error()).header("Retry-After"), "1");
  ASSERT_TRUE(gateway.trust(fx.tokens.jwks_json()));
  auto after = authorize(header, gateway, {customer_scope});
  ASSERT_TRUE(after);
  EXPECT_EQ(after->subject, "c-1");
}

TEST_F(Auth, ExpiredTokenIs401) {
  auto header = fx.bearer("c-1", "customer");
  ASSERT_TRUE(authorize(header, fx.tokens, {customer_scope}));  // and now it is cached
  fx.clock.advance(std::chrono::seconds{3601});
  expect_401(authorize(header, fx.tokens, {customer_scope}), "expired");
  auto r = to_response(authorize(header, fx.tokens, {customer_scope}).error());
  EXPECT_NE(r.header("WWW-Authenticate")->find("invalid_token"), std::string::npos);
}

TEST_F(Auth, SchemeIsCaseInsensitive) {
  auto token = fx.tokens.issue("c-1", "customer");
  EXPECT_TRUE(authorize("bearer " + token, fx.tokens, {customer_scope}));
  EXPECT_TRUE(authorize("BEARER  " + token, fx.tokens, {customer_scope}));
}

TEST_F(Auth, TokenWithoutSubjectIsRefused) {
  expect_401(authorize(fx.bearer("", "customer"), fx.tokens, {customer_scope}), "subject");
}

}  // namespace
}  // namespace ttareungyi::http
