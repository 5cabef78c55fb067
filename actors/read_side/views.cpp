// The read models: the remaining-time view (customer -> active rental) and the station
// availability view (station -> bicycles parked). Both are journal consumers kept in memory,
// persisted with their position, and answer read-your-writes queries without asking any
// ticket or bicycle actor.
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <map>
#include <memory>
#include <unordered_map>

#include "read_side.hpp"

namespace ttareungyi::actors {
namespace {

// The view's entries live on the rental board, which holds exactly what is committed; a batch
// being committed is staged here and published to the board once its commit succeeded.
struct rentals_view {
  static constexpr const char* actor_name = "rentals-view";
  static constexpr const char* consumer = "rentals";

  const ports::view_store* store = nullptr;
  std::shared_ptr<rental_board> board;
  std::vector<rental_board::change> staged;  // the batch being committed, per touched customer

  ports::stored<void> load() {
    auto all = store->current_rentals();
    if (!all) return std::unexpected(all.error());
    board->replace(std::move(*all));
    return {};
  }

  void started(consumer_self<rentals_view>, std::uint64_t position) { board->publish({}, position); }

  // Each touched customer's final entry (rental_board.hpp), staged until the commit.
  ports::changeset project(const std::vector<ports::recorded_event>& batch) {
    staged = rental_changes(batch, *board);
    ports::changeset changes;
    for (const auto& [customer, entry] : staged) {
      if (entry)
        changes.save(*entry);
      else
        changes.save(ports::ended_rental_view{customer});
    }
    return changes;
  }

  void committed(consumer_self<rentals_view>, std::uint64_t, std::uint64_t to) {
    board->publish(staged, to);
    staged.clear();
  }

  caf::message_handler queries(consumer_self<rentals_view> self) {
    return {
        [self](current_atom, const domain::ids::customer_id& customer, std::uint64_t min) {
          auto& s = self->state;
          auto to = std::make_shared<owed_answer>(self->make_response_promise(), "the rental view");
          s.gate.when(s.position, min, to, [self, customer](const owed& to) {
            if (auto r = self->state.view.board->get(customer))
              to->deliver(std::move(*r));
            else
              to->deliver(to_caf(no_active_rental(customer)));
          });
        },
    };
  }
};

struct stations_view {
  static constexpr const char* actor_name = "stations-view";
  static constexpr const char* consumer = "stations";

  const ports::view_store* store = nullptr;
  rental_listings_actor listings;
  std::map<domain::ids::station_id, domain::station_count> counts;

  ports::stored<void> load() {
    auto all = store->station_counts();
    if (!all) return std::unexpected(all.error());
    counts.clear();
    for (auto& c : *all) counts.emplace(c.station_id, std::move(c));
    return {};
  }

  ports::changeset project(const std::vector<ports::recorded_event>& batch) {
    std::map<domain::ids::station_id, domain::station_count> changed;
    for (const auto& r : batch)
      for (auto& c : domain::project_availability(counts, r.event())) changed[c.station_id] = std::move(c);
    ports::changeset changes;
    for (auto& [id, c] : changed) changes.save(std::move(c));
    return changes;
  }

  caf::message_handler queries(consumer_self<stations_view> self) {
    return {
        // A page of the rental context's stations joined with the counts, once the counts are
        // recent enough.
        [self](station_atom, list_atom, const app::page_request& page, std::uint64_t min) {
          auto& s = self->state;
          auto to = std::make_shared<owed_answer>(self->make_response_promise(), "the station view");
          s.gate.when(s.position, min, to, [self, page](const owed& to) {
            self->request(self->state.view.listings, caf::infinite, station_atom::value, list_atom::value, page)
                .then([self, to](const app::page<domain::station>& stations) {
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

app::page<app::station_view> join_stations(const app::page<domain::station>& stations,
                                           const std::map<domain::ids::station_id, domain::station_count>& counts) {
  app::page<app::station_view> out{{}, stations.next};
  out.items.reserve(stations.items.size());
  for (const auto& s : stations.items) {
    auto i = counts.find(s.id);
    out.items.push_back({s, domain::availability_of(s, i == counts.end() ? 0 : i->second.bicycles_available)});
  }
  return out;
}

caf::actor spawn_rentals_view(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                              const ports::view_store& views, const caf::actor& hub, consumer_settings settings,
                              std::shared_ptr<rental_board> board) {
  return spawn_consumer(parent, env, reader, hub, settings, rentals_view{&views, std::move(board), {}});
}

caf::actor spawn_stations_view(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                               const ports::view_store& views, const caf::actor& hub, consumer_settings settings,
                               rental_listings_actor listings) {
  stations_view view;
  view.store = &views;
  view.listings = std::move(listings);
  return spawn_consumer(parent, env, reader, hub, settings, std::move(view));
}

}  // namespace ttareungyi::actors
