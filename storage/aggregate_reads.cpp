// The aggregates' reads: identity, payment and the rental context.
#include "node.hpp"

#include <rocksdb/options.h>

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

namespace ttareungyi::storage {

// ---- identity ----

stored<std::optional<domain::customer>> rocksdb_storage::find_customer(std::string_view id) const {
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

stored<std::optional<domain::station>> rocksdb_storage::find_station(std::string_view id) const {
  return guarded("find_station", [&] { return read_.get<domain::station>(f_rental, layout::key(layout::station_prefix, id)); });
}

stored<std::vector<domain::station>> rocksdb_storage::stations() const {
  return guarded("stations", [&] { return read_.all_of<domain::station>(f_rental, layout::station_prefix); });
}

stored<std::optional<domain::bicycle>> rocksdb_storage::find_bicycle(std::string_view id) const {
  return guarded("find_bicycle", [&] { return read_.get<domain::bicycle>(f_rental, layout::key(layout::bicycle_prefix, id)); });
}

stored<void> rocksdb_storage::each_bicycle(const std::function<bool(const domain::bicycle&)>& visit) const {
  std::exception_ptr visitor_failure;
  auto r = guarded("each_bicycle", [&]() -> stored<void> {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;  // a full pass must not evict the hot records
    ro.readahead_size = 1u << 20;
    return read_.scan(f_rental, layout::bicycle_prefix, layout::prefix_end(layout::bicycle_prefix), ro,
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

stored<std::optional<domain::rental>> rocksdb_storage::find_rental(std::string_view id) const {
  return guarded("find_rental", [&] { return read_.get<domain::rental>(f_rental, layout::key(layout::rental_prefix, id)); });
}

}  // namespace ttareungyi::storage
