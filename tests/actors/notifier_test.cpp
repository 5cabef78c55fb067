// The notifier and live watchers: one notification per notifiable fact, the inbox, replay then
// live delivery with no duplicate or gap, and exactly-once after the notifier is killed.
#include "read_side_fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::notification;

class NotifierTest : public read_side_test {
 protected:
  void SetUp() override {
    seed_station("st_a", 10);
    seed_station("st_b", 10);
    for (int i = 0; i < 10; ++i) seed_bicycle("SPB-" + std::to_string(i), "st_a");
  }
};

TEST_F(NotifierTest, OneNotificationPerNotifiableFactWithItsCorrelation) {
  start();
  auto r = ride("c_alice", "SPB-1", "st_b");
  auto refunded = paid_ticket("c_alice");
  ok(call<domain::ticket>(desk, cancel_atom::value, domain::ids::customer_id{"c_alice"}, refunded.id));

  auto stored = stored_notices();
  ASSERT_EQ(stored.size(), 5u);
  EXPECT_EQ(stored, expected_notices());
  std::vector<std::string> kinds, correlations;
  for (const auto& n : stored) {
    kinds.push_back(n.kind);
    correlations.push_back(n.correlation_id);
    EXPECT_EQ(n.customer_id, "c_alice");
    // The id is the event's, prefixed: stable for deduplication.
    const auto& e = storage.journal_rows.at(n.sequence - 1);
    EXPECT_EQ(e.sequence, n.sequence);
    EXPECT_EQ(n.id, "n_" + e.event().id);
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"ticket_paid", "bicycle_rented", "bicycle_returned", "ticket_paid",
                                             "ticket_refunded"}));
  EXPECT_EQ(correlations, (std::vector<std::string>{r.ticket_id.str(), r.id.str(), r.id.str(), refunded.id.str(), refunded.id.str()}));
  EXPECT_EQ(storage.position_of("notifier"), storage.last_sequence());
}

TEST_F(NotifierTest, InboxIsNewestFirstAndLimited) {
  start();
  ride("c_alice", "SPB-1", "st_b");
  ride("c_bob", "SPB-2", "st_b");
  ride("c_alice", "SPB-3", "st_b");

  auto mine = expected_notices("c_alice");
  ASSERT_EQ(mine.size(), 6u);
  auto newest = ok(inbox("c_alice", 4));
  ASSERT_EQ(newest.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(newest[i], mine[5 - i]);
  EXPECT_EQ(ok(inbox("c_bob", 10)).size(), 3u);
  EXPECT_TRUE(ok(inbox("c_nobody", 10)).empty());
}

TEST_F(NotifierTest, InboxWaitsUntilTheNotifierHasReadWhatItsCallerSaw) {
  start();
  // Committed by a decision but not announced yet: the notifier has not seen it.
  storage.seed_event(domain::ticket_paid{"t_1", "c_alice", "t_1-1", 1000}, clock.now(), "t_1");
  auto answer = inbox("c_alice", 10);
  EXPECT_FALSE(answer->has_value()) << "answered before the notifier read the journal that far";
  announce();
  auto got = ok(answer);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, "ticket_paid");
  EXPECT_EQ(got[0].correlation_id, "t_1");
}

TEST_F(NotifierTest, KilledNotifierDeliversEveryNotificationExactlyOnceAfterItsRestart) {
  scripted_gateway gateway;
  webhook = &gateway;
  start();
  auto c0 = watch(1, "c_0");
  auto c1 = watch(2, "c_1", 0);
  auto one_ride = [&](int k) {
    const auto n = std::to_string(k % 10);
    ride(domain::ids::customer_id{"c_" + n}, domain::ids::bicycle_id{"SPB-" + n}, k % 2 ? "st_a" : "st_b");
  };
  for (int k = 0; k < 200; ++k) one_ride(k);
  ASSERT_EQ(stored_notices().size(), 600u);

  kill("notifier");
  EXPECT_FALSE(child("notifier"));
  EXPECT_EQ(refusal(inbox("c_0", 5)).code, domain::error_code::view_unavailable);
  for (int k = 200; k < 1000; ++k) one_ride(k);
  EXPECT_EQ(stored_notices().size(), 600u) << "a dead notifier stored nothing";
  // Live notices come from the journal: watchers do not wait for the notifier.
  EXPECT_EQ(c0->got, expected_notices("c_0"));

  advance(read_settings.restart_first);  // the supervisor restarts it; it catches up
  ASSERT_TRUE(child("notifier"));
  const auto all = expected_notices();
  ASSERT_EQ(all.size(), 3000u);
  EXPECT_EQ(stored_notices(), all);
  EXPECT_EQ(ids_of(all).size(), 3000u);
  EXPECT_EQ(storage.position_of("notifier"), storage.last_sequence());
  // Each watcher: each of its customer's notifications once, in order, none missing.
  EXPECT_EQ(c0->got, expected_notices("c_0"));
  EXPECT_EQ(c1->got, expected_notices("c_1"));
  EXPECT_EQ(c0->got.size(), 300u);
  // The webhook too (it never crashed, so exactly once here).
  EXPECT_EQ(gateway.delivered, all);
  EXPECT_EQ(storage.position_of("webhook"), all.back().sequence);
}

