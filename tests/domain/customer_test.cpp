// Identity rules: Korean mobile numbers, password policy, sign-up validation, registration.
#include "ttareungyi/domain/customer.hpp"

#include <gtest/gtest.h>

#include "domain_test_support.hpp"

namespace ttareungyi::domain {
namespace {

using test::event_at;
using test::refused;

TEST(NormalizePhone, AcceptsMobileNumbersAndReturnsTheDigits) {
  EXPECT_EQ(normalize_phone("010-1234-5678"), "01012345678");
  EXPECT_EQ(normalize_phone("01012345678"), "01012345678");
  EXPECT_EQ(normalize_phone("010 1234 5678"), "01012345678");
  EXPECT_EQ(normalize_phone("011-123-4567"), "0111234567");
  EXPECT_EQ(normalize_phone("011-1234-5678"), "01112345678");
  EXPECT_EQ(normalize_phone("016-123-4567"), "0161234567");
  EXPECT_EQ(normalize_phone("017-123-4567"), "0171234567");
  EXPECT_EQ(normalize_phone("018-123-4567"), "0181234567");
  EXPECT_EQ(normalize_phone("0191234567"), "0191234567");
}

TEST(NormalizePhone, RefusesOtherNumbers) {
  for (std::string_view bad : {
           "",
           "02-123-4567",          // Seoul landline
           "031-123-4567",         // other landline
           "010-abcd-5678",        // letters
           "010-1234-567a",
           "phone",
           "010-123-4567",         // 010 needs 11 digits
           "010123456",            // too short
           "011-12-3456",          // too short
           "010-1234-56789",       // too long
           "0101234567890",
           "012-123-4567",         // not a mobile range
           "015-1234-5678",
           "1012345678",           // missing leading 0
           "+82-10-1234-5678",     // international form not accepted
           "010.1234.5678",
           "(010)1234-5678",
       })
    EXPECT_EQ(normalize_phone(bad), std::nullopt) << "'" << bad << "'";
}

TEST(Password, NeedsEightToOneHundredTwentyEightCharactersWithALetterAndADigit) {
  EXPECT_TRUE(acceptable_password("abcdefg1"));
  EXPECT_TRUE(acceptable_password("1234567X"));
  EXPECT_TRUE(acceptable_password("correct horse 9"));
  EXPECT_TRUE(acceptable_password(std::string(127, 'a') + "1"));

  EXPECT_FALSE(acceptable_password(""));
  EXPECT_FALSE(acceptable_password("abcdef1"));                      // 7 characters
  EXPECT_FALSE(acceptable_password(std::string(128, 'a') + "1"));    // 129 characters
  EXPECT_FALSE(acceptable_password("abcdefgh"));                     // no digit
  EXPECT_FALSE(acceptable_password("12345678"));                     // no letter
  EXPECT_FALSE(acceptable_password("!@#$%^&*()"));
}

TEST(CheckSignUp, ReturnsThePhoneInNormalForm) {
  const auto r = check_sign_up({.phone = "010-1234-5678", .password = "ddareungi1", .name = "김서울"});
  ASSERT_TRUE(r.has_value()) << r.error().detail;
  EXPECT_EQ(*r, "01012345678");
  const auto edge = check_sign_up({.phone = "0111234567", .password = "ddareungi1", .name = std::string(100, 'n')});
  ASSERT_TRUE(edge.has_value());
  EXPECT_EQ(*edge, "0111234567");
}

TEST(CheckSignUp, EveryErrorIsInvalid) {
  const sign_up_request bad[] = {
      {.phone = "02-123-4567", .password = "ddareungi1", .name = "Kim"},
      {.phone = "010-1234-5678", .password = "short1", .name = "Kim"},
      {.phone = "010-1234-5678", .password = "nodigitshere", .name = "Kim"},
      {.phone = "010-1234-5678", .password = "ddareungi1", .name = ""},
      {.phone = "010-1234-5678", .password = "ddareungi1", .name = std::string(101, 'n')},
  };
  for (const auto& request : bad)
    EXPECT_TRUE(refused(check_sign_up(request), error_kind::invalid, error_code::invalid_request))
        << request.phone << " / " << request.password << " / " << request.name.size();
}

TEST(RegisterCustomer, RaisesCustomerRegistered) {
  const auto d = register_customer("CU1", "01012345678", "김서울", "$argon2id$hash");
  EXPECT_EQ(d.state, (customer{"CU1", "01012345678", "김서울", "$argon2id$hash"}));
  ASSERT_EQ(d.events.size(), 1u);
  const auto& e = event_at<customer_registered>(d.events, 0);
  EXPECT_EQ(e.customer_id, "CU1");
  EXPECT_EQ(e.phone, "01012345678");
  EXPECT_EQ(e.name, "김서울");
}

}  // namespace
}  // namespace ttareungyi::domain

TEST(DisplayPhone, WritesNumbersTheUsualWay) {
  EXPECT_EQ(ttareungyi::domain::display_phone("01012345678"), "010-1234-5678");
  EXPECT_EQ(ttareungyi::domain::display_phone("0111234567"), "011-123-4567");
}
