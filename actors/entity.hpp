#pragma once
// The entity shell, shared by tickets and bicycles: what an entity actor does around its domain
// calls (count the message, reload after a failed commit, persist, passivate), and what its
// registry (the ticket desk, the fleet) does around routing (spawn on first use, forget the
// ones that fail, grant the stops that lose nothing: registry.hpp). An entity actor then holds
// only its messages and its domain calls.
#include <caf/actor_addr.hpp>
#include <caf/system_messages.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>

#include "environment.hpp"
#include "registry.hpp"

namespace ttareungyi::actors {

// The part of an entity actor's state that the shell keeps; the entity's state derives from it.
// `Id` is the entity's id type (domain/ids.hpp).
template <class Id>
struct entity_base {
  Id id;
  bool stale = false;  // a commit failed: what the actor holds may not be what storage holds
  entity_life life;
};

// Before a message is handled: counts it for passivation and, after a failed commit, reloads
// the entity with `reload()` (a domain::result<void>) first. A failed reload refuses the
// message and leaves the entity stale, so that the next message tries again.
template <class Self, class Promise, class Reload>
bool entity_ready(Self* self, Promise& rp, Reload reload) {
  auto& e = self->state;
  e.life.arrived(self);
  if (!e.stale) return true;
  auto reloaded = reload();
  if (refused(reloaded, rp)) return false;
  e.stale = false;
  return true;
}

// Persists a decision; the entity handles nothing else until it is durable. A storage failure
// marks the entity stale (its next message reloads it instead of trusting a state that may not
// be durable), then `failed` runs with the error.
template <class Self, class Ok, class Failed>
void entity_commit(Self* self, const environment& env, ports::changeset changes, Ok ok, Failed failed) {
  persist(self, env, std::move(changes), std::move(ok), [self, failed](const caf::error& e) mutable {
    self->state.stale = true;
    failed(e);
  });
}

// The registry's side, set up in the registry actor `self`: entities that fail are forgotten,
// and they all stop when the registry stops.
template <class Handle, class Id, class Self>
std::shared_ptr<entity_registry<Handle, Id>> host_entities(Self* self, std::atomic<std::size_t>* gauge) {
  auto entities = std::make_shared<entity_registry<Handle, Id>>(gauge);
  self->set_down_handler([entities](const caf::down_msg& down) { entities->forget(down.source); });
  self->attach_functor([entities](const caf::error&) { entities->stop_all(); });
  return entities;
}

// The actor serving `id`, counting the message about to be sent to it: the live one, or the
// one `spawn()` (a domain::result<Handle>, loading the entity) starts. When the entity cannot
// be loaded, nothing is left half-spawned.
template <class Handle, class Id, class Self, class Spawn>
domain::result<Handle> activate_entity(Self* self, entity_registry<Handle, Id>& entities, const Id& id,
                                       Spawn spawn) {
  if (auto live = entities.route(id)) return *live;
  auto spawned = spawn();
  if (!spawned) return std::unexpected(spawned.error());
  self->monitor(*spawned);
  entities.add(id, *spawned);
  return *entities.route(id);
}

// Forwards a request to the entity's actor (`entity`: activate_entity's result), which answers
// the caller directly; an entity that could not be activated refuses it.
template <class Answer, class Self, class Handle, class... Ts>
caf::result<Answer> route_to_entity(Self* self, domain::result<Handle> entity, Ts&&... xs) {
  if (!entity) return to_caf(entity.error());
  return self->delegate(*entity, std::forward<Ts>(xs)...);
}

// The registry's answer to (passivate_atom, id, handled) from an idle entity.
template <class Handle, class Id, class Self>
bool grant_stop(Self* self, entity_registry<Handle, Id>& entities, const Id& id, std::uint64_t handled) {
  auto from = self->current_sender() ? self->current_sender()->address() : caf::actor_addr{};
  return entities.release(id, from, handled);
}

}  // namespace ttareungyi::actors
