#pragma once
// Storage ports, in business words. Each context reads only its own records; every decision's
// state change and the events it raised are committed together, atomically, as one changeset.
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <iterator>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ttareungyi/domain/alert.hpp"
#include "ttareungyi/domain/customer.hpp"
#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/fleet.hpp"
#include "ttareungyi/domain/payment.hpp"
#include "ttareungyi/domain/ticket.hpp"
#include "ttareungyi/domain/views.hpp"
#include "ttareungyi/ports/paging.hpp"

namespace ttareungyi::ports {

struct storage_error {
  std::string message;
  bool invalid_cursor = false;  // the request named a cursor the store cannot read (a client's mistake)
  int retry_after_seconds = 0;  // > 0: the store is away for now (a gateway's core restarting): try again
};

template <class T>
using stored = std::expected<T, storage_error>;

struct bicycle_filter {
  std::optional<domain::ids::station_id> station_id;
  std::optional<domain::bicycle_status> status;
};

struct removed_bicycle {
  domain::ids::bicycle_id id;
};

// Read side: the journal's consumers and the views they keep. Each consumer's position (the
// sequence of the last event it applied) commits in the same changeset as its effects.
struct consumer_position {
  std::string consumer;  // e.g. "notifier", "rentals", "stations", "webhook"
  std::uint64_t sequence = 0;
};
struct ended_rental_view {  // drops a customer's entry from the remaining-time view
  domain::ids::customer_id customer_id;
};
enum class view { rentals, stations, notifications };
// Empties a view and rewinds its consumer (deletes its position, so it reads 0), to rebuild the
// view from the journal: rentals -> consumer "rentals", stations -> "stations", notifications ->
// "notifier". Items after it in the same changeset are kept (a rebuild may start right away).
struct dropped_view {
  view which;
};

// The writes of one decision: new aggregate states and the events raised with them.
class changeset {
 public:
  using item = std::variant<domain::customer, domain::ticket, domain::payment, domain::station, domain::bicycle,
                            removed_bicycle, domain::rental, domain::alert, domain::notification,
                            domain::current_rental, ended_rental_view, domain::station_count, consumer_position,
                            dropped_view>;

  template <class Aggregate>
  changeset& save(Aggregate state) {
    items_.emplace_back(std::move(state));
    return *this;
  }
  changeset& record(domain::event e) {
    events_.push_back(std::move(e));
    return *this;
  }
  // Marks the changes as derived from the journal (a consumer's effects with its position):
  // they must record no event (storage refuses one that does), since events are decisions and
  // only decisions may extend the journal.
  changeset& mark_derived() {
    derived_ = true;
    return *this;
  }
  // Appends another decision's changes, to commit with these in one write batch (a ride's
  // ticket and bicycle steps); both must be decisions, not derived changes.
  changeset& merge(changeset other) {
    items_.insert(items_.end(), std::make_move_iterator(other.items_.begin()), std::make_move_iterator(other.items_.end()));
    events_.insert(events_.end(), std::make_move_iterator(other.events_.begin()),
                   std::make_move_iterator(other.events_.end()));
    return *this;
  }
  const std::vector<item>& items() const { return items_; }
  const std::vector<domain::event>& events() const { return events_; }
  bool empty() const { return items_.empty() && events_.empty(); }
  bool derived() const { return derived_; }

 private:
  std::vector<item> items_;
  std::vector<domain::event> events_;
  bool derived_ = false;
};

// A journal record. The event is immutable once committed, so every reader holding it shares
// one copy (the writer makes it; the views, the notifier and the collector read the same).
struct recorded_event {
  std::uint64_t sequence = 0;  // global, gap-free, in commit order
  std::shared_ptr<const domain::event> fact;

