// The journal hub: subscribers hear the journal's end at once and after every announcement
// that moves it; announcements that move nothing wake no one.
#include "fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

class JournalHubTest : public actor_test {
 protected:
  using heard = std::shared_ptr<std::vector<std::uint64_t>>;

  heard subscriber(const caf::actor& to) {
    auto got = std::make_shared<std::vector<std::uint64_t>>();
    sys->spawn(
        [got](caf::event_based_actor* self, const caf::actor& h) -> caf::behavior {
          subscribe(self, h);
          return {[got](appended_atom, std::uint64_t up_to) { got->push_back(up_to); }};
        },
        to);
    drain();
    return got;
  }
};

TEST_F(JournalHubTest, SubscribersHearTheEndAtOnceThenEachMove) {
  auto h = spawn_journal_hub(*sys, 7);
  auto early = subscriber(h);
  EXPECT_EQ(*early, std::vector<std::uint64_t>{7});
  caf::anon_send(h, appended_atom::value, std::uint64_t{9});
  caf::anon_send(h, appended_atom::value, std::uint64_t{8});  // late and stale: wakes no one
  caf::anon_send(h, appended_atom::value, std::uint64_t{9});
  drain();
  auto late = subscriber(h);
  caf::anon_send(h, appended_atom::value, std::uint64_t{12});
  drain();
  EXPECT_EQ(*early, (std::vector<std::uint64_t>{7, 9, 12}));
  EXPECT_EQ(*late, (std::vector<std::uint64_t>{9, 12}));
  caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

TEST_F(JournalHubTest, TheStorageGatewayAnnouncesCommitsThatJournaledEvents) {
  hub = spawn_journal_hub(*sys, storage.last_sequence());
  env = environment{spawn_storage_gateway(*sys, storage, &storage, hub), &clock, payment_timeout};
  auto got = subscriber(hub);
  ports::changeset quiet;
  quiet.save(ports::consumer_position{"x", 0});
  call<ok_atom>(env.committer, commit_atom::value, std::move(quiet));
  ports::changeset loud;
  loud.record(domain::event{"e_1", "c", "c", clock.now(), 1, domain::customer_registered{"c_1", "010", "Kim"}});
  loud.record(domain::event{"e_2", "c", "c", clock.now(), 1, domain::customer_registered{"c_2", "011", "Lee"}});
  ok(call<ok_atom>(env.committer, commit_atom::value, std::move(loud)));
  storage.fail_commits(1);
  ports::changeset failed;
  failed.record(domain::event{"e_3", "c", "c", clock.now(), 1, domain::customer_registered{"c_3", "012", "Park"}});
  EXPECT_EQ(refusal(call<ok_atom>(env.committer, commit_atom::value, std::move(failed))).kind,
            domain::error_kind::internal);
  EXPECT_EQ(*got, (std::vector<std::uint64_t>{0, 2}));
}

// Told to stop with a commit still at the writer, the gateway answers it first: an actor
// awaiting its commit would otherwise never finish (CAF 0.17 keeps it alive), and the node's
// shutdown would wait for it forever. A commit after the stop is refused.
TEST_F(JournalHubTest, TheStorageGatewayAnswersTheCommitsItHoldsBeforeItStops) {
  hub = spawn_journal_hub(*sys, storage.last_sequence());
  env = environment{spawn_storage_gateway(*sys, storage, &storage, hub), &clock, payment_timeout};
  storage.hold_commits();
  ports::changeset held;
  held.save(ports::consumer_position{"x", 1});
  auto first = ask<ok_atom>(env.committer, commit_atom::value, std::move(held));
  drain();
  caf::anon_send_exit(env.committer, caf::exit_reason::user_shutdown);
  drain();
  ports::changeset late;
  late.save(ports::consumer_position{"x", 2});
  auto second = call<ok_atom>(env.committer, commit_atom::value, std::move(late));
  EXPECT_EQ(refusal(second).kind, domain::error_kind::unavailable);
  EXPECT_FALSE(first->has_value());
  storage.release_commits();
  drain();
  EXPECT_EQ(ok(first), ok_atom::value);
  EXPECT_EQ(storage.position_of("x"), 1u);
  // Now it has stopped: a request finds nobody.
  ports::changeset after;
  after.save(ports::consumer_position{"x", 3});
  EXPECT_FALSE(call<ok_atom>(env.committer, commit_atom::value, std::move(after))->value());
  caf::anon_send_exit(hub, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace ttareungyi::actors::test
