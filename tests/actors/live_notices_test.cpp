// The live notices on their own, without an actor system: journal events reach their customer's
// watchers at once; a new watcher holds live notices until the notifier has stored the gap; the
// journal tap stops calling once detached.
#include "journal.hpp"
#include "read_side/live_notices.hpp"

#include <gtest/gtest.h>

#include "doubles.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::notification;

class LiveNoticesTest : public ::testing::Test {
 protected:
  memory_storage storage;

  // A paid ticket and its refund: two notifiable facts for `customer`.
  void pay_and_refund(const domain::ids::customer_id& customer, const domain::ids::ticket_id& ticket) {
    storage.seed_event(domain::ticket_paid{ticket, customer, ticket.str() + "-1", 1000}, {}, ticket.str());
    storage.seed_event(domain::ticket_refunded{ticket, customer, ticket.str() + "-1", 1000}, {}, ticket.str());
  }

  std::vector<notification> expected(const domain::ids::customer_id& customer, std::uint64_t after = 0) const {
    std::vector<notification> out;
    for (const auto& r : storage.journal_rows)
      if (auto n = domain::notify(r.sequence, r.event()); n && n->customer_id == customer && n->sequence > after)
        out.push_back(*n);
    return out;
  }

  // What the notifier does with the journal up to its end: stores the notices with its position.
  std::vector<notification> store_all(std::uint64_t from) {
    ports::changeset changes;
    std::vector<notification> notices;
    const auto events = storage.events_after(from, 1000).value();
    for (const auto& r : events)
      if (auto n = domain::notify(r.sequence, r.event())) {
        changes.save(*n);
        notices.push_back(*n);
      }
    changes.save(ports::consumer_position{"notifier", storage.last_sequence()});
    EXPECT_TRUE(storage.commit_and_wait(std::move(changes)));
    return notices;
  }

  static watch_request recording(std::uint64_t id, domain::ids::customer_id customer, std::vector<notification>& into) {
    return {id, std::move(customer), 0, [&into](notification n) { into.push_back(std::move(n)); }};
  }
};

TEST_F(LiveNoticesTest, JournaledEventsReachTheirCustomersWatchersAtOnce) {
  live_notices live{storage, storage};
  live.notifier_started(storage.last_sequence());
  std::vector<notification> alice, bob;
  live.watch(recording(1, "c_alice", alice));
  live.watch(recording(2, "c_bob", bob));

  pay_and_refund("c_alice", "t_1");
  live.journaled(storage.last_sequence());
  EXPECT_EQ(alice, expected("c_alice"));
  EXPECT_EQ(alice.size(), 2u);
  EXPECT_TRUE(bob.empty());
  EXPECT_TRUE(storage.views.notifications.empty()) << "nothing had to be stored first";

  // The notifier's later push of the same notices changes nothing; a repeated wake-up neither.
  live.notifier_published(0, storage.last_sequence(), store_all(0));
  live.journaled(storage.last_sequence());
  EXPECT_EQ(alice.size(), 2u);
}

TEST_F(LiveNoticesTest, ANewWatcherHoldsLiveNoticesUntilTheNotifierHasStoredTheGap) {
  live_notices live{storage, storage};
  live.notifier_started(0);
  pay_and_refund("c_alice", "t_1");
  live.journaled(storage.last_sequence());  // pushed live to no one; not stored yet

  std::vector<notification> alice;
  live.watch(recording(1, "c_alice", alice));
  pay_and_refund("c_alice", "t_2");
  live.journaled(storage.last_sequence());
  EXPECT_TRUE(alice.empty()) << "a live notice overtook older ones not stored yet";

  const auto up_to = storage.last_sequence();
  live.notifier_published(0, up_to, store_all(0));
  EXPECT_EQ(alice, expected("c_alice"));
  EXPECT_EQ(alice.size(), 4u);

  pay_and_refund("c_alice", "t_3");
  live.journaled(storage.last_sequence());
  EXPECT_EQ(alice, expected("c_alice"));
}

TEST_F(LiveNoticesTest, UnwatchedWatcherGetsNothingMore) {
  live_notices live{storage, storage};
  live.notifier_started(0);
  std::vector<notification> alice;
  live.watch(recording(1, "c_alice", alice));
  live.unwatch(1);
  pay_and_refund("c_alice", "t_1");
  live.journaled(storage.last_sequence());
  EXPECT_TRUE(alice.empty());
}

TEST(JournalTap, CallsItsListenerUntilDetached) {
  journal_tap tap;
  tap(1);  // nothing attached: nothing happens
  std::vector<std::uint64_t> heard;
  tap.attach([&](std::uint64_t up_to) { heard.push_back(up_to); });
  tap(2);
  tap.detach();
  tap(3);
  EXPECT_EQ(heard, (std::vector<std::uint64_t>{2}));
}

}  // namespace
}  // namespace ttareungyi::actors::test
