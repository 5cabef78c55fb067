#include "ttareungyi/storage/rocksdb_storage.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/compaction_filter.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/status.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "codec.hpp"
#include "layout.hpp"

namespace ttareungyi::storage {
namespace {

using ports::storage_error;
using ports::stored;

constexpr std::size_t block_cache_bytes = 32u << 20;    // shared by every family
constexpr int cache_shard_bits = 4;                     // 16 shards of 2 MiB
constexpr std::size_t all_memtables_bytes = 64u << 20;  // write buffers of all families together
constexpr std::size_t max_group = 1024;                 // changesets per write batch

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

std::string printable(std::string_view bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 0xf]);
    }
  }
  return out;
}

storage_error failed(std::string_view what, const rocksdb::Status& s) {
  return storage_error{std::string{what} + ": " + s.ToString()};
}

storage_error corrupt(std::string_view family_name, std::string_view key, std::string_view why) {
  return storage_error{"corrupt record " + std::string{family_name} + "/" + printable(key) + ": " + std::string{why}};
}

// Runs f, turning any exception into a storage_error.
template <class F>
auto guarded(std::string_view what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return std::unexpected(storage_error{std::string{what} + ": " + e.what()});
  } catch (...) {
    return std::unexpected(storage_error{std::string{what} + ": unknown failure"});
  }
}

// ---- Tuning: modest, for a small machine (2 cores, a few hundred MiB for the whole server). ----

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

// ---- The open database: owns the handles, closes on destruction. ----

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

class snapshot {
 public:
  explicit snapshot(rocksdb::DB* db) : db_(db), snap_(db->GetSnapshot()) {}
  snapshot(const snapshot&) = delete;
  snapshot& operator=(const snapshot&) = delete;
  ~snapshot() { db_->ReleaseSnapshot(snap_); }
  rocksdb::ReadOptions read_options() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snap_;
    return ro;
  }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snap_;
};

// What the writer knows of a record's indexed fields before a save.
template <class T>
struct prior {
  enum { none, known, unreadable } kind = none;
  T value{};
};

struct ticket_indexed {
  std::string customer_id;
  std::int64_t purchased_ms = 0;
  bool in_use = false;
  bool operator==(const ticket_indexed&) const = default;
};

ticket_indexed indexed(const domain::ticket& t) {
  return {t.customer_id, t.purchased_at.time_since_epoch().count(), t.status == domain::ticket_status::in_use};
}

// Index state written earlier in the group being built (the database does not have it yet).
struct overlay {
  std::unordered_map<std::string, ticket_indexed> tickets;
  std::unordered_map<std::string, std::string> phones;  // customer id -> phone
  void merge(overlay&& newer) {
    for (auto& [k, v] : newer.tickets) tickets.insert_or_assign(k, std::move(v));
    for (auto& [k, v] : newer.phones) phones.insert_or_assign(k, std::move(v));
  }
};

class rocksdb_storage final : public node_storage {
 public:
  rocksdb_storage(std::unique_ptr<database> db, std::uint64_t last_sequence, const storage_options& options)
      : db_(std::move(db)),
        last_sequence_(last_sequence),
        clock_(clock_of(options)),
        retention_(options.idempotency_retention) {
    writer_.sync = options.sync;
    writer_.thread = std::thread([this] { run_writer(); });
  }

  rocksdb_storage(const rocksdb_storage&) = delete;
  rocksdb_storage& operator=(const rocksdb_storage&) = delete;

  ~rocksdb_storage() override {
    {
      std::lock_guard lock(writer_.mutex);
      writer_.stopping = true;
    }
    writer_.wake.notify_all();
    writer_.thread.join();
  }

  // ---- identity ----

  stored<std::optional<domain::customer>> find_customer(std::string_view id) const override {
    return guarded("find_customer", [&] { return get<domain::customer>(f_identity, layout::key(layout::customer_prefix, id)); });
  }

