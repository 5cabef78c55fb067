#include "tickets.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>

#include "registry.hpp"

namespace ttareungyi::actors {
namespace {

using namespace domain;

// One ticket. Messages are the desk's, minus listing.
using ticket_actor = caf::typed_actor<
    caf::replies_to<buy_atom, std::string, ticket_type>::with<ticket>,
    caf::replies_to<pay_atom, std::string, std::string>::with<ticket>,
    caf::replies_to<cancel_atom, std::string, std::string>::with<ticket>,
    caf::replies_to<get_atom, std::string, std::string>::with<ticket>,
    caf::replies_to<reserve_atom, std::string, std::string, std::string>::with<ticket>,
    caf::replies_to<release_atom, std::string, std::string>::with<ticket>,
    caf::replies_to<finish_atom, std::string, std::string>::with<ticket>,
    caf::reacts_to<idle_atom>>;

struct ticket_state {
  std::string id;
  std::optional<ticket> current;
  bool stale = false;  // a commit failed: `current` may not be what storage holds
  bool settled = false;  // checked, as loaded, for a cancellation its refund outran
  entity_life life;
  static inline const char* name = "ticket";
};

using ticket_self = ticket_actor::stateful_pointer<ticket_state>;
using ticket_promise = caf::typed_response_promise<ticket>;

// `cause` is the payment context's refusal: its Retry-After (e.g. until the breaker's trial call)
// is kept when it has one.
error payment_unavailable(const std::string& ticket_id, const caf::error& cause) {
  error e{error_kind::unavailable, "payment_unavailable",
          "payment is unavailable right now; try again later — the ticket waits for payment"};
  const int hint = from_caf(cause).retry_after_seconds;
  e.retry_after_seconds = hint > 0 ? hint : 5;
  return e.with("ticketId", ticket_id);
}

error payment_declined(const std::string& ticket_id) {
  return error{error_kind::declined, "payment_declined", "the payment was declined"}.with("ticketId", ticket_id);
}

error ticket_not_found(const std::string& id) { return not_found("ticket_not_found", "no such ticket").with("ticketId", id); }

// Applies a decision: the new state and its events commit together, then `then` runs. A
// storage failure deactivates the ticket (its next message reloads it from storage instead of
// trusting a state that may not be durable), then `failed` runs.
template <class Then, class Failed>
void apply(ticket_self self, const environment& env, decided<ticket, event_payload> d, Then then, Failed failed) {
  ports::changeset changes;
  record(changes, d.events, d.state.id, self->state.id, env.now());
  changes.save(d.state);
  self->state.current = std::move(d.state);
  persist(
      self, env, std::move(changes), [then]() mutable { then(); },
      [self, failed](const caf::error& e) mutable {
        self->state.stale = true;
        failed(e);
      });
}

// A request's decision: applied, then `then`; a storage failure refuses the request.
template <class Then>
void decide(ticket_self self, const environment& env, decided<ticket, event_payload> d, ticket_promise rp, Then then) {
  apply(self, env, std::move(d), std::move(then), [rp](const caf::error& e) mutable { rp.deliver(e); });
}

// Cancelling a paid ticket refunds it, then records the cancellation: two commits. A ticket
// loaded paid although its payment was refunded lost the second one; it is recorded now,
// before the ticket serves anything, so refunded money never rents a bicycle.
template <class Promise>
bool settle(ticket_self self, const environment& env, Promise& rp) {
  auto& s = self->state;
  if (s.current && s.current->status == ticket_status::paid) {
    auto p = env.storage->find_payment(s.current->payment_id());
    if (!p) {
      rp.deliver(to_caf(internal(p.error().message)));
      return false;
    }
    if (auto d = *p ? complete_refunded_cancellation(*s.current, **p, env.now()) : std::nullopt)
      apply(self, env, std::move(*d), [] {}, [](const caf::error&) {});
  }
  s.settled = true;
  return true;
}

// Counts a message for the lifecycle and, after a failed commit, reloads the ticket first; a
// failed reload refuses the message and leaves the ticket deactivated for the next one.
template <class Promise>
bool ready(ticket_self self, const environment& env, Promise& rp) {
  auto& s = self->state;
  s.life.arrived(self);
  if (s.stale) {
    auto found = env.storage->find_ticket(s.id);
    if (!found) {
      rp.deliver(to_caf(internal(found.error().message)));
      return false;
    }
    s.current = std::move(*found);
    s.stale = false;
    s.settled = false;
  }
  return s.settled || settle(self, env, rp);
}

void deliver_current(ticket_self self, ticket_promise rp) { rp.deliver(*self->state.current); }

// Charges the ticket's current payment attempt and records the verdict.
void charge(ticket_self self, const environment& env, payment_actor payment, ticket_promise rp) {
  const ticket& t = *self->state.current;
  ports::charge_request request{t.payment_id(), t.terms().price, t.id};
  self->request(payment, env.payment_timeout * 2, charge_atom::value, std::move(request))
      .await(
          [=](charge_verdict verdict) mutable {
            const ticket& now = *self->state.current;
            const bool approved = verdict == charge_verdict::approved;
            auto d = approved ? record_payment_approved(now, env.now()) : record_payment_declined(now);
            if (refused(d, rp)) return;
            decide(self, env, std::move(*d), rp, [=]() mutable {
              if (approved)
                deliver_current(self, rp);
              else
                rp.deliver(to_caf(payment_declined(self->state.id)));
            });
          },
          [=](caf::error& e) mutable { rp.deliver(to_caf(payment_unavailable(self->state.id, e))); });
}

error cancel_unavailable(const std::string& ticket_id, const caf::error& cause, std::string detail) {
  auto e = payment_unavailable(ticket_id, cause);
  e.detail = std::move(detail);
  return e;
}

ticket_actor::behavior_type ticket_entity(ticket_self self, std::string id, std::optional<ticket> loaded,
                                          environment env, payment_actor payment, ticket_desk_actor desk) {
  self->state.id = std::move(id);
  self->state.current = std::move(loaded);
  self->state.life.idle = idle_timer{env.passivate_after};
  // The ticket as its owner sees it: another customer's ticket does not exist for them.
  auto owned = [self](const std::string& customer) -> result<ticket> {
    const auto& t = self->state.current;
    if (!t || (!customer.empty() && t->customer_id != customer)) return std::unexpected(ticket_not_found(self->state.id));
    return *t;
  };
  // Runs a rule on the owned ticket and persists what it decided.
  auto transition = [self, env, owned](const std::string& customer, auto rule) {
    ticket_promise rp = self->template make_response_promise<ticket>();
    if (!ready(self, env, rp)) return rp;
    auto t = owned(customer);
    if (refused(t, rp)) return rp;
    auto d = rule(*t);
    if (refused(d, rp)) return rp;
    decide(self, env, std::move(*d), rp, [=]() mutable { deliver_current(self, rp); });
    return rp;
  };
  return {
      [=](buy_atom, std::string& customer, ticket_type type) {
        ticket_promise rp = self->make_response_promise<ticket>();
        if (!ready(self, env, rp)) return rp;
        if (self->state.current) {
          rp.deliver(to_caf(conflict("ticket_exists", "ticket exists already")));
          return rp;
        }
        decide(self, env, purchase_ticket(self->state.id, customer, type, env.now()), rp,
               [=]() mutable { charge(self, env, payment, rp); });
        return rp;
      },
      [=](pay_atom, const std::string& customer, const std::string&) {
        ticket_promise rp = self->make_response_promise<ticket>();
        if (!ready(self, env, rp)) return rp;
        auto t = owned(customer);
        if (refused(t, rp)) return rp;
        if (refused(check_payable(*t), rp)) return rp;
        charge(self, env, payment, rp);
        return rp;
      },
      [=](cancel_atom, const std::string& customer, const std::string&) {
        ticket_promise rp = self->make_response_promise<ticket>();
        if (!ready(self, env, rp)) return rp;
        auto t = owned(customer);
        if (refused(t, rp)) return rp;
        if (refused(cancel_ticket(*t, env.now()), rp)) return rp;
        auto cancel = [=](bool charged_late) mutable {
          auto d = cancel_ticket(*self->state.current, env.now(), charged_late);
          if (refused(d, rp)) return;
          decide(self, env, std::move(*d), rp, [=]() mutable { deliver_current(self, rp); });
        };
        auto refund = [=](money amount) {
          return self->request(payment, env.payment_timeout * 2, refund_atom::value,
                               ports::refund_request{self->state.current->payment_id(), amount});
        };
        const money price = t->terms().price;
        if (t->status == ticket_status::paid) {
          // Refund first, then record the cancellation: a refund the provider refuses leaves
          // the ticket paid and usable, and a retry refunds the same payment id at most once.
          refund(price).await([=](ok_atom) mutable { cancel(false); },
                              [=](caf::error& e) mutable {
                                rp.deliver(to_caf(cancel_unavailable(
                                    self->state.id, e,
                                    "the refund could not be made right now; try again later — the ticket stays paid")));
                              });
        } else if (awaiting_payment(*t)) {
          // The purchase may have given up on a charge the provider approved later: the payment
          // context refunds it if it was taken, or says nothing was; while it cannot tell (the
          // charge still in flight, payment down), the ticket stays as it is.
          refund(price).await([=](ok_atom) mutable { cancel(true); },
                              [=](caf::error& e) mutable {
                                if (from_caf(e).code == "payment_not_refundable") return cancel(false);
                                rp.deliver(to_caf(cancel_unavailable(
                                    self->state.id, e,
                                    "whether the payment was taken cannot be checked right now; try again later — "
                                    "the ticket stays as it is")));
                              });
        } else {
          cancel(false);
        }
        return rp;
      },
      [=](get_atom, const std::string& customer, const std::string&) {
        ticket_promise rp = self->make_response_promise<ticket>();
        if (!ready(self, env, rp)) return rp;
        auto t = owned(customer);
        if (!refused(t, rp)) rp.deliver(*t);
        return rp;
      },
      [=](reserve_atom, const std::string& customer, const std::string&, const std::string& rental) {
        return transition(customer, [&](const ticket& t) { return put_in_use(t, customer, rental); });
      },
      [=](release_atom, const std::string&, const std::string& rental) {
        return transition("", [&](const ticket& t) { return release_ticket(t, rental); });
      },
      [=](finish_atom, const std::string&, const std::string& rental) {
        return transition("", [&](const ticket& t) { return finish_ticket(t, rental); });
      },
      [=](idle_atom) { self->state.life.on_tick(self, desk, self->state.id); },
  };
}

struct desk_state {
  std::shared_ptr<entity_registry<ticket_actor>> entities;
  static inline const char* name = "ticket-desk";
};

using desk_self = ticket_desk_actor::stateful_pointer<desk_state>;

ticket_desk_actor::behavior_type ticket_desk(desk_self self, environment env, payment_actor payment) {
  auto entities = std::make_shared<entity_registry<ticket_actor>>(env.gauges ? &env.gauges->tickets : nullptr);
  self->state.entities = entities;
  self->set_down_handler([entities](const caf::down_msg& down) { entities->forget(down.source); });
  self->attach_functor([entities](const caf::error&) { entities->stop_all(); });
  auto spawn = [self, env, payment, entities](const std::string& id, std::optional<ticket> loaded) {
    auto entity = self->spawn(ticket_entity, id, std::move(loaded), env, payment, caf::actor_cast<ticket_desk_actor>(self));
    self->monitor(entity);
    entities->add(id, entity);
  };
  // The ticket's actor, activated from storage when it has none; an error when the ticket does
  // not exist or cannot be read (then no actor is left half-loaded). Counts the message about
  // to be sent to it.
  auto activate = [env, spawn, entities](const std::string& id) -> result<ticket_actor> {
    if (auto entity = entities->route(id)) return *entity;
    auto loaded = env.storage->find_ticket(id);
    if (!loaded) return std::unexpected(internal(loaded.error().message));
    if (!*loaded) return std::unexpected(ticket_not_found(id));
    spawn(id, std::move(*loaded));
    return *entities->route(id);
  };
  // Forwards a request to the ticket's actor, which answers the caller directly.
  auto route = [self, activate](const std::string& id, auto... xs) -> caf::result<ticket> {
    auto entity = activate(id);
    if (!entity) return to_caf(entity.error());
    return self->delegate(*entity, xs...);
  };
  return {
      [=](buy_atom atom, const std::string& customer, ticket_type type) -> caf::result<ticket> {
        auto id = new_id("t_");
        spawn(id, std::nullopt);
        return self->delegate(*entities->route(id), atom, customer, type);
      },
      [=](pay_atom atom, const std::string& customer, const std::string& id) { return route(id, atom, customer, id); },
      [=](cancel_atom atom, const std::string& customer, const std::string& id) { return route(id, atom, customer, id); },
      [=](get_atom atom, const std::string& customer, const std::string& id) { return route(id, atom, customer, id); },
      [=](reserve_atom atom, const std::string& customer, const std::string& id, const std::string& rental) {
        return route(id, atom, customer, id, rental);
      },
      [=](release_atom atom, const std::string& id, const std::string& rental) { return route(id, atom, id, rental); },
      [=](finish_atom atom, const std::string& id, const std::string& rental) { return route(id, atom, id, rental); },
      [=](list_atom, const std::string& customer) -> caf::result<std::vector<ticket>> {
        auto found = env.storage->tickets_of(customer);
        if (!found) return to_caf(internal(found.error().message));
        return std::move(*found);
      },
      [=](passivate_atom, const std::string& id, std::uint64_t handled) {
        return entities->release(id, self->current_sender() ? self->current_sender()->address() : caf::actor_addr{},
                                 handled);
      },
  };
}

}  // namespace

ticket_desk_actor spawn_ticket_desk(caf::actor_system& system, environment env, payment_actor payment) {
  return system.spawn(ticket_desk, std::move(env), std::move(payment));
}

}  // namespace ttareungyi::actors
