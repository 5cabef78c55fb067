// Crash test: customers buy, rent, return and cancel at full speed from several threads while
// the server is killed with SIGKILL at random moments and restarted on the same data dir.
// After every kill it checks, against every answer the clients saw:
//   * no acknowledged change is lost (each ticket and rental the clients know has the state
//     they were told, or the one a call in flight at the kill may have left);
//   * no bicycle is rented twice at once, no ticket starts two rentals;
//   * in RocksDB (read with the project's storage library while the server is down): each
//     paid ticket has exactly one approved payment, each cancelled paid ticket one refund,
//     and the refunds add up to what the cancelled tickets say they refunded;
//   * the remaining-time view (GET /v1/rentals/current) shows each customer's active rental;
// and at the end, that every subscriber applied each event once: one notification per
// ticket_paid / ticket_refunded / bicycle_rented / bicycle_returned fact, none else.
//
// A call whose answer the kill swallowed has an unknown outcome: after the restart its client
// reads what happened (either outcome is accepted) and carries on from there.
//
// Short by default (3 kills). The long run:
//   TTAREUNGYI_CRASH_KILLS=25 ./build/tests/e2e/crash_tests
// TTAREUNGYI_CRASH_SEED=N replays the random choices of a run (the seed is printed).
#include "e2e_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <set>

#include "ttareungyi/domain/payment.hpp"
#include "ttareungyi/domain/ticket.hpp"
#include "ttareungyi/storage/rocksdb_storage.hpp"

#include "../support/every_page.hpp"

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;
using steady = std::chrono::steady_clock;

constexpr int workers = 6;
constexpr int bicycles = 4;
// A customer makes at most this many notices, then its worker signs up a new one (the inbox
// answers at most 200 items).
constexpr int notices_per_customer = 150;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return std::atoi(v);
}

struct ticket_model {
  std::string id;
  int price = 0;
  std::string status;  // as the server last told (or as found after a kill)
};

struct rental_model {
  std::string id, bicycle, ticket;
  bool returned = false;
};

struct customer_model {
  customer who;
  std::map<std::string, ticket_model> tickets;
  std::map<std::string, rental_model> rentals;
  std::string active;  // the active rental, if any

  int expected_notices() const {
    int n = 0;
    for (const auto& [id, t] : tickets) {
      if (t.status != "payment_pending" && t.status != "payment_failed") ++n;  // ticket_paid
      if (t.status == "cancelled") ++n;                                        // ticket_refunded
    }
    for (const auto& [id, r] : rentals) n += r.returned ? 2 : 1;
    return n;
  }
};

// The call a worker has sent and not yet seen answered.
struct in_flight {
  enum kind { none, buy, pay, cancel, rent, give_back } what = none;
  std::string ticket, rental, bicycle;
};

// Times a rental was certainly active: from its 201 until its return was sent.
struct ride_span {
  std::string bicycle, rental;
  steady::time_point from, to = steady::time_point::max();
};

struct worker_state {
  std::vector<customer_model> customers;  // the last one is the one riding now
  in_flight pending;
  std::mt19937_64 rng;
  std::string error;  // why this worker stopped before the kill
  int calls = 0;
  customer_model& me() { return customers.back(); }
};

std::string describe(const in_flight& p) {
  static const char* names[] = {"none", "buy", "pay", "cancel", "rent", "return"};
  return std::string(names[p.what]) + " ticket=" + p.ticket + " rental=" + p.rental + " bicycle=" + p.bicycle;
}

class Crash : public server_test {
 protected:
  std::vector<std::string> stations_;
  std::vector<std::string> bikes_;
  std::vector<worker_state> states_ = std::vector<worker_state>(workers);
  std::mutex spans_mutex_;
  std::vector<ride_span> spans_;
  std::atomic<bool> killed_{false};
  std::vector<std::string> violations_;  // written by the main thread only
  std::atomic<int> phone_{0};

  void violation(std::string what) {
    ADD_FAILURE() << what;
    violations_.push_back(std::move(what));
  }

