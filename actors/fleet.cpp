#include "fleet.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <map>
#include <memory>
#include <set>

#include "entity.hpp"

namespace ttareungyi::actors {
namespace {

using namespace domain;

using bicycle_actor = caf::typed_actor<
    caf::replies_to<add_atom, ids::station_id>::with<bicycle>,
    caf::replies_to<remove_atom>::with<bicycle>,
    caf::replies_to<rent_atom, rent_request, ports::changeset>::with<rental>,
    caf::replies_to<return_atom, ids::rental_id, ids::station_id, ticket_finish_actor>::with<rental>,
    caf::reacts_to<idle_atom>>;

struct bicycle_state : entity_base<ids::bicycle_id> {
  std::optional<bicycle> bike;
  std::optional<rental> trip;  // the active rental while rented
  static inline const char* name = "bicycle";
};

using bicycle_self = bicycle_actor::stateful_pointer<bicycle_state>;

// A bicycle as stored, with its active rental while rented.
struct stored_bicycle {
  std::optional<bicycle> bike;
  std::optional<rental> trip;
};

// Reads a bicycle (and its active rental) whole, or fails: nothing is served half-loaded.
result<stored_bicycle> load_bicycle(const ports::rental_store& store, const ids::bicycle_id& id) {
  auto bike = store.find_bicycle(id);
  if (!bike) return std::unexpected(internal(bike.error().message));
  stored_bicycle out{std::move(*bike), std::nullopt};
  if (out.bike && out.bike->rental_id) {
    auto found = store.find_rental(*out.bike->rental_id);
    if (!found) return std::unexpected(internal(found.error().message));
    out.trip = std::move(*found);
  }
  return out;
}

// Persists the bicycle's decision; a storage failure refuses the request (entity.hpp).
template <class Promise, class Then>
void commit(bicycle_self self, const environment& env, ports::changeset changes, Promise rp, Then then) {
  entity_commit(self, env, std::move(changes), std::move(then), [rp](const caf::error& e) mutable { rp.deliver(e); });
}

// The shell's ready (entity.hpp), reloading from the rental context's store.
template <class Promise>
bool ready(bicycle_self self, const ports::rental_store& store, Promise& rp) {
  return entity_ready(self, rp, [self, &store]() -> result<void> {
    auto loaded = load_bicycle(store, self->state.id);
    if (!loaded) return std::unexpected(loaded.error());
    self->state.bike = std::move(loaded->bike);
    self->state.trip = std::move(loaded->trip);
    return {};
  });
}

bicycle_actor::behavior_type bicycle_entity(bicycle_self self, ids::bicycle_id id, stored_bicycle loaded, environment env,
                                            const ports::rental_store* store, fleet_actor fleet) {
  self->state.id = std::move(id);
  self->state.bike = std::move(loaded.bike);
  self->state.trip = std::move(loaded.trip);
  self->state.life.idle = idle_timer{env.passivate_after};
  auto ride_changes = [self, env](const decided<ride, event_payload>& d) {
    ports::changeset changes;
    record(changes, d.events, d.state.trip.id, self->state.id, env.now());
    changes.save(d.state.bike).save(d.state.trip);
    return changes;
  };
  return {
      [=](add_atom, const ids::station_id& station) {
        auto rp = self->make_response_promise<bicycle>();
        if (!ready(self, *store, rp)) return rp;
        if (self->state.bike) {
          rp.deliver(to_caf(bicycle_id_taken(self->state.id)));
          return rp;
        }
        auto d = register_bicycle(self->state.id, station);
        if (refused(d, rp)) return rp;
        ports::changeset changes;
        record(changes, d->events, self->state.id, self->state.id, env.now());
        changes.save(d->state);
        self->state.bike = d->state;
        commit(self, env, std::move(changes), rp, [=]() mutable { rp.deliver(*self->state.bike); });
        return rp;
      },
      [=](remove_atom) {
        auto rp = self->make_response_promise<bicycle>();
        if (!ready(self, *store, rp)) return rp;
        if (!self->state.bike) {
          rp.deliver(to_caf(bicycle_not_found(self->state.id)));
          return rp;
        }
        auto facts = delete_bicycle(*self->state.bike);
        if (refused(facts, rp)) return rp;
        ports::changeset changes;
        record(changes, *facts, self->state.id, self->state.id, env.now());
        changes.save(ports::removed_bicycle{self->state.id});
        auto gone = *self->state.bike;
        self->state.bike.reset();
        // The actor stays, serving "no such bicycle" (or a new registration) until it is idle.
        commit(self, env, std::move(changes), rp, [=]() mutable { rp.deliver(gone); });
        return rp;
      },
      // The ticket's changes (put in use) commit with the bicycle's (interfaces.hpp).
      [=](rent_atom, const rent_request& request, ports::changeset& ticket_changes) {
        auto rp = self->make_response_promise<rental>();
        if (!ready(self, *store, rp)) return rp;
        if (!self->state.bike) {
          rp.deliver(to_caf(bicycle_not_found(self->state.id)));
          return rp;
        }
        auto d = rent_bicycle(*self->state.bike, request, env.now());
        if (refused(d, rp)) return rp;
        self->state.bike = d->state.bike;
        self->state.trip = d->state.trip;
        ticket_changes.merge(ride_changes(*d));
        commit(self, env, std::move(ticket_changes), rp, [=]() mutable { rp.deliver(*self->state.trip); });
        return rp;
      },
      // The ticket is marked used in the same commit (interfaces.hpp). Should the ticket refuse
      // (a store that lost the link between them), the return still commits, alone: a customer
      // can always give a bicycle back.
      [=](return_atom, const ids::rental_id& rental_id, const ids::station_id& station, const ticket_finish_actor& tickets) {
        auto rp = self->make_response_promise<rental>();
        if (!ready(self, *store, rp)) return rp;
        const auto& s = self->state;
        if (!s.bike || !s.trip || s.trip->id != rental_id) {
          rp.deliver(to_caf(rental_not_active(rental_id)));
          return rp;
        }
        auto d = return_bicycle(*s.bike, *s.trip, station, env.now());
        if (refused(d, rp)) return rp;
        auto returned = [=, bike = d->state.bike, ended = d->state.trip]() mutable {
          self->state.bike = std::move(bike);
          self->state.trip.reset();
          rp.deliver(std::move(ended));
        };
        self->request(tickets, caf::infinite, finish_atom::value, d->state.trip.ticket_id, rental_id, ride_changes(*d))
            .await([returned](const ticket&) mutable { returned(); },
                   [=, d = *d](caf::error& e) mutable {
                     if (!is_refusal(from_caf(e))) {
                       self->state.stale = true;
                       rp.deliver(e);
                       return;
                     }
                     commit(self, env, ride_changes(d), rp, returned);
                   });
        return rp;
      },
      [=](idle_atom) { self->state.life.on_tick(self, fleet, self->state.id); },
  };
}

// Availability is not the fleet's: it never gates a decision (chain docking never refuses a
// return), so the station view counts it from the journal (views.cpp).
struct fleet_state {
  std::map<ids::station_id, station> stations;
  std::set<ids::station_id> stations_being_added;
  std::shared_ptr<entity_registry<bicycle_actor, ids::bicycle_id>> bicycles;
  static inline const char* name = "fleet";
};

using fleet_self = fleet_actor::stateful_pointer<fleet_state>;

// Asks the bicycle's actor, then maps its answer with `effect` before replying.
template <class Answer, class Reply, class Effect, class... Ts>
caf::typed_response_promise<Reply> ask_bicycle(fleet_self self, result<bicycle_actor> entity,
                                               caf::typed_response_promise<Reply> rp, Effect effect, Ts... xs) {
  if (refused(entity, rp)) return rp;
  self->request(*entity, caf::infinite, xs...)
      .then([rp, effect](Answer answer) mutable { rp.deliver(effect(std::move(answer))); },
            [rp](caf::error& e) mutable { rp.deliver(e); });
  return rp;
}

constexpr auto unchanged = [](auto x) { return x; };

// Loads the stations (a few thousand at most); bicycles are activated one by one on demand.
result<void> load(fleet_state& state, const ports::rental_store& store) {
  auto stations = store.stations();
  if (!stations) return std::unexpected(internal(stations.error().message));
  for (auto& s : *stations) state.stations.emplace(s.id, std::move(s));
  return {};
}

fleet_actor::behavior_type fleet(fleet_self self, environment env, const ports::rental_store* store, fleet_state loaded) {
  self->state = std::move(loaded);
  auto bicycles = host_entities<bicycle_actor, ids::bicycle_id>(self, env.gauges ? &env.gauges->bicycles : nullptr);
  self->state.bicycles = bicycles;
  // The bicycle's actor, activated from storage (with its active rental) when it has none; a
  // read failure activates nothing. A missing bicycle gets an empty actor only when `create`
  // is set, for registration. Counts the message about to be sent to it.
  auto activate = [self, env, store, bicycles](const ids::bicycle_id& id, bool create) {
    return activate_entity(self, *bicycles, id, [&]() -> result<bicycle_actor> {
      auto stored = load_bicycle(*store, id);
      if (!stored) return std::unexpected(stored.error());
      if (!stored->bike && !create) return std::unexpected(bicycle_not_found(id));
      return self->spawn(bicycle_entity, id, std::move(*stored), env, store, caf::actor_cast<fleet_actor>(self));
    });
  };
  return {
      [=](station_atom, add_atom, app::new_station& requested) {
        auto rp = self->make_response_promise<app::station_view>();
        auto chosen = requested.id ? std::move(*requested.id) : ids::station_id{new_id("s_")};
        auto d = register_station(std::move(chosen), requested.name, requested.lat, requested.lon, requested.capacity);
        if (refused(d, rp)) return rp;
        const auto id = d->state.id;
        if (self->state.stations.contains(id) || self->state.stations_being_added.contains(id)) {
          rp.deliver(to_caf(conflict(error_code::station_id_taken, "a station with this id exists").with("stationId", id)));
          return rp;
        }
        self->state.stations_being_added.insert(id);
        ports::changeset changes;
        record(changes, d->events, id, id, env.now());
        changes.save(d->state);
        self->request(env.committer, caf::infinite, commit_atom::value, std::move(changes))
            .then(
                [=, s = d->state](ok_atom) mutable {
                  self->state.stations_being_added.erase(id);
                  self->state.stations.emplace(id, s);
                  rp.deliver(app::station_view{s, availability_of(s, 0)});  // a new station is empty
                },
                [=](caf::error& e) mutable {
                  self->state.stations_being_added.erase(id);
                  rp.deliver(e);
                });
        return rp;
      },
      [=](alert_atom, add_atom, alert_request& requested) {
        auto rp = self->make_response_promise<alert>();
        for (const auto& s : requested.station_ids)
          if (!self->state.stations.contains(s)) return rp.deliver(to_caf(station_not_found(s))), rp;
        auto d = post_alert(ids::alert_id{new_id("al_")}, std::move(requested), env.now());
        if (refused(d, rp)) return rp;
        ports::changeset changes;
        record(changes, d->events, d->state.id, d->state.id, env.now());
        changes.save(d->state);
        self->request(env.committer, caf::infinite, commit_atom::value, std::move(changes))
            .then([=, posted = d->state](ok_atom) mutable { rp.deliver(posted); },
                  [=](caf::error& e) mutable { rp.deliver(e); });
        return rp;
      },
      [=](bicycle_atom, add_atom, const app::new_bicycle& requested) {
        auto rp = self->make_response_promise<bicycle>();
        const auto& station = requested.station_id;
        if (!self->state.stations.contains(station)) {
          rp.deliver(to_caf(station_not_found(station)));
          return rp;
        }
        const auto id = requested.id ? *requested.id : ids::bicycle_id{new_id("b_")};
        if (refused(check_bicycle_id(id), rp)) return rp;
        return ask_bicycle<bicycle>(self, activate(id, true), rp, unchanged, add_atom::value, station);
      },
      [=](bicycle_atom, remove_atom, const ids::bicycle_id& id) {
        return ask_bicycle<bicycle>(self, activate(id, false), self->make_response_promise<ok_atom>(),
                                    [](bicycle) { return ok_atom::value; }, remove_atom::value);
      },
      [=](rent_atom atom, const ids::bicycle_id& bicycle_id, rent_request& request,
          ports::changeset& ticket_changes) -> caf::result<rental> {
        return route_to_entity<rental>(self, activate(bicycle_id, false), atom, std::move(request),
                                       std::move(ticket_changes));
      },
      [=](return_atom atom, const ids::customer_id& customer, const ids::rental_id& rental_id,
          const ids::station_id& station, const ticket_finish_actor& tickets) -> caf::result<rental> {
        auto trip = store->find_rental(rental_id);
        if (!trip) return to_caf(internal(trip.error().message));
        if (!*trip || (*trip)->customer_id != customer) return to_caf(rental_not_found(rental_id));
        if (!self->state.stations.contains(station)) return to_caf(station_not_found(station));
        return route_to_entity<rental>(self, activate((*trip)->bicycle_id, false), atom, rental_id, station, tickets);
      },
      [=](rental_atom, const ids::rental_id& rental_id) -> caf::result<rental> {
        auto trip = store->find_rental(rental_id);
        if (!trip) return to_caf(internal(trip.error().message));
        if (!*trip) return to_caf(rental_not_found(rental_id));
        return **trip;
      },
      [=](passivate_atom, const ids::bicycle_id& id, std::uint64_t handled) {
        return grant_stop(self, *bicycles, id, handled);
      },
  };
}

}  // namespace

result<fleet_actor> spawn_fleet(caf::actor_system& system, environment env, const ports::rental_store& rentals) {
  fleet_state state;
  if (auto loaded = load(state, rentals); !loaded) return std::unexpected(loaded.error());
  return system.spawn(fleet, std::move(env), &rentals, std::move(state));
}

}  // namespace ttareungyi::actors
