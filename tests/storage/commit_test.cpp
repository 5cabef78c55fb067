// Group commit: many threads at once, every `done` exactly once and in hand-in order, sequences
// gap-free, nothing lost by closing, everything readable after reopening.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage_test_support.hpp"

namespace ttareungyi::storage::test {
namespace {

std::string bike_id(int thread, int i) { return numbered("SPB-", thread) + numbered("-", i); }

TEST(GroupCommit, ManyThreadsCommittingAtOnce) {
  constexpr int threads = 8;
  constexpr int per_thread = 250;
  temp_dir tmp;
  std::vector<std::atomic<int>> calls(threads * per_thread);
  std::atomic<int> failures{0};
  std::mutex order_mutex;
  std::map<int, std::vector<int>> done_order;  // per thread, in the order `done` ran
  {
    auto s = open_or_fail(tmp.db());
    std::vector<std::thread> workers;
    for (int w = 0; w < threads; ++w) {
      workers.emplace_back([&, w] {
        for (int i = 0; i < per_thread; ++i) {
          ports::changeset c;
          c.save(sample_bicycle(bike_id(w, i)))
              .record(make_event(bicycle_registered{ids::bicycle_id{bike_id(w, i)}, "ST-1"}, bike_id(w, i)));
          if (i % 2 == 0) c.record(make_event(station_registered{"ST-1", "x", 1}, bike_id(w, i) + "/2"));
          s->commit(std::move(c), [&, w, i](ports::stored<void> r) {
            if (!r) ++failures;
            ++calls[w * per_thread + i];
            std::lock_guard lock(order_mutex);
            done_order[w].push_back(i);
          });
        }
      });
    }
    for (auto& t : workers) t.join();
    // Destroying the storage drains the queue: every `done` has run afterwards.
  }
  for (std::size_t i = 0; i < calls.size(); ++i) ASSERT_EQ(calls[i].load(), 1) << i;
  EXPECT_EQ(failures.load(), 0);
  for (auto& [w, order] : done_order) {
    ASSERT_EQ(order.size(), static_cast<std::size_t>(per_thread));
    for (int i = 0; i < per_thread; ++i) EXPECT_EQ(order[i], i) << "thread " << w;  // hand-in order
  }

  auto s = open_or_fail(tmp.db());
  constexpr std::uint64_t expected_events = threads * per_thread + threads * (per_thread / 2);
  EXPECT_EQ(s->last_sequence(), expected_events);
  std::set<ids::bicycle_id> bikes;
  for (const auto& b : value_of(all_bicycles(*s))) bikes.insert(b.id);
  EXPECT_EQ(bikes.size(), static_cast<std::size_t>(threads * per_thread));

  std::uint64_t expected_sequence = 1;
  std::map<int, int> next_of_thread;
  std::uint64_t after = 0;
  for (;;) {
    auto page = s->events_after(after, 333);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    if (page->empty()) break;
    for (const auto& r : *page) {
      ASSERT_EQ(r.sequence, expected_sequence++);
      if (const auto* reg = std::get_if<bicycle_registered>(&r.event().payload)) {
        // A changeset's events are consecutive, and each thread's commits are in its order.
        const std::string& id = reg->bicycle_id.str();
        int w = std::stoi(id.substr(4));
        int i = std::stoi(id.substr(id.rfind('-') + 1));
        EXPECT_EQ(i, next_of_thread[w]++);
        auto bike = s->find_bicycle(reg->bicycle_id);
        EXPECT_TRUE(bike && bike->has_value()) << reg->bicycle_id;
      }
    }
    after = page->back().sequence;
  }
  EXPECT_EQ(expected_sequence - 1, expected_events);
}

TEST(GroupCommit, DoneRunsOnTheWriterThreadAfterTheDataIsReadable) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  std::promise<std::pair<std::thread::id, bool>> seen;
  s->commit(ports::changeset{}.save(sample_station()).record(make_event(station_registered{"ST-1", "x", 1})),
            [&](ports::stored<void> r) {
              auto found = s->find_station("ST-1");
              seen.set_value({std::this_thread::get_id(), r.has_value() && found && found->has_value() &&
                                                              s->last_sequence() == 1});
            });
  auto [thread, readable] = seen.get_future().get();
  EXPECT_NE(thread, std::this_thread::get_id());
  EXPECT_TRUE(readable);
}

TEST(GroupCommit, CommitAndWaitReturnsTheOutcome) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  auto ok = s->commit_and_wait(ports::changeset{}.save(sample_customer()));
  EXPECT_TRUE(ok.has_value());
  auto bad = sample_customer("cust-2", "01000000000");
  bad.password_hash = std::string("\x80", 1);
  auto refused = s->commit_and_wait(ports::changeset{}.save(bad));
  ASSERT_FALSE(refused.has_value());
  EXPECT_FALSE(refused.error().message.empty());
}

