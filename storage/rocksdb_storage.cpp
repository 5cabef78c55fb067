#include "ttareungyi/storage/rocksdb_storage.hpp"

#include <rocksdb/options.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "codec.hpp"
#include "database.hpp"
#include "errors.hpp"
#include "layout.hpp"
#include "node.hpp"
#include "tuning.hpp"

namespace ttareungyi::storage {

rocksdb_storage::rocksdb_storage(std::unique_ptr<database> db, std::uint64_t last_sequence,
                                 const storage_options& options)
    : db_(std::move(db)),
      read_(*db_),
      clock_(clock_of(options)),
      retention_(options.idempotency_retention),
      writer_(*db_, last_sequence, options.sync, options.meter) {}

// ---- idempotency ----

void rocksdb_storage::find_answer(std::string customer_id, std::string key, on_found done) {
  done(kept_answer_of(customer_id, key));
}

stored<std::optional<ports::kept_answer>> rocksdb_storage::kept_answer_of(std::string_view customer_id,
                                                                         std::string_view key) const {
  return guarded("find_answer", [&]() -> stored<std::optional<ports::kept_answer>> {
    const auto k = layout::kept_answer_key(customer_id, key);
    rocksdb::PinnableSlice value;
    auto s = db()->Get(rocksdb::ReadOptions{}, cf(f_idempotency), k, &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return std::unexpected(failed("read idempotency/" + printable(k), s));
    auto bytes = value.ToStringView();
    if (bytes.size() < 8) return std::unexpected(corrupt(layout::cf_idempotency, k, "short value"));
    auto answer = codec::decode_kept_answer(bytes.substr(8));
    if (!answer) return std::unexpected(corrupt(layout::cf_idempotency, k, answer.error()));
    if (answer->kept_at < clock_.now() - retention_) return std::nullopt;  // expired, not yet compacted away
    return std::move(*answer);
  });
}

void rocksdb_storage::keep_answer(std::string customer_id, std::string key, ports::kept_answer answer, on_kept done) {
  writer_.enqueue(group_writer::pending{{}, std::move(done), kept{std::move(customer_id), std::move(key), std::move(answer)}});
}

stored<void> rocksdb_storage::forget_expired_answers() {
  return guarded("forget_expired_answers", [&]() -> stored<void> {
    rocksdb::CompactRangeOptions o;
    o.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    auto s = db()->CompactRange(o, cf(f_idempotency), nullptr, nullptr);
    if (!s.ok()) return std::unexpected(failed("forget_expired_answers", s));
    return {};
  });
}

// ---- committer ----

// Every changeset goes through the one writer and its group commit, fsync'd: what is derived
// from the journal shares the decisions' syncs (an unsynced lane of its own for it was
// measured slower for rides: docs/benchmarks.md, run 4). A derived changeset records no event.
void rocksdb_storage::commit(ports::changeset changes, on_committed done) {
  if (changes.derived() && !changes.events().empty()) {
    group_writer::call(done, std::unexpected(storage_error{"a derived changeset cannot record events"}));
    return;
  }
  writer_.enqueue(group_writer::pending{std::move(changes), std::move(done), {}});
}

std::expected<std::unique_ptr<node_storage>, ports::storage_error> open_rocksdb(const storage_options& options) {
  return guarded("cannot open storage", [&]() -> std::expected<std::unique_ptr<node_storage>, ports::storage_error> {
    if (options.dir.empty()) return std::unexpected(storage_error{"cannot open storage: no folder given"});
    std::error_code ec;
    std::filesystem::create_directories(options.dir, ec);
    if (ec) return std::unexpected(storage_error{"cannot create storage folder " + options.dir.string() + ": " + ec.message()});
    if (!std::filesystem::is_directory(options.dir, ec))
      return std::unexpected(storage_error{"storage path " + options.dir.string() + " is not a folder"});
    auto db = open_database(options);
    if (!db) return std::unexpected(db.error());
    auto last = stored_last_sequence(**db);
    if (!last) return std::unexpected(last.error());
    return std::make_unique<rocksdb_storage>(std::move(*db), *last, options);
  });
}

}  // namespace ttareungyi::storage
