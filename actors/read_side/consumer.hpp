#pragma once
// The journal consumer shell: a named position in the journal, a projection that turns each
// batch of events into one changeset of effects, and the position committed in THAT changeset.
// Whatever crashes when, a consumer restarted from its stored position applies every event
// exactly once. A storage error stops the consumer; its supervisor restarts it and it reloads.
//
//   hub --(appended, up_to)--> consumer: events_after(position, batch) -> projection.project
//       -> changeset + consumer_position{name, last} -> storage gateway (await) -> committed
//       -> again until caught up
//
// A projection P is a plain struct:
//   static constexpr const char* actor_name;       // the actor's name
//   static constexpr const char* consumer;         // its position's name in the position_store
//   ports::stored<void> load();                     // its in-memory state at start (from its own store)
//   ports::changeset project(const std::vector<ports::recorded_event>&);  // may update memory
//   optional: void started(consumer_self<P>, std::uint64_t position);    // once loaded
//   optional: void committed(consumer_self<P>, std::uint64_t from, std::uint64_t to);
//   caf::message_handler queries(consumer_self<P>);                // the view's own messages
// Memory a projection changed for a batch that then fails to commit dies with the actor.
#include <caf/event_based_actor.hpp>
#include <caf/message_handler.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "environment.hpp"
#include "journal.hpp"

namespace ttareungyi::actors {

// What every reader of the journal is given: the journal, and the store of readers' positions.
// Its effects go to its own context's store, which the projection holds.
struct journal_reader {
  const ports::journal* journal = nullptr;
  const ports::position_store* positions = nullptr;
};

struct consumer_settings {
  std::size_t batch = 1024;  // events per changeset at most (fewer once caught up)
};

// A refusal for readers while a view cannot answer (stopped, restarting).
inline domain::error view_unavailable(std::string_view which) {
  domain::error e{domain::error_kind::unavailable, domain::error_code::view_unavailable,
                  std::string{which} + " is catching up after a restart; try again shortly"};
  e.retry_after_seconds = 1;
  return e;
}

// An answer owed to a requester. Should it be dropped unanswered (its actor stopped), the
// requester hears `view_unavailable` instead of waiting for its own timeout.
class owed_answer {
 public:
  owed_answer(caf::response_promise rp, std::string which) : rp_(std::move(rp)), which_(std::move(which)) {}
  ~owed_answer() {
    if (rp_.pending()) rp_.deliver(to_caf(view_unavailable(which_)));
  }
  owed_answer(const owed_answer&) = delete;
  owed_answer& operator=(const owed_answer&) = delete;
  template <class T>
  void deliver(T&& x) {
    if (rp_.pending()) rp_.deliver(std::forward<T>(x));
  }

 private:
  caf::response_promise rp_;
  std::string which_;
};
using owed = std::shared_ptr<owed_answer>;

// Read-your-writes: a query carries the journal's last sequence as its caller saw it and is
// answered once the view has applied the journal that far. Queries waiting when the view
// stops are answered `view_unavailable` (see owed_answer).
class read_gate {
 public:
  using answer = std::function<void(const owed&)>;
  // Answers at once when `position >= min`, otherwise once the view gets there.
  void when(std::uint64_t position, std::uint64_t min, owed to, answer a) {
    if (position >= min) return a(to);
    waiting_.emplace(min, std::make_pair(std::move(to), std::move(a)));
  }
  // The view has applied the journal up to `position`.
  void reached(std::uint64_t position) {
    while (!waiting_.empty() && waiting_.begin()->first <= position) {
      auto [to, a] = std::move(waiting_.begin()->second);
      waiting_.erase(waiting_.begin());
      a(to);
    }
  }

