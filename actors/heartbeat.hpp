#pragma once
// The liveness heartbeat (liveness.hpp): an actor that beats through the scheduler (each tick
// it runs at all) and through the commit writer (a tiny durable write at a time, never two
// outstanding). A wedged scheduler or a writer that cannot commit stops the beats, and
// /health/live turns 503 once they are older than the threshold.
#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <chrono>
#include <functional>
#include <memory>

#include "liveness.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::actors {

struct heartbeat_settings {
  std::chrono::milliseconds every{1000};  // between ticks (CAF's clock)
  // Real time for the beats: the liveness is read against it. Tests pass their own.
  std::function<liveness::clock::time_point()> now = [] { return liveness::clock::now(); };
};

caf::actor spawn_heartbeat(caf::actor_system& system, ports::committer& writer, std::shared_ptr<liveness> board,
                           heartbeat_settings settings);

// Drills and tests only (--inject-stall): after `after`, wedges `what` until `released` is set
// (the node sets it when it stops). "scheduler": every scheduler thread is taken by an actor
// that blocks; "writer": the writer thread blocks in a commit's callback.
enum class stall { scheduler, writer };
void inject_stall(caf::actor_system& system, ports::committer& writer, stall what, std::chrono::milliseconds after,
                  std::shared_ptr<std::atomic<bool>> released);

}  // namespace ttareungyi::actors
