#pragma once
// A ride touches two contexts: the ticket (put in use, used) and the bicycle (rented,
// returned). Each step of a ride is one commit of both (interfaces.hpp); these functions start
// the steps for a request, and repair rides that a store written before that left half done.
#include <caf/fwd.hpp>

#include <functional>
#include <vector>

#include "interfaces.hpp"

namespace ttareungyi::actors {

struct ride_contexts {
  ticket_desk_actor tickets;
  fleet_actor fleet;
};

// Puts the customer's paid ticket in use and rents the bicycle, in one commit; if the bicycle
// refuses, nothing is committed.
void rent_ride(caf::event_based_actor* self, ride_contexts contexts, domain::ids::customer_id customer,
               domain::ids::bicycle_id bicycle, domain::ids::ticket_id ticket, app::reply<domain::rental> done);

// Returns the bicycle (ending the rental) and marks the ticket used, in one commit.
void return_ride(caf::event_based_actor* self, ride_contexts contexts, domain::ids::customer_id customer,
                 domain::ids::rental_id rental, domain::ids::station_id station, app::reply<domain::rental> done);

// For every ticket left in use: finish it if its rental ended, release it if its rental never
// started, leave it if the rental is active. Answers how many tickets it repaired. Since rides
// commit once per step, only a store written by an earlier version can need it.
void recover_rides(caf::event_based_actor* self, ride_contexts contexts, std::vector<domain::ticket> in_use,
                   std::function<void(domain::result<std::size_t>)> done);

}  // namespace ttareungyi::actors