  stored<std::optional<domain::customer>> find_customer_by_phone(std::string_view phone) const override {
    return guarded("find_customer_by_phone", [&]() -> stored<std::optional<domain::customer>> {
      snapshot snap(db());
      auto ro = snap.read_options();
      std::string id;
      auto s = db()->Get(ro, cf(f_identity), layout::key(layout::phone_prefix, phone), &id);
      if (s.IsNotFound()) return std::nullopt;
      if (!s.ok()) return std::unexpected(failed("find_customer_by_phone", s));
      auto found = get<domain::customer>(f_identity, layout::key(layout::customer_prefix, id), ro);
      if (!found) return found;
      if (*found && (*found)->phone != phone) return std::nullopt;  // a stale index entry
      return found;
    });
  }

  // ---- ticket ----

  stored<std::optional<domain::ticket>> find_ticket(std::string_view id) const override {
    return guarded("find_ticket", [&] { return get<domain::ticket>(f_ticket, layout::key(layout::ticket_prefix, id)); });
  }

  stored<std::vector<domain::ticket>> tickets_of(std::string_view customer_id) const override {
    return guarded("tickets_of", [&]() -> stored<std::vector<domain::ticket>> {
      snapshot snap(db());
      auto ro = snap.read_options();
      const auto prefix = layout::owner_key_prefix(customer_id);
      std::vector<std::string> ids;
      std::vector<std::int64_t> times;
      auto scanned = scan(f_ticket, prefix, layout::prefix_end(prefix), ro,
                          [&](std::string_view key, std::string_view) -> stored<bool> {
                            auto rest = key.substr(prefix.size());
                            auto time = layout::read_be64(rest.substr(0, std::min<std::size_t>(8, rest.size())));
                            if (!time) return std::unexpected(corrupt(layout::cf_ticket, key, "short index key"));
                            times.push_back(static_cast<std::int64_t>(*time ^ (std::uint64_t{1} << 63)));
                            ids.emplace_back(rest.substr(8));
                            return true;
                          });
      if (!scanned) return std::unexpected(scanned.error());
      auto tickets = get_many<domain::ticket>(f_ticket, layout::ticket_prefix, ids, ro);
      if (!tickets) return std::unexpected(tickets.error());
      std::vector<domain::ticket> out;
      out.reserve(ids.size());
      for (std::size_t i = 0; i < ids.size(); ++i) {
        auto& t = (*tickets)[i];
        // Entries the ticket no longer matches are stale: skip them.
        if (t && t->customer_id == customer_id && t->purchased_at.time_since_epoch().count() == times[i])
          out.push_back(std::move(*t));
      }
      return out;
    });
  }

  stored<std::vector<domain::ticket>> tickets_in_use() const override {
    return guarded("tickets_in_use", [&]() -> stored<std::vector<domain::ticket>> {
      snapshot snap(db());
      auto ro = snap.read_options();
      std::vector<std::string> ids;
      auto scanned = scan(f_ticket, layout::in_use_prefix, layout::prefix_end(layout::in_use_prefix), ro,
                          [&](std::string_view key, std::string_view) -> stored<bool> {
                            ids.emplace_back(key.substr(layout::in_use_prefix.size()));
                            return true;
                          });
      if (!scanned) return std::unexpected(scanned.error());
      auto tickets = get_many<domain::ticket>(f_ticket, layout::ticket_prefix, ids, ro);
      if (!tickets) return std::unexpected(tickets.error());
      std::vector<domain::ticket> out;
      for (auto& t : *tickets)
        if (t && t->status == domain::ticket_status::in_use) out.push_back(std::move(*t));
      return out;
    });
  }

  // ---- payment ----

  stored<std::optional<domain::payment>> find_payment(std::string_view id) const override {
    return guarded("find_payment", [&] { return get<domain::payment>(f_payment, layout::key(layout::payment_prefix, id)); });
  }

  // ---- fleet ----

  stored<std::optional<domain::station>> find_station(std::string_view id) const override {
    return guarded("find_station", [&] { return get<domain::station>(f_rental, layout::key(layout::station_prefix, id)); });
  }

