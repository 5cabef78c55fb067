#include "rides.hpp"

#include <caf/event_based_actor.hpp>

#include <memory>

#include "environment.hpp"

namespace ttareungyi::actors {

using namespace domain;

void rent_ride(caf::event_based_actor* self, ride_contexts contexts, ids::customer_id customer, ids::bicycle_id bicycle,
               ids::ticket_id ticket_id, app::reply<rental> done) {
  const ids::rental_id rental_id{new_id("r_")};
  self->request(contexts.tickets, caf::infinite, reserve_atom::value, customer, ticket_id, rental_id, bicycle,
                bicycle_rent_actor{contexts.fleet})
      .then([=](rental& started) { done(std::move(started)); },
            [=](caf::error& refusal) { done(std::unexpected(from_caf(refusal))); });
}

void return_ride(caf::event_based_actor* self, ride_contexts contexts, ids::customer_id customer, ids::rental_id rental_id,
                 ids::station_id station, app::reply<rental> done) {
  self->request(contexts.fleet, caf::infinite, return_atom::value, customer, rental_id, station,
                ticket_finish_actor{contexts.tickets})
      .then([=](rental& ended) { done(std::move(ended)); },
            [=](caf::error& refusal) { done(std::unexpected(from_caf(refusal))); });
}

void recover_rides(caf::event_based_actor* self, ride_contexts contexts, std::vector<ticket> in_use,
                   std::function<void(result<std::size_t>)> done) {
  struct progress {
    std::size_t waiting = 0;
    std::size_t repaired = 0;
    std::optional<error> failure{};
  };
  auto state = std::make_shared<progress>(progress{in_use.size()});
  auto settle = [=](bool repaired, std::optional<error> failure = std::nullopt) {
    if (repaired) ++state->repaired;
    if (failure && !state->failure) state->failure = std::move(failure);
    if (--state->waiting > 0) return;
    if (state->failure)
      done(std::unexpected(*state->failure));
    else
      done(state->repaired);
  };
  if (in_use.empty()) return done(std::size_t{0});
  for (const auto& t : in_use) {
    if (!t.rental_id) {  // in use names its rental; a ticket without one has nothing to repair
      settle(false);
      continue;
    }
    const ids::rental_id rental_id = *t.rental_id;
    auto repair = [=](auto atom, auto... xs) {
      self->request(contexts.tickets, caf::infinite, atom, t.id, rental_id, xs...)
          .then([=](const ticket&) { settle(true); }, [=](caf::error& e) { settle(false, from_caf(e)); });
    };
    self->request(contexts.fleet, caf::infinite, rental_atom::value, rental_id)
        .then(
            [=](const rental& r) {
              if (r.status == rental_status::returned)
                repair(finish_atom::value, ports::changeset{});
              else
                settle(false);
            },
            [=](caf::error& e) {
              auto why = from_caf(e);
              if (why.kind == error_kind::not_found)
                repair(release_atom::value);
              else
                settle(false, why);
            });
  }
}

}  // namespace ttareungyi::actors
