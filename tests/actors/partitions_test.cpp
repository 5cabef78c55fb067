// The notifier's partitions: how they are split and shared (pure), the core's coordinator
// fencing commits on the deterministic scheduler, and real notifier replicas reaching it
// through a door: every notification stored exactly once while replicas come and go.
#include <set>

#include "fake_network.hpp"
#include "read_side/partitions.hpp"
#include "read_side_fixture.hpp"
#include "remote/door.hpp"
#include "remote/notifier_replica.hpp"

namespace ttareungyi::actors::test {
namespace {

using names = std::vector<std::string>;
using domain::ids::customer_id;
using domain::ids::station_id;

domain::ids::bicycle_id bike(int n) { return domain::ids::bicycle_id{"SPB-" + std::to_string(n)}; }

std::map<std::string, int> shares(const names& owners) {
  std::map<std::string, int> out;
  for (const auto& o : owners) ++out[o];
  return out;
}

TEST(Partitions, AnEventFallsInOnePartitionByItsCorrelation) {
  EXPECT_EQ(partition_of("r_42", 12), partition_of("r_42", 12));
  std::set<std::uint32_t> seen;
  for (int i = 0; i < 200; ++i) {
    auto p = partition_of("r_" + std::to_string(i), 12);
    EXPECT_LT(p, 12u);
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 12u);  // 200 rentals reach every partition
}

TEST(Partitions, AreSharedEvenlyAndMoveAsLittleAsPossible) {
  names none(12);
  EXPECT_EQ(rebalance(none, {}), none);
  auto one = rebalance(none, {"a"});
  EXPECT_EQ(shares(one), (std::map<std::string, int>{{"a", 12}}));
  auto two = rebalance(one, {"b", "a"});
  EXPECT_EQ(shares(two), (std::map<std::string, int>{{"a", 6}, {"b", 6}}));
  auto three = rebalance(two, {"a", "b", "c"});
  EXPECT_EQ(shares(three), (std::map<std::string, int>{{"a", 4}, {"b", 4}, {"c", 4}}));
  int moved = 0;
  for (std::size_t p = 0; p < 12; ++p) moved += three[p] != two[p];
  EXPECT_EQ(moved, 4);  // only c's share moves
  // b leaves: a and c keep theirs and split b's.
  auto left = rebalance(three, {"a", "c"});
  EXPECT_EQ(shares(left), (std::map<std::string, int>{{"a", 6}, {"c", 6}}));
  for (std::size_t p = 0; p < 12; ++p) {
    if (three[p] != "b") {
      EXPECT_EQ(left[p], three[p]);
    }
  }
  // More members than partitions: nobody owns two.
  auto many = rebalance(names(2), {"a", "b", "c"});
  EXPECT_EQ(shares(many).size(), 2u);
}

// A replica played by hand: joins, commits what the test gives it, records what it is told.
struct member_log {
  std::vector<partition_assignment> assignments;
  std::vector<domain::result<std::uint64_t>> commits;
  caf::actor coordinator;
  const partition_assignment& last() const { return assignments.back(); }
};

caf::behavior scripted_member(caf::event_based_actor* self, caf::actor read_side, std::shared_ptr<member_log> log) {
  return {
      [log](assign_atom, const partition_assignment& a) { log->assignments.push_back(a); },
      [](appended_atom, std::uint64_t) {},
      [self, read_side, log](join_atom, const std::string& name) {
        self->request(read_side, caf::infinite, join_atom::value, name).then([log](const caf::actor& c) {
          log->coordinator = c;
        });
      },
      [self, read_side, log](commit_atom, const partition_commit& c) {
        self->request(read_side, caf::infinite, commit_atom::value, c)
            .then([log](std::uint64_t to) { log->commits.emplace_back(to); },
                  [log](const caf::error& e) { log->commits.emplace_back(std::unexpected(from_caf(e))); });
      },
  };
}

class PartitionsTest : public read_side_test {
 protected:
  static constexpr std::uint32_t count = 4;

  void SetUp() override {
    read_settings.partitioned = coordinator_settings{.partitions = count};
    seed_station("st_a", 20);
    seed_station("st_b", 20);
    for (int i = 0; i < 12; ++i) seed_bicycle("SPB-" + std::to_string(i), "st_a");
  }

  std::pair<caf::actor, std::shared_ptr<member_log>> member(const std::string& name) {
    auto log = std::make_shared<member_log>();
    auto m = sys->spawn(scripted_member, read_side, log);
    caf::anon_send(m, join_atom::value, name);
    drain();
    return {m, log};
  }

