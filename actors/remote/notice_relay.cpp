#include "notice_relay.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>

#include "../read_side/read_side.hpp"
#include "../timer.hpp"

namespace ttareungyi::actors {
namespace {

struct relay_state {
  std::uint64_t last = 0;          // the sequence of the last notice passed on
  caf::actor_addr keeper;          // the actor keeping the watch on the core, while registered
  std::chrono::milliseconds wait{};  // the back-off before the next registration
  static inline const char* name = "notice-relay";
};

using relay_self = caf::stateful_actor<relay_state>;

caf::behavior relay(relay_self* self, core_actor core, domain::ids::customer_id customer, std::uint64_t after,
                    std::shared_ptr<guarded_delivery> deliver, relay_settings settings) {
  self->state.last = after;
  self->state.wait = settings.retry_first;
  auto again = [self, settings] {
    send_later(self, self->state.wait, retry_atom::value);
    self->state.wait = std::min(self->state.wait * 2, settings.retry_ceiling);
  };
  auto enroll = [=] {
    self->request(core, settings.call_timeout, watch_atom::value, customer, self->state.last,
                  caf::actor_cast<caf::actor>(self))
        .then(
            [=](caf::actor& keeper) {
              self->state.keeper = keeper.address();
              self->state.wait = settings.retry_first;
              self->monitor(keeper);
            },
            [=](caf::error&) { again(); });
  };
  self->set_down_handler([=](caf::down_msg& down) {
    if (down.source != self->state.keeper) return;
    self->state.keeper = nullptr;
    again();
  });
  enroll();
  return {
      [=](notice_atom, domain::notification& n) {
        if (n.sequence <= self->state.last) return;  // replayed after registering again
        self->state.last = n.sequence;
        (*deliver)(std::move(n));
      },
      [=](retry_atom) { enroll(); },
  };
}

}  // namespace

std::unique_ptr<app::watch> start_relay(caf::actor_system& system, core_actor core, domain::ids::customer_id customer,
                                        std::uint64_t after, std::function<void(domain::notification)> deliver,
                                        relay_settings settings) {
  auto target = std::make_shared<guarded_delivery>(std::move(deliver));
  auto actor = system.spawn(relay, std::move(core), std::move(customer), after, target, settings);
  return watch_handle(std::move(target), [actor] { caf::anon_send_exit(actor, caf::exit_reason::user_shutdown); });
}

}  // namespace ttareungyi::actors
