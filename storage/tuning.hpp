#pragma once
// Internal: the RocksDB options of the node database, modest for a small machine (2 cores, a
// few hundred MiB for the whole server), and the compaction filter that ages idempotency answers.
#include <rocksdb/cache.h>
#include <rocksdb/options.h>

#include <cstddef>
#include <memory>

#include "database.hpp"
#include "ttareungyi/storage/rocksdb_storage.hpp"

namespace ttareungyi::storage {

inline constexpr std::size_t block_cache_bytes = 32u << 20;  // shared by every family
inline constexpr int cache_shard_bits = 4;                   // 16 shards of 2 MiB

rocksdb::DBOptions db_options();
// The options of family f; idempotency's drop the answers kept longer than `opened` says.
rocksdb::ColumnFamilyOptions options_of(family f, const std::shared_ptr<rocksdb::Cache>& cache,
                                        const storage_options& opened);
// The clock `options` names, or the system clock.
const domain::clock& clock_of(const storage_options& options);

}  // namespace ttareungyi::storage
