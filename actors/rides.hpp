#pragma once
// A ride touches two contexts: the ticket (put in use, used) and the bicycle (rented,
// returned). These short-lived actors coordinate them, one per request, and repair what a
// crash between the steps left behind.
#include <caf/fwd.hpp>

#include <functional>
#include <vector>

#include "interfaces.hpp"

namespace ttareungyi::actors {

struct ride_contexts {
  ticket_desk_actor tickets;
  fleet_actor fleet;
};

// Puts the customer's paid ticket in use, then rents the bicycle; if the bicycle refuses, the
// ticket is released before the refusal is answered. A crash in between is repaired by
// recover_rides at the next start.
void rent_ride(caf::event_based_actor* self, ride_contexts contexts, domain::ids::customer_id customer,
               domain::ids::bicycle_id bicycle, domain::ids::ticket_id ticket, app::reply<domain::rental> done);

// Returns the bicycle (ending the rental), then marks the ticket used.
void return_ride(caf::event_based_actor* self, ride_contexts contexts, domain::ids::customer_id customer,
                 domain::ids::rental_id rental, domain::ids::station_id station, app::reply<domain::rental> done);

// For every ticket left in use: finish it if its rental ended, release it if its rental never
// started, leave it if the rental is active. Answers how many tickets it repaired.
void recover_rides(caf::event_based_actor* self, ride_contexts contexts, std::vector<domain::ticket> in_use,
                   std::function<void(domain::result<std::size_t>)> done);

}  // namespace ttareungyi::actors
