#pragma once
// Journal wake-ups: a small publish/subscribe hub of our own (CAF's groups are gone in later
// versions). The storage gateway announces the journal's last sequence after each commit that
// recorded events; every subscriber gets a cheap (appended_atom, up_to) and reads the events
// from the journal itself (notify, then pull). A subscriber that is behind, restarted or late
// therefore just reads on from its own position: nothing is lost with a wake-up.
#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include <caf/result.hpp>

#include "ttareungyi/ports/storage.hpp"
#include "wire.hpp"

namespace ttareungyi::actors {

// Spawns the hub; `last` is the journal's last sequence at start.
caf::actor spawn_journal_hub(caf::actor_system& system, std::uint64_t last);

// Subscribes `self` until it stops (the hub monitors it): it receives (appended_atom, up_to)
// at once, with the last sequence the hub knows, then after every announcement.
void subscribe(caf::event_based_actor* self, const caf::actor& hub);

// Announces that the journal now ends at `up_to` (the storage gateway's side, from the thread
// that committed). Never blocks.
void announce(const caf::actor& hub, std::uint64_t up_to);

// The journal feed other nodes read (notifier replicas, gateways): the events after `after`,
// at most `max` and never more than 1024 of them, or the storage's refusal.
caf::expected<std::vector<ports::recorded_event>> feed(const ports::journal& journal, std::uint64_t after,
                                                     std::uint64_t max);

// Who hears of new journal events on the committing thread: the storage gateway calls it after
// each commit that recorded events; the read side attaches its live notices while it runs.
class journal_tap {
 public:
  void attach(std::function<void(std::uint64_t)> listener);
  void detach();  // once it returns, the listener is not running and will not run again
  void operator()(std::uint64_t up_to);

 private:
  std::mutex mutex_;
  std::function<void(std::uint64_t)> listener_;
};

}  // namespace ttareungyi::actors
