#pragma once
// The storage double: ports::storage in maps, the read side's views included, for the actor and
// HTTP tests; tests/storage/contract_test.cpp holds it to what the RocksDB adapter does.
//  - memory_storage runs on the test's single thread and locks nothing. `commit` applies the
//    changeset (all of it, or nothing when it fails) and calls `done` inline; `fail_commits`
//    makes chosen decision commits fail, `fail_view_commits` chosen commits of the journal's
//    consumers (changesets that carry a consumer position), `fail_reads` chosen point reads
//    (find_*); `hold_commits` keeps commits waiting until `release_commits`.
//  - locked_storage: a memory_storage behind one lock, for a whole node on real threads.
#include <algorithm>
#include <charconv>
#include <iterator>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::actors::test {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};

class memory_storage final : public ports::storage {
 public:
  // The durable state, open to tests for seeding and inspection.
  struct tables {
    std::map<domain::ids::customer_id, domain::customer> customers;
    std::map<domain::ids::ticket_id, domain::ticket> tickets;
    std::map<std::string, domain::payment> payments;
    std::map<domain::ids::station_id, domain::station> stations;
    std::map<domain::ids::bicycle_id, domain::bicycle> bicycles;
    std::map<domain::ids::rental_id, domain::rental> rentals;
    std::map<domain::ids::alert_id, domain::alert> alerts;
  } rows;
  std::vector<ports::recorded_event> journal_rows;
  // The read side: views and consumer positions.
  struct view_tables {
    std::map<std::string, std::uint64_t> positions;               // by consumer
    std::map<domain::ids::customer_id, domain::current_rental> rentals;  // by customer
    std::map<domain::ids::station_id, domain::station_count> stations;  // by station
    std::map<std::pair<std::uint64_t, std::string>, domain::notification> notifications;  // by (sequence, id)
  } views;
  int commits = 0;       // commits handed in, failed ones included
  int view_commits = 0;  // of which by consumers
  std::map<std::string, int> commits_by;  // consumers' commits handed in, by consumer

  // Lets the next `skip` decision commits succeed, then fails the `count` after them.
  void fail_commits(int count, int skip = 0) { decisions_.arm(count, skip); }
  // The same for the consumers' commits (those that carry a consumer position); only those of
  // the named consumer when one is given.
  void fail_view_commits(int count, int skip = 0, std::string consumer = "") {
    consumers_.arm(count, skip);
    failing_consumer_ = std::move(consumer);
  }

  // Lets the next `skip` point reads (find_*) succeed, then fails the `count` after them.
  void fail_reads(int count, int skip = 0) { reads_.arm(count, skip); }
  // Commits wait, unapplied and unanswered, until release_commits() applies them in order.
  void hold_commits() { holding_ = true; }
  void release_commits() {
    holding_ = false;
    auto waiting = std::move(held_);
    held_.clear();
    for (auto& [changes, done] : waiting) commit(std::move(changes), std::move(done));
  }
  std::size_t held_commits() const { return held_.size(); }

  // Appends an event as if committed by an earlier run (no state is changed).
  void seed_event(domain::event_payload payload, domain::instant at = {}, std::string correlation = "seed") {
    journal_rows.push_back({last_sequence() + 1, domain::event{"e_seed" + std::to_string(journal_rows.size() + 1),
                                                               std::move(correlation), "seed", at, 1, std::move(payload)}});
  }

  std::uint64_t position_of(const std::string& consumer) const {
    auto i = views.positions.find(consumer);
    return i == views.positions.end() ? 0 : i->second;
  }

  // Names of the events correlated with `id`, in commit order; only those starting with
  // `prefix` when one is given.
  std::vector<std::string> events_of(std::string_view id, std::string_view prefix = "") const {
    std::vector<std::string> names;
    for (const auto& r : journal_rows) {
      auto name = std::string{domain::type_name(r.event().payload)};
      if (r.event().correlation_id == id && name.starts_with(prefix)) names.push_back(name);
    }
    return names;
  }

  // The payload of the first event of type E correlated with `id`.
  template <class E>
  std::optional<E> first_event(std::string_view id) const {
    for (const auto& r : journal_rows)
      if (r.event().correlation_id == id)
        if (auto* e = std::get_if<E>(&r.event().payload)) return *e;
    return std::nullopt;
  }

