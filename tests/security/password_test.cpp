#include "ttareungyi/security/password.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ttareungyi/security/base64.hpp"

namespace ttareungyi::security {
namespace {

constexpr int fast = 1000;  // keep tests quick; production uses default_password_iterations

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t pos; (pos = s.find(sep, start)) != std::string::npos; start = pos + 1) parts.push_back(s.substr(start, pos - start));
  parts.push_back(s.substr(start));
  return parts;
}

TEST(Password, RoundTrip) {
  const std::string encoded = hash_password("correct horse battery staple", fast);
  EXPECT_TRUE(verify_password("correct horse battery staple", encoded));
}

TEST(Password, WrongPasswordRefused) {
  const std::string encoded = hash_password("secret", fast);
  EXPECT_FALSE(verify_password("Secret", encoded));
  EXPECT_FALSE(verify_password("secret ", encoded));
  EXPECT_FALSE(verify_password("", encoded));
}

TEST(Password, EmptyAndBinaryPasswordsWork) {
  EXPECT_TRUE(verify_password("", hash_password("", fast)));
  const std::string binary("a\0b\xff", 4);
  const std::string encoded = hash_password(binary, fast);
  EXPECT_TRUE(verify_password(binary, encoded));
  EXPECT_FALSE(verify_password("a", encoded));
}

TEST(Password, EncodingFormat) {
  const auto parts = split(hash_password("pw", 1234), '$');
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0], "pbkdf2-sha256");
  EXPECT_EQ(parts[1], "1234");
  EXPECT_EQ(base64url_decode(parts[2]).value_or("").size(), 16u);
  EXPECT_EQ(base64url_decode(parts[3]).value_or("").size(), 32u);
}

TEST(Password, DefaultIterations) {
  EXPECT_EQ(default_password_iterations, 60'000);
  const std::string encoded = hash_password("pw");
  EXPECT_EQ(split(encoded, '$')[1], "60000");
  EXPECT_TRUE(verify_password("pw", encoded));
}

TEST(Password, KnownVector) {
  // PBKDF2-HMAC-SHA256("password", "saltsaltsaltsalt", 1000, 32) as computed by Python's hashlib.
  const std::string hash(
      "\xf2\x75\xfb\x87\x01\x44\xcc\x80\x7c\x68\xf6\xa3\x25\x36\x0a\xf3"
      "\x07\x87\x41\xce\x4d\x83\x3d\x29\x15\x50\x0a\xbd\x2b\xb8\x8d\x00",
      32);
  const std::string encoded =
      "pbkdf2-sha256$1000$" + base64url_encode("saltsaltsaltsalt") + "$" + base64url_encode(hash);
  EXPECT_TRUE(verify_password("password", encoded));
  EXPECT_FALSE(verify_password("passwore", encoded));
}

TEST(Password, DifferentSaltsGiveDifferentHashes) {
  const std::string a = hash_password("same", fast);
  const std::string b = hash_password("same", fast);
  EXPECT_NE(a, b);
  EXPECT_NE(split(a, '$')[2], split(b, '$')[2]);
  EXPECT_NE(split(a, '$')[3], split(b, '$')[3]);
  EXPECT_TRUE(verify_password("same", a));
  EXPECT_TRUE(verify_password("same", b));
}

TEST(Password, MalformedEncodingsRefused) {
  const std::string good = hash_password("pw", fast);
  ASSERT_TRUE(verify_password("pw", good));
  const auto p = split(good, '$');
  const std::string salt = p[2];
  const std::string hash = p[3];
  const std::vector<std::string> bad = {
      "",
      "pbkdf2-sha256",
      "pbkdf2-sha256$1000",
      "pbkdf2-sha256$1000$" + salt,
      "pbkdf2-sha512$1000$" + salt + "$" + hash,
      "pbkdf2-sha256$$" + salt + "$" + hash,
      "pbkdf2-sha256$0$" + salt + "$" + hash,
      "pbkdf2-sha256$-1000$" + salt + "$" + hash,
      "pbkdf2-sha256$01000$" + salt + "$" + hash,
      "pbkdf2-sha256$1000x$" + salt + "$" + hash,
      "pbkdf2-sha256$99999999999$" + salt + "$" + hash,
      "pbkdf2-sha256$1000$" + salt + "$" + hash + "$",
      "pbkdf2-sha256$1000$" + salt + "$" + hash + "$extra",
      "pbkdf2-sha256$1000$" + salt + "$",
      "pbkdf2-sha256$1000$$" + hash,
      "pbkdf2-sha256$1000$" + salt + "$" + hash.substr(0, 22),  // shortened hash
      "pbkdf2-sha256$1000$" + salt + "$" + hash + "AA",        // lengthened hash
      "pbkdf2-sha256$1000$" + salt + "$" + hash + "=",
      "pbkdf2-sha256$1000$" + salt + "!$" + hash,
      " " + good,
      good + "\n",
  };
  for (const std::string& encoded : bad) EXPECT_FALSE(verify_password("pw", encoded)) << encoded;
}

TEST(Password, TamperedHashRefused) {
  std::string encoded = hash_password("pw", fast);
  encoded[encoded.size() - 5] = encoded[encoded.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verify_password("pw", encoded));
}

}  // namespace
}  // namespace ttareungyi::security