TEST_F(NotifierTest, NoticesCommittedButNeverPushedReachWatchersAfterTheRestart) {
  start();
  ride("c_alice", "SPB-1", "st_b");
  auto w = watch(1, "c_alice");
  ASSERT_EQ(w->got.size(), 3u);

  // The notifier dies while its commit is in flight; the commit lands, the push never comes.
  kill("notifier");
  storage.seed_event(domain::ticket_paid{"t_9", "c_alice", "t_9-1", 2000}, clock.now(), "t_9");
  storage.seed_event(domain::ticket_refunded{"t_9", "c_alice", "t_9-1", 2000}, clock.now(), "t_9");
  ports::changeset landed;
  const auto unseen = storage.events_after(storage.position_of("notifier"), 100).value();
  for (const auto& r : unseen)
    if (auto n = domain::notify(r.sequence, r.event())) landed.save(*n);
  landed.save(ports::consumer_position{"notifier", storage.last_sequence()});
  ASSERT_TRUE(storage.commit_and_wait(std::move(landed)));
  EXPECT_EQ(w->got.size(), 3u);

  advance(read_settings.restart_first);
  EXPECT_EQ(w->got, expected_notices("c_alice"));
  EXPECT_EQ(w->got.size(), 5u);
  EXPECT_EQ(stored_notices(), expected_notices());
}

TEST_F(NotifierTest, WatchReplaysAfterTheGivenSequenceThenGoesLiveWithoutDuplicateOrGap) {
  start();
  ride("c_alice", "SPB-1", "st_b");
  ride("c_bob", "SPB-2", "st_b");
  ride("c_alice", "SPB-3", "st_b");
  const auto before = expected_notices("c_alice");
  const auto after = before[1].sequence;  // as a client's Last-Event-ID

  auto w = watch(7, "c_alice", after);
  std::vector<notification> replayed(before.begin() + 2, before.end());
  EXPECT_EQ(w->got, replayed);

  ride("c_alice", "SPB-4", "st_a");
  ride("c_bob", "SPB-5", "st_a");
  auto everything = expected_notices("c_alice");
  EXPECT_EQ(w->got, std::vector<notification>(everything.begin() + 2, everything.end()));
  EXPECT_EQ(w->got.size(), 7u);
}

TEST_F(NotifierTest, WatchStartedWhileTheNotifierIsBehindMissesNothing) {
  start();
  ride("c_alice", "SPB-1", "st_b");  // stored
  // Committed but not projected yet: the watch's replay cannot see these.
  storage.seed_event(domain::ticket_paid{"t_8", "c_alice", "t_8-1", 1000}, clock.now(), "t_8");
  storage.seed_event(domain::ticket_refunded{"t_8", "c_alice", "t_8-1", 1000}, clock.now(), "t_8");
  auto w = watch(1, "c_alice");
  EXPECT_EQ(w->got.size(), 3u);
  announce();
  ride("c_alice", "SPB-2", "st_b");
  EXPECT_EQ(w->got, expected_notices("c_alice"));
  EXPECT_EQ(w->got.size(), 8u);
}