TEST(GroupCommit, DerivedChangesCommitBesideDecisionsAndNeverMoveTheJournal) {
  temp_dir tmp;
  constexpr int n = 500;
  std::atomic<int> ok{0};
  {
    auto s = open_or_fail(tmp.db());
    for (int i = 0; i < n; ++i) {
      s->commit(ports::changeset{}.record(make_event(ticket_used{"t", "c", "r"}, numbered("e", i))),
                [&](ports::stored<void> r) { ok += r.has_value(); });
      s->commit(ports::changeset{}.save(ports::consumer_position{"rentals", static_cast<std::uint64_t>(i + 1)}).mark_derived(),
                [&](ports::stored<void> r) { ok += r.has_value(); });
    }
    // A derived changeset cannot record events: those are decisions.
    auto refused = s->commit_and_wait(
        ports::changeset{}.record(make_event(ticket_used{"t", "c", "r"}, "e_derived")).mark_derived());
    EXPECT_FALSE(refused.has_value());
  }
  EXPECT_EQ(ok.load(), 2 * n);
  auto s = open_or_fail(tmp.db());
  EXPECT_EQ(s->last_sequence(), static_cast<std::uint64_t>(n)) << "the journal has a gap or an extra sequence";
  EXPECT_EQ(value_of(s->position("rentals")), static_cast<std::uint64_t>(n));
  auto events = s->events_after(0, 2 * n);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) EXPECT_EQ((*events)[i].sequence, static_cast<std::uint64_t>(i + 1));
}

TEST(GroupCommit, ClosingRightAfterCommitsFinishesThem) {
  temp_dir tmp;
  constexpr int n = 2000;
  std::atomic<int> ok{0}, calls{0};
  {
    auto s = open_or_fail(tmp.db(), false);
    for (int i = 0; i < n; ++i)
      s->commit(ports::changeset{}.record(make_event(ticket_used{"t", "c", "r"}, numbered("e", i))),
                [&](ports::stored<void> r) {
                  ++calls;
                  if (r) ++ok;
                });
  }
  EXPECT_EQ(calls.load(), n);
  EXPECT_EQ(ok.load(), n);
  auto s = open_or_fail(tmp.db(), false);
  EXPECT_EQ(s->last_sequence(), static_cast<std::uint64_t>(n));
  auto events = s->events_after(n - 1, 10);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().event().id, numbered("e", n - 1));
}

TEST(GroupCommit, ARefusedChangesetInAGroupLeavesTheOthersIntact) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  // Hold the writer inside a `done` so that the next commits queue up and form one group.
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> holding;
  s->commit(ports::changeset{}.record(make_event(ticket_used{"t", "c", "r"}, "first")), [&](ports::stored<void>) {
    holding.set_value();
    released.wait();
  });
  holding.get_future().wait();
  auto bad = sample_customer("cust-bad", "01099998888");
  bad.name = std::string("\xff", 1);
  std::vector<std::future<ports::stored<void>>> outcomes;
  auto submit = [&](ports::changeset c) {
    auto p = std::make_shared<std::promise<ports::stored<void>>>();
    outcomes.push_back(p->get_future());
    s->commit(std::move(c), [p](ports::stored<void> r) { p->set_value(std::move(r)); });
  };
  submit(ports::changeset{}.save(sample_station("ST-1")).record(make_event(ticket_used{"t", "c", "r"}, "good-1")));
  submit(ports::changeset{}.save(sample_station("ST-2")).record(make_event(ticket_used{"t", "c", "r"}, "lost")).save(bad));
  submit(ports::changeset{}.save(sample_station("ST-3")).record(make_event(ticket_used{"t", "c", "r"}, "good-2")));
  release.set_value();
  EXPECT_TRUE(outcomes[0].get().has_value());
  EXPECT_FALSE(outcomes[1].get().has_value());
  EXPECT_TRUE(outcomes[2].get().has_value());
  auto events = s->events_after(0, 10);
  ASSERT_TRUE(events.has_value());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[1].event().id, "good-1");
  EXPECT_EQ((*events)[2].event().id, "good-2");
  EXPECT_EQ((*events)[2].sequence, 3u);
  EXPECT_EQ(s->last_sequence(), 3u);
  auto ids = s->stations();
  ASSERT_TRUE(ids.has_value());
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_EQ((*ids)[0].id, "ST-1");
  EXPECT_EQ((*ids)[1].id, "ST-3");
}

TEST(GroupCommit, AThrowingDoneDoesNotStopTheWriter) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  s->commit(ports::changeset{}.save(sample_station("ST-1")), [](ports::stored<void>) { throw std::runtime_error("oops"); });
  s->commit(ports::changeset{}.save(sample_station("ST-2")), {});  // no callback at all
  EXPECT_TRUE(s->commit_and_wait(ports::changeset{}.save(sample_station("ST-3"))).has_value());
  auto all = s->stations();
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 3u);
}

}  // namespace
}  // namespace ttareungyi::storage::test