  template <class T>
  T pick(worker_state& w, const std::vector<T>& xs) {
    return xs[std::uniform_int_distribution<std::size_t>(0, xs.size() - 1)(w.rng)];
  }
  bool chance(worker_state& w, double p) { return std::bernoulli_distribution(p)(w.rng); }

  customer sign_up_customer(http_client& conn) {
    customer c;
    const int n = phone_++;
    char phone[32];
    std::snprintf(phone, sizeof phone, "010-%04d-%04d", 5000 + n / 10000, n % 10000);
    c.phone = phone;
    c.password = "crash-test-pass1";
    c.name = "crash";
    auto r = conn.post_json("/v1/customers", {{"phone", c.phone}, {"password", c.password}, {"name", c.name}});
    if (r.status != 201) throw std::runtime_error("sign-up: " + r.describe());
    c.id = id_of(r.json());
    auto t = conn.post_form("/oauth2/token", {{"grant_type", "password"}, {"username", c.phone}, {"password", c.password}});
    if (t.status != 200) throw std::runtime_error("log-in: " + t.describe());
    c.token = t.json().at("access_token").get<std::string>();
    return c;
  }

  // ------------------------------------------------------------------ the load

  void end_span(const std::string& rental) {
    std::lock_guard lock{spans_mutex_};
    for (auto& s : spans_)
      if (s.rental == rental && s.to == steady::time_point::max()) s.to = steady::now();
  }
  void start_span(const std::string& bicycle, const std::string& rental) {
    std::lock_guard lock{spans_mutex_};
    spans_.push_back({bicycle, rental, steady::now()});
  }

  // One call of worker `w`; returns false when the worker should stop (an unexpected answer).
  bool step(worker_state& w, http_client& conn) {
    auto& m = w.me();
    auto auth = m.who.auth();
    auto fail = [&](std::string what, const response& r) {
      w.error = what + ": " + r.describe();
      return false;
    };
    std::vector<std::string> paid, spent;
    for (const auto& [id, t] : m.tickets) {
      if (t.status == "paid") paid.push_back(id);
      if (t.status == "used" || t.status == "cancelled" || t.status == "in_use") spent.push_back(id);
    }
    ++w.calls;

    if (!m.active.empty()) {
      auto& rental = m.rentals.at(m.active);
      if (chance(w, 0.1)) {  // a ticket in use is not cancelled
        w.pending = {in_flight::cancel, rental.ticket, {}, {}};
        auto r = conn.post("/v1/tickets/" + url_encode(rental.ticket) + "/cancel", "", "", auth);
        w.pending = {};
        if (r.status != 409) return fail("cancel of a ticket in use " + rental.ticket, r);
        return true;
      }
      w.pending = {in_flight::give_back, rental.ticket, rental.id, rental.bicycle};
      end_span(rental.id);
      auto r = conn.post_json("/v1/rentals/" + url_encode(rental.id) + "/return", {{"stationId", pick(w, stations_)}}, auth);
      w.pending = {};
      if (r.status != 200) return fail("return " + rental.id, r);
      if (r.json().value("status", "") != "returned") return fail("return " + rental.id, r);
      rental.returned = true;
      m.tickets.at(rental.ticket).status = "used";
      m.active.clear();
      return true;
    }

    if (paid.empty() || chance(w, 0.25)) {
      std::string type = chance(w, 0.5) ? "1h" : "2h";
      w.pending = {in_flight::buy, {}, {}, {}};
      auto r = conn.post_json("/v1/tickets", {{"type", type}}, auth);
      w.pending = {};
      if (r.status != 201) return fail("buy", r);
      auto t = r.json();
      if (t.value("status", "") != "paid") return fail("buy", r);
      m.tickets[id_of(t)] = {id_of(t), t.value("price", 0), "paid"};
      return true;
    }
    if (chance(w, 0.2)) {
      auto id = pick(w, paid);
      w.pending = {in_flight::cancel, id, {}, {}};
      auto r = conn.post("/v1/tickets/" + url_encode(id) + "/cancel", "", "", auth);
      w.pending = {};
      if (r.status != 200) return fail("cancel " + id, r);
      auto t = r.json();
      if (t.value("status", "") != "cancelled" || t.value("refundedAmount", -1) != m.tickets.at(id).price)
        return fail("cancel " + id, r);
      m.tickets.at(id).status = "cancelled";
      return true;
    }
    if (!spent.empty() && chance(w, 0.1)) {  // a spent ticket never starts a rental
      auto id = pick(w, spent);
      w.pending = {in_flight::rent, id, {}, {}};
      auto r = conn.post_json("/v1/rentals", {{"bicycleId", pick(w, bikes_)}, {"ticketId", id}}, auth);
      w.pending = {};
      if (r.status != 409) return fail("rent with spent ticket " + id + " (" + m.tickets.at(id).status + ")", r);
      return true;
    }
    auto id = pick(w, paid);
    auto bike = pick(w, bikes_);
    w.pending = {in_flight::rent, id, {}, bike};
    auto r = conn.post_json("/v1/rentals", {{"bicycleId", bike}, {"ticketId", id}}, auth);
    w.pending = {};
    if (r.status == 409 && r.json().value("code", "") == "bicycle_unavailable") return true;
    if (r.status != 201) return fail("rent " + bike + " with " + id, r);
    auto rental = r.json();
    if (rental.value("bicycleId", "") != bike || rental.value("ticketId", "") != id ||
        rental.value("status", "") != "active")
      return fail("rent " + bike + " with " + id, r);
    start_span(bike, id_of(rental));
    m.rentals[id_of(rental)] = {id_of(rental), bike, id, false};
    m.active = id_of(rental);
    m.tickets.at(id).status = "in_use";
    return true;
  }

