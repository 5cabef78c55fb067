#include "ttareungyi/security/base64.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ttareungyi::security {
namespace {

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain) << encoded;
    std::string unpadded = encoded;
    while (unpadded.ends_with('=')) unpadded.pop_back();
    EXPECT_EQ(base64url_encode(plain), unpadded);
    EXPECT_EQ(base64url_decode(unpadded), plain) << unpadded;
    EXPECT_EQ(base64_decode(unpadded), plain) << "padding is optional for std base64";
  }
}

TEST(Base64, AlphabetsDiffer) {
  const std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64_encode(bytes), "+/+/");
  EXPECT_EQ(base64url_encode(bytes), "-_-_");
  EXPECT_EQ(base64url_decode("-_-_"), bytes);
  EXPECT_FALSE(base64url_decode("+/+/"));
  EXPECT_FALSE(base64_decode("-_-_"));
}

TEST(Base64, RoundTripsAllLengthsAndBytes) {
  std::string data;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(base64url_decode(base64url_encode(data)), data);
    EXPECT_EQ(base64_decode(base64_encode(data)), data);
    data += static_cast<char>(i * 37 + 11);
  }
}

TEST(Base64, RejectsMalformedInput) {
  EXPECT_FALSE(base64url_decode("A"));      // impossible length
  EXPECT_FALSE(base64url_decode("AAAAA"));
  EXPECT_FALSE(base64url_decode("Zg=="));   // no padding in base64url
  EXPECT_FALSE(base64url_decode("Zm 9v"));
  EXPECT_FALSE(base64url_decode("Zh"));     // non-zero unused bits: not the canonical spelling of "f"
  EXPECT_FALSE(base64url_decode("Zm9"));    // likewise for "fo" ("Zm8")
  EXPECT_FALSE(base64_decode("Zg="));       // wrong padding length
  EXPECT_FALSE(base64_decode("Zg==="));
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("Z==="));
  EXPECT_FALSE(base64_decode("Zg==Zg=="));
  EXPECT_FALSE(base64_decode("Zm9v\n"));
}

TEST(Base64, DecodesBasicAuthCredentials) {
  EXPECT_EQ(base64_decode("QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), "Aladdin:open sesame");
}

}  // namespace
}  // namespace ttareungyi::security
