#pragma once
// The actor tests' fixture: a whole node's contexts on CAF's deterministic test scheduler,
// over the doubles. Tests seed storage, call start(), send requests from small asker actors
// and drive the scheduler by hand. Simulated time moves only when a test advances it.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/local_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "doubles.hpp"
#include "fleet.hpp"
#include "identity.hpp"
#include "journal.hpp"
#include "listings.hpp"
#include "payment.hpp"
#include "read_side/read_side.hpp"
#include "rides.hpp"
#include "tickets.hpp"

namespace ttareungyi::actors::test {

using namespace std::chrono_literals;

// An answer that arrives while the scheduler runs.
template <class T>
using slot = std::shared_ptr<std::optional<domain::result<T>>>;

// The value of an answer, or a test failure (thrown, so gtest reports it) naming the refusal.
template <class T>
T ok(const slot<T>& s) {
  if (!s->has_value()) throw std::runtime_error("no answer yet");
  const auto& r = **s;
  if (!r) throw std::runtime_error("refused: " + r.error().detail);
  return *r;
}

// The refusal of an answer, or a test failure.
template <class T>
domain::error refusal(const slot<T>& s) {
  if (!s->has_value()) throw std::runtime_error("no answer yet");
  if (**s) throw std::runtime_error("expected a refusal, got a value");
  return (**s).error();
}

class actor_test : public ::testing::Test {
 protected:
  memory_storage storage;
  simulated_clock clock{suite_start()};
  scripted_provider provider;
  plain_hasher hasher;
  payment_settings pay{.workers = 2, .call_timeout = 2000ms, .random = [] { return 0.0; }};
  std::shared_ptr<breaker_board> payment_board = std::make_shared<breaker_board>();  // the breaker as /health/ready sees it
  std::chrono::milliseconds payment_timeout{2000};
  std::chrono::milliseconds passivate_after{60000};  // as a node's default
  entity_gauges live;                                // live ticket and bicycle actors

  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;

  environment env;
  payment_actor payment;
  identity_actor identity;
  ticket_desk_actor desk;
  fleet_actor fleet;
  ticket_listings_actor ticket_listings;  // a customer's tickets, off the desk
  rental_listings_actor rental_listings;  // stations and bicycles, off the fleet
  caf::actor hub;        // journal wake-ups
  std::shared_ptr<journal_tap> tap = std::make_shared<journal_tap>();  // live notices, on the committing thread
  caf::actor read_side;  // the journal's consumers and their views
  ports::notification_gateway* webhook = nullptr;  // set before start() for a webhook deliverer
  read_side_settings read_settings;
  std::shared_ptr<rental_board> board = std::make_shared<rental_board>();  // what adapters read directly

  actor_test() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    register_message_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }

  // Spawns the contexts the way node.cpp wires them, and lets them initialize.
  void start() {
    hub = spawn_journal_hub(*sys, storage.last_sequence());
    env = environment{spawn_storage_gateway(*sys, storage, &storage, hub, tap), &clock, payment_timeout, passivate_after,
                      &live};
    payment = spawn_payment(*sys, env, storage, provider, pay, payment_board);
    identity = spawn_identity(*sys, env, storage, hasher);
    desk = spawn_ticket_desk(*sys, env, storage, payment);
    auto spawned = spawn_fleet(*sys, env, storage);
    if (!spawned) throw std::runtime_error("cannot spawn the fleet: " + spawned.error().detail);
    fleet = *spawned;
    ticket_listings = spawn_ticket_listings(*sys, storage);
    rental_listings = spawn_rental_listings(*sys, storage);
    read_side =
        spawn_read_side(*sys, env, stores(), {hub, rental_listings, payment, webhook, board, tap}, read_settings);
    drain();
  }

  // The read side's stores, each the test storage.
  read_side_stores stores() {
    return {.journal = &storage, .positions = &storage, .views = &storage, .notifications = &storage};
  }

  // Runs every job until no actor has work, without ever firing a timeout.
  std::size_t drain() {
    std::size_t n = 0;
    while (sched->try_run_once()) ++n;
    return n;
  }

