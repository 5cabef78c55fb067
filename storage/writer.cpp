#include "writer.hpp"

#include <rocksdb/options.h>
#include <rocksdb/status.h>

#include <chrono>
#include <exception>
#include <utility>

#include "errors.hpp"

namespace ttareungyi::storage {
namespace {

constexpr std::size_t max_group = 1024;  // changesets per write batch
constexpr std::size_t tail_events = 8192;  // the journal's newest events kept for its readers

}  // namespace

group_writer::group_writer(const database& db, std::uint64_t last_sequence, bool sync, ports::commit_meter* meter)
    : read_(db), sync_(sync), meter_(meter), last_sequence_(last_sequence), tail_(tail_events, last_sequence) {
  thread_ = std::thread([this] { run(); });
}

group_writer::~group_writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void group_writer::enqueue(pending p) {
  {
    std::lock_guard lock(mutex_);
    if (!exited_) {
      queue_.push_back(std::move(p));
      wake_.notify_one();
      return;
    }
  }
  call(p.done, std::unexpected(storage_error{"storage is closed"}));
}

void group_writer::call(on_committed& done, stored<void> outcome) {
  if (!done) return;
  try {
    done(std::move(outcome));
  } catch (...) {
    // `done` must not throw; the writer thread carries on regardless.
  }
}

void group_writer::run() {
  std::vector<pending> group;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {  // stopping, and everything handed in has been answered
        exited_ = true;
        return;
      }
      while (!queue_.empty() && group.size() < max_group) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    write_group(group);
    group.clear();
  }
}

void group_writer::write_group(std::vector<pending>& group) {
  const std::uint64_t first = last_sequence();
  group_batch batch(read_, first);
  std::vector<std::optional<storage_error>> refused(group.size());
  for (std::size_t i = 0; i < group.size(); ++i) {
    auto added = batch.add(group[i].changes, group[i].answer ? &*group[i].answer : nullptr);
    if (!added) refused[i] = std::move(added.error());
  }
  rocksdb::Status status;
  if (batch.batch().Count() > 0) {
    rocksdb::WriteOptions wo;
    wo.sync = sync_;
    const auto started = std::chrono::steady_clock::now();
    try {
      status = read_.db()->Write(wo, &batch.batch());
    } catch (const std::exception& e) {
      status = rocksdb::Status::Aborted(e.what());
    }
    if (meter_) meter_->committed(group.size(), status.ok(), sync_, std::chrono::steady_clock::now() - started);
  }
  if (status.ok() && batch.last_sequence() != first) {
    // The events as they were committed, in the order the batch gave them their sequences,
    // before the new end is published: a reader that sees the end finds them.
    std::vector<ports::recorded_event> committed;
    std::uint64_t sequence = first;
    for (std::size_t i = 0; i < group.size(); ++i)
      if (!refused[i])
        for (const auto& e : group[i].changes.events()) committed.push_back({++sequence, e});
    if (sequence == batch.last_sequence())
      tail_.appended(std::move(committed));
    else  // cannot happen; should it, readers read RocksDB rather than a tail with a gap
      tail_.restart_after(batch.last_sequence());
    last_sequence_.store(batch.last_sequence(), std::memory_order_release);
  }
  for (std::size_t i = 0; i < group.size(); ++i) {
    if (refused[i])
      call(group[i].done, std::unexpected(std::move(*refused[i])));
    else if (!status.ok())
      call(group[i].done, std::unexpected(failed("commit", status)));
    else
      call(group[i].done, {});
  }
}

}  // namespace ttareungyi::storage
