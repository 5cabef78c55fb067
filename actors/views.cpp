// The read models: the remaining-time view (customer -> active rental) and the station
// availability view (station -> bicycles parked). Both are journal consumers kept in memory,
// persisted with their position, and answer read-your-writes queries without asking any
// ticket or bicycle actor.
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <map>
#include <set>
#include <unordered_map>

#include "read_side.hpp"

namespace ttareungyi::actors {
namespace {

struct rentals_view {
  static constexpr const char* actor_name = "rentals-view";
  static constexpr const char* consumer = "rentals";

  std::unordered_map<std::string, domain::current_rental> current;  // by customer

  ports::stored<void> load(const ports::view_store& store) {
    auto all = store.current_rentals();
    if (!all) return std::unexpected(all.error());
    current.clear();
    for (auto& r : *all) current.emplace(r.customer_id, std::move(r));
    return {};
  }

  // Collapses the batch to each touched customer's final entry: put or drop.
  ports::changeset project(const std::vector<ports::recorded_event>& batch) {
    std::set<std::string> touched;
    for (const auto& r : batch) {
      auto change = domain::project_rental(r.event);
      if (!change) continue;
      // A customer riding on two tickets at once: the return of one keeps the other.
      auto i = current.find(change->customer_id);
      if (!change->applies_to(i == current.end() ? std::nullopt : std::optional{i->second})) continue;
      if (change->put)
        current[change->customer_id] = *change->put;
      else
        current.erase(i);
      touched.insert(change->customer_id);
    }
    ports::changeset changes;
    for (const auto& customer : touched) {
      if (auto i = current.find(customer); i != current.end())
        changes.save(i->second);
      else
        changes.save(ports::ended_rental_view{customer});
    }
    return changes;
  }

  caf::message_handler queries(consumer_self<rentals_view> self) {
    return {
        [self](current_atom, const std::string& customer, std::uint64_t min) {
          auto& s = self->state;
          auto to = std::make_shared<owed_answer>(self->make_response_promise(), "the rental view");
          s.gate.when(s.position, min, to, [self, customer](const owed& to) {
            const auto& current = self->state.view.current;
            if (auto i = current.find(customer); i != current.end())
              to->deliver(i->second);
            else
              to->deliver(to_caf(domain::not_found("no_active_rental", "no active rental").with("customerId", customer)));
          });
        },
    };
  }
};

struct stations_view {
  static constexpr const char* actor_name = "stations-view";
  static constexpr const char* consumer = "stations";

  fleet_actor fleet;
  std::map<std::string, domain::station_count> counts;  // by station

  ports::stored<void> load(const ports::view_store& store) {
    auto all = store.station_counts();
    if (!all) return std::unexpected(all.error());
    counts.clear();
    for (auto& c : *all) counts.emplace(c.station_id, std::move(c));
    return {};
  }

  ports::changeset project(const std::vector<ports::recorded_event>& batch) {
    std::map<std::string, domain::station_count> changed;
    for (const auto& r : batch)
      for (auto& c : domain::project_availability(counts, r.event)) changed[c.station_id] = std::move(c);
    ports::changeset changes;
    for (auto& [id, c] : changed) changes.save(std::move(c));
    return changes;
  }

  caf::message_handler queries(consumer_self<stations_view> self) {
    return {
        // The fleet's stations joined with the counts, once the counts are recent enough.
        [self](station_atom, list_atom, std::uint64_t min) {
          auto& s = self->state;
          auto to = std::make_shared<owed_answer>(self->make_response_promise(), "the station view");
          s.gate.when(s.position, min, to, [self](const owed& to) {
            self->request(self->state.view.fleet, caf::infinite, station_atom::value, list_atom::value)
                .then([self, to](const std::vector<domain::station>& stations) {
                        to->deliver(join_stations(stations, self->state.view.counts));
                      },
                      [to](caf::error& e) { to->deliver(e); });
          });
        },
        // The counts alone (for tests and diagnostics), with the same rule.
        [self](station_atom, count_atom, std::uint64_t min) {
          auto& s = self->state;
          auto to = std::make_shared<owed_answer>(self->make_response_promise(), "the station view");
          s.gate.when(s.position, min, to, [self](const owed& to) {
            std::vector<domain::station_count> all;
            for (const auto& [id, c] : self->state.view.counts) all.push_back(c);
            to->deliver(std::move(all));
          });
        },
    };
  }
};

}  // namespace

std::vector<app::station_view> join_stations(const std::vector<domain::station>& stations,
                                             const std::map<std::string, domain::station_count>& counts) {
  std::vector<app::station_view> out;
  out.reserve(stations.size());
  for (const auto& s : stations) {
    auto i = counts.find(s.id);
    out.push_back({s, domain::availability_of(s, i == counts.end() ? 0 : i->second.bicycles_available)});
  }
  return out;
}

caf::actor spawn_rentals_view(caf::event_based_actor* parent, const environment& env, const caf::actor& hub,
                              consumer_settings settings) {
  return spawn_consumer(parent, env, hub, settings, rentals_view{});
}

caf::actor spawn_stations_view(caf::event_based_actor* parent, const environment& env, const caf::actor& hub,
                               consumer_settings settings, fleet_actor fleet) {
  stations_view view;
  view.fleet = std::move(fleet);
  return spawn_consumer(parent, env, hub, settings, std::move(view));
}

}  // namespace ttareungyi::actors