TEST_F(NotifierTest, WatchStartedBetweenACommitAndItsPushGetsEachNoticeOnce) {
  start();
  auto t = paid_ticket("c_alice");
  auto rented = start_rent("c_alice", "SPB-1", t.id);
  // Run until the rent's notice is stored: the notifier has not pushed it yet.
  while (stored_notices().size() < 2 && sched->try_run_once()) {
  }
  ASSERT_EQ(stored_notices().size(), 2u);
  auto w = std::make_shared<recorder>();
  caf::anon_send(read_side, watch_atom::value,
                 watch_request{1, "c_alice", 0, [w](notification n) { w->got.push_back(std::move(n)); }});
  drain();
  ok(rented);
  EXPECT_EQ(w->got, expected_notices("c_alice"));  // replayed, then its push ignored
  EXPECT_EQ(w->got.size(), 2u);
}

TEST_F(NotifierTest, LiveNoticeReachesItsWatcherBeforeTheNotifierStoresIt) {
  start();
  auto w = watch(1, "c_alice");
  auto t = paid_ticket("c_alice");
  auto rented = start_rent("c_alice", "SPB-1", t.id);
  // Run until the rent's notice is live: the notifier has not stored it yet.
  while (w->got.size() < 2 && sched->try_run_once()) {
  }
  ASSERT_EQ(w->got.size(), 2u);
  EXPECT_EQ(stored_notices().size(), 1u) << "the notice was pushed only after it was stored";
  drain();
  ok(rented);
  EXPECT_EQ(w->got, expected_notices("c_alice"));
  EXPECT_EQ(stored_notices(), expected_notices());
}

TEST_F(NotifierTest, WatchStartedWhileLiveNoticesAreNotStoredYetGetsEachOnceInOrder) {
  start();
  kill("notifier");
  ride("c_alice", "SPB-1", "st_b");  // pushed live (to no one), not stored
  auto w = watch(1, "c_alice");
  EXPECT_TRUE(w->got.empty()) << "nothing is stored to replay";
  ride("c_alice", "SPB-2", "st_a");  // live, but held: the first ride's notices come first
  EXPECT_TRUE(w->got.empty()) << "a live notice overtook older ones not stored yet";

  advance(read_settings.restart_first);  // the notifier catches up and pushes what it stores
  EXPECT_EQ(w->got, expected_notices("c_alice"));
  EXPECT_EQ(w->got.size(), 6u);
  ride("c_alice", "SPB-3", "st_b");  // live again
  EXPECT_EQ(w->got, expected_notices("c_alice"));
  EXPECT_EQ(w->got.size(), 9u);
}

TEST_F(NotifierTest, WatchReplaysALongHistoryCompletely) {
  start();
  for (int k = 0; k < 30; ++k) ride("c_alice", "SPB-1", k % 2 ? "st_a" : "st_b");
  auto w = watch(1, "c_alice");
  EXPECT_EQ(w->got.size(), 90u);
  EXPECT_EQ(w->got, expected_notices("c_alice"));
}

TEST_F(NotifierTest, CancelledOrDestroyedWatchGetsNothingMore) {
  start();
  auto link = std::make_shared<read_side_link>();
  link->attach(read_side);
  std::vector<notification> a, b;
  auto first = start_watch(link, "c_alice", 0, [&](notification n) { a.push_back(std::move(n)); });
  auto second = start_watch(link, "c_alice", 0, [&](notification n) { b.push_back(std::move(n)); });
  // A watch that ends itself from its own delivery.
  std::unique_ptr<app::watch> self_ending;
  int self_ending_got = 0;
  self_ending = start_watch(link, "c_alice", 0, [&](notification) {
    ++self_ending_got;
    self_ending->cancel();
  });
  drain();
  ride("c_alice", "SPB-1", "st_b");
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(self_ending_got, 1);

  first->cancel();
  second.reset();
  ride("c_alice", "SPB-2", "st_b");
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(self_ending_got, 1);

  // Once the node has let go of the read side, cancelling does nothing.
  link->clear();
  first.reset();
  self_ending.reset();
}

TEST_F(NotifierTest, FailedNotifierCommitRestartsItAndStoresNothingTwice) {
  start();
  auto w = watch(1, "c_alice");
  storage.fail_view_commits(1, 0, "notifier");
  ride("c_alice", "SPB-1", "st_b");
  EXPECT_FALSE(child("notifier")) << "a notifier whose commit failed stops";
  EXPECT_TRUE(stored_notices().empty());
  advance(read_settings.restart_first);
  EXPECT_EQ(stored_notices(), expected_notices());
  EXPECT_EQ(w->got, expected_notices("c_alice"));
  EXPECT_EQ(w->got.size(), 3u);
}

}  // namespace
}  // namespace ttareungyi::actors::test
