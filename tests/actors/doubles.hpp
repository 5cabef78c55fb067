#pragma once
// Test doubles for the actor tests. Everything here runs on the test's single thread, under
// CAF's deterministic scheduler, so none of it locks.
//  - memory_storage: ports::storage in maps; `commit` applies the changeset and calls `done`
//    inline; `fail_commits` makes chosen commits fail.
//  - manual_clock: a domain clock the test moves by hand.
//  - scripted_provider: a payment provider that records every call and approves, declines,
//    fails, throws, or holds the callback until the test releases it.
//  - plain_hasher: "hash:" + password.
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/time.hpp"
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
  int commits = 0;  // commits handed in, failed ones included

  // Lets the next `skip` commits succeed, then fails the `count` after them.
  void fail_commits(int count, int skip = 0) {
    skip_before_failing_ = skip;
    failing_ = count;
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
  // -- fleet_store
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
    for (const auto& r : journal_rows)
      if (r.sequence > after && out.size() < max) out.push_back(r);
    return out;
  }
  std::uint64_t last_sequence() const override { return journal_rows.empty() ? 0 : journal_rows.back().sequence; }
  // -- committer
  void commit(ports::changeset changes, on_committed done) override {
    ++commits;
    if (skip_before_failing_ > 0) {
      --skip_before_failing_;
    } else if (failing_ > 0) {
      --failing_;
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
                 },
                 item);
    for (const auto& e : changes.events()) journal_rows.push_back({last_sequence() + 1, e});
    done({});
  }

 private:
  template <class T>
  static std::optional<T> find(const std::map<std::string, T>& table, std::string_view id) {
    auto i = table.find(std::string{id});
    if (i == table.end()) return std::nullopt;
    return i->second;
  }

  int skip_before_failing_ = 0;
  int failing_ = 0;
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
