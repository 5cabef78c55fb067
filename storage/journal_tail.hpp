#pragma once
// Internal: the journal's newest events, as the writer committed them, for its readers.
// Every reader of the journal (the views, the notifier, the overtime collector, the live
// notices) asks for the events after its position, which is nearly always among the newest:
// served from here, they are copied, not read back from RocksDB and decoded once per reader.
// Invariant: it holds the events [first, last] of the journal, contiguous and committed, with
// `last` the journal's last durable sequence once the writer has published it. Memory is
// bounded: at most `capacity` events, the oldest dropped first; a reader further behind
// (a rebuild, a restart) reads RocksDB.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::storage {

class journal_tail {
 public:
  journal_tail(std::size_t capacity, std::uint64_t last_sequence) : capacity_(capacity), first_(last_sequence + 1) {}

  // The writer, once `events` (the next sequences, in order) are durable.
  void appended(std::vector<ports::recorded_event> events) {
    std::unique_lock lock{mutex_};
    for (auto& e : events) held_.push_back(std::move(e));
    while (held_.size() > capacity_) {
      held_.pop_front();
      ++first_;
    }
  }

  // Holds nothing older than `last` + 1 from now on.
  void restart_after(std::uint64_t last) {
    std::unique_lock lock{mutex_};
    held_.clear();
    first_ = last + 1;
  }

  // Up to `max` events after `after`, or nullopt when some of them are older than it holds.
  std::optional<std::vector<ports::recorded_event>> after(std::uint64_t after, std::size_t max) const {
    std::shared_lock lock{mutex_};
    if (after + 1 < first_) return std::nullopt;
    std::vector<ports::recorded_event> out;
    const auto skip = after + 1 - first_;
    if (skip >= held_.size()) return out;
    const auto n = std::min<std::size_t>(max, held_.size() - skip);
    out.reserve(n);
    std::copy_n(held_.begin() + static_cast<std::ptrdiff_t>(skip), n, std::back_inserter(out));
    return out;
  }

 private:
  mutable std::shared_mutex mutex_;
  const std::size_t capacity_;
  std::uint64_t first_;  // the sequence of held_.front() (or the next one when empty)
  std::deque<ports::recorded_event> held_;
};

}  // namespace ttareungyi::storage
