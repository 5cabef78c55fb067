// Overtime fees owed at returns are collected after the return by the read side's collector:
// a payment outage delays the charge, never the return; each fee ends with exactly one
// approved payment, whatever fails or restarts meanwhile.
#include "read_side_fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using answer = scripted_provider::answer;
using domain::payment_status;

class OvertimeTest : public read_side_test {
 protected:
  void SetUp() override {
    seed_station("st_a", 10);
    seed_station("st_b", 10);
    seed_bicycle("SPB-1", "st_a");
  }
  // A ride returned `late` after its due time, the provider answering charges from then on
  // with `then`; the charges its ticket's purchase made are forgotten, so `provider.charges`
  // holds the overtime charges only.
  domain::rental late_ride(std::chrono::minutes late, answer then = answer::approve) {
    auto t = paid_ticket("c_alice");
    auto r = ok(rent("c_alice", "SPB-1", t.id));
    clock.advance(60min + late);
    provider.charges.clear();
    provider.on_charge = then;
    return ok(give_back("c_alice", r.id, "st_b"));
  }
  // Where the journal recorded the return of `rental`.
  std::uint64_t returned_at(const domain::ids::rental_id& rental) const {
    for (const auto& r : storage.journal_rows)
      if (auto* e = std::get_if<domain::bicycle_returned>(&r.event().payload); e && e->rental_id == rental) return r.sequence;
    throw std::runtime_error("no return of " + rental.str());
  }
  std::vector<std::string> charged_ids() const {
    std::vector<std::string> out;
    for (const auto& c : provider.charges) out.push_back(c.payment_id);
    return out;
  }
};

TEST_F(OvertimeTest, ReturnWithOvertimeIsChargedItsFeeOnce) {
  start();
  auto r = late_ride(7min);
  ASSERT_EQ(r.overtime_fee, 400);
  const auto id = domain::overtime_payment_id(r.id, 1);
  ASSERT_EQ(provider.charges.size(), 1u);
  EXPECT_EQ(provider.charges[0].payment_id, id);
  EXPECT_EQ(provider.charges[0].amount, 400);
  EXPECT_EQ(provider.charges[0].reference, r.id.str());
  EXPECT_EQ(storage.rows.payments.at(id).status, payment_status::approved);
  EXPECT_EQ(storage.position_of("overtime"), returned_at(r.id));
  advance(1h);
  EXPECT_EQ(provider.charges.size(), 1u);
}

TEST_F(OvertimeTest, ReturnOnTimeChargesNothing) {
  start();
  auto r = late_ride(-1min);
  EXPECT_EQ(r.overtime_fee, 0);
  advance(1h);
  EXPECT_TRUE(provider.charges.empty());
}

TEST_F(OvertimeTest, PaymentOutageDelaysTheChargeButNotTheReturn) {
  start();
  auto r = late_ride(12min, answer::fail);  // answered although the charge fails
  EXPECT_EQ(r.status, domain::rental_status::returned);
  EXPECT_EQ(r.overtime_fee, 600);
  const auto id = domain::overtime_payment_id(r.id, 1);
  ASSERT_EQ(charged_ids(), std::vector<std::string>{id});
  // Retried after 1 s, then 2 s, with the same payment id while there is no verdict.
  advance(read_settings.overtime.retry_first - 1ms);
  EXPECT_EQ(provider.charges.size(), 1u) << "retried before its back-off";
  advance(1ms);
  EXPECT_EQ(charged_ids(), (std::vector<std::string>{id, id}));
  provider.on_charge = answer::approve;
  advance(2 * read_settings.overtime.retry_first);
  EXPECT_EQ(charged_ids(), (std::vector<std::string>{id, id, id}));
  EXPECT_EQ(storage.rows.payments.at(id).status, payment_status::approved);
  advance(1h);
  EXPECT_EQ(provider.charges.size(), 3u) << "charged again after the approval";
}

TEST_F(OvertimeTest, DeclinedChargeIsFollowedByANewAttempt) {
  start();
  auto r = late_ride(3min, answer::decline);
  const auto first = domain::overtime_payment_id(r.id, 1);
  const auto second = domain::overtime_payment_id(r.id, 2);
  EXPECT_EQ(storage.rows.payments.at(first).status, payment_status::declined);
  provider.on_charge = answer::approve;
  advance(read_settings.overtime.retry_first);
  EXPECT_EQ(charged_ids(), (std::vector<std::string>{first, second}));
  EXPECT_EQ(storage.rows.payments.at(second).status, payment_status::approved);
  EXPECT_EQ(storage.rows.payments.at(second).amount, 200);
}

TEST_F(OvertimeTest, CollectorRestartedBeforeItsCommitChargesNothingTwice) {
  start();
  storage.fail_view_commits(1, 0, "overtime");  // the charge is approved, the position is not stored
  auto r = late_ride(7min);
  EXPECT_FALSE(child("overtime"));
  EXPECT_EQ(provider.charges.size(), 1u);
  advance(read_settings.restart_first);
  ASSERT_TRUE(child("overtime"));
  EXPECT_EQ(provider.charges.size(), 1u) << "the restarted collector charged the approved fee again";
  EXPECT_EQ(storage.position_of("overtime"), returned_at(r.id));
  EXPECT_EQ(storage.rows.payments.at(domain::overtime_payment_id(r.id, 1)).status, payment_status::approved);
}

TEST_F(OvertimeTest, FeesOwedBeforeAStartAreCollectedAfterIt) {
  const auto at = clock.now();
  storage.seed_event(domain::bicycle_returned{"r_old", "SPB-9", "t_old", "c_bob", "st_a", at, 9, 400}, at, "r_old");
  start();
  ASSERT_EQ(charged_ids(), std::vector<std::string>{domain::overtime_payment_id("r_old", 1)});
  EXPECT_EQ(provider.charges[0].amount, 400);
}

}  // namespace
}  // namespace ttareungyi::actors::test
