// The webhook deliverer: its own position ("webhook") over the stored notifications. It
// delivers them one at a time, in sequence order, through the notification gateway, up to the
// limit the read side's supervisor gives it (every notice below it is stored: with notifier
// partitions they are stored out of order), and
// commits its position after each acknowledged delivery; a failure (or a gateway silent past
// the delivery timeout) is retried with exponential back-off. At least once: a crash between
// the acknowledgement and the commit delivers that notification again, and the receiver
// deduplicates by notification id. The gateway's callback only sends a message, so a slow or
// hanging gateway holds up this actor alone, never a rent or a return.
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>

#include "read_side.hpp"
#include "timer.hpp"

namespace ttareungyi::actors {
namespace {

struct webhook_state {
  std::uint64_t position = 0;                 // the last acknowledged (and committed) notification
  std::uint64_t limit = 0;                    // every notification up to here is stored (the supervisor's word)
  std::deque<domain::notification> ahead;     // read, not delivered yet, oldest first
  std::uint64_t attempt = 0;                  // the current delivery attempt, to drop stale answers
  bool in_flight = false;                     // waiting for the gateway
  bool waiting_retry = false;                 // waiting for the back-off to pass
  std::optional<backoff> delays;
  static inline const char* name = "webhook";
};

using webhook_self = caf::stateful_actor<webhook_state>*;

constexpr const char* webhook_consumer = "webhook";

caf::behavior webhook(webhook_self self, environment env, const ports::position_store* positions,
                      const ports::notification_store* notifications, ports::notification_gateway* gateway,
                      webhook_settings settings) {
  auto& st = self->state;
  st.delays.emplace(settings.retry_first, settings.retry_ceiling);
  auto position = load_position(self, *positions, webhook_consumer);
  if (!position) return {};
  st.position = *position;
  // Hands the oldest pending notification to the gateway.
  auto send_one = [self, gateway, settings] {
    auto& s = self->state;
    const auto attempt = ++s.attempt;
    s.in_flight = true;
    auto me = caf::actor_cast<caf::actor_addr>(self);
    gateway->deliver(s.ahead.front(), [me, attempt](bool delivered) {
      if (auto to = caf::actor_cast<caf::actor>(me)) caf::anon_send(to, delivered_atom::value, attempt, delivered);
    });
    send_later(self, settings.delivery_timeout, delivered_atom::value, attempt, false);
  };
  // Delivers the next notification, if there is one and nothing is under way.
  auto next = [self, notifications, settings, send_one] {
    auto& s = self->state;
    if (s.in_flight || s.waiting_retry) return;
    if (s.ahead.empty()) {
      auto found = notifications->notifications_after(s.position, settings.read_ahead);
      if (!found) return self->quit(to_caf(domain::internal("cannot read notifications: " + found.error().message)));
      // Above the limit, one stored later may still come before these: they wait.
      for (auto& n : *found)
        if (n.sequence <= s.limit) s.ahead.push_back(std::move(n));
    }
    if (!s.ahead.empty()) send_one();
  };
  return {
      [self, next](wake_atom, std::uint64_t stored) {
        self->state.limit = std::max(self->state.limit, stored);
        next();
      },
      [self, env, next](delivered_atom, std::uint64_t attempt, bool delivered) {
        auto& s = self->state;
        if (attempt != s.attempt || !s.in_flight) return;  // stale: a timed-out attempt answering late
        s.in_flight = false;
        if (!delivered) {
          s.waiting_retry = true;
          send_later(self, s.delays->next(), retry_atom::value, attempt);
          return;
        }
        const auto sequence = s.ahead.front().sequence;
        ports::changeset changes;
        changes.save(ports::consumer_position{webhook_consumer, sequence}).mark_derived();
        persist(
            self, env, std::move(changes),
            [self, next, sequence] {
              auto& s = self->state;
              s.position = sequence;
              s.ahead.pop_front();
              s.delays->reset();
              next();
            },
            [self](const caf::error& e) { self->quit(e); });
      },
      [self, send_one](retry_atom, std::uint64_t attempt) {
        auto& s = self->state;
        if (attempt != s.attempt || !s.waiting_retry) return;
        s.waiting_retry = false;
        send_one();
      },
  };
}

}  // namespace

caf::actor spawn_webhook(caf::event_based_actor* parent, const environment& env, const ports::position_store& positions,
                         const ports::notification_store& notifications, ports::notification_gateway* gateway,
                         webhook_settings settings) {
  return parent->spawn(webhook, env, &positions, &notifications, gateway, settings);
}

}  // namespace ttareungyi::actors
