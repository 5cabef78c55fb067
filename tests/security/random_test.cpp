#include "ttareungyi/security/random.hpp"

#include <gtest/gtest.h>

#include <set>

#include "ttareungyi/security/base64.hpp"

namespace ttareungyi::security {
namespace {

TEST(Random, IdIsLowercaseHexOfRequestedLength) {
  EXPECT_EQ(random_id().size(), 32u);
  EXPECT_EQ(random_id(4).size(), 8u);
  EXPECT_EQ(random_id(0), "");
  EXPECT_EQ(random_id(64).find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Random, SecretIsBase64UrlOfRequestedLength) {
  const std::string secret = random_secret();
  EXPECT_EQ(secret.size(), 43u);
  const auto raw = base64url_decode(secret);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 32u);
  EXPECT_EQ(random_secret(3).size(), 4u);
}

TEST(Random, ValuesDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(random_id(8)).second);
    EXPECT_TRUE(seen.insert(random_secret(8)).second);
  }
}

}  // namespace
}  // namespace ttareungyi::security
