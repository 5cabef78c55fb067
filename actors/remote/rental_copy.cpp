#include "rental_copy.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "../read_side/consumer.hpp"
#include "../read_side/read_side.hpp"
#include "../timer.hpp"

namespace ttareungyi::actors {
namespace {

struct copy_state {
  std::uint64_t position = 0;  // the last journal sequence applied to the board
  read_gate gate;
  static inline const char* name = "rental-copy";
};

using copy_self = caf::stateful_actor<copy_state>;

caf::behavior rental_copy(copy_self* self, core_actor core, std::shared_ptr<rental_board> board,
                          rental_copy_settings settings) {
  // One long poll after another; after a refusal (the core away), again after `retry`.
  auto read = [=] {
    self->request(core, settings.call_timeout, journal_atom::value, pull_atom::value, self->state.position,
                  settings.batch)
        .then(
            [=](std::vector<ports::recorded_event>& batch) {
              auto& s = self->state;
              if (!batch.empty()) {
                s.position = batch.back().sequence;
                board->publish(rental_changes(batch, *board), s.position);
                s.gate.reached(s.position);
              } else if (!board->position()) {
                board->publish({}, s.position);  // caught up with an empty journal
              }
              self->send(self, pull_atom::value);
            },
            [=](caf::error&) { send_later(self, settings.retry, pull_atom::value); });
  };
  read();
  return {
      [=](pull_atom) { read(); },
      [=](current_atom, const domain::ids::customer_id& customer, std::uint64_t min) {
        auto to = std::make_shared<owed_answer>(self->make_response_promise(), "the gateway's rental view");
        self->state.gate.when(self->state.position, min, to, [board, customer](const owed& to) {
          if (auto r = board->get(customer))
            to->deliver(std::move(*r));
          else
            to->deliver(to_caf(no_active_rental(customer)));
        });
      },
      [=](wake_atom, std::uint64_t sequence) {
        auto to = std::make_shared<owed_answer>(self->make_response_promise(), "the gateway's rental view");
        self->state.gate.when(self->state.position, sequence, to, [](const owed& to) { to->deliver(ok_atom::value); });
      },
  };
}

}  // namespace

caf::actor spawn_rental_copy(caf::actor_system& system, core_actor core, std::shared_ptr<rental_board> board,
                             rental_copy_settings settings) {
  return system.spawn(rental_copy, std::move(core), std::move(board), settings);
}

}  // namespace ttareungyi::actors