 private:
  std::multimap<std::uint64_t, std::pair<owed, answer>> waiting_;
};

// The stored position of a reader of its own (the webhook deliverer, the overtime collector);
// on a storage error the actor stops (its supervisor restarts it) and nullopt is returned.
template <class Self>
std::optional<std::uint64_t> load_position(Self* self, const ports::position_store& positions, const std::string& consumer) {
  auto position = positions.position(consumer);
  if (position) return *position;
  self->quit(to_caf(domain::internal("cannot load the " + consumer + " position: " + position.error().message)));
  return std::nullopt;
}

template <class P>
struct consumer_state {
  std::string consumer = P::consumer;
  std::uint64_t position = 0;   // last event applied and committed
  std::uint64_t announced = 0;  // the highest journal sequence the hub announced
  bool pulling = false;         // a batch is being read, projected or committed
  read_gate gate;
  P view;
  static inline const char* name = P::actor_name;
};

template <class P>
using consumer_self = caf::stateful_actor<consumer_state<P>>*;

// Loads the position and the view's memory so that both reflect the same commit: reading the
// position before and after the view; a commit of a previous incarnation still landing in
// between shows as a moved position, and the load is repeated.
template <class P>
ports::stored<std::uint64_t> load_consistently(const ports::position_store& positions, P& view, const std::string& consumer) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto before = positions.position(consumer);
    if (!before) return std::unexpected(before.error());
    if (auto loaded = view.load(); !loaded) return std::unexpected(loaded.error());
    auto after = positions.position(consumer);
    if (!after) return std::unexpected(after.error());
    if (*before == *after) return *after;
  }
  return std::unexpected(ports::storage_error{"the view kept moving while it was loaded"});
}

template <class P>
caf::behavior consumer(consumer_self<P> self, environment env, journal_reader reader, caf::actor hub,
                       consumer_settings settings, P view) {
  auto& st = self->state;
  st.view = std::move(view);
  auto loaded = load_consistently(*reader.positions, st.view, st.consumer);
  if (!loaded) {
    self->quit(to_caf(domain::internal("cannot load " + st.consumer + ": " + loaded.error().message)));
    return {};
  }
  st.position = *loaded;
  if constexpr (requires { st.view.started(self, st.position); }) st.view.started(self, st.position);
  subscribe(self, hub);
  st.pulling = true;
  self->send(self, pull_atom::value);
  const auto stop = [self](const caf::error& e) { self->quit(e); };
  // One batch: read, project, commit with the position; then on, until caught up.
  auto step = [self, env, reader, settings, stop] {
    auto& s = self->state;
    auto batch = reader.journal->events_after(s.position, settings.batch);
    if (!batch) return stop(to_caf(domain::internal("cannot read the journal: " + batch.error().message)));
    if (batch->empty()) {
      s.pulling = false;
      return;
    }
    const bool full = batch->size() >= settings.batch;
    const auto from = s.position;
    const auto to = batch->back().sequence;
    auto changes = s.view.project(*batch);
    changes.save(ports::consumer_position{s.consumer, to}).mark_derived();
    persist(
        self, env, std::move(changes),
        [self, from, to, full] {
          auto& s = self->state;
          s.position = to;
          if constexpr (requires { s.view.committed(self, from, to); }) s.view.committed(self, from, to);
          s.gate.reached(to);
          if (full || s.position < s.announced)
            self->send(self, pull_atom::value);
          else
            s.pulling = false;
        },
        stop);
  };
  caf::message_handler shell{
      [self, step](appended_atom, std::uint64_t up_to) {
        auto& s = self->state;
        s.announced = std::max(s.announced, up_to);
        if (s.pulling || s.position >= s.announced) return;
        s.pulling = true;
        step();
      },
      [step](pull_atom) { step(); },
  };
  return shell.or_else(st.view.queries(self));
}

// Spawns a consumer of projection P (monitored by the caller, who restarts it).
template <class P, class Parent>
caf::actor spawn_consumer(Parent* parent, const environment& env, journal_reader reader, const caf::actor& hub,
                          consumer_settings settings, P view) {
  return parent->spawn(consumer<P>, env, reader, hub, settings, std::move(view));
}

}  // namespace ttareungyi::actors
