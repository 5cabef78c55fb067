#pragma once
// Entity lifecycle, shared by the ticket desk and the fleet: the registry that knows which
// actor serves which entity, and the handshake that lets an idle entity stop (passivate)
// without losing a message.
//
// The registry counts every message it hands to an entity (routed); the entity counts what it
// has handled. An entity idle for the configured time asks its registry to stop, sending its
// count. The registry grants it only when the two counts match (nothing it sent still waits
// in the entity's mailbox) and forgets the entity in the same step, so every later message
// activates a new incarnation from storage; otherwise the entity stays and handles what
// waits. A stopping entity therefore never has a message to lose, and the registry has
// nothing to buffer or replay. The entity never stops in the middle of a decision: it awaits
// its commits and calls, so its idle tick waits behind them.
#include <caf/actor_addr.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "timer.hpp"
#include "wire.hpp"

namespace ttareungyi::actors {

// `Id` is the entity's id type (domain/ids.hpp), hashable.
template <class Handle, class Id>
class entity_registry {
 public:
  explicit entity_registry(std::atomic<std::size_t>* gauge) : gauge_(gauge) {}

  // The entity serving `id`, counting one more message for it: call right before sending it one.
  std::optional<Handle> route(const Id& id) {
    auto i = active_.find(id);
    if (i == active_.end()) return std::nullopt;
    ++i->second.routed;
    return i->second.actor;
  }

  // `entity` serves `id` from now on (it has had no message yet).
  void add(const Id& id, Handle entity) {
    ids_.emplace(entity.address(), id);
    active_.insert_or_assign(id, entry{std::move(entity), 0});
    changed();
  }

  // The handshake: may the entity `from`, having handled `handled` messages, stop? Yes once
  // every message routed to it has been handled (it is forgotten then), or if it does not
  // serve `id` (anymore); no while messages still wait for it.
  bool release(const Id& id, const caf::actor_addr& from, std::uint64_t handled) {
    auto i = active_.find(id);
    if (i == active_.end() || i->second.actor.address() != from) return true;
    if (i->second.routed != handled) return false;
    ids_.erase(from);
    active_.erase(i);
    changed();
    return true;
  }

  // An entity went down without the handshake (it failed): forget it, if it is still known.
  void forget(const caf::actor_addr& gone) {
    auto i = ids_.find(gone);
    if (i == ids_.end()) return;
    if (auto a = active_.find(i->second); a != active_.end() && a->second.actor.address() == gone) active_.erase(a);
    ids_.erase(i);
    changed();
  }

  // Stops every entity (when the registry itself stops).
  void stop_all() {
    for (auto& [id, e] : active_) caf::anon_send_exit(e.actor, caf::exit_reason::user_shutdown);
    active_.clear();
    ids_.clear();
    changed();
  }

  std::size_t size() const { return active_.size(); }

 private:
  struct entry {
    Handle actor;
    std::uint64_t routed = 0;
  };
  void changed() {
    if (gauge_) gauge_->store(active_.size(), std::memory_order_relaxed);
  }

  std::unordered_map<Id, entry> active_;
  std::unordered_map<caf::actor_addr, Id> ids_;
  std::atomic<std::size_t>* gauge_;
};

// The entity half: counts the messages it handled and notices when it has been idle long enough.
struct entity_life {
  std::uint64_t handled = 0;
  idle_timer idle;

  // A message from the registry arrived.
  template <class Self>
  void arrived(Self* self) {
    ++handled;
    idle.touch(self, idle_atom::value);
  }

  // On the idle tick: once idle long enough, asks `registry` whether the entity `id` may stop,
  // and stops if so (or if the registry is gone). Handles nothing else until it knows.
  template <class Self, class Registry, class Id>
  void on_tick(Self* self, const Registry& registry, const Id& id) {
    if (!idle.expired(self, idle_atom::value)) return;
    self->request(registry, caf::infinite, passivate_atom::value, id, handled)
        .await(
            [self](bool stop) {
              if (stop) self->quit();
              // Otherwise messages wait in the mailbox; handling them re-arms the timer.
            },
            [self](caf::error&) { self->quit(); });
  }
};

}  // namespace ttareungyi::actors
