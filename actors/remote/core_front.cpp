#include "core_front.hpp"

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>

#include "../journal.hpp"
#include "../rides.hpp"

namespace ttareungyi::actors {
namespace {

using domain::ids::customer_id;

core_actor::behavior_type front(core_actor::pointer self, core_contexts c) {
  // Passes the message on: `to` answers the caller directly.
  auto pass = [self]<class Answer>(caf::typed_response_promise<Answer> rp, const auto& to, auto... xs) {
    return rp.delegate(to, std::move(xs)...);
  };
  // A ride's steps, in an actor of their own that ends with the answer. (The contexts go as a
  // spawn argument: CAF 0.17 has undefined behaviour spawning a function actor without one.)
  auto ride = [self, c](caf::typed_response_promise<domain::rental> rp, auto step, auto... xs) {
    self->spawn(
        [=](caf::event_based_actor* rider, ride_contexts contexts) mutable {
          step(rider, contexts, xs..., [rp](domain::result<domain::rental> r) mutable {
            if (r)
              rp.deliver(std::move(*r));
            else
              rp.deliver(to_caf(r.error()));
          });
        },
        ride_contexts{c.desk, c.fleet});
    return rp;
  };
  auto seen = [c](std::uint64_t min) { return std::max(min, c.journal->last_sequence()); };
  return {
      [=](sign_up_atom a, domain::sign_up_request& r) {
        return pass(self->make_response_promise<app::customer_profile>(), c.identity, a, std::move(r));
      },
      [=](login_atom a, std::string& phone, std::string& password) {
        return pass(self->make_response_promise<app::customer_profile>(), c.identity, a, std::move(phone),
                    std::move(password));
      },
      [=](buy_atom a, customer_id& who, domain::ticket_type type) {
        return pass(self->make_response_promise<domain::ticket>(), c.desk, a, std::move(who), type);
      },
      [=](pay_atom a, customer_id& who, domain::ids::ticket_id& t) {
        return pass(self->make_response_promise<domain::ticket>(), c.desk, a, std::move(who), std::move(t));
      },
      [=](cancel_atom a, customer_id& who, domain::ids::ticket_id& t) {
        return pass(self->make_response_promise<domain::ticket>(), c.desk, a, std::move(who), std::move(t));
      },
      [=](get_atom a, customer_id& who, domain::ids::ticket_id& t) {
        return pass(self->make_response_promise<domain::ticket>(), c.desk, a, std::move(who), std::move(t));
      },
      [=](list_atom a, customer_id& who, app::page_request& page) {
        return pass(self->make_response_promise<app::page<domain::ticket>>(), c.ticket_listings, a, std::move(who),
                    std::move(page));
      },
      [=](station_atom a, add_atom b, app::new_station& s) {
        return pass(self->make_response_promise<app::station_view>(), c.fleet, a, b, std::move(s));
      },
      [=](alert_atom a, add_atom b, domain::alert_request& r) {
        return pass(self->make_response_promise<domain::alert>(), c.fleet, a, b, std::move(r));
      },
      [=](bicycle_atom a, add_atom b, app::new_bicycle& n) {
        return pass(self->make_response_promise<domain::bicycle>(), c.fleet, a, b, std::move(n));
      },
      [=](bicycle_atom a, remove_atom b, domain::ids::bicycle_id& id) {
        return pass(self->make_response_promise<ok_atom>(), c.fleet, a, b, std::move(id));
      },
      [=](bicycle_atom a, list_atom b, app::bicycle_query& q, app::page_request& page) {
        return pass(self->make_response_promise<app::page<domain::bicycle>>(), c.rental_listings, a, b, std::move(q),
                    std::move(page));
      },
      [=](alert_atom a, list_atom b) {
        return pass(self->make_response_promise<std::vector<domain::alert>>(), c.rental_listings, a, b);
      },
      [=](rent_atom, customer_id& who, domain::ids::bicycle_id& bicycle, domain::ids::ticket_id& t) {
        return ride(self->make_response_promise<domain::rental>(), rent_ride, std::move(who), std::move(bicycle),
                    std::move(t));
      },
      [=](return_atom, customer_id& who, domain::ids::rental_id& rental, domain::ids::station_id& station) {
        return ride(self->make_response_promise<domain::rental>(), return_ride, std::move(who), std::move(rental),
                    std::move(station));
      },
      [=](current_atom a, customer_id& who, std::uint64_t min) {
        return pass(self->make_response_promise<domain::current_rental>(), c.read_side, a, std::move(who), seen(min));
      },
      [=](station_atom a, list_atom b, app::page_request& page, std::uint64_t min) {
        return pass(self->make_response_promise<app::page<app::station_view>>(), c.read_side, a, b, std::move(page),
                    seen(min));
      },
      [=](notice_atom a, list_atom b, customer_id& who, app::page_request& page, std::uint64_t min) {
        return pass(self->make_response_promise<app::page<domain::notification>>(), c.read_side, a, b, std::move(who),
                    std::move(page), seen(min));
      },
      [c](journal_atom, std::uint64_t after, std::uint64_t max) { return feed(*c.journal, after, max); },
  };
}

}  // namespace

core_actor spawn_core_front(caf::actor_system& system, core_contexts contexts) {
  return system.spawn(front, std::move(contexts));
}

}  // namespace ttareungyi::actors
