#include "journal.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <vector>

namespace ttareungyi::actors {
namespace {

struct hub_state {
  std::uint64_t last = 0;
  std::vector<caf::actor> subscribers;
  static inline const char* name = "journal-hub";
};

caf::behavior journal_hub(caf::stateful_actor<hub_state>* self, std::uint64_t last) {
  self->state.last = last;
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove_if(subs.begin(), subs.end(), [&](const caf::actor& a) { return a.address() == down.source; }),
               subs.end());
  });
  return {
      [=](subscribe_atom) {
        auto who = caf::actor_cast<caf::actor>(self->current_sender());
        if (!who) return;
        self->monitor(who);
        self->state.subscribers.push_back(who);
        self->send(who, appended_atom::value, self->state.last);
      },
      [=](appended_atom, std::uint64_t up_to) {
        if (up_to <= self->state.last) return;
        self->state.last = up_to;
        for (const auto& s : self->state.subscribers) self->send(s, appended_atom::value, up_to);
      },
  };
}

}  // namespace

caf::actor spawn_journal_hub(caf::actor_system& system, std::uint64_t last) { return system.spawn(journal_hub, last); }

void subscribe(caf::event_based_actor* self, const caf::actor& hub) { self->send(hub, subscribe_atom::value); }

void announce(const caf::actor& hub, std::uint64_t up_to) {
  if (hub) caf::anon_send(hub, appended_atom::value, up_to);
}

void journal_tap::attach(std::function<void(std::uint64_t)> listener) {
  std::lock_guard lock{mutex_};
  listener_ = std::move(listener);
}

void journal_tap::detach() {
  std::lock_guard lock{mutex_};
  listener_ = nullptr;
}

void journal_tap::operator()(std::uint64_t up_to) {
  std::lock_guard lock{mutex_};
  if (listener_) listener_(up_to);
}

caf::expected<std::vector<ports::recorded_event>> feed(const ports::journal& journal, std::uint64_t after,
                                                     std::uint64_t max) {
  constexpr std::uint64_t ceiling = 1024;  // one answer stays a small message
  auto batch = journal.events_after(after, static_cast<std::size_t>(std::min(max, ceiling)));
  if (!batch) return to_caf(domain::internal("cannot read the journal: " + batch.error().message));
  return std::move(*batch);
}

}  // namespace ttareungyi::actors