  // Like drain(), and returns every actor named `name` that had work meanwhile.
  std::vector<caf::actor> drain_collecting(std::string_view name) {
    std::vector<caf::actor> found;
    while (sched->has_job()) {
      for (auto* job : sched->jobs)
        if (auto* a = dynamic_cast<caf::local_actor*>(job); a && name == a->name()) {
          auto handle = caf::actor_cast<caf::actor>(static_cast<caf::abstract_actor*>(a));
          if (std::find(found.begin(), found.end(), handle) == found.end()) found.push_back(handle);
        }
      sched->run_once();
    }
    return found;
  }

  // Runs the jobs of the actors named `name` (with `others`, of every other actor) until none
  // is left, for a test that orders a race by hand.
  std::size_t run_only(std::string_view name, bool others = false) {
    return sched->run_jobs_filtered([&](caf::resumable* job) {
      auto* a = dynamic_cast<caf::local_actor*>(job);
      return (a && name == a->name()) != others;
    });
  }

  // Moves simulated time (CAF's, for request timeouts) and runs what it woke up.
  void advance(caf::timespan d) {
    sched->advance_time(d);
    drain();
  }

  // Sends a request from a fresh asker actor; the answer, `Answer` as `seen` sees it, lands in the
  // slot as the scheduler runs.
  template <class Answer, class T, class Seen, class Handle, class... Ts>
  slot<T> ask_seen(Seen seen, const Handle& dest, Ts... xs) {
    auto out = std::make_shared<std::optional<domain::result<T>>>();
    // With the destination as a spawn argument: CAF 0.17 has undefined behaviour spawning a
    // function actor without arguments.
    sys->spawn(
        [=](caf::event_based_actor* self, const Handle& to) {
          self->request(to, caf::infinite, xs...)
              .then([=](Answer& answer) { *out = seen(std::move(answer)); },
                    [=](caf::error& e) { *out = domain::result<T>{std::unexpected(from_caf(e))}; });
        },
        dest);
    return out;
  }
  template <class T, class Handle, class... Ts>
  slot<T> ask(const Handle& dest, Ts... xs) {
    return ask_seen<T, T>([](T answer) { return answer; }, dest, xs...);
  }
  // ask() for a page, of which the slot keeps the items.
  template <class T, class Handle, class... Ts>
  slot<std::vector<T>> ask_items(const Handle& dest, Ts... xs) {
    return ask_seen<app::page<T>, std::vector<T>>([](app::page<T> page) { return std::move(page.items); }, dest, xs...);
  }

  // ask(), then runs the scheduler until idle.
  template <class T, class Handle, class... Ts>
  slot<T> call(const Handle& dest, Ts... xs) {
    auto out = ask<T>(dest, xs...);
    drain();
    return out;
  }
  // ask_items(), then runs the scheduler until idle.
  template <class T, class Handle, class... Ts>
  slot<std::vector<T>> call_items(const Handle& dest, Ts... xs) {
    auto out = ask_items<T>(dest, xs...);
    drain();
    return out;
  }

  template <class T>
  static app::reply<T> into(const slot<T>& s) {
    return [s](domain::result<T> r) { *s = std::move(r); };
  }

  // -- shortcuts

