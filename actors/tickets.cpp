#include "tickets.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>

#include "entity.hpp"

namespace ttareungyi::actors {
namespace {

using namespace domain;

// One ticket. Messages are the desk's, minus listing.
using ticket_actor = caf::typed_actor<
    caf::replies_to<buy_atom, ids::customer_id, ticket_type>::with<ticket>,
    caf::replies_to<pay_atom, ids::customer_id, ids::ticket_id>::with<ticket>,
    caf::replies_to<cancel_atom, ids::customer_id, ids::ticket_id>::with<ticket>,
    caf::replies_to<get_atom, ids::customer_id, ids::ticket_id>::with<ticket>,
    caf::replies_to<reserve_atom, ids::customer_id, ids::ticket_id, ids::rental_id, ids::bicycle_id,
                    bicycle_rent_actor>::with<rental>,
    caf::replies_to<release_atom, ids::ticket_id, ids::rental_id>::with<ticket>,
    caf::replies_to<finish_atom, ids::ticket_id, ids::rental_id, ports::changeset>::with<ticket>,
    caf::reacts_to<idle_atom>>;

struct ticket_state : entity_base<ids::ticket_id> {
  std::optional<ticket> current;
  bool settled = false;  // checked, as loaded, for a cancellation its refund outran
  static inline const char* name = "ticket";
};

using ticket_self = ticket_actor::stateful_pointer<ticket_state>;
using ticket_promise = caf::typed_response_promise<ticket>;

// `cause` is the payment context's refusal: its Retry-After (e.g. until the breaker's trial call)
// is kept when it has one.
error payment_unavailable(const ids::ticket_id& ticket_id, const caf::error& cause) {
  error e{error_kind::unavailable, error_code::payment_unavailable,
          "payment is unavailable right now; try again later — the ticket waits for payment"};
  const int hint = from_caf(cause).retry_after_seconds;
  e.retry_after_seconds = hint > 0 ? hint : 5;
  return e.with("ticketId", ticket_id);
}

error payment_declined(const ids::ticket_id& ticket_id) {
  return error{error_kind::declined, error_code::payment_declined, "the payment was declined"}.with("ticketId", ticket_id);
}

// What the ticket context needs of the others, and its own store.
struct ticket_context {
  environment env;
  const ports::ticket_store* store = nullptr;
  payment_actor payment;
};

// A decision's changes: the new state and its events.
ports::changeset changes_of(ticket_self self, const environment& env, const decided<ticket, event_payload>& d) {
  ports::changeset changes;
  record(changes, d.events, d.state.id, self->state.id, env.now());
  changes.save(d.state);
  return changes;
}

// Applies a decision: its changes (after `before`, another context's, when given) commit
// together, then `then` runs; on a storage failure the ticket is stale (entity.hpp) and
// `failed` runs.
template <class Then, class Failed>
void apply(ticket_self self, const environment& env, decided<ticket, event_payload> d, Then then, Failed failed,
           ports::changeset before = {}) {
  before.merge(changes_of(self, env, d));
  self->state.current = std::move(d.state);
  entity_commit(self, env, std::move(before), std::move(then), std::move(failed));
}

// A request's decision: applied, then `then`; a storage failure refuses the request.
template <class Then>
void decide(ticket_self self, const environment& env, decided<ticket, event_payload> d, ticket_promise rp, Then then,
            ports::changeset before = {}) {
  apply(self, env, std::move(d), std::move(then), [rp](const caf::error& e) mutable { rp.deliver(e); }, std::move(before));
}

// Puts the ticket in use for the rental, if its rules allow, and has the bicycle rented with
// that change in one commit (interfaces.hpp). The ticket takes its new state only once the
// commit is done; a refused rent leaves it as it was, and a failed one leaves it stale.
void rent_with(ticket_self self, const environment& env, const ticket& t, const ids::customer_id& customer,
               const ids::rental_id& rental_id, const ids::bicycle_id& bicycle, const bicycle_rent_actor& fleet,
               caf::typed_response_promise<rental> rp) {
  auto d = put_in_use(t, customer, rental_id);
  if (refused(d, rp)) return;
  rent_request request{rental_id, t.id, customer, t.terms().ride_time};
  self->request(fleet, caf::infinite, rent_atom::value, bicycle, std::move(request), changes_of(self, env, *d))
      .await(
          [=, held = std::move(d->state)](rental& started) mutable {
            self->state.current = std::move(held);
            rp.deliver(std::move(started));
          },
          [=](caf::error& e) mutable {
            self->state.stale = !is_refusal(from_caf(e));
            rp.deliver(e);
          });
}

// Cancelling a paid ticket refunds it, then records the cancellation: two commits. A ticket
// loaded paid although its payment was refunded lost the second one; it is recorded now,
// before the ticket serves anything, so refunded money never rents a bicycle. The payment
// context is asked (the ticket never reads its records); while it cannot answer, the ticket
// serves as it was loaded and asks again with its next message.
template <class Serve>
void settle(ticket_self self, const ticket_context& ctx, Serve serve) {
  auto& s = self->state;
  if (s.settled || !s.current || s.current->status != ticket_status::paid) {
    s.settled = true;
    return serve();
  }
  const auto env = ctx.env;
  self->request(ctx.payment, env.payment_timeout * 2, get_atom::value, s.current->payment_id())
      .await(
          [=](const payment& p) mutable {
            self->state.settled = true;
            if (auto d = complete_refunded_cancellation(*self->state.current, p, env.now()))
              apply(self, env, std::move(*d), [] {}, [](const caf::error&) {});
            serve();
          },
          [=](caf::error& e) mutable {
            self->state.settled = from_caf(e).kind == error_kind::not_found;  // nothing was charged
            serve();
          });
}

// The shell's ready (entity.hpp), reloading from the ticket's own store, then settle: `serve`
// runs once the ticket may decide, or never when the reload failed (the request is refused).
template <class Promise, class Serve>
void when_ready(ticket_self self, const ticket_context& ctx, Promise& rp, Serve serve) {
  auto reload = [self, &ctx]() -> result<void> {
    auto found = ctx.store->find_ticket(self->state.id);
    if (!found) return std::unexpected(internal(found.error().message));
    self->state.current = std::move(*found);
    self->state.settled = false;
    return {};
  };
  if (entity_ready(self, rp, reload)) settle(self, ctx, std::move(serve));
}

// Runs `serve(rp)` once the ticket may decide (when_ready), with the request's promise (of a
// ticket unless `Answer` says otherwise).
template <class Answer = ticket, class Serve>
caf::typed_response_promise<Answer> handle(ticket_self self, const ticket_context& ctx, Serve serve) {
  auto rp = self->make_response_promise<Answer>();
  when_ready(self, ctx, rp, [rp, serve = std::move(serve)]() mutable { serve(rp); });
  return rp;
}

void deliver_current(ticket_self self, ticket_promise rp) { rp.deliver(*self->state.current); }

// Charges the ticket's current payment attempt. The payment context commits the verdict with
// the ticket's change for it, prepared here (interfaces.hpp); when it did not (a verdict it had
// recorded before, payment on another node), the ticket records the verdict itself. A call
// left without an answer leaves the ticket stale: the verdict may still be recorded with its
// change, and the ticket's next message reloads it.
void charge(ticket_self self, const environment& env, payment_actor payment, ticket_promise rp) {
  const ticket& t = *self->state.current;
  ports::charge_request request{t.payment_id(), t.terms().price, t.id.str()};
  auto approved = record_payment_approved(t, env.now());
  auto declined = record_payment_declined(t);
  ticket_verdicts prepared;
  if (approved) prepared.approved = changes_of(self, env, *approved);
  if (declined) prepared.declined = changes_of(self, env, *declined);
  self->request(payment, env.payment_timeout * 2, charge_atom::value, std::move(request), std::move(prepared))
      .await(
          [=](const charge_receipt& receipt) mutable {
            const bool paid = receipt.verdict == charge_verdict::approved;
            auto d = paid ? approved : declined;
            if (refused(d, rp)) return;
            auto answer = [=]() mutable {
              if (paid)
                deliver_current(self, rp);
              else
                rp.deliver(to_caf(payment_declined(self->state.id)));
            };
            if (!receipt.recorded) return decide(self, env, std::move(*d), rp, answer);
            self->state.current = std::move(d->state);
            answer();
          },
          [=](caf::error& e) mutable {
            self->state.stale = true;
            rp.deliver(to_caf(payment_unavailable(self->state.id, e)));
          });
}

error cancel_unavailable(const ids::ticket_id& ticket_id, const caf::error& cause, std::string detail) {
  auto e = payment_unavailable(ticket_id, cause);
  e.detail = std::move(detail);
  return e;
}

ticket_actor::behavior_type ticket_entity(ticket_self self, ids::ticket_id id, std::optional<ticket> loaded,
                                          ticket_context ctx, ticket_desk_actor desk) {
  self->state.id = std::move(id);
  self->state.current = std::move(loaded);
  self->state.life.idle = idle_timer{ctx.env.passivate_after};
  const auto env = ctx.env;
  const auto payment = ctx.payment;
  // The ticket as its owner sees it: another customer's ticket does not exist for them. The
  // rental context, asking for no customer, sees every ticket.
  auto owned = [self](const std::optional<ids::customer_id>& customer) -> result<ticket> {
    const auto& t = self->state.current;
    if (!t || (customer && t->customer_id != *customer)) return std::unexpected(ticket_not_found(self->state.id));
    return *t;
  };
  // Runs a rule on the owned ticket and persists what it decided.
  auto transition = [self, ctx, env, owned](std::optional<ids::customer_id> customer, auto rule) {
    return handle(self, ctx, [=](ticket_promise rp) mutable {
      auto t = owned(customer);
      if (refused(t, rp)) return;
      auto d = rule(*t);
      if (refused(d, rp)) return;
      decide(self, env, std::move(*d), rp, [=]() mutable { deliver_current(self, rp); });
    });
  };
  return {
      [=](buy_atom, const ids::customer_id& customer, ticket_type type) {
        return handle(self, ctx, [=](ticket_promise rp) mutable {
          if (self->state.current) {
            rp.deliver(to_caf(conflict(error_code::ticket_exists, "ticket exists already")));
            return;
          }
          decide(self, env, purchase_ticket(self->state.id, customer, type, env.now()), rp,
                 [=]() mutable { charge(self, env, payment, rp); });
        });
      },
      [=](pay_atom, const ids::customer_id& customer, const ids::ticket_id&) {
        return handle(self, ctx, [=](ticket_promise rp) mutable {
          auto t = owned(customer);
          if (refused(t, rp) || refused(check_payable(*t), rp)) return;
          charge(self, env, payment, rp);
        });
      },
      [=](cancel_atom, const ids::customer_id& customer, const ids::ticket_id&) {
        return handle(self, ctx, [=](ticket_promise rp) mutable {
          auto t = owned(customer);
          if (refused(t, rp) || refused(cancel_ticket(*t, env.now()), rp)) return;
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
                                  if (from_caf(e).code == error_code::payment_not_refundable) return cancel(false);
                                  rp.deliver(to_caf(cancel_unavailable(
                                      self->state.id, e,
                                      "whether the payment was taken cannot be checked right now; try again later — "
                                      "the ticket stays as it is")));
                                });
          } else {
            cancel(false);
          }
        });
      },
      [=](get_atom, const ids::customer_id& customer, const ids::ticket_id&) {
        return handle(self, ctx, [=](ticket_promise rp) mutable {
          auto t = owned(customer);
          if (!refused(t, rp)) rp.deliver(*t);
        });
      },
      [=](reserve_atom, const ids::customer_id& customer, const ids::ticket_id&, const ids::rental_id& rental_id,
          const ids::bicycle_id& bicycle, const bicycle_rent_actor& fleet) {
        return handle<rental>(self, ctx, [=](caf::typed_response_promise<rental> rp) mutable {
          auto t = owned(customer);
          if (!refused(t, rp)) rent_with(self, env, *t, customer, rental_id, bicycle, fleet, rp);
        });
      },
      [=](release_atom, const ids::ticket_id&, const ids::rental_id& rental) {
        return transition(std::nullopt, [=](const ticket& t) { return release_ticket(t, rental); });
      },
      [=](finish_atom, const ids::ticket_id&, const ids::rental_id& rental, ports::changeset& returned) {
        return handle(self, ctx, [=, returned = std::move(returned)](ticket_promise rp) mutable {
          auto t = owned(std::nullopt);
          if (refused(t, rp)) return;
          auto d = finish_ticket(*t, rental);
          if (refused(d, rp)) return;
          decide(self, env, std::move(*d), rp, [=]() mutable { deliver_current(self, rp); }, std::move(returned));
        });
      },
      [=](idle_atom) { self->state.life.on_tick(self, desk, self->state.id); },
  };
}