  void run_worker(worker_state& w, std::uint16_t port) {
    http_client conn(port);
    try {
      for (;;) {
        auto& m = w.me();
        if (m.active.empty() && m.expected_notices() >= notices_per_customer) {
          w.customers.push_back({sign_up_customer(conn), {}, {}, {}});
          continue;
        }
        if (!step(w, conn)) return;
      }
    } catch (const http_error& e) {
      if (!killed_) w.error = std::string("transport failed before the kill: ") + e.what();
    } catch (const std::exception& e) {
      w.error = e.what();
    }
  }

  // ------------------------------------------------------------------ after a kill

  // What a call in flight at the kill did, read back from the server; either outcome is fine.
  void resolve(worker_state& w) {
    auto p = w.pending;
    w.pending = {};
    if (p.what == in_flight::none) return;
    auto& m = w.me();
    auto trace = "in flight at the kill: " + describe(p) + " (customer " + m.who.id + ")";
    if (p.what == in_flight::buy) {
      auto list = by_id(list_tickets(m.who));
      std::vector<json> fresh;
      for (const auto& [id, t] : list)
        if (!m.tickets.contains(id)) fresh.push_back(t);
      if (fresh.size() > 1) return violation(trace + ": more than one new ticket " + json(fresh).dump());
      if (fresh.empty()) return;
      auto t = fresh.front();
      auto status = t.value("status", "");
      if (status == "payment_pending") {
        // The charge's outcome is unknown too: paying later must charge at most once.
        auto r = pay(m.who, id_of(t));
        if (r.status != 200) return violation(trace + ": paying the pending ticket later: " + r.describe());
        t = r.json();
        status = t.value("status", "");
      }
      if (status != "paid") return violation(trace + ": new ticket is " + t.dump());
      m.tickets[id_of(t)] = {id_of(t), t.value("price", 0), status};
      return;
    }
    auto& known = m.tickets.at(p.ticket);
    auto now = ticket(m.who, p.ticket);
    auto status = now.value("status", "");
    if (p.what == in_flight::cancel) {
      if (status == known.status) return;
      if (known.status == "paid" && status == "cancelled" && now.value("refundedAmount", -1) == known.price) {
        known.status = status;
        return;
      }
      return violation(trace + ": ticket was " + known.status + ", is " + now.dump());
    }
    if (p.what == in_flight::give_back) {
      if (status == "in_use") return;  // not returned: it will be
      if (status == "used") {
        m.rentals.at(p.rental).returned = true;
        m.active.clear();
        known.status = status;
        return;
      }
      return violation(trace + ": ticket of the rental is " + now.dump());
    }
    if (p.what == in_flight::rent) {
      if (status == known.status) return;  // no rental (or a failed one, released)
      if (known.status == "paid" && status == "in_use") {
        // The rental happened: the remaining-time view names it.
        auto current = eventually([&] { return get_current(m.who); },
                                  [&](const response& r) { return r.status == 200 && r.json().value("ticketId", "") == p.ticket; });
        if (current.status != 200 || current.json().value("ticketId", "") != p.ticket)
          return violation(trace + ": ticket in use but no current rental: " + current.describe());
        auto c = current.json();
        auto rental = c.value("rentalId", "");
        if (c.value("bicycleId", "") != p.bicycle) violation(trace + ": rental of another bicycle " + c.dump());
        start_span(p.bicycle, rental);
        m.rentals[rental] = {rental, p.bicycle, p.ticket, false};
        m.active = rental;
        known.status = status;
        return;
      }
      return violation(trace + ": ticket was " + known.status + ", is " + now.dump());
    }
  }

