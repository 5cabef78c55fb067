#pragma once
// Test doubles for the actor tests. Everything here runs on the test's single thread, under
// CAF's deterministic scheduler, so none of it locks.
//  - memory_storage: ports::storage in maps, the read side's views included; `commit` applies
//    the changeset (all of it, or nothing when it fails) and calls `done` inline;
//    `fail_commits` makes chosen decision commits fail, `fail_view_commits` chosen commits of
//    the journal's consumers (changesets that carry a consumer position), `fail_reads` chosen
//    point reads (find_*); `hold_commits` keeps commits waiting until `release_commits`.
//  - manual_clock: a domain clock the test moves by hand.
//  - scripted_provider: a payment provider that records every call and approves, declines,
//    fails, throws, or holds the callback until the test releases it.
//  - plain_hasher: "hash:" + password.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/notification_gateway.hpp"
#include "ttareungyi/ports/password_hasher.hpp"
#include "ttareungyi/ports/payment_provider.hpp"
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
    std::map<std::string, domain::customer> customers;
    std::map<std::string, domain::ticket> tickets;
    std::map<std::string, domain::payment> payments;
    std::map<std::string, domain::station> stations;
    std::map<std::string, domain::bicycle> bicycles;
    std::map<std::string, domain::rental> rentals;
  } rows;
  std::vector<ports::recorded_event> journal_rows;
  // The read side: views and consumer positions.
  struct view_tables {
    std::map<std::string, std::uint64_t> positions;               // by consumer
    std::map<std::string, domain::current_rental> rentals;        // by customer
    std::map<std::string, domain::station_count> stations;        // by station
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
      auto name = std::string{domain::type_name(r.event.payload)};
      if (r.event.correlation_id == id && name.starts_with(prefix)) names.push_back(name);
    }
    return names;
  }

  // The payload of the first event of type E correlated with `id`.
  template <class E>
  std::optional<E> first_event(std::string_view id) const {
    for (const auto& r : journal_rows)
      if (r.event.correlation_id == id)
        if (auto* e = std::get_if<E>(&r.event.payload)) return *e;
    return std::nullopt;
  }

  // -- identity_store
  ports::stored<std::optional<domain::customer>> find_customer(std::string_view id) const override {
    return find(rows.customers, id);
  }
  ports::stored<std::optional<domain::customer>> find_customer_by_phone(std::string_view phone) const override {
    for (const auto& [id, c] : rows.customers)
      if (c.phone == phone) return c;
    return std::nullopt;
  }
  // -- ticket_store
  ports::stored<std::optional<domain::ticket>> find_ticket(std::string_view id) const override {
    return find(rows.tickets, id);
  }
  ports::stored<std::vector<domain::ticket>> tickets_of(std::string_view customer_id) const override {
    std::vector<domain::ticket> out;
    for (const auto& [id, t] : rows.tickets)
      if (t.customer_id == customer_id) out.push_back(t);
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
    return find(rows.payments, id);
  }
  // -- rental_store
  ports::stored<std::optional<domain::station>> find_station(std::string_view id) const override {
    return find(rows.stations, id);
  }
  ports::stored<std::vector<domain::station>> stations() const override {
    std::vector<domain::station> out;
    for (const auto& [id, s] : rows.stations) out.push_back(s);
    return out;
  }
  ports::stored<std::optional<domain::bicycle>> find_bicycle(std::string_view id) const override {
    return find(rows.bicycles, id);
  }
  ports::stored<void> each_bicycle(const std::function<bool(const domain::bicycle&)>& visit) const override {
    for (const auto& [id, b] : rows.bicycles)
      if (!visit(b)) break;
    return {};
  }
  ports::stored<std::optional<domain::rental>> find_rental(std::string_view id) const override {
    return find(rows.rentals, id);
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
  ports::stored<std::optional<domain::current_rental>> current_rental(std::string_view customer_id) const override {
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
  ports::stored<std::vector<domain::notification>> notifications_of(std::string_view customer_id, std::uint64_t after,
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
  template <class T>
  ports::stored<std::optional<T>> find(const std::map<std::string, T>& table, std::string_view id) const {
    if (reads_.fails_now()) return std::unexpected(ports::storage_error{"injected read failure"});
    auto i = table.find(std::string{id});
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

  ports::stored<std::optional<domain::customer>> find_customer(std::string_view id) const override {
    return locked([&](auto& s) { return s.find_customer(id); });
  }
  ports::stored<std::optional<domain::customer>> find_customer_by_phone(std::string_view phone) const override {
    return locked([&](auto& s) { return s.find_customer_by_phone(phone); });
  }
  ports::stored<std::optional<domain::ticket>> find_ticket(std::string_view id) const override {
    return locked([&](auto& s) { return s.find_ticket(id); });
  }
  ports::stored<std::vector<domain::ticket>> tickets_of(std::string_view customer_id) const override {
    return locked([&](auto& s) { return s.tickets_of(customer_id); });
  }
  ports::stored<std::vector<domain::ticket>> tickets_in_use() const override {
    return locked([&](auto& s) { return s.tickets_in_use(); });
  }
  ports::stored<std::optional<domain::payment>> find_payment(std::string_view id) const override {
    return locked([&](auto& s) { return s.find_payment(id); });
  }
  ports::stored<std::optional<domain::station>> find_station(std::string_view id) const override {
    return locked([&](auto& s) { return s.find_station(id); });
  }
  ports::stored<std::vector<domain::station>> stations() const override {
    return locked([&](auto& s) { return s.stations(); });
  }
  ports::stored<std::optional<domain::bicycle>> find_bicycle(std::string_view id) const override {
    return locked([&](auto& s) { return s.find_bicycle(id); });
  }
  ports::stored<void> each_bicycle(const std::function<bool(const domain::bicycle&)>& visit) const override {
    return locked([&](auto& s) { return s.each_bicycle(visit); });
  }
  ports::stored<std::optional<domain::rental>> find_rental(std::string_view id) const override {
    return locked([&](auto& s) { return s.find_rental(id); });
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
  ports::stored<std::optional<domain::current_rental>> current_rental(std::string_view customer_id) const override {
    return locked([&](auto& s) { return s.current_rental(customer_id); });
  }
  ports::stored<std::vector<domain::current_rental>> current_rentals() const override {
    return locked([&](auto& s) { return s.current_rentals(); });
  }
  ports::stored<std::vector<domain::station_count>> station_counts() const override {
    return locked([&](auto& s) { return s.station_counts(); });
  }
  ports::stored<std::vector<domain::notification>> notifications_of(std::string_view customer_id, std::uint64_t after,
                                                                    std::size_t max) const override {
    return locked([&](auto& s) { return s.notifications_of(customer_id, after, max); });
  }
  ports::stored<std::vector<domain::notification>> notifications_after(std::uint64_t after, std::size_t max) const override {
    return locked([&](auto& s) { return s.notifications_after(after, max); });
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

// A notification gateway that records every delivery and acknowledges, fails or holds it.
class scripted_gateway final : public ports::notification_gateway {
 public:
  enum class answer { ack, fail, hold };
  answer mode = answer::ack;
  std::vector<domain::notification> attempts;   // every delivery started, in order
  std::vector<domain::notification> delivered;  // the acknowledged ones, in order
  std::vector<std::pair<domain::notification, std::function<void(bool)>>> held;

  void deliver(const domain::notification& n, std::function<void(bool)> done) override {
    attempts.push_back(n);
    switch (mode) {
      case answer::ack:
        delivered.push_back(n);
        return done(true);
      case answer::fail: return done(false);
      case answer::hold: held.emplace_back(n, std::move(done)); return;
    }
  }

  // Answers every held delivery.
  void release(bool ok) {
    auto waiting = std::move(held);
    held.clear();
    for (auto& [n, done] : waiting) {
      if (ok) delivered.push_back(n);
      done(ok);
    }
  }
};

class manual_clock final : public domain::clock {
 public:
  domain::instant t = domain::instant{std::chrono::sys_days{std::chrono::year{2026} / 5 / 1} + std::chrono::hours{9}};
  domain::instant now() const override { return t; }
  void advance(std::chrono::milliseconds d) { t += d; }
};

class scripted_provider final : public ports::payment_provider {
 public:
  enum class answer { approve, decline, fail, hold, raise };
  answer on_charge = answer::approve;
  answer on_refund = answer::approve;  // approve means the refund succeeds; decline is not used
  std::vector<ports::charge_request> charges;
  std::vector<ports::refund_request> refunds;
  std::vector<on_charged> held_charges;
  std::vector<on_refunded> held_refunds;

  void charge(const ports::charge_request& request, on_charged done) override {
    charges.push_back(request);
    switch (on_charge) {
      case answer::approve: return done(domain::charge_verdict::approved);
      case answer::decline: return done(domain::charge_verdict::declined);
      case answer::fail: return done(std::unexpected(ports::provider_failure{"provider is down"}));
      case answer::hold: return held_charges.push_back(std::move(done));
      case answer::raise: throw std::runtime_error("provider client crashed");
    }
  }

  void refund(const ports::refund_request& request, on_refunded done) override {
    refunds.push_back(request);
    switch (on_refund) {
      case answer::approve:
      case answer::decline: return done({});
      case answer::fail: return done(std::unexpected(ports::provider_failure{"provider is down"}));
      case answer::hold: return held_refunds.push_back(std::move(done));
      case answer::raise: throw std::runtime_error("provider client crashed");
    }
  }

  // Answers every held charge with `verdict`.
  void release_charges(domain::charge_verdict verdict) {
    auto held = std::move(held_charges);
    held_charges.clear();
    for (auto& done : held) done(verdict);
  }

  // Answers every held call with a failure, as a provider does once its client times out.
  void fail_held() {
    auto charges_held = std::move(held_charges);
    auto refunds_held = std::move(held_refunds);
    held_charges.clear();
    held_refunds.clear();
    for (auto& done : charges_held) done(std::unexpected(ports::provider_failure{"timed out"}));
    for (auto& done : refunds_held) done(std::unexpected(ports::provider_failure{"timed out"}));
  }
};

class plain_hasher final : public ports::password_hasher {
 public:
  std::string hash(std::string_view password) const override { return "hash:" + std::string{password}; }
  bool verify(std::string_view password, std::string_view hash) const override { return hash == this->hash(password); }
};

}  // namespace ttareungyi::actors::test
