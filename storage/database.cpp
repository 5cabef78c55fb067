#include "database.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/options.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "errors.hpp"
#include "tuning.hpp"

namespace ttareungyi::storage {
namespace {

stored<std::unique_ptr<database>> open_families(const storage_options& opened) {
  const auto& dir = opened.dir;
  auto cache = rocksdb::NewLRUCache(block_cache_bytes, cache_shard_bits);
  const auto options = db_options();
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (std::size_t f = 0; f < family_count; ++f)
    descriptors.emplace_back(std::string{layout::families[f]}, options_of(static_cast<family>(f), cache, opened));
  // Families we do not know (a newer version's) must be opened too; they are left alone.
  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(options, dir.string(), &existing).ok()) {
    for (const auto& name : existing)
      if (std::ranges::find(layout::families, std::string_view{name}) == layout::families.end())
        descriptors.emplace_back(name, options_of(f_default, cache, opened));
  }
  auto db = std::make_unique<database>();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  auto s = rocksdb::DB::Open(options, dir.string(), descriptors, &handles, &db->db);
  if (!s.ok()) {
    db->db = nullptr;
    return std::unexpected(failed("cannot open storage at " + dir.string(), s));
  }
  db->handles = handles;
  for (std::size_t f = 0; f < family_count; ++f) db->cf[f] = handles[f];  // Open keeps the descriptor order
  return db;
}

stored<void> check_format(database& db) {
  std::string format;
  auto s = db.db->Get(rocksdb::ReadOptions{}, db.cf[f_default], layout::format_key, &format);
  if (s.IsNotFound()) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = db.db->Put(wo, db.cf[f_default], layout::format_key, layout::format_version);
    if (!s.ok()) return std::unexpected(failed("cannot initialise storage", s));
    return {};
  }
  if (!s.ok()) return std::unexpected(failed("cannot read storage format", s));
  if (format != layout::format_version)
    return std::unexpected(storage_error{"unsupported storage format '" + printable(format) + "', expected '" +
                                         std::string{layout::format_version} + "'"});
  return {};
}

}  // namespace

stored<std::unique_ptr<database>> open_database(const storage_options& options) {
  auto db = open_families(options);
  if (!db) return db;
  if (auto r = check_format(**db); !r) return std::unexpected(r.error());
  return db;
}

stored<std::uint64_t> stored_last_sequence(database& db) {
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(rocksdb::ReadOptions{}, db.cf[f_journal]));
  it->SeekToLast();
  if (!it->status().ok()) return std::unexpected(failed("cannot read the journal", it->status()));
  if (!it->Valid()) return 0;
  auto sequence = layout::read_be64(it->key().ToStringView());
  if (!sequence) return std::unexpected(corrupt(layout::cf_journal, it->key().ToStringView(), "bad sequence key"));
  return *sequence;
}

}  // namespace ttareungyi::storage