  slot<domain::ticket> buy(const domain::ids::customer_id& customer, domain::ticket_type type = domain::ticket_type::one_hour) {
    return call<domain::ticket>(desk, buy_atom::value, customer, type);
  }
  slot<domain::ticket> get(const domain::ids::customer_id& customer, const domain::ids::ticket_id& ticket) {
    return call<domain::ticket>(desk, get_atom::value, customer, ticket);
  }
  domain::ticket paid_ticket(const domain::ids::customer_id& customer, domain::ticket_type type = domain::ticket_type::one_hour) {
    auto t = ok(buy(customer, type));
    if (t.status != domain::ticket_status::paid) throw std::runtime_error("ticket not paid");
    return t;
  }
  slot<domain::rental> start_rent(const domain::ids::customer_id& customer, const domain::ids::bicycle_id& bicycle,
                                  const domain::ids::ticket_id& ticket) {
    auto out = std::make_shared<std::optional<domain::result<domain::rental>>>();
    sys->spawn(rent_ride, ride_contexts{desk, fleet}, customer, bicycle, ticket, into(out));
    return out;
  }
  slot<domain::rental> rent(const domain::ids::customer_id& customer, const domain::ids::bicycle_id& bicycle,
                            const domain::ids::ticket_id& ticket) {
    auto out = start_rent(customer, bicycle, ticket);
    drain();
    return out;
  }
  slot<domain::rental> give_back(const domain::ids::customer_id& customer, const domain::ids::rental_id& rental,
                                 const domain::ids::station_id& station) {
    auto out = std::make_shared<std::optional<domain::result<domain::rental>>>();
    sys->spawn(return_ride, ride_contexts{desk, fleet}, customer, rental, station, into(out));
    drain();
    return out;
  }
  // Stations with their availability as GET /v1/stations shows them: the rental context's
  // stations joined with the station view's counts, read-your-writes; all on one page (the
  // tests have fewer than its limit).
  slot<std::vector<app::station_view>> stations() {
    return call_items<app::station_view>(read_side, station_atom::value, list_atom::value,
                                         app::page_request{.limit = 1000}, storage.last_sequence());
  }
  std::map<domain::ids::station_id, domain::availability> availability() {
    std::map<domain::ids::station_id, domain::availability> out;
    for (const auto& v : ok(stations())) out[v.station.id] = v.availability;
    return out;
  }
  // The read side's child running under `name` ("notifier", "rentals", "stations", "webhook").
  caf::actor child(const std::string& name) { return ok(call<caf::actor>(read_side, child_atom::value, name)); }

  // The fleet's registration requests as the tests write them: an empty id asks the fleet to
  // choose one.
  static app::new_station new_station_of(domain::station s) {
    std::optional<domain::ids::station_id> id;
    if (!s.id.empty()) id = std::move(s.id);
    return {std::move(id), std::move(s.name), s.lat, s.lon, s.capacity};
  }
  static app::new_bicycle new_bicycle_of(const domain::ids::bicycle_id& id, const domain::ids::station_id& station) {
    return {id.empty() ? std::nullopt : std::optional{id}, station};
  }

  // Seeding storage as earlier runs would have left it: the state and the events it raised.
  void seed_station(std::string_view text, int capacity) {
    const domain::ids::station_id id{std::string{text}};
    storage.rows.stations[id] = domain::station{id, "Station " + id.str(), 37.5, 127.0, capacity};
    storage.seed_event(domain::station_registered{id, "Station " + id.str(), capacity}, clock.now());
  }
  void seed_bicycle(std::string_view text, std::string_view station_text) {
    const domain::ids::bicycle_id id{std::string{text}};
    const domain::ids::station_id station{std::string{station_text}};
    storage.rows.bicycles[id] = domain::bicycle{.id = id, .station_id = station};
    storage.seed_event(domain::bicycle_registered{id, station}, clock.now());
  }

  // Stops every context, runs until all actors are gone, and checks that none is left.
  // A payment worker lives until the provider answers its calls (it holds their promises), so
  // held calls are answered first.
  void TearDown() override {
    provider.fail_held();
    drain();
    for (auto a : {caf::actor_cast<caf::actor>(payment), caf::actor_cast<caf::actor>(identity),
                   caf::actor_cast<caf::actor>(desk), caf::actor_cast<caf::actor>(fleet),
                   caf::actor_cast<caf::actor>(ticket_listings), caf::actor_cast<caf::actor>(rental_listings), read_side,
                   hub, env.committer})
      if (a) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    read_side = nullptr;
    hub = nullptr;
    payment = nullptr;
    identity = nullptr;
    desk = nullptr;
    fleet = nullptr;
    ticket_listings = nullptr;
    rental_listings = nullptr;
    env.committer = nullptr;
    // CAF keeps a request's timeout (and a strong reference to its sender) until it is due,
    // even once answered: fire them so that senders no one else references go away.
    do {
      sched->trigger_timeouts();
      drain();
    } while (sched->has_pending_timeout());
    EXPECT_EQ(sys->registry().running(), 0u) << "actors still running after shutdown";
    if (sys->registry().running() != 0) sys->await_actors_before_shutdown(false);
  }
};

}  // namespace ttareungyi::actors::test
