// The ticket context's reads. tickets_of and tickets_in_use read an index ("o:", "u:") and then
// the tickets it names; an entry the ticket no longer matches is stale and skipped.
#include "node.hpp"

#include <rocksdb/options.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "errors.hpp"
#include "layout.hpp"
#include "paging.hpp"

namespace ttareungyi::storage {

stored<std::optional<domain::ticket>> rocksdb_storage::find_ticket(const domain::ids::ticket_id& id) const {
  return guarded("find_ticket", [&] { return read_.get<domain::ticket>(f_ticket, layout::key(layout::ticket_prefix, id)); });
}

stored<std::vector<rocksdb_storage::owner_entry>> rocksdb_storage::owner_entries(std::string_view customer_id,
                                                                                 std::string_view start,
                                                                                 std::size_t max,
                                                                                 const rocksdb::ReadOptions& ro) const {
  const auto prefix = layout::owner_key_prefix(customer_id);
  std::vector<owner_entry> entries;
  if (max == 0) return entries;
  auto scanned = read_.scan(f_ticket, std::max(start, std::string_view{prefix}), layout::prefix_end(prefix), ro,
                            [&](std::string_view key, std::string_view) -> stored<bool> {
                              auto rest = key.substr(prefix.size());
                              auto time = layout::read_be64(rest.substr(0, std::min<std::size_t>(8, rest.size())));
                              if (!time) return std::unexpected(corrupt(layout::cf_ticket, key, "short index key"));
                              entries.push_back({static_cast<std::int64_t>(*time ^ (std::uint64_t{1} << 63)),
                                                 std::string{rest.substr(8)}});
                              return entries.size() < max;
                            });
  if (!scanned) return std::unexpected(scanned.error());
  return entries;
}

stored<std::vector<domain::ticket>> rocksdb_storage::owned_tickets(std::string_view customer_id,
                                                                   const std::vector<owner_entry>& entries,
                                                                   const rocksdb::ReadOptions& ro) const {
  std::vector<std::string> ids;
  ids.reserve(entries.size());
  for (const auto& e : entries) ids.push_back(e.ticket_id);
  return indexed_tickets(ids, ro, [&](std::size_t i, const domain::ticket& t) {
    return t.customer_id == customer_id && t.purchased_at.time_since_epoch().count() == entries[i].purchased_ms;
  });
}

stored<std::vector<domain::ticket>> rocksdb_storage::indexed_tickets(
    const std::vector<std::string>& ids, const rocksdb::ReadOptions& ro,
    const std::function<bool(std::size_t, const domain::ticket&)>& current) const {
  auto tickets = read_.get_many<domain::ticket>(f_ticket, layout::ticket_prefix, ids, ro);
  if (!tickets) return std::unexpected(tickets.error());
  std::vector<domain::ticket> out;
  out.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto& t = (*tickets)[i];
    if (t && current(i, *t)) out.push_back(std::move(*t));
  }
  return out;
}

stored<ports::page<domain::ticket>> rocksdb_storage::tickets_of(const domain::ids::customer_id& customer_id,
                                                              const ports::page_request& request) const {
  return guarded("tickets_of", [&]() -> stored<ports::page<domain::ticket>> {
    std::string start;
    if (request.cursor) {
      auto after = paging::read(paging::tickets, *request.cursor, 8);
      if (!after) return std::unexpected(after.error());
      start = layout::owner_key_prefix(customer_id) + *after;
      start.push_back('\0');  // the first entry after the cursor's
    }
    const auto limit = paging::limit_of(request);
    snapshot snap(db());
    auto ro = snap.read_options();
    auto entries = owner_entries(customer_id, start, limit + 1, ro);
    if (!entries) return std::unexpected(entries.error());
    const bool more = entries->size() > limit;
    if (more) entries->resize(limit);
    auto tickets = owned_tickets(customer_id, *entries, ro);
    if (!tickets) return std::unexpected(tickets.error());
    ports::page<domain::ticket> out{std::move(*tickets), std::nullopt};
    if (more) {
      const auto& last = entries->back();
      auto next = paging::make(paging::tickets, layout::be64(layout::ordered(last.purchased_ms)) + last.ticket_id);
      if (!next) return std::unexpected(next.error());
      out.next = std::move(*next);
    }
    return out;
  });
}

stored<std::vector<domain::ticket>> rocksdb_storage::tickets_in_use() const {
  return guarded("tickets_in_use", [&]() -> stored<std::vector<domain::ticket>> {
    snapshot snap(db());
    auto ro = snap.read_options();
    std::vector<std::string> ids;
    auto scanned = read_.scan(f_ticket, layout::in_use_prefix, layout::prefix_end(layout::in_use_prefix), ro,
                              [&](std::string_view key, std::string_view) -> stored<bool> {
                                ids.emplace_back(key.substr(layout::in_use_prefix.size()));
                                return true;
                              });
    if (!scanned) return std::unexpected(scanned.error());
    return indexed_tickets(ids, ro, [](std::size_t, const domain::ticket& t) {
      return t.status == domain::ticket_status::in_use;
    });
  });
}

}  // namespace ttareungyi::storage
