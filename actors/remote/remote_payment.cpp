#include "remote_payment.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "stand_in.hpp"

namespace ttareungyi::actors {
namespace {

using stand_in_actor = payment_actor::extend<caf::reacts_to<retry_atom>>;

struct remote_payment_state : stand_in_state {
  static inline const char* name = "remote-payment";
};

using stand_in_self = stand_in_actor::stateful_pointer<remote_payment_state>;

stand_in_actor::behavior_type stand_in(stand_in_self self, link_settings settings, std::shared_ptr<peer_board> board,
                                       const domain::clock* clock, std::chrono::milliseconds call_timeout) {
  auto pass_on = start_stand_in(self, std::move(settings), std::move(board), clock, call_timeout, [self] {
    return away(*self->state.link, domain::error_code::payment_unavailable, "payment node");
  });
  return {
      [=](charge_atom atom, ports::charge_request& request) {
        return pass_on(self->make_response_promise<domain::charge_verdict>(), atom, std::move(request));
      },
      // The ticket's changes cannot travel to the payment node: the plain charge goes, and the
      // ticket records the verdict itself (recorded: false).
      [=](charge_atom atom, ports::charge_request& request, ticket_verdicts&) {
        auto rp = self->make_response_promise<charge_receipt>();
        self->request(caf::actor_cast<payment_actor>(self), caf::infinite, atom, std::move(request))
            .then([rp](domain::charge_verdict verdict) mutable { rp.deliver(charge_receipt{verdict, false}); },
                  [rp](caf::error& e) mutable { rp.deliver(e); });
        return rp;
      },
      [=](charge_atom atom, domain::overtime_charge& fee) {
        return pass_on(self->make_response_promise<domain::charge_verdict>(), atom, std::move(fee));
      },
      [=](refund_atom atom, ports::refund_request& request) {
        return pass_on(self->make_response_promise<ok_atom>(), atom, std::move(request));
      },
      [=](get_atom atom, std::string& id) {
        return pass_on(self->make_response_promise<domain::payment>(), atom, std::move(id));
      },
      [=](retry_atom) { self->state.link->retry(self); },
  };
}

}  // namespace

payment_actor spawn_remote_payment(caf::actor_system& system, link_settings link, std::shared_ptr<peer_board> board,
                                   const domain::clock& clock, std::chrono::milliseconds call_timeout) {
  return system.spawn(stand_in, std::move(link), std::move(board), &clock, call_timeout);
}

}  // namespace ttareungyi::actors
