#include "courier.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include "wire.hpp"

namespace ttareungyi::actors {
namespace {

using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
constexpr std::chrono::seconds sweep_interval{1};

// Answers every pending request whose deadline passed (all of them when `everything`).
void expire(courier_state& state, bool everything) {
  const auto now = std::chrono::steady_clock::now();
  while (!state.pending.empty()) {
    auto first = state.pending.begin();
    if (!everything && first->second.deadline > now) break;
    auto answer = std::move(first->second.expire);
    state.pending.erase(first);
    answer();
  }
}

caf::behavior courier(courier_self* self, std::chrono::milliseconds timeout) {
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    expire(self->state, true);
    self->quit(msg.reason);
  });
  self->delayed_send(self, sweep_interval, sweep_atom::value);
  return {
      [=](courier_job& job) {
        auto id = ++self->state.next;
        self->state.pending.emplace(id, courier_state::waiting{std::chrono::steady_clock::now() + timeout,
                                                               std::move(job.expire)});
        job.run(self, id);
      },
      [=](sweep_atom) {
        expire(self->state, false);
        self->delayed_send(self, sweep_interval, sweep_atom::value);
      },
  };
}

}  // namespace

couriers::couriers(caf::actor_system& system, std::size_t count, std::chrono::milliseconds timeout) {
  for (std::size_t i = 0; i < std::max<std::size_t>(count, 1); ++i) crew_.push_back(system.spawn(courier, timeout));
}

couriers::~couriers() {
  for (auto& c : crew_) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
}

void couriers::send(courier_job job) {
  auto i = turn_.fetch_add(1, std::memory_order_relaxed) % crew_.size();
  caf::anon_send(crew_[i], std::move(job));
}

}  // namespace ttareungyi::actors
