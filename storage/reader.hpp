#pragma once
// Internal: reading the node database. Point reads, batched point reads and range scans that
// decode records and report missing, failed and corrupt ones as the ports expect.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>

#include <algorithm>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec.hpp"
#include "database.hpp"
#include "errors.hpp"
#include "layout.hpp"

namespace ttareungyi::storage {

// One consistent view of the database for reads that take several steps.
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


class reader {
 public:
  explicit reader(const database& db) : db_(db) {}

  rocksdb::DB* db() const { return db_.db; }
  rocksdb::ColumnFamilyHandle* cf(family f) const { return db_.cf[f]; }

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

 private:
  const database& db_;
};

}  // namespace ttareungyi::storage
