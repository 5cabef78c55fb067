#pragma once
// Internal: the one writer thread of the node database and its group commit. Everything queued
// when it wakes (up to max_group) becomes one atomic write batch and, with `sync`, one fsync;
// each changeset's `done` runs on this thread once the batch is durable or has failed.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "batch.hpp"
#include "journal_tail.hpp"
#include "reader.hpp"
#include "ttareungyi/ports/meters.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::storage {

class group_writer {
 public:
  using on_committed = ports::committer::on_committed;
  struct pending {
    ports::changeset changes;
    on_committed done;
    std::optional<kept> answer;  // written with the changeset (keep_answer hands in an empty one)
  };

  // Starts the thread. `last_sequence`: the journal's last on disk.
  // `meter` (may be null) hears of every write batch, on the writer thread.
  group_writer(const database& db, std::uint64_t last_sequence, bool sync, ports::commit_meter* meter = nullptr);
  group_writer(const group_writer&) = delete;
  group_writer& operator=(const group_writer&) = delete;
  // Answers everything handed in, then joins the thread.
  ~group_writer();

  // Queues p; once the writer has exited, answers it at once with "storage is closed".
  void enqueue(pending p);
  // The journal's last durable sequence.
  std::uint64_t last_sequence() const { return last_sequence_.load(std::memory_order_acquire); }
  // The journal's newest events, for its readers.
  const journal_tail& tail() const { return tail_; }

  // Runs `done` with the outcome; `done` must not throw, and the writer carries on if it does.
  static void call(on_committed& done, stored<void> outcome);

 private:
  void run();
  void write_group(std::vector<pending>& group);

  reader read_;
  const bool sync_;
  ports::commit_meter* const meter_;
  std::atomic<std::uint64_t> last_sequence_;
  journal_tail tail_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<pending> queue_;
  bool stopping_ = false;
  bool exited_ = false;
  std::thread thread_;  // started once everything above exists
};

}  // namespace ttareungyi::storage
