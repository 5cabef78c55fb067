#include "tuning.hpp"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

#include "layout.hpp"

namespace ttareungyi::storage {
namespace {

constexpr std::size_t all_memtables_bytes = 64u << 20;  // write buffers of all families together

rocksdb::ColumnFamilyOptions family_options(const std::shared_ptr<rocksdb::Cache>& cache, bool point_lookups,
                                            std::size_t write_buffer) {
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = cache;
  t.block_size = 8u << 10;
  t.format_version = 5;
  // Index and filters live in the block cache (bounded memory), partitioned so that a lookup
  // loads a 4 KiB partition rather than a whole file's filter (a megabyte for a million keys,
  // more than a cache shard holds). The top levels stay pinned.
  t.cache_index_and_filter_blocks = true;
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.pin_top_level_index_and_filter = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  t.metadata_block_size = 4096;
  if (point_lookups) {
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    t.partition_filters = true;
    t.optimize_filters_for_memory = true;
  }
  rocksdb::ColumnFamilyOptions o;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  o.write_buffer_size = write_buffer;
  o.max_write_buffer_number = 2;
  o.level_compaction_dynamic_level_bytes = true;
  o.target_file_size_base = 32u << 20;
  o.max_bytes_for_level_base = 128u << 20;
  auto supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType c) { return std::ranges::find(supported, c) != supported.end(); };
  if (has(rocksdb::kLZ4Compression)) o.compression = rocksdb::kLZ4Compression;
  if (has(rocksdb::kZSTD)) o.bottommost_compression = rocksdb::kZSTD;
  return o;
}

// Drops the answers kept for idempotency keys that are past the retention, whenever RocksDB
// compacts their files. The cut-off is taken when a compaction starts.
class expired_answers final : public rocksdb::CompactionFilter {
 public:
  explicit expired_answers(std::int64_t cutoff_ms) : cutoff_(layout::ordered(cutoff_ms)) {}
  bool Filter(int, const rocksdb::Slice&, const rocksdb::Slice& value, std::string*, bool*) const override {
    auto kept = layout::read_be64(value.ToStringView().substr(0, std::min<std::size_t>(8, value.size())));
    return kept && *kept < cutoff_;  // unreadable values are left for find_answer to report
  }
  const char* Name() const override { return "ttareungyi.expired_answers"; }

 private:
  std::uint64_t cutoff_;
};

class expired_answers_factory final : public rocksdb::CompactionFilterFactory {
 public:
  expired_answers_factory(const domain::clock& clock, std::chrono::milliseconds retention)
      : clock_(clock), retention_(retention) {}
  std::unique_ptr<rocksdb::CompactionFilter> CreateCompactionFilter(const rocksdb::CompactionFilter::Context&) override {
    return std::make_unique<expired_answers>((clock_.now() - retention_).time_since_epoch().count());
  }
  const char* Name() const override { return "ttareungyi.expired_answers_factory"; }

 private:
  const domain::clock& clock_;
  std::chrono::milliseconds retention_;
};

}  // namespace

rocksdb::DBOptions db_options() {
  rocksdb::DBOptions o;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.max_background_jobs = 2;
  o.max_subcompactions = 1;
  o.db_write_buffer_size = all_memtables_bytes;
  o.max_total_wal_size = 64u << 20;  // flush idle families so the WAL (and recovery) stays short
  o.bytes_per_sync = 1u << 20;
  o.max_open_files = 512;  // not -1: open must not touch every table file
  o.keep_log_file_num = 3;
  o.max_log_file_size = 4u << 20;
  o.avoid_unnecessary_blocking_io = true;
  return o;
}

const domain::clock& clock_of(const storage_options& options) {
  static const domain::system_clock system;
  return options.clock ? *options.clock : system;
}

rocksdb::ColumnFamilyOptions options_of(family f, const std::shared_ptr<rocksdb::Cache>& cache,
                                        const storage_options& opened) {
  switch (f) {
    case f_ticket:
    case f_rental: return family_options(cache, true, 16u << 20);
    case f_journal: return family_options(cache, false, 16u << 20);  // read by range only
    case f_notification: return family_options(cache, false, 8u << 20);  // read by range only
    case f_idempotency: {
      auto o = family_options(cache, true, 4u << 20);
      o.compaction_filter_factory = std::make_shared<expired_answers_factory>(
          clock_of(opened), std::chrono::duration_cast<std::chrono::milliseconds>(opened.idempotency_retention));
      o.periodic_compaction_seconds = 24 * 60 * 60;  // every file is filtered at least once a day
      return o;
    }
    default: return family_options(cache, true, 4u << 20);
  }
}

}  // namespace ttareungyi::storage
