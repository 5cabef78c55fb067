#include "forms.hpp"

#include <gtest/gtest.h>

#include "ttareungyi/security/base64.hpp"

namespace ttareungyi::http {
namespace {

TEST(Forms, PercentDecode) {
  EXPECT_EQ(percent_decode("a%20b%2Bc", false), "a b+c");
  EXPECT_EQ(percent_decode("a+b", true), "a b");
  EXPECT_EQ(percent_decode("a+b", false), "a+b");
  EXPECT_EQ(percent_decode("%ea%b9%80", false), "김");
  EXPECT_EQ(percent_decode("", true), "");
  EXPECT_FALSE(percent_decode("%", true));
  EXPECT_FALSE(percent_decode("%4", true));
  EXPECT_FALSE(percent_decode("abc%", true));
  EXPECT_FALSE(percent_decode("%zz", true));
}

TEST(Forms, PercentEncodeKeepsUnreserved) {
  EXPECT_EQ(percent_encode("SPB-31542_a.b~"), "SPB-31542_a.b~");
  EXPECT_EQ(percent_encode("a/b c?"), "a%2Fb%20c%3F");
  EXPECT_EQ(percent_decode(percent_encode("김 / %"), false), "김 / %");
}

TEST(Forms, ParseForm) {
  auto f = parse_form("grant_type=password&username=010-1234-5678&password=bike%2B2024+x");
  ASSERT_TRUE(f);
  EXPECT_EQ(field(*f, "grant_type"), "password");
  EXPECT_EQ(field(*f, "username"), "010-1234-5678");
  EXPECT_EQ(field(*f, "password"), "bike+2024 x");
  EXPECT_FALSE(field(*f, "scope"));
}

TEST(Forms, ParseFormEdgeCases) {
  auto f = parse_form("&&a=&b&c=1=2&");
  ASSERT_TRUE(f);
  EXPECT_EQ(field(*f, "a"), "");
  EXPECT_EQ(field(*f, "b"), "");
  EXPECT_EQ(field(*f, "c"), "1=2");
  EXPECT_TRUE(parse_form("")->empty());
  EXPECT_NE(parse_form("a=1&a=2").error().find("repeated"), std::string::npos);
  EXPECT_NE(parse_form("a=%G1").error().find("percent"), std::string::npos);
}

TEST(Forms, Schemes) {
  EXPECT_TRUE(has_scheme("Basic abc", "Basic"));
  EXPECT_TRUE(has_scheme("basic abc", "Basic"));
  EXPECT_TRUE(has_scheme("BEARER x", "Bearer"));
  EXPECT_FALSE(has_scheme("Bearerx y", "Bearer"));
  EXPECT_FALSE(has_scheme("Digest x", "Basic"));
  EXPECT_EQ(credentials_of("Bearer   abc  "), "abc");
  EXPECT_EQ(credentials_of("Bearer"), "");
}

TEST(Forms, BasicCredentials) {
  auto header = "Basic " + security::base64_encode("ops-1:s3cr:et");
  auto c = parse_basic(header);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "ops-1");
  EXPECT_EQ(c->password, "s3cr:et");  // split at the first ':'

  auto lower = parse_basic("basic " + security::base64_encode("a:b"));
  ASSERT_TRUE(lower);
  EXPECT_EQ(lower->user, "a");

  auto empty_secret = parse_basic("Basic " + security::base64_encode("a:"));
  ASSERT_TRUE(empty_secret);
  EXPECT_EQ(empty_secret->password, "");
}

TEST(Forms, BasicCredentialsRefusals) {
  EXPECT_FALSE(parse_basic("Bearer abc"));
  EXPECT_FALSE(parse_basic("Basic"));
  EXPECT_FALSE(parse_basic("Basic !!!"));
  EXPECT_FALSE(parse_basic("Basic " + security::base64_encode("no-colon")));
}

}  // namespace
}  // namespace ttareungyi::http
