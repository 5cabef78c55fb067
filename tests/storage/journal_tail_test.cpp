// The journal's newest events kept for its readers (storage/journal_tail.hpp): plain, no RocksDB.
#include "journal_tail.hpp"

#include <gtest/gtest.h>

namespace ttareungyi::storage {
namespace {

std::vector<ports::recorded_event> events(std::uint64_t from, std::uint64_t to) {
  std::vector<ports::recorded_event> out;
  for (auto s = from; s <= to; ++s) {
    domain::event e;
    e.id = "e_" + std::to_string(s);
    out.push_back({s, std::move(e)});
  }
  return out;
}

std::vector<std::uint64_t> sequences(const std::vector<ports::recorded_event>& got) {
  std::vector<std::uint64_t> out;
  for (const auto& r : got) out.push_back(r.sequence);
  return out;
}

TEST(JournalTail, ServesTheNewestEventsAfterAPosition) {
  journal_tail tail{8, 100};  // the journal ended at 100 when the storage opened
  EXPECT_EQ(tail.after(100, 10)->size(), 0u) << "nothing after the end";
  EXPECT_FALSE(tail.after(99, 10)) << "older than it holds: RocksDB";
  tail.appended(events(101, 104));
  EXPECT_EQ(sequences(*tail.after(100, 10)), (std::vector<std::uint64_t>{101, 102, 103, 104}));
  EXPECT_EQ(sequences(*tail.after(102, 10)), (std::vector<std::uint64_t>{103, 104}));
  EXPECT_EQ(sequences(*tail.after(100, 2)), (std::vector<std::uint64_t>{101, 102}));
  EXPECT_EQ(tail.after(104, 10)->size(), 0u);
  EXPECT_EQ(tail.after(101, 1)->front().event().id, "e_102");
}

TEST(JournalTail, DropsTheOldestBeyondItsCapacity) {
  journal_tail tail{4, 0};
  tail.appended(events(1, 3));
  tail.appended(events(4, 6));
  EXPECT_FALSE(tail.after(1, 10)) << "events 1 and 2 were dropped";
  EXPECT_EQ(sequences(*tail.after(2, 10)), (std::vector<std::uint64_t>{3, 4, 5, 6}));
}

TEST(JournalTail, ARestartHoldsNothingOlder) {
  journal_tail tail{4, 0};
  tail.appended(events(1, 2));
  tail.restart_after(5);
  EXPECT_FALSE(tail.after(2, 10));
  EXPECT_EQ(tail.after(5, 10)->size(), 0u);
  tail.appended(events(6, 6));
  EXPECT_EQ(sequences(*tail.after(5, 10)), (std::vector<std::uint64_t>{6}));
}

}  // namespace
}  // namespace ttareungyi::storage
