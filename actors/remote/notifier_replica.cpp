#include "notifier_replica.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <map>
#include <vector>

#include "../read_side/partitions.hpp"
#include "../timer.hpp"

namespace ttareungyi::actors {
namespace {

struct replica_state {
  std::optional<peer_link> link;
  caf::actor coordinator;  // reached through the core's read side, then monitored
  std::uint64_t generation = 0;
  std::uint32_t count = 0;
  std::map<std::uint32_t, std::uint64_t> owned;  // partition -> the position its last commit reached
  std::uint64_t round = 0;  // moved by every assignment and loss: answers of an earlier round are dropped
  bool pulling = false;     // a read or its commits are under way
  std::uint64_t announced = 0;
  std::shared_ptr<partition_board> board;
  static inline const char* name = "notifier-replica";
};

using replica_self = caf::stateful_actor<replica_state>*;

void show(replica_self self) {
  const auto& s = self->state;
  app::notifier_health h{s.count, s.generation, {}};
  for (const auto& [p, position] : s.owned) h.owned.push_back(p);
  s.board->write(std::move(h));
}

// The coordinator or the link is gone: nothing is owned until the next assignment.
void lose(replica_self self) {
  auto& s = self->state;
  s.coordinator = nullptr;
  s.owned.clear();
  ++s.round;
  s.pulling = false;
  show(self);
}

void join(replica_self self, const replica_settings& settings) {
  const auto& remote = self->state.link->remote();
  if (!remote) return;  // the link joins once it reaches the core again
  self->request(remote, settings.call_timeout, join_atom::value, settings.name)
      .then(
          [self](const caf::actor& coordinator) {
            auto& s = self->state;
            if (coordinator == s.coordinator) return;
            if (s.coordinator) self->demonitor(s.coordinator);
            s.coordinator = coordinator;
            self->monitor(coordinator);
          },
          [self, settings](const caf::error&) { send_later(self, settings.retry, join_atom::value); });
}

std::uint64_t lowest(const std::map<std::uint32_t, std::uint64_t>& owned) {
  auto i = std::min_element(owned.begin(), owned.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return i == owned.end() ? 0 : i->second;
}

void pull(replica_self self, const replica_settings& settings);

// One commit per owned partition behind `to`, each with the notices of its own events; the next
// read starts once every one is answered.
void commit(replica_self self, const replica_settings& settings, const std::vector<ports::recorded_event>& events) {
  auto& s = self->state;
  const auto to = events.back().sequence;
  const bool full = events.size() >= settings.batch;
  const auto round = s.round;
  auto left = std::make_shared<std::size_t>(0);
  auto answered = [self, settings, round, left, full] {
    auto& s = self->state;
    if (--*left > 0 || round != s.round) return;
    s.pulling = false;
    if (full || lowest(s.owned) < s.announced) pull(self, settings);
  };
  for (const auto& [p, position] : s.owned) {
    if (position >= to) continue;
    partition_commit c{p, s.generation, position, to, {}};
    for (const auto& r : events)
      if (r.sequence > position && partition_of(r.event().correlation_id, s.count) == p)
        if (auto n = domain::notify(r.sequence, r.event())) c.notices.push_back(std::move(*n));
    ++*left;
    self->request(s.coordinator, settings.call_timeout, commit_atom::value, std::move(c))
        .then(
            [self, round, p = p, answered](std::uint64_t reached) {
              auto& s = self->state;
              if (auto i = s.owned.find(p); round == s.round && i != s.owned.end()) i->second = std::max(i->second, reached);
              answered();
            },
            // Fenced: the coordinator sees another owner, generation or start; it tells which
            // partitions are this replica's when asked again. Anything else (a timeout): the
            // same start is tried again with the next read.
            [self, round, answered](const caf::error& e) {
              if (round == self->state.round && from_caf(e).kind == domain::error_kind::conflict)
                self->send(self, join_atom::value);
              answered();
            });
  }
  if (*left == 0) s.pulling = false;
}

void pull(replica_self self, const replica_settings& settings) {
  auto& s = self->state;
  if (s.pulling || s.owned.empty() || !s.coordinator) return;
  s.pulling = true;
  const auto round = s.round;
  self->request(s.coordinator, settings.call_timeout, journal_atom::value, lowest(s.owned), std::uint64_t{settings.batch})
      .then(
          [self, settings, round](const std::vector<ports::recorded_event>& events) {
            if (round != self->state.round) return;
            if (events.empty()) {
              self->state.pulling = false;
              return;
            }
            commit(self, settings, events);
          },
          [self, settings, round](const caf::error&) {
            if (round != self->state.round) return;
            self->state.pulling = false;
            send_later(self, settings.retry, pull_atom::value);
          });
}

caf::behavior replica(replica_self self, link_settings link, std::shared_ptr<peer_board> peers,
                      std::shared_ptr<partition_board> board, const domain::clock* clock, replica_settings settings) {
  auto& st = self->state;
  st.board = std::move(board);
  show(self);
  st.link.emplace(std::move(link), std::move(peers), clock);
  st.link->start(
      self, [self] { lose(self); }, [self, settings] { join(self, settings); },
      [self, settings](const caf::down_msg& down) {
        if (!self->state.coordinator || down.source != self->state.coordinator.address()) return;
        lose(self);  // the coordinator restarts under the core's read side: join the next one
        send_later(self, settings.retry, join_atom::value);
      });
  return {
      [self, settings](assign_atom, const partition_assignment& a) {
        auto& s = self->state;
        if (a.generation < s.generation) return;  // overtaken on the way
        s.generation = a.generation;
        s.count = a.partitions;
        s.owned.clear();
        for (const auto& claim : a.owned) s.owned[claim.partition] = claim.position;
        ++s.round;
        s.pulling = false;
        show(self);
        pull(self, settings);
      },
      [self, settings](appended_atom, std::uint64_t up_to) {
        self->state.announced = std::max(self->state.announced, up_to);
        pull(self, settings);
      },
      [self, settings](pull_atom) { pull(self, settings); },
      [self, settings](join_atom) { join(self, settings); },
      [self](retry_atom) { self->state.link->retry(self); },
  };
}

}  // namespace

caf::actor spawn_notifier_replica(caf::actor_system& system, link_settings link, std::shared_ptr<peer_board> peers,
                                  std::shared_ptr<partition_board> board, const domain::clock& clock,
                                  replica_settings settings) {
  return system.spawn(replica, std::move(link), std::move(peers), std::move(board), &clock, std::move(settings));
}

}  // namespace ttareungyi::actors