  // Every ticket and rental the clients know is there, as they were told.
  void check_acknowledged() {
    std::map<std::string, std::string> rented;  // bicycle -> active rental, from the clients' view
    for (auto& w : states_) {
      for (auto& m : w.customers) {
        auto list = by_id(list_tickets(m.who));
        for (const auto& [id, t] : m.tickets) {
          auto it = list.find(id);
          if (it == list.end()) {
            violation("acknowledged ticket " + id + " (" + t.status + ") lost");
            continue;
          }
          if (it->second.value("status", "") != t.status)
            violation("ticket " + id + ": acknowledged " + t.status + ", now " + it->second.dump());
          if (t.status == "cancelled" && it->second.value("refundedAmount", -1) != t.price)
            violation("cancelled ticket " + id + " refunded " + it->second.dump());
        }
        for (const auto& [id, t] : list)
          if (!m.tickets.contains(id)) violation("ticket no client bought: " + t.dump());
        if (!m.active.empty()) {
          const auto& r = m.rentals.at(m.active);
          if (!rented.emplace(r.bicycle, r.id).second)
            violation("bicycle " + r.bicycle + " in two active rentals: " + r.id + ", " + rented[r.bicycle]);
        }
        // The remaining-time view agrees with the acknowledged state.
        auto ok = [&](const response& r) {
          if (m.active.empty()) return r.status == 404;
          return r.status == 200 && r.json().value("rentalId", "") == m.active;
        };
        auto current = eventually([&] { return get_current(m.who); }, ok);
        if (!ok(current))
          violation("customer " + m.who.id + " rides '" + m.active + "'; GET /v1/rentals/current: " + current.describe());
      }
    }
    for (const auto& [id, b] : by_id(list_bicycles())) {
      auto status = b.value("status", "");
      if ((status == "rented") != rented.contains(id))
        violation("bicycle " + b.dump() + ": clients know rental '" + (rented.contains(id) ? rented[id] : "") + "'");
    }
  }

  // No bicycle was certainly active in two rentals at once; no ticket started two rentals.
  void check_spans() {
    std::lock_guard lock{spans_mutex_};
    for (std::size_t i = 0; i < spans_.size(); ++i)
      for (std::size_t j = i + 1; j < spans_.size(); ++j) {
        const auto &a = spans_[i], &b = spans_[j];
        if (a.bicycle == b.bicycle && a.from < b.to && b.from < a.to)
          violation("bicycle " + a.bicycle + " rented twice at once: " + a.rental + " and " + b.rental);
      }
    std::map<std::string, std::string> by_ticket;
    for (auto& w : states_)
      for (auto& m : w.customers)
        for (const auto& [id, r] : m.rentals)
          if (!by_ticket.emplace(r.ticket, id).second)
            violation("ticket " + r.ticket + " used twice: " + id + ", " + by_ticket[r.ticket]);
  }