  // A commit as a replica would make it for partition p: the notices of its events (from, to],
  // `to` the journal's end unless given.
  partition_commit commit_for(std::uint32_t p, std::uint64_t generation, std::uint64_t from,
                              std::optional<std::uint64_t> to = std::nullopt) const {
    partition_commit c{p, generation, from, to.value_or(storage.last_sequence()), {}};
    for (const auto& r : storage.journal_rows)
      if (r.sequence > from && r.sequence <= c.to && partition_of(r.event().correlation_id, count) == p)
        if (auto n = domain::notify(r.sequence, r.event())) c.notices.push_back(*n);
    return c;
  }

  domain::result<std::uint64_t> send_commit(const caf::actor& m, const std::shared_ptr<member_log>& log, partition_commit c) {
    caf::anon_send(m, commit_atom::value, std::move(c));
    drain();
    return log->commits.back();
  }

  static std::set<std::uint32_t> owned(const partition_assignment& a) {
    std::set<std::uint32_t> out;
    for (const auto& c : a.owned) out.insert(c.partition);
    return out;
  }
};

TEST_F(PartitionsTest, TheCoordinatorFencesEveryCommitButTheOwnersNextOne) {
  start();
  ride("c_alice", "SPB-1", "st_b");
  ride("c_bob", "SPB-2", "st_b");
  // Nobody makes notices yet: the inbox answers what is stored (nothing) rather than wait.
  EXPECT_TRUE(ok(inbox("c_alice", 10)).empty());

  auto [a, alog] = member("replica-a");
  ASSERT_EQ(alog->assignments.size(), 1u);
  EXPECT_EQ(alog->last().partitions, count);
  EXPECT_EQ(owned(alog->last()).size(), count);
  const auto first = alog->last().generation;

  auto [b, blog] = member("replica-b");
  const auto second = blog->last().generation;
  EXPECT_GT(second, first);
  EXPECT_EQ(alog->last().generation, second);
  EXPECT_EQ(owned(alog->last()).size(), 2u);
  EXPECT_EQ(owned(blog->last()).size(), 2u);
  const auto p = *owned(blog->last()).begin();  // b's now, a's in the first generation
  EXPECT_EQ(storage.position_of("notifier.generation"), second);

  const auto fenced = [](const domain::result<std::uint64_t>& r) { return !r && r.error().kind == domain::error_kind::conflict; };
  EXPECT_TRUE(fenced(send_commit(a, alog, commit_for(p, first, 0))));   // a generation that is over
  EXPECT_TRUE(fenced(send_commit(a, alog, commit_for(p, second, 0))));  // not the owner
  EXPECT_TRUE(fenced(send_commit(b, blog, commit_for(p, second, 1))));  // not the stored start
  EXPECT_TRUE(blog->coordinator);

  auto applied = send_commit(b, blog, commit_for(p, second, 0));
  ASSERT_TRUE(applied) << applied.error().detail;
  EXPECT_EQ(*applied, storage.last_sequence());
  EXPECT_EQ(storage.position_of("notifier/" + std::to_string(p)), storage.last_sequence());
  // The same commit again (a retry after a lost answer) finds the start moved: stored once.
  EXPECT_TRUE(fenced(send_commit(b, blog, commit_for(p, second, 0))));
  for (const auto& n : stored_notices()) EXPECT_EQ(partition_of(n.correlation_id, count), p);

  // b dies: a owns everything again, from where b's commit left p.
  caf::anon_send_exit(b, caf::exit_reason::kill);
  drain();
  EXPECT_GT(alog->last().generation, second);
  ASSERT_EQ(owned(alog->last()).size(), count);
  for (const auto& claim : alog->last().owned)
    EXPECT_EQ(claim.position, claim.partition == p ? storage.last_sequence() : 0u);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

// Partitions store their notices out of sequence order; the webhook leaves from the core and
// must never pass a notice that may still come: it delivers up to where every partition stands.
TEST_F(PartitionsTest, TheWebhookWaitsUntilEveryPartitionHasStoredItsNotices) {
  scripted_gateway gateway;
  webhook = &gateway;
  start();
  for (int i = 0; i < 4; ++i) ride(customer_id{i % 2 ? "c_bob" : "c_alice"}, bike(i), station_id{"st_b"});
  const auto all = expected_notices();
  // q lags at `mid`, below a notice another partition has stored already.
  const auto q = partition_of(all.back().correlation_id, count);
  auto other = std::find_if(all.rbegin(), all.rend(), [&](const auto& n) { return partition_of(n.correlation_id, count) != q; });
  ASSERT_NE(other, all.rend());
  const auto mid = other->sequence - 1;
  auto [a, log] = member("replica-a");
  const auto generation = log->last().generation;
  for (std::uint32_t p = 0; p < count; ++p) {
    if (p == q) continue;
    ASSERT_TRUE(send_commit(a, log, commit_for(p, generation, 0)));
  }
  ASSERT_TRUE(send_commit(a, log, commit_for(q, generation, 0, mid)));
  std::vector<domain::notification> below;
  for (const auto& n : all)
    if (n.sequence <= mid) below.push_back(n);
  EXPECT_EQ(gateway.delivered, below);  // not the one above `mid`: q may still store one before it
  ASSERT_TRUE(send_commit(a, log, commit_for(q, generation, mid)));
  EXPECT_EQ(gateway.delivered, all);  // every one, in sequence order, once
  EXPECT_EQ(storage.position_of("webhook"), all.back().sequence);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

class ReplicaTest : public PartitionsTest {
 protected:
  std::shared_ptr<network> net = std::make_shared<network>();
  caf::actor connector;
  struct running {
    caf::actor actor;
    std::shared_ptr<partition_board> board = std::make_shared<partition_board>();
  };
  std::vector<running> replicas;

  void TearDown() override {
    for (auto& r : replicas) caf::anon_send_exit(r.actor, caf::exit_reason::user_shutdown);
    for (const auto& x : {connector, net->door}) caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    replicas.clear();
    connector = net->door = nullptr;
    PartitionsTest::TearDown();
  }

  void open_core() {
    net->door = spawn_door(*sys, wire_fingerprint(), {{"notifications", read_side}});
    connector = sys->spawn(fake_middleman, net);
  }

  running& add_replica(const std::string& name) {
    running r;
    r.actor = spawn_notifier_replica(*sys, test_link("notifications", {"core.test", 4200}, connector), std::make_shared<peer_board>(), r.board, clock,
                                     {.name = name, .batch = 5});
    replicas.push_back(r);
    drain();
    return replicas.back();
  }

  // Each partition owned by exactly one of the running replicas.
  void expect_shared_once() {
    std::multiset<std::uint32_t> all;
    for (const auto& r : replicas)
      for (auto p : r.board->read().owned) all.insert(p);
    EXPECT_EQ(all.size(), count);
    EXPECT_EQ(std::set<std::uint32_t>(all.begin(), all.end()).size(), count);
  }
};

TEST_F(ReplicaTest, ReplicasMakeEveryNotificationOnceWhileTheyComeAndGo) {
  start();
  open_core();
  auto watched = watch(1, "c_alice");
  add_replica("replica-1");
  add_replica("replica-2");
  for (const auto& r : replicas) EXPECT_EQ(r.board->read().owned.size(), count / 2);
  expect_shared_once();

  for (int i = 0; i < 4; ++i) ride(customer_id{i % 2 ? "c_bob" : "c_alice"}, bike(i), station_id{"st_b"});
  EXPECT_EQ(stored_notices(), expected_notices());
  for (std::uint32_t p = 0; p < count; ++p)
    EXPECT_EQ(storage.position_of("notifier/" + std::to_string(p)), storage.last_sequence());

  // A replica is killed in the middle of the burst; the other takes its partitions.
  auto t = paid_ticket("c_alice");
  caf::anon_send_exit(replicas[0].actor, caf::exit_reason::kill);
  replicas.erase(replicas.begin());
  auto r = ok(rent("c_alice", "SPB-9", t.id));
  ok(give_back("c_alice", r.id, "st_a"));
  EXPECT_EQ(replicas[0].board->read().owned.size(), count);
  EXPECT_EQ(stored_notices(), expected_notices());

  // A third joins and takes its share; more rides, still each notice once.
  add_replica("replica-3");
  expect_shared_once();
  for (int i = 4; i < 8; ++i) ride(customer_id{"c_bob"}, bike(i), station_id{"st_b"});
  EXPECT_EQ(stored_notices(), expected_notices());
  EXPECT_EQ(ok(inbox("c_bob", 100)).size(), expected_notices("c_bob").size());
  // The live stream saw each of alice's notices once, in order.
  std::vector<std::uint64_t> want;
  for (const auto& n : expected_notices("c_alice")) want.push_back(n.sequence);
  EXPECT_EQ(watched->sequences(), want);
}

TEST_F(ReplicaTest, AReplicaRejoinsAfterTheCoordinatorRestarts) {
  start();
  open_core();
  add_replica("replica-1");
  ride("c_alice", "SPB-1", "st_b");
  kill("notifier");
  EXPECT_TRUE(replicas[0].board->read().owned.empty());
  advance(read_settings.restart_first);  // the read side restarts its coordinator
  advance(1000ms);                       // the replica's retry joins the new one
  EXPECT_EQ(replicas[0].board->read().owned.size(), count);
  ride("c_bob", "SPB-2", "st_b");
  EXPECT_EQ(stored_notices(), expected_notices());
}

}  // namespace
}  // namespace ttareungyi::actors::test
