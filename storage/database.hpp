#pragma once
// Internal: the open node database, its column families (in the order of layout::families) and
// how it is opened: every family ours and unknown, the format checked, the journal's end read.
#include <rocksdb/db.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "layout.hpp"
#include "ttareungyi/ports/storage.hpp"
#include "ttareungyi/storage/rocksdb_storage.hpp"

namespace ttareungyi::storage {

// Families, in the order of layout::families.
enum family : std::size_t {
  f_default,
  f_identity,
  f_ticket,
  f_payment,
  f_rental,
  f_journal,
  f_position,
  f_view_rental,
  f_view_station,
  f_notification,
  f_idempotency,
  family_count
};
static_assert(layout::families.size() == family_count);

// Owns the handles, closes on destruction.
struct database {
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // every family opened, ours and unknown ones
  std::array<rocksdb::ColumnFamilyHandle*, family_count> cf{};

  database() = default;
  database(const database&) = delete;
  database& operator=(const database&) = delete;
  ~database() {
    if (!db) return;
    // A clean close leaves no WAL to replay, so the next open is quick. Best effort: whatever
    // is not flushed is still in the WAL.
    rocksdb::FlushOptions flush;
    flush.allow_write_stall = true;
    (void)db->Flush(flush, handles);
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
    delete db;
  }
};

// Opens (or creates) the database in options.dir with every family, checks or writes its format.
ports::stored<std::unique_ptr<database>> open_database(const storage_options& options);
// The sequence of the journal's last event (0 for an empty journal).
ports::stored<std::uint64_t> stored_last_sequence(database& db);

}  // namespace ttareungyi::storage