  recorded_event() = default;  // holds no event until one is assigned (as CAF deserializes)
  recorded_event(std::uint64_t seq, domain::event e)
      : sequence(seq), fact(std::make_shared<const domain::event>(std::move(e))) {}
  const domain::event& event() const {
    static const domain::event none{};
    return fact ? *fact : none;
  }
};

class identity_store {
 public:
  virtual ~identity_store() = default;
  virtual stored<std::optional<domain::customer>> find_customer(const domain::ids::customer_id& id) const = 0;
  virtual stored<std::optional<domain::customer>> find_customer_by_phone(std::string_view phone) const = 0;
};

class ticket_store {
 public:
  virtual ~ticket_store() = default;
  virtual stored<std::optional<domain::ticket>> find_ticket(const domain::ids::ticket_id& id) const = 0;
  virtual stored<std::vector<domain::ticket>> tickets_in_use() const = 0;  // for recovery after a crash
  // A page of the customer's tickets, by purchase time, then id.
  virtual stored<page<domain::ticket>> tickets_of(const domain::ids::customer_id& customer_id,
                                                  const page_request& request) const = 0;
};

class payment_store {
 public:
  virtual ~payment_store() = default;
  virtual stored<std::optional<domain::payment>> find_payment(std::string_view id) const = 0;
};

// The rental context: stations, bicycles and rentals.
class rental_store {
 public:
  virtual ~rental_store() = default;
  virtual stored<std::optional<domain::station>> find_station(const domain::ids::station_id& id) const = 0;
  virtual stored<std::vector<domain::station>> stations() const = 0;
  // Every alert ever posted, in id order (a handful: operators post them by hand).
  virtual stored<std::vector<domain::alert>> alerts() const = 0;
  // A page of the stations, in id order.
  virtual stored<page<domain::station>> stations(const page_request& request) const = 0;
  virtual stored<std::optional<domain::bicycle>> find_bicycle(const domain::ids::bicycle_id& id) const = 0;
  virtual stored<std::optional<domain::rental>> find_rental(const domain::ids::rental_id& id) const = 0;
  // A page of the bicycles that match the filter, in id order. Bounded work per page: it reads
  // at most `scan_limit` stored bicycles, so a page may be short, even empty, and still have a
  // next one. A scan limit of 0 counts as 1.
  virtual stored<page<domain::bicycle>> bicycles(const bicycle_filter& filter, const page_request& request,
                                                 std::size_t scan_limit = 10000) const = 0;
};

class journal {
 public:
  virtual ~journal() = default;
  // Events with sequence > after, oldest first, at most max of them.
  virtual stored<std::vector<recorded_event>> events_after(std::uint64_t after, std::size_t max) const = 0;
  virtual std::uint64_t last_sequence() const = 0;
};

// Where each journal consumer stands: the sequence of the last event it applied (0 before its
// first). Every consumer keeps its position in the same changeset as its effects.
class position_store {
 public:
  virtual ~position_store() = default;
  virtual stored<std::uint64_t> position(std::string_view consumer) const = 0;
};

// The views the journal's consumers built (CQRS read models). Reads see only committed changesets.
class view_store {
 public:
  virtual ~view_store() = default;
  virtual stored<std::optional<domain::current_rental>> current_rental(const domain::ids::customer_id& customer_id) const = 0;
  virtual stored<std::vector<domain::current_rental>> current_rentals() const = 0;  // all, by customer id
  virtual stored<std::vector<domain::station_count>> station_counts() const = 0;     // all, by station id
};

// The notification context: every customer's notifications, by journal sequence.
class notification_store {
 public:
  virtual ~notification_store() = default;
  // A customer's notifications with sequence > after, newest first, at most max of them.
  virtual stored<std::vector<domain::notification>> notifications_of(const domain::ids::customer_id& customer_id, std::uint64_t after,
                                                                     std::size_t max) const = 0;
  // Every customer's notifications with sequence > after, oldest first, at most max (webhook).
  virtual stored<std::vector<domain::notification>> notifications_after(std::uint64_t after, std::size_t max) const = 0;
  // A page of a customer's notifications, newest first like notifications_of: the next page
  // holds older ones.
  virtual stored<page<domain::notification>> notifications_page(const domain::ids::customer_id& customer_id,
                                                                const page_request& request) const = 0;
};

class committer {
 public:
  using on_committed = std::function<void(stored<void>)>;
  virtual ~committer() = default;
  // Commits atomically. `done` runs once the changeset is durable or has failed, on the
  // storage's own writer thread: keep it short (e.g. send a message). Many changesets share
  // one sync (group commit); they become durable in the order they were handed in.
  virtual void commit(changeset changes, on_committed done) = 0;
  // Commit and wait for the outcome; for start-up and tests, never on an actor thread.
  stored<void> commit_and_wait(changeset changes) {
    std::promise<stored<void>> outcome;
    auto ready = outcome.get_future();
    commit(std::move(changes), [&outcome](stored<void> r) { outcome.set_value(std::move(r)); });
    return ready.get();
  }
};

// Everything one node keeps: a single database, each context in its own column families. Only
// the composition root sees it whole; each context's actors get their own port above.
class storage : public identity_store,
                public ticket_store,
                public payment_store,
                public rental_store,
                public journal,
                public position_store,
                public view_store,
                public notification_store,
                public committer {};

}  // namespace ttareungyi::ports
