#include "heartbeat.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <spdlog/spdlog.h>

#include <thread>

#include "timer.hpp"

namespace ttareungyi::actors {
namespace {

using tick_atom = caf::atom_constant<caf::atom("tick")>;
using beat_atom = caf::atom_constant<caf::atom("beat")>;

// The writer's beat: the heartbeat's own position, so each beat is a real (fsync'd) write.
constexpr const char* heartbeat_position = "heartbeat";

struct heartbeat_state {
  std::uint64_t beats = 0;
  bool writing = false;  // a beat is in the writer now
  static inline const char* name = "heartbeat";
};

caf::behavior heartbeat(caf::stateful_actor<heartbeat_state>* self, ports::committer* writer,
                        std::shared_ptr<liveness> board, heartbeat_settings settings) {
  self->send(self, tick_atom::value);
  return {
      [=](tick_atom) {
        board->beat(liveness::scheduler, settings.now());
        send_later(self, settings.every, tick_atom::value);
        if (self->state.writing) return;  // the last one has not come back: that is what ages
        self->state.writing = true;
        ports::changeset beat;
        beat.save(ports::consumer_position{heartbeat_position, ++self->state.beats}).mark_derived();
        writer->commit(std::move(beat), [me = caf::actor{self}, board, now = settings.now](ports::stored<void> done) {
          if (done) board->beat(liveness::writer, now());
          caf::anon_send(me, beat_atom::value);
        });
      },
      [=](beat_atom) { self->state.writing = false; },
  };
}

void wait_for(const std::shared_ptr<std::atomic<bool>>& released) {
  while (!released->load()) std::this_thread::sleep_for(std::chrono::milliseconds{20});
}

// Takes the scheduler thread that runs it until `released`.
caf::behavior blocker(caf::event_based_actor*, std::shared_ptr<std::atomic<bool>> released) {
  return {[released](tick_atom) { wait_for(released); }};
}

caf::behavior stall_later(caf::event_based_actor* self, ports::committer* writer, stall what,
                          std::chrono::milliseconds after, std::shared_ptr<std::atomic<bool>> released) {
  send_later(self, after, tick_atom::value);
  return {[=](tick_atom) {
    spdlog::warn("injected stall: the {} is wedged from now on", what == stall::writer ? "commit writer" : "scheduler");
    if (what == stall::writer) {
      writer->commit({}, [released](ports::stored<void>) { wait_for(released); });
    } else {
      for (std::size_t i = 0; i < self->system().scheduler().num_workers(); ++i)
        caf::anon_send(self->system().spawn(blocker, released), tick_atom::value);
    }
    self->quit();
  }};
}

}  // namespace

caf::actor spawn_heartbeat(caf::actor_system& system, ports::committer& writer, std::shared_ptr<liveness> board,
                           heartbeat_settings settings) {
  return system.spawn(heartbeat, &writer, std::move(board), std::move(settings));
}

void inject_stall(caf::actor_system& system, ports::committer& writer, stall what, std::chrono::milliseconds after,
                  std::shared_ptr<std::atomic<bool>> released) {
  system.spawn(stall_later, &writer, what, after, std::move(released));
}

}  // namespace ttareungyi::actors
