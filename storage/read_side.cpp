// The read side's reads: the journal, the consumers' positions, the views they keep and the
// notifications.
#include "node.hpp"

#include <rocksdb/options.h>
#include <rocksdb/slice.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec.hpp"
#include "errors.hpp"
#include "layout.hpp"
#include "paging.hpp"

namespace ttareungyi::storage {

// ---- journal ----

stored<std::vector<ports::recorded_event>> rocksdb_storage::events_after(std::uint64_t after, std::size_t max) const {
  return guarded("events_after", [&]() -> stored<std::vector<ports::recorded_event>> {
    std::vector<ports::recorded_event> out;
    if (max == 0 || after == UINT64_MAX) return out;
    if (auto newest = writer_.tail().after(after, max)) return std::move(*newest);
    out.reserve(std::min<std::size_t>(max, 1024));
    auto scanned = read_.scan(f_journal, layout::journal_key(after + 1), {}, {},
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

// ---- views (read side) ----

stored<std::uint64_t> rocksdb_storage::position(std::string_view consumer) const {
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

stored<std::optional<domain::current_rental>> rocksdb_storage::current_rental(const domain::ids::customer_id& customer_id) const {
  return guarded("current_rental", [&] {
    return read_.get<domain::current_rental>(f_view_rental, layout::key(layout::rental_view_prefix, customer_id));
  });
}

stored<std::vector<domain::current_rental>> rocksdb_storage::current_rentals() const {
  return guarded("current_rentals", [&] { return read_.all_of<domain::current_rental>(f_view_rental, layout::rental_view_prefix); });
}

stored<std::vector<domain::station_count>> rocksdb_storage::station_counts() const {
  return guarded("station_counts", [&] { return read_.all_of<domain::station_count>(f_view_station, layout::station_view_prefix); });
}

stored<std::vector<domain::notification>> rocksdb_storage::newest_notices(std::string_view lower,
                                                                     std::string_view upper,
                                                                     std::size_t max) const {
  std::vector<domain::notification> out;
  rocksdb::Slice lower_bound(lower.data(), lower.size()), upper_bound(upper.data(), upper.size());
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_bound;
  ro.iterate_upper_bound = &upper_bound;
  std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(ro, cf(f_notification)));
  for (it->SeekToLast(); it->Valid() && out.size() < max; it->Prev()) {
    auto n = codec::decode<domain::notification>(it->value().ToStringView());
    if (!n) return std::unexpected(corrupt(layout::cf_notification, it->key().ToStringView(), n.error()));
    out.push_back(std::move(*n));
  }
  if (!it->status().ok()) return std::unexpected(failed("scan notification", it->status()));
  return out;
}

stored<std::vector<domain::notification>> rocksdb_storage::notifications_of(const domain::ids::customer_id& customer_id,
                                                                       std::uint64_t after, std::size_t max) const {
  return guarded("notifications_of", [&]() -> stored<std::vector<domain::notification>> {
    if (max == 0 || after == UINT64_MAX) return std::vector<domain::notification>{};
    // Newest first: backwards from the customer's last entry down to sequence after + 1.
    const auto prefix = layout::customer_notice_key_prefix(customer_id);
    std::string lower = prefix;
    layout::append_be(lower, after + 1, 8);
    return newest_notices(lower, layout::prefix_end(prefix), max);  // never empty: the prefix starts with "c:"
  });
}

stored<ports::page<domain::notification>> rocksdb_storage::notifications_page(const domain::ids::customer_id& customer_id,
                                                                          const ports::page_request& request) const {
  return guarded("notifications_page", [&]() -> stored<ports::page<domain::notification>> {
    const auto prefix = layout::customer_notice_key_prefix(customer_id);
    auto upper = layout::prefix_end(prefix);
    if (request.cursor) {
      auto before = paging::read(paging::notifications, *request.cursor, 8);
      if (!before) return std::unexpected(before.error());
      upper = prefix + *before;  // exclusive: only older ones than the cursor's
    }
    const auto limit = paging::limit_of(request);
    auto notices = newest_notices(prefix, upper, limit + 1);
    if (!notices) return std::unexpected(notices.error());
    ports::page<domain::notification> out{std::move(*notices), std::nullopt};
    if (out.items.size() > limit) {
      out.items.resize(limit);
      const auto& last = out.items.back();
      auto key = layout::customer_notice_key(customer_id, last.sequence, last.id);
      auto next = paging::make(paging::notifications, std::string_view{key}.substr(prefix.size()));
      if (!next) return std::unexpected(next.error());
      out.next = std::move(*next);
    }
    return out;
  });
}

stored<std::vector<domain::notification>> rocksdb_storage::notifications_after(std::uint64_t after, std::size_t max) const {
  return guarded("notifications_after", [&]() -> stored<std::vector<domain::notification>> {
    std::vector<domain::notification> out;
    if (max == 0 || after == UINT64_MAX) return out;
    auto scanned = read_.scan(f_notification, layout::notification_key(after + 1, ""),
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

}  // namespace ttareungyi::storage
