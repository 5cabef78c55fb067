#include "remote_payment.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>

namespace ttareungyi::actors {
namespace {

using stand_in_actor = payment_actor::extend<caf::reacts_to<retry_atom>>;

struct stand_in_state {
  std::optional<peer_link> link;
  // The calls passed on and not answered yet, by number: failed at once when the link breaks.
  std::map<std::uint64_t, std::function<void(const caf::error&)>> in_flight;
  std::uint64_t next = 0;
  static inline const char* name = "remote-payment";
};

using stand_in_self = stand_in_actor::stateful_pointer<stand_in_state>;

stand_in_actor::behavior_type stand_in(stand_in_self self, link_settings settings, std::shared_ptr<peer_board> board,
                                       const domain::clock* clock, std::chrono::milliseconds call_timeout) {
  auto away = [self] {
    const auto& link = *self->state.link;
    domain::error e{domain::error_kind::unavailable, domain::error_code::payment_unavailable,
                    "the payment node at " + link.address().text() + " is not reachable"};
    e.retry_after_seconds = link.retry_after_seconds();
    return to_caf(e);
  };
  auto& link = self->state.link.emplace(std::move(settings), std::move(board), clock);
  link.start(self, [self, away] {
    auto in_flight = std::move(self->state.in_flight);
    self->state.in_flight.clear();
    for (auto& [n, fail] : in_flight) fail(away());
  });
  auto pass_on = [self, call_timeout, away]<class Answer>(caf::typed_response_promise<Answer> rp, auto... xs) {
    if (!self->state.link->remote()) {
      rp.deliver(away());
      return rp;
    }
    const auto n = ++self->state.next;
    self->state.in_flight.emplace(n, [rp](const caf::error& e) mutable { rp.deliver(e); });
    // Answered once: by the peer, by the timeout, or by a broken link (whichever comes first).
    auto settle = [self, n] { return self->state.in_flight.erase(n) == 1; };
    self->request(self->state.link->remote(), call_timeout, xs...)
        .then([rp, settle](Answer& answer) mutable {
                if (settle()) rp.deliver(std::move(answer));
              },
              [rp, settle](caf::error& e) mutable {
                if (settle()) rp.deliver(std::move(e));
              });
    return rp;
  };
  return {
      [=](charge_atom atom, ports::charge_request& request) {
        return pass_on(self->make_response_promise<domain::charge_verdict>(), atom, std::move(request));
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
