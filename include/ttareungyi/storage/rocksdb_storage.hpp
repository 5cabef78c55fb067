#pragma once
// The storage adapter: the ports::storage of one node on a single RocksDB database, one column
// family per context (identity, ticket, payment, rental, journal; meta in default), per
// read-side view (position, view_rental, view_station, notification) and for the answers kept
// for idempotent requests (idempotency). Writes go through one writer thread that
// group-commits: everything queued becomes one atomic write batch and, with `sync`, one fsync.
// No RocksDB or JSON type appears here (pimpl).
#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>

#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/idempotency.hpp"
#include "ttareungyi/ports/meters.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::storage {

struct storage_options {
  std::filesystem::path dir;  // created if missing
  // true: every commit group is fsync'd before its `done` runs (default).
  // false: the WAL is written but not fsync'd, so a machine crash (not a process crash) may
  // lose the last acknowledged commits. Atomicity and ordering hold either way.
  bool sync = true;
  // How long answers kept for idempotency keys are found (they are dropped from disk by
  // compactions after that: RocksDB compacts every file at least once a day).
  std::chrono::hours idempotency_retention{24};
  // The clock that ages kept answers; nullptr: the system clock. Must outlive the storage.
  const domain::clock* clock = nullptr;
  // Hears of every write batch (size, outcome, time); nullptr: none. Must outlive the storage.
  ports::commit_meter* meter = nullptr;
};

// Everything one node keeps, in one database.
class node_storage : public ports::storage, public ports::idempotency_store {};

// Opens (or creates) the node's single database with one column family per context. Fails with
// a storage_error (never throws) if the folder cannot be created or opened, is locked by
// another process, or holds an unsupported format. The returned storage closes the database
// when destroyed: pending commits are finished first (every `done` runs), then the writer
// thread is joined. Destroy it only once no other thread calls it any more.
std::expected<std::unique_ptr<node_storage>, ports::storage_error> open_rocksdb(const storage_options& options);

}  // namespace ttareungyi::storage