  // -- identity_store
  ports::stored<std::optional<domain::customer>> find_customer(const domain::ids::customer_id& id) const override {
    return find(rows.customers, id);
  }
  ports::stored<std::optional<domain::customer>> find_customer_by_phone(std::string_view phone) const override {
    for (const auto& [id, c] : rows.customers)
      if (c.phone == phone) return c;
    return std::nullopt;
  }
  // -- ticket_store
  ports::stored<std::optional<domain::ticket>> find_ticket(const domain::ids::ticket_id& id) const override {
    return find(rows.tickets, id);
  }
  // By purchase time, then id (as the RocksDB adapter's index orders them).
  std::vector<domain::ticket> all_tickets_of(const domain::ids::customer_id& customer_id) const {
    std::vector<domain::ticket> out;
    for (const auto& [id, t] : rows.tickets)
      if (t.customer_id == customer_id) out.push_back(t);
    std::ranges::sort(out, {}, [](const domain::ticket& t) { return std::tie(t.purchased_at, t.id); });
    return out;
  }
  ports::stored<ports::page<domain::ticket>> tickets_of(const domain::ids::customer_id& customer_id,
                                                        const ports::page_request& request) const override {
    auto all = all_tickets_of(customer_id);
    auto position = [](const domain::ticket& t) {
      return std::to_string(t.purchased_at.time_since_epoch().count()) + " " + t.id.str();
    };
    auto from = all.begin();
    if (request.cursor) {
      auto after = numbered_position_in<std::int64_t>(tickets_listing, *request.cursor);
      if (!after) return std::unexpected(after.error());
      const auto& key = *after;
      from = std::ranges::find_if(all, [&](const domain::ticket& t) {
        return std::make_tuple(t.purchased_at.time_since_epoch().count(), t.id.str()) > key;
      });
    }
    ports::page<domain::ticket> out;
    const auto limit = std::max<std::size_t>(request.limit, 1);
    for (; from != all.end() && out.items.size() < limit; ++from) out.items.push_back(*from);
    if (from != all.end()) out.next = cursor_of(tickets_listing, position(out.items.back()));
    return out;
  }
  ports::stored<std::vector<domain::ticket>> tickets_in_use() const override {
    std::vector<domain::ticket> out;
    for (const auto& [id, t] : rows.tickets)
      if (t.status == domain::ticket_status::in_use) out.push_back(t);
    return out;
  }
  // -- payment_store
  ports::stored<std::optional<domain::payment>> find_payment(std::string_view id) const override {
    return find(rows.payments, std::string{id});
  }
  // -- rental_store
  ports::stored<std::optional<domain::station>> find_station(const domain::ids::station_id& id) const override {
    return find(rows.stations, id);
  }
  ports::stored<std::vector<domain::station>> stations() const override {
    std::vector<domain::station> out;
    for (const auto& [id, s] : rows.stations) out.push_back(s);
    return out;
  }
  ports::stored<ports::page<domain::station>> stations(const ports::page_request& request) const override {
    auto from = rows.stations.begin();
    if (request.cursor) {
      auto after = position_in(stations_listing, *request.cursor);
      if (!after) return std::unexpected(after.error());
      from = rows.stations.upper_bound(domain::ids::station_id{*after});
    }
    ports::page<domain::station> out;
    const auto limit = std::max<std::size_t>(request.limit, 1);
    for (; from != rows.stations.end() && out.items.size() < limit; ++from) out.items.push_back(from->second);
    if (from != rows.stations.end()) out.next = cursor_of(stations_listing, out.items.back().id);
    return out;
  }
  ports::stored<std::optional<domain::bicycle>> find_bicycle(const domain::ids::bicycle_id& id) const override {
    return find(rows.bicycles, id);
  }
  ports::stored<std::vector<domain::alert>> alerts() const override {
    std::vector<domain::alert> out;
    for (const auto& [id, a] : rows.alerts) out.push_back(a);
    return out;
  }
  ports::stored<std::optional<domain::rental>> find_rental(const domain::ids::rental_id& id) const override {
    return find(rows.rentals, id);
  }
  ports::stored<ports::page<domain::bicycle>> bicycles(const ports::bicycle_filter& filter,
                                                       const ports::page_request& request,
                                                       std::size_t scan_limit = 10000) const override {
    auto from = rows.bicycles.begin();
    if (request.cursor) {
      auto after = position_in(bicycles_listing, *request.cursor);
      if (!after) return std::unexpected(after.error());
      from = rows.bicycles.upper_bound(domain::ids::bicycle_id{*after});
    }
    ports::page<domain::bicycle> out;
    const auto limit = std::max<std::size_t>(request.limit, 1);
    const auto budget = std::max<std::size_t>(scan_limit, 1);
    std::size_t read = 0;
    for (; from != rows.bicycles.end(); ++from) {
      const auto& b = from->second;
      if ((!filter.station_id || b.station_id == *filter.station_id) && (!filter.status || b.status == *filter.status))
        out.items.push_back(b);
      if (++read == budget || out.items.size() == limit) break;
    }
    if (from != rows.bicycles.end() && std::next(from) != rows.bicycles.end())
      out.next = cursor_of(bicycles_listing, from->first);
    return out;
  }
  // -- journal
  ports::stored<std::vector<ports::recorded_event>> events_after(std::uint64_t after, std::size_t max) const override {
    std::vector<ports::recorded_event> out;
    auto from = std::upper_bound(journal_rows.begin(), journal_rows.end(), after,
                                 [](std::uint64_t a, const ports::recorded_event& r) { return a < r.sequence; });
    for (auto i = from; i != journal_rows.end() && out.size() < max; ++i) out.push_back(*i);
    return out;
  }
  std::uint64_t last_sequence() const override { return journal_rows.empty() ? 0 : journal_rows.back().sequence; }
  // -- position_store, view_store, notification_store
  ports::stored<std::uint64_t> position(std::string_view consumer) const override {
    return position_of(std::string{consumer});
  }
  ports::stored<std::optional<domain::current_rental>> current_rental(const domain::ids::customer_id& customer_id) const override {
    return find(views.rentals, customer_id);
  }
  ports::stored<std::vector<domain::current_rental>> current_rentals() const override {
    std::vector<domain::current_rental> out;
    for (const auto& [id, r] : views.rentals) out.push_back(r);
    return out;
  }
  ports::stored<std::vector<domain::station_count>> station_counts() const override {
    std::vector<domain::station_count> out;
    for (const auto& [id, c] : views.stations) out.push_back(c);
    return out;
  }
  ports::stored<std::vector<domain::notification>> notifications_of(const domain::ids::customer_id& customer_id, std::uint64_t after,
                                                                    std::size_t max) const override {
    std::vector<domain::notification> out;
    for (auto i = views.notifications.rbegin(); i != views.notifications.rend() && out.size() < max; ++i)
      if (i->second.customer_id == customer_id && i->first.first > after) out.push_back(i->second);
    return out;
  }
  ports::stored<std::vector<domain::notification>> notifications_after(std::uint64_t after, std::size_t max) const override {
    std::vector<domain::notification> out;
    for (auto i = views.notifications.lower_bound({after + 1, std::string{}});
         i != views.notifications.end() && out.size() < max; ++i)
      out.push_back(i->second);
    return out;
  }
  ports::stored<ports::page<domain::notification>> notifications_page(const domain::ids::customer_id& customer_id,
                                                                      const ports::page_request& request) const override {
    auto to = views.notifications.end();  // newest first: backwards from the one before `to`
    if (request.cursor) {
      auto before = numbered_position_in<std::uint64_t>(notifications_listing, *request.cursor);
      if (!before) return std::unexpected(before.error());
      to = views.notifications.lower_bound({std::get<0>(*before), std::get<1>(*before)});
    }
    ports::page<domain::notification> out;
    const auto limit = std::max<std::size_t>(request.limit, 1);
    std::optional<std::string> last;
    for (auto i = std::make_reverse_iterator(to); i != views.notifications.rend(); ++i) {
      if (i->second.customer_id != customer_id) continue;
      if (out.items.size() == limit) {
        out.next = cursor_of(notifications_listing, *last);
        break;
      }
      out.items.push_back(i->second);
      last = std::to_string(i->first.first) + " " + i->first.second;
    }
    return out;
  }
  // -- committer
  void commit(ports::changeset changes, on_committed done) override {
    if (holding_) {
      held_.emplace_back(std::move(changes), std::move(done));
      return;
    }
    ++commits;
    std::optional<std::string> consumer;
    for (const auto& item : changes.items())
      if (auto* p = std::get_if<ports::consumer_position>(&item)) consumer = p->consumer;
    if (consumer) ++view_commits, ++commits_by[*consumer];
    const bool targeted = !consumer || failing_consumer_.empty() || *consumer == failing_consumer_;
    if (changes.derived() && !changes.events().empty()) {  // as the RocksDB adapter refuses it
      done(std::unexpected(ports::storage_error{"a derived changeset cannot record events"}));
      return;
    }
    if (targeted && (consumer ? consumers_ : decisions_).fails_now()) {
      done(std::unexpected(ports::storage_error{"injected failure"}));
      return;
    }
    for (const auto& item : changes.items())
      std::visit(overloaded{
                     [&](const domain::customer& x) { rows.customers[x.id] = x; },
                     [&](const domain::ticket& x) { rows.tickets[x.id] = x; },
                     [&](const domain::payment& x) { rows.payments[x.id] = x; },
                     [&](const domain::station& x) { rows.stations[x.id] = x; },
                     [&](const domain::bicycle& x) { rows.bicycles[x.id] = x; },
                     [&](const ports::removed_bicycle& x) { rows.bicycles.erase(x.id); },
                     [&](const domain::rental& x) { rows.rentals[x.id] = x; },
                     [&](const domain::alert& x) { rows.alerts[x.id] = x; },
                     [&](const domain::notification& x) { views.notifications[{x.sequence, x.id}] = x; },
                     [&](const domain::current_rental& x) { views.rentals[x.customer_id] = x; },
                     [&](const ports::ended_rental_view& x) { views.rentals.erase(x.customer_id); },
                     [&](const domain::station_count& x) { views.stations[x.station_id] = x; },
                     [&](const ports::consumer_position& x) { views.positions[x.consumer] = x.sequence; },
                     [&](const ports::dropped_view& x) {
                       switch (x.which) {
                         case ports::view::rentals:
                           views.rentals.clear();
                           views.positions.erase("rentals");
                           break;
                         case ports::view::stations:
                           views.stations.clear();
                           views.positions.erase("stations");
                           break;
                         case ports::view::notifications:
                           views.notifications.clear();
                           views.positions.erase("notifier");
                           break;
                       }
                     },
                 },
                 item);
    for (const auto& e : changes.events()) journal_rows.push_back({last_sequence() + 1, e});
    done({});
  }

