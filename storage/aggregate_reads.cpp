// The aggregates' reads: identity, payment and the rental context.
#include "node.hpp"

#include <rocksdb/options.h>

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec.hpp"
#include "errors.hpp"
#include "layout.hpp"
#include "paging.hpp"

namespace ttareungyi::storage {

// ---- identity ----

stored<std::optional<domain::customer>> rocksdb_storage::find_customer(const domain::ids::customer_id& id) const {
  return guarded("find_customer", [&] { return read_.get<domain::customer>(f_identity, layout::key(layout::customer_prefix, id)); });
}

stored<std::optional<domain::customer>> rocksdb_storage::find_customer_by_phone(std::string_view phone) const {
  return guarded("find_customer_by_phone", [&]() -> stored<std::optional<domain::customer>> {
    snapshot snap(db());
    auto ro = snap.read_options();
    std::string id;
    auto s = db()->Get(ro, cf(f_identity), layout::key(layout::phone_prefix, phone), &id);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return std::unexpected(failed("find_customer_by_phone", s));
    auto found = read_.get<domain::customer>(f_identity, layout::key(layout::customer_prefix, id), ro);
    if (!found) return found;
    if (*found && (*found)->phone != phone) return std::nullopt;  // a stale index entry
    return found;
  });
}

// ---- payment ----

stored<std::optional<domain::payment>> rocksdb_storage::find_payment(std::string_view id) const {
  return guarded("find_payment", [&] { return read_.get<domain::payment>(f_payment, layout::key(layout::payment_prefix, id)); });
}

// ---- rental ----

stored<std::optional<domain::station>> rocksdb_storage::find_station(const domain::ids::station_id& id) const {
  return guarded("find_station", [&] { return read_.get<domain::station>(f_rental, layout::key(layout::station_prefix, id)); });
}

stored<std::vector<domain::station>> rocksdb_storage::stations() const {
  return guarded("stations", [&] { return read_.all_of<domain::station>(f_rental, layout::station_prefix); });
}

namespace {

// Where a page of records under `prefix`, keyed by id, starts: the first key after the one the
// cursor of listing `kind` names, or the first key of all without a cursor.
stored<std::string> page_start(char kind, std::string_view prefix, const std::optional<std::string>& cursor) {
  if (!cursor) return std::string{prefix};
  auto after = paging::read(kind, *cursor);
  if (!after) return std::unexpected(after.error());
  auto start = layout::key(prefix, *after);
  start.push_back('\0');
  return start;
}

}  // namespace

stored<ports::page<domain::station>> rocksdb_storage::stations(const ports::page_request& request) const {
  return guarded("stations", [&]() -> stored<ports::page<domain::station>> {
    auto start = page_start(paging::stations, layout::station_prefix, request.cursor);
    if (!start) return std::unexpected(start.error());
    const auto limit = paging::limit_of(request);
    ports::page<domain::station> out;
    std::string last;  // the id of the last station on the page
    bool more = false;
    auto scanned = read_.scan(f_rental, *start, layout::prefix_end(layout::station_prefix), {},
                              [&](std::string_view key, std::string_view value) -> stored<bool> {
                                if (out.items.size() == limit) {  // a station follows the page
                                  more = true;
                                  return false;
                                }
                                auto s = codec::decode<domain::station>(value);
                                if (!s) return std::unexpected(corrupt(layout::cf_rental, key, s.error()));
                                out.items.push_back(std::move(*s));
                                last = key.substr(layout::station_prefix.size());
                                return true;
                              });
    if (!scanned) return std::unexpected(scanned.error());
    if (more) {
      auto next = paging::make(paging::stations, last);
      if (!next) return std::unexpected(next.error());
      out.next = std::move(*next);
    }
    return out;
  });
}

stored<std::vector<domain::alert>> rocksdb_storage::alerts() const {
  return guarded("alerts", [&] { return read_.all_of<domain::alert>(f_rental, layout::alert_prefix); });
}

stored<std::optional<domain::bicycle>> rocksdb_storage::find_bicycle(const domain::ids::bicycle_id& id) const {
  return guarded("find_bicycle", [&] { return read_.get<domain::bicycle>(f_rental, layout::key(layout::bicycle_prefix, id)); });
}

stored<ports::page<domain::bicycle>> rocksdb_storage::bicycles(const ports::bicycle_filter& filter,
                                                              const ports::page_request& request,
                                                              std::size_t scan_limit) const {
  return guarded("bicycles", [&]() -> stored<ports::page<domain::bicycle>> {
    auto start = page_start(paging::bicycles, layout::bicycle_prefix, request.cursor);
    if (!start) return std::unexpected(start.error());
    const auto limit = paging::limit_of(request);
    const auto budget = std::max<std::size_t>(scan_limit, 1);
    ports::page<domain::bicycle> out;
    std::size_t read = 0;
    std::optional<std::string> last;  // where the page ends: the id of the last bicycle read
    bool more = false;
    auto scanned = read_.scan(f_rental, *start, layout::prefix_end(layout::bicycle_prefix), {},
                              [&](std::string_view key, std::string_view value) -> stored<bool> {
                                if (last) {  // a bicycle follows the page
                                  more = true;
                                  return false;
                                }
                                auto b = codec::decode<domain::bicycle>(value);
                                if (!b) return std::unexpected(corrupt(layout::cf_rental, key, b.error()));
                                if ((!filter.station_id || b->station_id == *filter.station_id) &&
                                    (!filter.status || b->status == *filter.status))
                                  out.items.push_back(std::move(*b));
                                if (++read == budget || out.items.size() == limit)
                                  last = key.substr(layout::bicycle_prefix.size());
                                return true;
                              });
    if (!scanned) return std::unexpected(scanned.error());
    if (more) {
      auto next = paging::make(paging::bicycles, *last);
      if (!next) return std::unexpected(next.error());
      out.next = std::move(*next);
    }
    return out;
  });
}

stored<std::optional<domain::rental>> rocksdb_storage::find_rental(const domain::ids::rental_id& id) const {
  return guarded("find_rental", [&] { return read_.get<domain::rental>(f_rental, layout::key(layout::rental_prefix, id)); });
}

}  // namespace ttareungyi::storage
