#pragma once
// A gateway's copy of the remaining-time view (docs/nodes.md). It reads the core's journal
// through the core's front and applies each batch to the gateway's own rental board
// (rental_board.hpp: the same projection as the core's view), which the HTTP threads read with
// no message to any actor and no remote hop. Its reads are long polls: the front answers as
// soon as the journal has events after the copy's position (or with none after a second), and
// the copy asks again at once. A ride answered through this gateway waits until the copy has
// reached that ride's journal sequence (read-your-writes through this gateway).
//
//   (current_atom, customer, min) -> domain::current_rental, or 404 no_active_rental, once the
//                                    board has reached `min`
//   (wake_atom, sequence)         -> ok_atom once the board has reached `sequence`
// Answers still waiting when it stops are refused with view_unavailable.
#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

#include "../interfaces.hpp"
#include "../read_side/rental_board.hpp"

namespace ttareungyi::actors {

struct rental_copy_settings {
  std::chrono::milliseconds retry{100};         // after a read the core refused or did not answer
  std::chrono::milliseconds call_timeout{3000};  // more than the front's longest wait (1 s)
  std::uint64_t batch = 1024;                  // events per read (the front's ceiling)
};

caf::actor spawn_rental_copy(caf::actor_system& system, core_actor core, std::shared_ptr<rental_board> board,
                             rental_copy_settings settings = {});

}  // namespace ttareungyi::actors