  // Payments as stored, read while the server is down: one approved charge per paid ticket,
  // one refund per cancelled paid ticket, refunds == what the cancelled tickets refunded.
  void check_payments(bool final_state) {
    auto opened = storage::open_rocksdb({data_dir(), true});
    if (!opened) return violation("cannot open the data dir: " + opened.error().message);
    auto& db = **opened;
    std::map<std::string, int> approved, refunded;  // by reference (the ticket id)
    domain::money refunds = 0;
    for (std::uint64_t after = 0;;) {
      auto batch = db.events_after(after, 10'000);
      if (!batch) return violation("journal: " + batch.error().message);
      if (batch->empty()) break;
      for (const auto& e : *batch) {
        after = e.sequence;
        if (auto* a = std::get_if<domain::payment_approved>(&e.event().payload)) ++approved[a->reference];
        if (auto* r = std::get_if<domain::payment_refunded>(&e.event().payload)) {
          ++refunded[r->reference];
          refunds += r->amount;
        }
      }
    }
    domain::money cancelled_refunds = 0;
    for (auto& w : states_)
      for (auto& m : w.customers) {
        auto tickets = ttareungyi::test::all_tickets_of(db, domain::ids::customer_id{m.who.id});
        if (!tickets) return violation("tickets_of: " + tickets.error().message);
        for (const auto& t : *tickets) {
          using domain::ticket_status;
          auto what = "stored ticket " + t.id.str() + " (" + std::string(domain::to_string(t.status)) + "): ";
          auto payment = db.find_payment(t.payment_id());
          if (!payment) return violation("find_payment: " + payment.error().message);
          int a = approved[t.id.str()], r = refunded[t.id.str()];
          switch (t.status) {
            case ticket_status::paid:
            case ticket_status::in_use:
            case ticket_status::used:
              if (a != 1 || r != 0 || !*payment || (*payment)->status != domain::payment_status::approved)
                violation(what + std::to_string(a) + " approved, " + std::to_string(r) + " refunded charges");
              break;
            case ticket_status::cancelled:
              cancelled_refunds += t.refunded_amount.value_or(0);
              if (a != 1 || r != 1 || !*payment || (*payment)->status != domain::payment_status::refunded ||
                  t.refunded_amount.value_or(0) != t.terms().price)
                violation(what + std::to_string(a) + " approved, " + std::to_string(r) + " refunded charges");
              break;
            case ticket_status::payment_pending:  // a purchase in flight at the kill: charged or not
              if (final_state || a > 1 || r != 0) violation(what + std::to_string(a) + " approved charges");
              break;
            case ticket_status::payment_failed:
              violation(what + "the sandbox declines nothing here");
              break;
          }
        }
      }
    if (refunds != cancelled_refunds)
      violation("refunds made " + std::to_string(refunds) + " KRW, cancelled tickets refunded " +
                std::to_string(cancelled_refunds) + " KRW");
  }

  // Each fact the clients know has exactly one notification; there is no other.
  void check_notifications() {
    for (auto& w : states_)
      for (auto& m : w.customers) {
        std::map<std::pair<std::string, std::string>, int> expected;
        for (const auto& [id, t] : m.tickets) {
          if (t.status != "payment_pending") expected[{"ticket_paid", id}] = 1;
          if (t.status == "cancelled") expected[{"ticket_refunded", id}] = 1;
        }
        for (const auto& [id, r] : m.rentals) {
          expected[{"bicycle_rented", id}] = 1;
          if (r.returned) expected[{"bicycle_returned", id}] = 1;
        }
        auto complete = [&](const json& items) {
          for (const auto& [key, n] : expected)
            if (count_of(items, key.first, key.second) == 0) return false;
          return true;
        };
        auto items = eventually([&] { return inbox(m.who); }, complete, 20s);
        std::map<std::pair<std::string, std::string>, int> seen;
        for (const auto& item : items) {
          if (!is_notification(item)) violation("malformed notification " + item.dump());
          ++seen[{item.value("kind", ""), item.value("correlationId", "")}];
        }
        if (seen != expected) {
          std::string diff;
          for (const auto& [key, n] : expected)
            if (seen[key] != n) diff += " " + key.first + "/" + key.second + " x" + std::to_string(seen[key]);
          for (const auto& [key, n] : seen)
            if (!expected.contains(key)) diff += " unexpected " + key.first + "/" + key.second + " x" + std::to_string(n);
          violation("customer " + m.who.id + " notifications:" + diff);
        }
      }
  }
};

TEST_F(Crash, KillNineAtRandomMomentsLosesNothingAcknowledged) {
  const int kills = env_int("TTAREUNGYI_CRASH_KILLS", 3);
  const auto seed = static_cast<std::uint64_t>(env_int("TTAREUNGYI_CRASH_SEED", static_cast<int>(std::random_device{}() >> 1)));
  std::cout << "crash test: " << kills << " kills, TTAREUNGYI_CRASH_SEED=" << seed << std::endl;
  RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);