  stored<std::vector<domain::station>> stations() const override {
    return guarded("stations", [&]() -> stored<std::vector<domain::station>> {
      std::vector<domain::station> out;
      auto scanned = scan(f_rental, layout::station_prefix, layout::prefix_end(layout::station_prefix), {},
                          [&](std::string_view key, std::string_view value) -> stored<bool> {
                            auto s = codec::decode<domain::station>(value);
                            if (!s) return std::unexpected(corrupt(layout::cf_rental, key, s.error()));
                            out.push_back(std::move(*s));
                            return true;
                          });
      if (!scanned) return std::unexpected(scanned.error());
      return out;
    });
  }

  stored<std::optional<domain::bicycle>> find_bicycle(std::string_view id) const override {
    return guarded("find_bicycle", [&] { return get<domain::bicycle>(f_rental, layout::key(layout::bicycle_prefix, id)); });
  }

  stored<void> each_bicycle(const std::function<bool(const domain::bicycle&)>& visit) const override {
    std::exception_ptr visitor_failure;
    auto r = guarded("each_bicycle", [&]() -> stored<void> {
      rocksdb::ReadOptions ro;
      ro.fill_cache = false;  // a full pass must not evict the hot records
      ro.readahead_size = 1u << 20;
      return scan(f_rental, layout::bicycle_prefix, layout::prefix_end(layout::bicycle_prefix), ro,
                  [&](std::string_view key, std::string_view value) -> stored<bool> {
                    auto b = codec::decode<domain::bicycle>(value);
                    if (!b) return std::unexpected(corrupt(layout::cf_rental, key, b.error()));
                    try {
                      return visit(*b);
                    } catch (...) {
                      visitor_failure = std::current_exception();
                      return false;
                    }
                  });
    });
    if (visitor_failure) std::rethrow_exception(visitor_failure);  // the caller's own exception
    return r;
  }

  stored<std::optional<domain::rental>> find_rental(std::string_view id) const override {
    return guarded("find_rental", [&] { return get<domain::rental>(f_rental, layout::key(layout::rental_prefix, id)); });
  }

  // ---- journal ----

  stored<std::vector<ports::recorded_event>> events_after(std::uint64_t after, std::size_t max) const override {
    return guarded("events_after", [&]() -> stored<std::vector<ports::recorded_event>> {
      std::vector<ports::recorded_event> out;
      if (max == 0 || after == UINT64_MAX) return out;
      out.reserve(std::min<std::size_t>(max, 1024));
      auto scanned = scan(f_journal, layout::journal_key(after + 1), {}, {},
                          [&](std::string_view key, std::string_view value) -> stored<bool> {
                            auto sequence = layout::read_be64(key);
                            if (!sequence) return std::unexpected(corrupt(layout::cf_journal, key, "bad sequence key"));
                            auto e = codec::decode<domain::event>(value);
                            if (!e) return std::unexpected(corrupt(layout::cf_journal, key, e.error()));
                            out.push_back(ports::recorded_event{*sequence, std::move(*e)});
                            return out.size() < max;
                          });
      if (!scanned) return std::unexpected(scanned.error());
      return out;
    });
  }

  std::uint64_t last_sequence() const override { return last_sequence_.load(std::memory_order_acquire); }

  // ---- views (read side) ----

  stored<std::uint64_t> position(std::string_view consumer) const override {
    return guarded("position", [&]() -> stored<std::uint64_t> {
      std::string value;
      const std::string key{consumer};
      auto s = db()->Get(rocksdb::ReadOptions{}, cf(f_position), key, &value);
      if (s.IsNotFound()) return 0;
      if (!s.ok()) return std::unexpected(failed("read position/" + printable(key), s));
      auto sequence = layout::read_be64(value);
      if (!sequence) return std::unexpected(corrupt(layout::cf_position, key, "bad sequence value"));
      return *sequence;
    });
  }

  stored<std::optional<domain::current_rental>> current_rental(std::string_view customer_id) const override {
    return guarded("current_rental", [&] {
      return get<domain::current_rental>(f_view_rental, layout::key(layout::rental_view_prefix, customer_id));
    });
  }

