#pragma once
// What every actor of a node shares: the committer, the clock, settings; and the helpers that
// make an actor a thin shell: load, decide, persist, reply. Reads are not shared: each context's
// actors are handed their own context's port (include/ttareungyi/ports/storage.hpp) and no other.
#include <caf/actor.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/storage.hpp"
#include "wire.hpp"

namespace ttareungyi::actors {

// How many entity actors are live, by kind: kept by their registries, cheap to read anywhere.
struct entity_gauges {
  std::atomic<std::size_t> tickets{0};
  std::atomic<std::size_t> bicycles{0};
};

struct environment {
  caf::actor committer;  // the storage gateway: commit_atom, changeset -> ok_atom
  const domain::clock* clock = nullptr;
  std::chrono::milliseconds payment_timeout{2000};
  // An entity actor (ticket, bicycle) idle this long stops; its next message reloads it. 0: never.
  std::chrono::milliseconds passivate_after{0};
  entity_gauges* gauges = nullptr;  // optional

  domain::instant now() const { return clock->now(); }
};

// A fresh random id with a readable prefix, e.g. "t_3f9a0c2e71b4d856".
std::string new_id(std::string_view prefix);

// Envelopes facts into events (id, correlation, causation, time) and adds them to a changeset.
void record(ports::changeset& changes, const std::vector<domain::event_payload>& facts, std::string_view correlation,
            std::string_view causation, domain::instant now);

class journal_tap;

// Spawns the storage gateway: it hands changesets to the committer and answers once durable.
// With a journal hub, after each successful commit that recorded events it announces the
// journal's new last sequence to the hub (a message; the committing actor never waits for it)
// and, with a tap, to the tap's listener, on the committing thread.
caf::actor spawn_storage_gateway(caf::actor_system& system, ports::committer& committer,
                                 const ports::journal* journal = nullptr, caf::actor hub = {},
                                 std::shared_ptr<journal_tap> tap = {});

// Commits one decision. The actor handles no other message until the outcome is known, so
// its next decision always starts from durable state.
template <class Self, class Ok, class Fail>
void persist(Self* self, const environment& env, ports::changeset changes, Ok ok, Fail fail) {
  self->request(env.committer, caf::infinite, commit_atom::value, std::move(changes))
      .await([ok](ok_atom) mutable { ok(); }, [fail](caf::error& e) mutable { fail(e); });
}

// Unwraps a domain result or delivers its refusal; for handlers built on response promises.
template <class T, class Promise>
bool refused(const domain::result<T>& r, Promise& rp) {
  if (r) return false;
  rp.deliver(to_caf(r.error()));
  return true;
}

}  // namespace ttareungyi::actors