 private:
  // Cursors: the listing's letter, '.', then the position (text) in hex: URL-safe, and the
  // positions of the ids in use fit in 200 characters.
  static constexpr char bicycles_listing = 'b', stations_listing = 's', tickets_listing = 't',
                        notifications_listing = 'n';
  static std::string cursor_of(char listing, std::string_view position) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string cursor{listing, '.'};
    for (unsigned char c : position) cursor += {hex[c >> 4], hex[c & 0xf]};
    return cursor;
  }
  static ports::storage_error invalid_cursor() { return {"not a cursor of this listing", true}; }
  static ports::stored<std::string> position_in(char listing, std::string_view cursor) {
    if (cursor.size() > 200 || cursor.size() % 2 != 0 || cursor.size() < 2 || cursor[0] != listing || cursor[1] != '.')
      return std::unexpected(invalid_cursor());
    auto nibble = [](char c) { return std::string_view{"0123456789abcdef"}.find(c); };
    std::string position;
    for (std::size_t i = 2; i < cursor.size(); i += 2) {
      auto high = nibble(cursor[i]), low = nibble(cursor[i + 1]);
      if (high == std::string_view::npos || low == std::string_view::npos) return std::unexpected(invalid_cursor());
      position.push_back(static_cast<char>((high << 4) | low));
    }
    return position;
  }
  // A position "number id" (a ticket's purchase time, a notification's sequence).
  template <class Number>
  static ports::stored<std::tuple<Number, std::string>> numbered_position_in(char listing, std::string_view cursor) {
    auto position = position_in(listing, cursor);
    if (!position) return std::unexpected(position.error());
    auto space = position->find(' ');
    Number n{};
    auto [end, ec] = std::from_chars(position->data(), position->data() + std::min(space, position->size()), n);
    if (space == std::string::npos || ec != std::errc{} || end != position->data() + space)
      return std::unexpected(invalid_cursor());
    return std::make_tuple(n, position->substr(space + 1));
  }

  template <class Key, class T>
  ports::stored<std::optional<T>> find(const std::map<Key, T>& table, const Key& id) const {
    if (reads_.fails_now()) return std::unexpected(ports::storage_error{"injected read failure"});
    auto i = table.find(id);
    if (i == table.end()) return std::nullopt;
    return i->second;
  }

  struct failures {
    int skip = 0;
    int count = 0;
    void arm(int c, int s) {
      count = c;
      skip = s;
    }
    bool fails_now() {
      if (skip > 0) return --skip, false;
      if (count > 0) return --count, true;
      return false;
    }
  };
  failures decisions_;
  failures consumers_;
  mutable failures reads_;
  std::string failing_consumer_;
  bool holding_ = false;
  std::vector<std::pair<ports::changeset, on_committed>> held_;
};