  stored<std::vector<domain::current_rental>> current_rentals() const override {
    return guarded("current_rentals", [&] { return all_of<domain::current_rental>(f_view_rental, layout::rental_view_prefix); });
  }

  stored<std::vector<domain::station_count>> station_counts() const override {
    return guarded("station_counts", [&] { return all_of<domain::station_count>(f_view_station, layout::station_view_prefix); });
  }

  stored<std::vector<domain::notification>> notifications_of(std::string_view customer_id, std::uint64_t after,
                                                             std::size_t max) const override {
    return guarded("notifications_of", [&]() -> stored<std::vector<domain::notification>> {
      std::vector<domain::notification> out;
      if (max == 0 || after == UINT64_MAX) return out;
      const auto prefix = layout::customer_notice_key_prefix(customer_id);
      std::string lower = prefix;
      layout::append_be(lower, after + 1, 8);
      const auto upper = layout::prefix_end(prefix);  // never empty: the prefix starts with "c:"
      rocksdb::Slice lower_bound(lower), upper_bound(upper);
      rocksdb::ReadOptions ro;
      ro.iterate_lower_bound = &lower_bound;
      ro.iterate_upper_bound = &upper_bound;
      std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(ro, cf(f_notification)));
      // Newest first: backwards from the customer's last entry down to sequence after + 1.
      for (it->SeekToLast(); it->Valid() && out.size() < max; it->Prev()) {
        auto n = codec::decode<domain::notification>(it->value().ToStringView());
        if (!n) return std::unexpected(corrupt(layout::cf_notification, it->key().ToStringView(), n.error()));
        out.push_back(std::move(*n));
      }
      if (!it->status().ok()) return std::unexpected(failed("scan notification", it->status()));
      return out;
    });
  }

  stored<std::vector<domain::notification>> notifications_after(std::uint64_t after, std::size_t max) const override {
    return guarded("notifications_after", [&]() -> stored<std::vector<domain::notification>> {
      std::vector<domain::notification> out;
      if (max == 0 || after == UINT64_MAX) return out;
      auto scanned = scan(f_notification, layout::notification_key(after + 1, ""),
                          layout::prefix_end(layout::notification_prefix), {},
                          [&](std::string_view key, std::string_view value) -> stored<bool> {
                            auto n = codec::decode<domain::notification>(value);
                            if (!n) return std::unexpected(corrupt(layout::cf_notification, key, n.error()));
                            out.push_back(std::move(*n));
                            return out.size() < max;
                          });
      if (!scanned) return std::unexpected(scanned.error());
      return out;
    });
  }

  // ---- idempotency ----

  stored<std::optional<ports::kept_answer>> find_answer(std::string_view customer_id, std::string_view key) const override {
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

  void keep_answer(std::string customer_id, std::string key, ports::kept_answer answer, on_kept done) override {
    enqueue(pending{{}, std::move(done), kept{std::move(customer_id), std::move(key), std::move(answer)}});
  }

  stored<void> forget_expired_answers() override {
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
  void commit(ports::changeset changes, on_committed done) override {
    if (changes.derived() && !changes.events().empty()) {
      call(done, std::unexpected(storage_error{"a derived changeset cannot record events"}));
      return;
    }
    enqueue(pending{std::move(changes), std::move(done), {}});
  }

 private:
  struct kept {
    std::string customer_id;
    std::string key;
    ports::kept_answer answer;
  };
  struct pending {
    ports::changeset changes;
    on_committed done;
    std::optional<kept> answer;  // written with the changeset (keep_answer hands in an empty one)
  };

  void enqueue(pending p) {
    {
      std::lock_guard lock(writer_.mutex);
      if (!writer_.exited) {
        writer_.queue.push_back(std::move(p));
        writer_.wake.notify_one();
        return;
      }
    }
    call(p.done, std::unexpected(storage_error{"storage is closed"}));
  }

  rocksdb::DB* db() const { return db_->db; }
  rocksdb::ColumnFamilyHandle* cf(family f) const { return db_->cf[f]; }

  template <class T>
  stored<std::optional<T>> get(family f, const std::string& key, const rocksdb::ReadOptions& ro = {}) const {
    rocksdb::PinnableSlice value;
    auto s = db()->Get(ro, cf(f), key, &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return std::unexpected(failed("read " + std::string{layout::families[f]} + "/" + printable(key), s));
    auto decoded = codec::decode<T>(value.ToStringView());
    if (!decoded) return std::unexpected(corrupt(layout::families[f], key, decoded.error()));
    return std::move(*decoded);
  }

  // The records prefix+id for every id, in order; nullopt where missing.
  template <class T>
  stored<std::vector<std::optional<T>>> get_many(family f, std::string_view prefix, const std::vector<std::string>& ids,
                                                 const rocksdb::ReadOptions& ro) const {
    // In chunks: every value read pins its block in the cache until it is decoded.
    constexpr std::size_t chunk = 128;
    std::vector<std::optional<T>> out(ids.size());
    std::vector<std::string> keys;
    std::vector<rocksdb::Slice> slices;
    std::vector<rocksdb::PinnableSlice> values(std::min(chunk, ids.size()));
    std::vector<rocksdb::Status> statuses(values.size());
    for (std::size_t from = 0; from < ids.size(); from += chunk) {
      const std::size_t n = std::min(chunk, ids.size() - from);
      keys.clear();
      for (std::size_t i = 0; i < n; ++i) keys.push_back(layout::key(prefix, ids[from + i]));
      slices.assign(keys.begin(), keys.end());
      for (auto& v : values) v.Reset();
      db()->MultiGet(ro, cf(f), n, slices.data(), values.data(), statuses.data());
      for (std::size_t i = 0; i < n; ++i) {
        if (statuses[i].IsNotFound()) continue;
        if (!statuses[i].ok())
          return std::unexpected(failed("read " + std::string{layout::families[f]} + "/" + printable(keys[i]), statuses[i]));
        auto decoded = codec::decode<T>(values[i].ToStringView());
        if (!decoded) return std::unexpected(corrupt(layout::families[f], keys[i], decoded.error()));
        out[from + i] = std::move(*decoded);
      }
    }
    for (auto& v : values) v.Reset();
    return out;
  }

  // Every record under `prefix` of the family, in key order.
  template <class T>
  stored<std::vector<T>> all_of(family f, std::string_view prefix) const {
    std::vector<T> out;
    auto scanned = scan(f, prefix, layout::prefix_end(prefix), {},
                        [&](std::string_view key, std::string_view value) -> stored<bool> {
                          auto x = codec::decode<T>(value);
                          if (!x) return std::unexpected(corrupt(layout::families[f], key, x.error()));
                          out.push_back(std::move(*x));
                          return true;
                        });
    if (!scanned) return std::unexpected(scanned.error());
    return out;
  }

  // Calls visit(key, value) for keys in [start, end) (end empty: to the last key) while it
  // returns true.
  template <class Visit>
  stored<void> scan(family f, std::string_view start, std::string end, rocksdb::ReadOptions ro, Visit&& visit) const {
    rocksdb::Slice upper(end);
    if (!end.empty()) ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(ro, cf(f)));
    for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid(); it->Next()) {
      stored<bool> more = visit(it->key().ToStringView(), it->value().ToStringView());
      if (!more) return std::unexpected(more.error());
      if (!*more) return {};
    }
    if (!it->status().ok()) return std::unexpected(failed("scan " + std::string{layout::families[f]}, it->status()));
    return {};
  }

  static void call(on_committed& done, stored<void> outcome) {
    if (!done) return;
    try {
      done(std::move(outcome));
    } catch (...) {
      // `done` must not throw; the writer thread carries on regardless.
    }
  }

  // ---- The writer thread: group commit. ----

  struct writer {
    bool sync = true;
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<pending> queue;
    bool stopping = false;
    bool exited = false;
    std::thread thread;
  };

  void run_writer() {
    auto& l = writer_;
    std::vector<pending> group;
    for (;;) {
      {
        std::unique_lock lock(l.mutex);
        l.wake.wait(lock, [&l] { return l.stopping || !l.queue.empty(); });
        if (l.queue.empty()) {  // stopping, and everything handed in has been answered
          l.exited = true;
          return;
        }
        while (!l.queue.empty() && group.size() < max_group) {
          group.push_back(std::move(l.queue.front()));
          l.queue.pop_front();
        }
      }
      write_group(group, l.sync);
      group.clear();
    }
  }

  void write_group(std::vector<pending>& group, bool sync) {
    rocksdb::WriteBatch batch;
    std::vector<std::optional<storage_error>> refused(group.size());
    const std::uint64_t first = last_sequence_.load(std::memory_order_acquire);
    std::uint64_t sequence = first;
    overlay written;
    for (std::size_t i = 0; i < group.size(); ++i) {
      batch.SetSavePoint();
      const auto before = sequence;
      overlay mine;
      auto added = guarded("commit", [&]() -> stored<void> {
        if (group[i].answer)
          if (auto r = add_answer(*group[i].answer, batch); !r) return r;
        return add(group[i].changes, batch, sequence, written, mine);
      });
      if (added) {
        batch.PopSavePoint();
        written.merge(std::move(mine));
      } else {
        batch.RollbackToSavePoint();
        sequence = before;
        refused[i] = std::move(added.error());
      }
    }
    rocksdb::Status status;
    if (batch.Count() > 0) {
      rocksdb::WriteOptions wo;
      wo.sync = sync;
      try {
        status = db()->Write(wo, &batch);
      } catch (const std::exception& e) {
        status = rocksdb::Status::Aborted(e.what());
      }
    }
    if (status.ok() && sequence != first) last_sequence_.store(sequence, std::memory_order_release);
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (refused[i])
        call(group[i].done, std::unexpected(std::move(*refused[i])));
      else if (!status.ok())
        call(group[i].done, std::unexpected(failed("commit", status)));
      else
        call(group[i].done, {});
    }
  }

  static stored<void> check(const rocksdb::Status& s) {
    if (!s.ok()) return std::unexpected(failed("commit", s));
    return {};
  }

  template <class T>
  static stored<std::string> encoded(const T& x, std::string_view what, std::string_view id) {
    auto bytes = codec::encode(x);
    if (!bytes) return std::unexpected(storage_error{"cannot encode " + std::string{what} + " " + printable(id) + ": " + bytes.error()});
    return std::move(*bytes);
  }

  template <class T>
  stored<void> put(rocksdb::WriteBatch& batch, family f, std::string_view prefix, const T& x, std::string_view what) {
    auto bytes = encoded(x, what, x.id);
    if (!bytes) return std::unexpected(bytes.error());
    return check(batch.Put(cf(f), layout::key(prefix, x.id), *bytes));
  }

  // The indexed fields of a customer / ticket as they stand before this save.
  prior<std::string> phone_before(const std::string& id, const overlay& group, const overlay& mine) const {
    for (const auto* o : {&mine, &group})
      if (auto it = o->phones.find(id); it != o->phones.end()) return {prior<std::string>::known, it->second};
    auto c = get<domain::customer>(f_identity, layout::key(layout::customer_prefix, id));
    if (!c) return {prior<std::string>::unreadable, {}};
    if (!*c) return {};
    return {prior<std::string>::known, (*c)->phone};
  }

  stored<prior<ticket_indexed>> ticket_before(const std::string& id, const overlay& group, const overlay& mine) const {
    using p = prior<ticket_indexed>;
    for (const auto* o : {&mine, &group})
      if (auto it = o->tickets.find(id); it != o->tickets.end()) return p{p::known, it->second};
    rocksdb::PinnableSlice value;
    auto key = layout::key(layout::ticket_prefix, id);
    auto s = db()->Get(rocksdb::ReadOptions{}, cf(f_ticket), key, &value);
    if (s.IsNotFound()) return p{};
    if (!s.ok()) return std::unexpected(failed("read ticket/" + printable(key), s));
    auto t = codec::decode<domain::ticket>(value.ToStringView());
    if (!t) return p{p::unreadable, {}};  // overwritten now; its old index entries cannot be found
    return p{p::known, indexed(*t)};
  }

  stored<void> add_answer(const kept& k, rocksdb::WriteBatch& batch) {
    auto json = codec::encode(k.answer);
    if (!json) return std::unexpected(storage_error{"cannot encode the answer kept for " + printable(k.key) + ": " + json.error()});
    std::string value = layout::be64(layout::ordered(k.answer.kept_at.time_since_epoch().count()));
    value += *json;
    return check(batch.Put(cf(f_idempotency), layout::kept_answer_key(k.customer_id, k.key), value));
  }

  stored<void> add(const ports::changeset& changes, rocksdb::WriteBatch& batch, std::uint64_t& sequence,
                   const overlay& group, overlay& mine) {
    for (const auto& item : changes.items()) {
      auto r = std::visit([&](const auto& x) { return add_item(x, batch, group, mine); }, item);
      if (!r) return r;
    }
    for (const auto& e : changes.events()) {
      auto bytes = encoded(e, "event", e.id);
      if (!bytes) return std::unexpected(bytes.error());
      if (auto r = check(batch.Put(cf(f_journal), layout::journal_key(sequence + 1), *bytes)); !r) return r;
      ++sequence;
    }
    return {};
  }

  stored<void> add_item(const domain::customer& c, rocksdb::WriteBatch& batch, const overlay& group, overlay& mine) {
    auto before = phone_before(c.id, group, mine);
    if (auto r = put(batch, f_identity, layout::customer_prefix, c, "customer"); !r) return r;
    const bool same = before.kind == prior<std::string>::known && before.value == c.phone;
    if (before.kind == prior<std::string>::known && !same)
      if (auto r = check(batch.Delete(cf(f_identity), layout::key(layout::phone_prefix, before.value))); !r) return r;
    if (!same)
      if (auto r = check(batch.Put(cf(f_identity), layout::key(layout::phone_prefix, c.phone), c.id)); !r) return r;
    mine.phones.insert_or_assign(c.id, c.phone);
    return {};
  }

  stored<void> add_item(const domain::ticket& t, rocksdb::WriteBatch& batch, const overlay& group, overlay& mine) {
    using p = prior<ticket_indexed>;
    auto before = ticket_before(t.id, group, mine);
    if (!before) return std::unexpected(before.error());
    if (auto r = put(batch, f_ticket, layout::ticket_prefix, t, "ticket"); !r) return r;
    const auto now = indexed(t);
    const bool known = before->kind == p::known;
    // tickets_of: one entry per ticket, under its customer and purchase time.
    const bool same_owner = known && before->value.customer_id == now.customer_id &&
                            before->value.purchased_ms == now.purchased_ms;
    if (known && !same_owner)
      if (auto r = check(batch.Delete(cf(f_ticket), layout::owner_key(before->value.customer_id, before->value.purchased_ms, t.id))); !r)
        return r;
    if (!same_owner)
      if (auto r = check(batch.Put(cf(f_ticket), layout::owner_key(now.customer_id, now.purchased_ms, t.id), "")); !r) return r;
    // tickets_in_use: an entry exactly while the status is in_use.
    const auto in_use_key = layout::key(layout::in_use_prefix, t.id);
    if (now.in_use && !(known && before->value.in_use))
      if (auto r = check(batch.Put(cf(f_ticket), in_use_key, "")); !r) return r;
    if (!now.in_use && (before->kind == p::unreadable || (known && before->value.in_use)))
      if (auto r = check(batch.Delete(cf(f_ticket), in_use_key)); !r) return r;
    mine.tickets.insert_or_assign(t.id, now);
    return {};
  }

  stored<void> add_item(const domain::payment& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    return put(batch, f_payment, layout::payment_prefix, x, "payment");
  }
  stored<void> add_item(const domain::station& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    return put(batch, f_rental, layout::station_prefix, x, "station");
  }
  stored<void> add_item(const domain::bicycle& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    return put(batch, f_rental, layout::bicycle_prefix, x, "bicycle");
  }
  stored<void> add_item(const ports::removed_bicycle& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    return check(batch.Delete(cf(f_rental), layout::key(layout::bicycle_prefix, x.id)));
  }
  stored<void> add_item(const domain::rental& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    return put(batch, f_rental, layout::rental_prefix, x, "rental");
  }

  // ---- The read side: views and consumer positions, in the same batch as everything else. ----

  stored<void> add_item(const domain::notification& n, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    auto bytes = encoded(n, "notification", n.id);
    if (!bytes) return std::unexpected(bytes.error());
    if (auto r = check(batch.Put(cf(f_notification), layout::notification_key(n.sequence, n.id), *bytes)); !r) return r;
    return check(batch.Put(cf(f_notification), layout::customer_notice_key(n.customer_id, n.sequence, n.id), *bytes));
  }
  stored<void> add_item(const domain::current_rental& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    auto bytes = encoded(x, "current rental of", x.customer_id);
    if (!bytes) return std::unexpected(bytes.error());
    return check(batch.Put(cf(f_view_rental), layout::key(layout::rental_view_prefix, x.customer_id), *bytes));
  }
  stored<void> add_item(const ports::ended_rental_view& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    return check(batch.Delete(cf(f_view_rental), layout::key(layout::rental_view_prefix, x.customer_id)));
  }
  stored<void> add_item(const domain::station_count& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    auto bytes = encoded(x, "station count", x.station_id);
    if (!bytes) return std::unexpected(bytes.error());
    return check(batch.Put(cf(f_view_station), layout::key(layout::station_view_prefix, x.station_id), *bytes));
  }
  stored<void> add_item(const ports::consumer_position& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    return check(batch.Put(cf(f_position), x.consumer, layout::be64(x.sequence)));
  }
  stored<void> add_item(const ports::dropped_view& x, rocksdb::WriteBatch& batch, const overlay&, overlay&) {
    // Every key of a view family is under one of its prefixes. Later writes of the same
    // changeset (or group) are newer than the range tombstone, so a rebuild may follow it.
    auto drop = [&](family f, std::string_view prefix) {
      return check(batch.DeleteRange(cf(f), prefix, layout::prefix_end(prefix)));
    };
    auto rewind = [&](std::string_view consumer) { return check(batch.Delete(cf(f_position), consumer)); };
    switch (x.which) {
      case ports::view::rentals:
        if (auto r = drop(f_view_rental, layout::rental_view_prefix); !r) return r;
        return rewind(layout::rentals_consumer);
      case ports::view::stations:
        if (auto r = drop(f_view_station, layout::station_view_prefix); !r) return r;
        return rewind(layout::stations_consumer);
      case ports::view::notifications:
        if (auto r = drop(f_notification, layout::notification_prefix); !r) return r;
        if (auto r = drop(f_notification, layout::customer_notice_prefix); !r) return r;
        return rewind(layout::notifications_consumer);
    }
    return std::unexpected(storage_error{"cannot drop an unknown view"});
  }

  std::unique_ptr<database> db_;
  std::atomic<std::uint64_t> last_sequence_;
  const domain::clock& clock_;
  const std::chrono::milliseconds retention_;
  writer writer_;  // its thread is started once everything above exists
};

stored<std::unique_ptr<database>> open_database(const storage_options& opened) {
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

stored<std::uint64_t> stored_last_sequence(database& db) {
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(rocksdb::ReadOptions{}, db.cf[f_journal]));
  it->SeekToLast();
  if (!it->status().ok()) return std::unexpected(failed("cannot read the journal", it->status()));
  if (!it->Valid()) return 0;
  auto sequence = layout::read_be64(it->key().ToStringView());
  if (!sequence) return std::unexpected(corrupt(layout::cf_journal, it->key().ToStringView(), "bad sequence key"));
  return *sequence;
}

}  // namespace

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
    if (auto r = check_format(**db); !r) return std::unexpected(r.error());
    auto last = stored_last_sequence(**db);
    if (!last) return std::unexpected(last.error());
    return std::make_unique<rocksdb_storage>(std::move(*db), *last, options);
  });
}

}  // namespace ttareungyi::storage
