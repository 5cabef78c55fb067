// Identity: sign-up by phone, once per phone, and login.
#include "fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using app::customer_profile;
using domain::error_kind;
using domain::sign_up_request;

class IdentityTest : public actor_test {
 protected:
  void SetUp() override { start(); }
  slot<customer_profile> sign_up(const std::string& phone, const std::string& password, const std::string& name) {
    return call<customer_profile>(identity, sign_up_atom::value, sign_up_request{phone, password, name});
  }
  slot<customer_profile> login(const std::string& phone, const std::string& password) {
    return call<customer_profile>(identity, login_atom::value, phone, password);
  }
};

TEST_F(IdentityTest, SignUpCreatesACustomer) {
  auto p = ok(sign_up("010-1234-5678", "secret123", "Kim"));
  EXPECT_TRUE(p.id.str().starts_with("c_"));
  EXPECT_EQ(p.phone, "010-1234-5678");  // answered in display form, stored as digits
  EXPECT_EQ(p.name, "Kim");

  ASSERT_TRUE(storage.rows.customers.contains(p.id));
  const auto& c = storage.rows.customers[p.id];
  EXPECT_EQ(c.phone, "01012345678");
  EXPECT_EQ(c.password_hash, "hash:secret123");
  EXPECT_EQ(storage.events_of(p.id), std::vector<std::string>{"customer_registered"});
}

TEST_F(IdentityTest, PhoneIsTakenOnce) {
  auto first = ok(sign_up("010-1234-5678", "secret123", "Kim"));
  auto e = refusal(sign_up("01012345678", "other4567", "Lee"));
  EXPECT_EQ(e.kind, error_kind::conflict);
  EXPECT_EQ(e.code, domain::error_code::phone_taken);
  ASSERT_EQ(storage.rows.customers.size(), 1u);
  EXPECT_EQ(storage.rows.customers.begin()->second.name, "Kim");
  EXPECT_EQ(ok(login("01012345678", "secret123")).id, first.id);
}

TEST_F(IdentityTest, ConcurrentSignUpsOfOnePhoneExactlyOneWins) {
  auto a = ask<customer_profile>(identity, sign_up_atom::value, sign_up_request{"010-5555-0000", "secret123", "A"});
  auto b = ask<customer_profile>(identity, sign_up_atom::value, sign_up_request{"01055550000", "secret456", "B"});
  drain();
  ASSERT_TRUE(a->has_value() && b->has_value());
  ASSERT_NE(a->value().has_value(), b->value().has_value());
  EXPECT_EQ(refusal(a->value().has_value() ? b : a).code, domain::error_code::phone_taken);
  EXPECT_EQ(storage.rows.customers.size(), 1u);
}

TEST_F(IdentityTest, PhoneIsFreeAgainAfterAFailedSignUp) {
  storage.fail_commits(1);
  EXPECT_EQ(refusal(sign_up("010-1234-5678", "secret123", "Kim")).kind, error_kind::internal);
  EXPECT_TRUE(storage.rows.customers.empty());
  ok(sign_up("010-1234-5678", "secret123", "Kim"));
}

TEST_F(IdentityTest, BadSignUpsAreInvalid) {
  EXPECT_EQ(refusal(sign_up("12345", "secret123", "Kim")).kind, error_kind::invalid);
  EXPECT_EQ(refusal(sign_up("010-1234-5678", "short1", "Kim")).kind, error_kind::invalid);
  EXPECT_EQ(refusal(sign_up("010-1234-5678", "secret123", "")).kind, error_kind::invalid);
  EXPECT_TRUE(storage.rows.customers.empty());
}

TEST_F(IdentityTest, LoginChecksThePassword) {
  auto p = ok(sign_up("010-1234-5678", "secret123", "Kim"));

  auto in = ok(login("010-1234-5678", "secret123"));
  EXPECT_EQ(in.id, p.id);
  EXPECT_EQ(in.phone, "010-1234-5678");
  EXPECT_EQ(in.name, "Kim");

  for (auto [phone, password] : {std::pair{"010-1234-5678", "wrong1234"}, std::pair{"010-9999-9999", "secret123"},
                                 std::pair{"not a phone", "secret123"}}) {
    auto e = refusal(login(phone, password));
    EXPECT_EQ(e.kind, error_kind::invalid) << phone;
    EXPECT_EQ(e.code, domain::error_code::invalid_credentials) << phone;
  }
}

}  // namespace
}  // namespace ttareungyi::actors::test