// memory_storage behind one lock, for a whole node on real threads.
class locked_storage final : public ports::storage {
 public:
  memory_storage inner;

  template <class F>
  auto locked(F f) const {
    std::lock_guard lock{mutex_};
    return f(inner);
  }
  template <class F>
  auto locked(F f) {
    std::lock_guard lock{mutex_};
    return f(inner);
  }

  ports::stored<std::optional<domain::customer>> find_customer(const domain::ids::customer_id& id) const override {
    return locked([&](auto& s) { return s.find_customer(id); });
  }
  ports::stored<std::optional<domain::customer>> find_customer_by_phone(std::string_view phone) const override {
    return locked([&](auto& s) { return s.find_customer_by_phone(phone); });
  }
  ports::stored<std::optional<domain::ticket>> find_ticket(const domain::ids::ticket_id& id) const override {
    return locked([&](auto& s) { return s.find_ticket(id); });
  }
  ports::stored<std::vector<domain::ticket>> tickets_in_use() const override {
    return locked([&](auto& s) { return s.tickets_in_use(); });
  }
  ports::stored<ports::page<domain::ticket>> tickets_of(const domain::ids::customer_id& customer_id,
                                                        const ports::page_request& request) const override {
    return locked([&](auto& s) { return s.tickets_of(customer_id, request); });
  }
  ports::stored<std::optional<domain::payment>> find_payment(std::string_view id) const override {
    return locked([&](auto& s) { return s.find_payment(id); });
  }
  ports::stored<std::optional<domain::station>> find_station(const domain::ids::station_id& id) const override {
    return locked([&](auto& s) { return s.find_station(id); });
  }
  ports::stored<std::vector<domain::station>> stations() const override {
    return locked([&](auto& s) { return s.stations(); });
  }
  ports::stored<std::vector<domain::alert>> alerts() const override {
    return locked([&](auto& s) { return s.alerts(); });
  }
  ports::stored<ports::page<domain::station>> stations(const ports::page_request& request) const override {
    return locked([&](auto& s) { return s.stations(request); });
  }
  ports::stored<std::optional<domain::bicycle>> find_bicycle(const domain::ids::bicycle_id& id) const override {
    return locked([&](auto& s) { return s.find_bicycle(id); });
  }
  ports::stored<std::optional<domain::rental>> find_rental(const domain::ids::rental_id& id) const override {
    return locked([&](auto& s) { return s.find_rental(id); });
  }
  ports::stored<ports::page<domain::bicycle>> bicycles(const ports::bicycle_filter& filter,
                                                       const ports::page_request& request,
                                                       std::size_t scan_limit = 10000) const override {
    return locked([&](auto& s) { return s.bicycles(filter, request, scan_limit); });
  }
  ports::stored<std::vector<ports::recorded_event>> events_after(std::uint64_t after, std::size_t max) const override {
    return locked([&](auto& s) { return s.events_after(after, max); });
  }
  std::uint64_t last_sequence() const override {
    return locked([&](auto& s) { return s.last_sequence(); });
  }
  ports::stored<std::uint64_t> position(std::string_view consumer) const override {
    return locked([&](auto& s) { return s.position(consumer); });
  }
  ports::stored<std::optional<domain::current_rental>> current_rental(const domain::ids::customer_id& customer_id) const override {
    return locked([&](auto& s) { return s.current_rental(customer_id); });
  }
  ports::stored<std::vector<domain::current_rental>> current_rentals() const override {
    return locked([&](auto& s) { return s.current_rentals(); });
  }
  ports::stored<std::vector<domain::station_count>> station_counts() const override {
    return locked([&](auto& s) { return s.station_counts(); });
  }
  ports::stored<std::vector<domain::notification>> notifications_of(const domain::ids::customer_id& customer_id, std::uint64_t after,
                                                                    std::size_t max) const override {
    return locked([&](auto& s) { return s.notifications_of(customer_id, after, max); });
  }
  ports::stored<std::vector<domain::notification>> notifications_after(std::uint64_t after, std::size_t max) const override {
    return locked([&](auto& s) { return s.notifications_after(after, max); });
  }
  ports::stored<ports::page<domain::notification>> notifications_page(const domain::ids::customer_id& customer_id,
                                                                      const ports::page_request& request) const override {
    return locked([&](auto& s) { return s.notifications_page(customer_id, request); });
  }
  // `done` runs outside the lock.
  void commit(ports::changeset changes, on_committed done) override {
    ports::stored<void> outcome;
    {
      std::lock_guard lock{mutex_};
      inner.commit(std::move(changes), [&](ports::stored<void> r) { outcome = std::move(r); });
    }
    done(std::move(outcome));
  }

 private:
  mutable std::mutex mutex_;
};

}  // namespace ttareungyi::actors::test