struct desk_state {
  std::shared_ptr<entity_registry<ticket_actor, ids::ticket_id>> entities;
  static inline const char* name = "ticket-desk";
};

using desk_self = ticket_desk_actor::stateful_pointer<desk_state>;

ticket_desk_actor::behavior_type ticket_desk(desk_self self, ticket_context ctx) {
  auto entities = host_entities<ticket_actor, ids::ticket_id>(self, ctx.env.gauges ? &ctx.env.gauges->tickets : nullptr);
  self->state.entities = entities;
  // The ticket's actor, activated with what storage holds for it (nothing, for a purchase); an
  // unknown or unreadable ticket activates nothing.
  auto activate = [self, ctx, entities](const ids::ticket_id& id, bool create) {
    return activate_entity(self, *entities, id, [&]() -> result<ticket_actor> {
      std::optional<ticket> loaded;
      if (!create) {
        auto found = ctx.store->find_ticket(id);
        if (!found) return std::unexpected(internal(found.error().message));
        if (!*found) return std::unexpected(ticket_not_found(id));
        loaded = std::move(*found);
      }
      return self->spawn(ticket_entity, id, std::move(loaded), ctx, caf::actor_cast<ticket_desk_actor>(self));
    });
  };
  // Forwards a request to the ticket's actor, which answers the caller directly.
  auto route = [self, activate](const ids::ticket_id& id, auto&&... xs) {
    return route_to_entity<ticket>(self, activate(id, false), std::forward<decltype(xs)>(xs)...);
  };
  return {
      [=](buy_atom atom, const ids::customer_id& customer, ticket_type type) -> caf::result<ticket> {
        return self->delegate(*activate(ids::ticket_id{new_id("t_")}, true), atom, customer, type);
      },
      [=](pay_atom atom, const ids::customer_id& customer, const ids::ticket_id& id) { return route(id, atom, customer, id); },
      [=](cancel_atom atom, const ids::customer_id& customer, const ids::ticket_id& id) { return route(id, atom, customer, id); },
      [=](get_atom atom, const ids::customer_id& customer, const ids::ticket_id& id) { return route(id, atom, customer, id); },
      [=](reserve_atom atom, const ids::customer_id& customer, const ids::ticket_id& id, const ids::rental_id& rental,
          const ids::bicycle_id& bicycle, const bicycle_rent_actor& fleet) -> caf::result<domain::rental> {
        return route_to_entity<domain::rental>(self, activate(id, false), atom, customer, id, rental, bicycle, fleet);
      },
      [=](release_atom atom, const ids::ticket_id& id, const ids::rental_id& rental) { return route(id, atom, id, rental); },
      [=](finish_atom atom, const ids::ticket_id& id, const ids::rental_id& rental, ports::changeset& returned) {
        return route(id, atom, id, rental, std::move(returned));
      },
      [=](passivate_atom, const ids::ticket_id& id, std::uint64_t handled) {
        return grant_stop(self, *entities, id, handled);
      },
  };
}

}  // namespace

ticket_desk_actor spawn_ticket_desk(caf::actor_system& system, environment env, const ports::ticket_store& tickets,
                                    payment_actor payment) {
  return system.spawn(ticket_desk, ticket_context{std::move(env), &tickets, std::move(payment)});
}

}  // namespace ttareungyi::actors
