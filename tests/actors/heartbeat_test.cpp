// Liveness: the pure rule (liveness.hpp), and the heartbeat actor on the deterministic
// scheduler with simulated time, over the test storage (whose commits a test can hold: a
// writer that cannot commit).
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include "heartbeat.hpp"
#include "liveness.hpp"
#include "../support/memory_storage.hpp"

namespace ttareungyi::actors {
namespace {

using namespace std::chrono_literals;
using tp = liveness::clock::time_point;

tp at(std::chrono::milliseconds ms) { return tp{ms}; }

std::chrono::milliseconds age_of(const app::liveness_report& r, std::string_view path) {
  for (const auto& h : r.heartbeats)
    if (h.path == path) return h.age;
  throw std::runtime_error("no heartbeat " + std::string{path});
}

TEST(Liveness, LiveWhileBothPathsBeatWithinTheThreshold) {
  liveness l{10s, at(0ms)};
  EXPECT_TRUE(l.report(at(10s)).live);  // at the threshold: still live
  EXPECT_FALSE(l.report(at(10001ms)).live);
  l.beat(liveness::scheduler, at(9s));
  l.beat(liveness::writer, at(9500ms));
  auto r = l.report(at(12s));
  EXPECT_TRUE(r.live);
  EXPECT_EQ(age_of(r, "scheduler"), 3s);
  EXPECT_EQ(age_of(r, "writer"), 2500ms);
}

TEST(Liveness, EitherPathAloneMakesItNotLive) {
  liveness l{1s, at(0ms)};
  l.beat(liveness::scheduler, at(5s));  // the scheduler runs, the writer is stuck
  EXPECT_FALSE(l.report(at(5s)).live);
  l.beat(liveness::writer, at(5s));
  EXPECT_TRUE(l.report(at(5s)).live);
  l.beat(liveness::writer, at(9s));  // the writer goes on, the scheduler is wedged
  EXPECT_FALSE(l.report(at(9s)).live);
}

class Heartbeat : public ::testing::Test {
 protected:
  Heartbeat() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys.emplace(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }
  ~Heartbeat() override {
    storage.release_commits();
    caf::anon_send_exit(heart, caf::exit_reason::user_shutdown);
    sched->run();
  }
  void start() {
    heart = spawn_heartbeat(*sys, storage, board, {.every = 1s, .now = [this] { return now; }});
    sched->run();
  }
  // One second of simulated time, mirrored on the beats' clock.
  void tick() {
    now += 1s;
    sched->advance_time(1s);
    sched->run();
  }

  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  test::memory_storage storage;
  tp now = at(0ms);
  std::shared_ptr<liveness> board = std::make_shared<liveness>(3s, at(0ms));
  caf::actor heart;
};

TEST_F(Heartbeat, BeatsThroughTheSchedulerAndTheWriter) {
  start();
  for (int i = 0; i < 10; ++i) tick();
  auto r = board->report(now);
  EXPECT_TRUE(r.live);
  EXPECT_EQ(age_of(r, "scheduler"), 0ms);
  EXPECT_EQ(age_of(r, "writer"), 0ms);
  EXPECT_EQ(storage.position("heartbeat").value(), 11u) << "a durable write per tick";
}

TEST_F(Heartbeat, AWriterThatCannotCommitTurnsItNotLiveAndBackOnceItCommits) {
  start();
  storage.hold_commits();
  for (int i = 0; i < 5; ++i) tick();
  auto stuck = board->report(now);
  EXPECT_FALSE(stuck.live);
  EXPECT_EQ(age_of(stuck, "scheduler"), 0ms) << "the scheduler still runs";
  EXPECT_EQ(age_of(stuck, "writer"), 5s);
  EXPECT_EQ(storage.held_commits(), 1u) << "one beat in the writer at a time, never a pile";
  storage.release_commits();
  sched->run();
  tick();
  EXPECT_TRUE(board->report(now).live);
}

TEST_F(Heartbeat, AWedgedSchedulerStopsTheBeats) {
  start();
  tick();
  // Nothing runs: the heartbeat's ticks are not handled, so the beats age.
  now += 5s;
  EXPECT_FALSE(board->report(now).live);
  EXPECT_EQ(age_of(board->report(now), "scheduler"), 5s);
  sched->advance_time(5s);
  sched->run();
  EXPECT_TRUE(board->report(now).live) << "beats again once it runs";
}

}  // namespace
}  // namespace ttareungyi::actors