  stations_ = {id_of(create_station(40, std::nullopt, "A")), id_of(create_station(40, std::nullopt, "B"))};
  for (int i = 0; i < bicycles; ++i) bikes_.push_back(id_of(create_bicycle(stations_[i % 2])));
  for (int i = 0; i < workers; ++i) {
    auto conn = new_client();
    states_[i].customers.push_back({sign_up_customer(conn), {}, {}, {}});
    states_[i].rng.seed(rng());
  }

  int total_calls = 0, in_flight_at_kills = 0;
  std::map<std::string, int> in_flight_kinds;  // what the kills interrupted
  for (int round = 0; round < kills && violations_.empty(); ++round) {
    killed_ = false;
    std::vector<std::thread> threads;
    for (auto& w : states_) threads.emplace_back([this, &w, port = server().port()] { run_worker(w, port); });
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 1500)(rng)));
    killed_ = true;
    server().kill9();
    for (auto& t : threads) t.join();
    for (auto& w : states_) {
      if (!w.error.empty()) violation("round " + std::to_string(round) + ": " + w.error);
      w.error.clear();
      total_calls += w.calls;
      w.calls = 0;
      if (w.pending.what != in_flight::none) {
        ++in_flight_at_kills;
        ++in_flight_kinds[describe(w.pending).substr(0, describe(w.pending).find(' '))];
      }
    }
    check_payments(false);
    crash_and_restart();
    for (auto& w : states_) resolve(w);  // tokens outlive a restart: the signing key is stored
    check_acknowledged();
    check_spans();
  }
  // Settle: every rental returned, then a clean stop so the final storage check sees it all.
  for (auto& w : states_) {
    auto& m = w.me();
    if (m.active.empty()) continue;
    auto& r = m.rentals.at(m.active);
    end_span(r.id);
    give_back(m.who, r.id, stations_[0]);
    r.returned = true;
    m.tickets.at(r.ticket).status = "used";
    m.active.clear();
  }
  check_acknowledged();
  check_notifications();
  int status = server().stop();
  EXPECT_EQ(status, 0);
  check_payments(true);

  std::cout << "crash test: " << kills << " kills, " << total_calls << " calls, " << in_flight_at_kills
            << " in flight at the kills (" << json(in_flight_kinds).dump() << "), " << spans_.size() << " rentals, " << violations_.size() << " violations"
            << std::endl;
  RecordProperty("calls", total_calls);
  RecordProperty("in_flight_at_kills", in_flight_at_kills);
  EXPECT_GT(total_calls, kills * workers) << "the load did not get going";
  EXPECT_TRUE(violations_.empty());
}

}  // namespace
}  // namespace ttareungyi::e2e
