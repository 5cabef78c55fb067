// The partition coordinator: the core's notifier when the notifications are made by notifier
// replicas on other nodes (partitions.hpp). It keeps the members (monitored), hands out the
// partitions after every change under a new generation (stored before it is handed out), serves
// the journal to the replicas and applies their commits only when fenced right: the current
// generation, the partition's owner, and the stored position as the commit's start. For the
// rest of the node it is the notifier: it answers the inbox and tells the read side's
// supervisor how far every notice is stored (the frontier, the lowest partition position).
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>

#include "journal.hpp"
#include "listings.hpp"
#include "partitions.hpp"
#include "read_side.hpp"

namespace ttareungyi::actors {
namespace {

constexpr const char* count_key = "notifier.partitions";
constexpr const char* generation_key = "notifier.generation";
std::string position_key(std::uint32_t partition) { return "notifier/" + std::to_string(partition); }

struct coordinator_state {
  std::uint32_t count = 0;
  std::uint64_t generation = 0;
  std::vector<std::uint64_t> committed;  // per partition: durable
  std::vector<std::uint64_t> expected;   // per partition: the start the next commit must have
  std::vector<std::string> owners;       // per partition: a member's name, or empty
  std::map<std::string, caf::actor> members;
  std::uint64_t frontier = 0;  // every notice up to here is stored
  std::map<std::uint64_t, domain::notification> above;  // stored notices above the frontier
  read_gate gate;
  static inline const char* name = "notifier-coordinator";
};

using coordinator_self = caf::stateful_actor<coordinator_state>*;

domain::error fenced(std::string why) {
  return domain::error{domain::error_kind::conflict, std::nullopt, "commit fenced: " + std::move(why)};
}

void send_assignment(coordinator_self self, const std::string& name) {
  auto& st = self->state;
  partition_assignment a{st.generation, st.count, {}};
  for (std::uint32_t p = 0; p < st.count; ++p)
    if (st.owners[p] == name) a.owned.push_back({p, st.expected[p]});
  self->send(st.members.at(name), assign_atom::value, std::move(a));
}

// After a member joined or left: new owners, a new generation, stored, then handed out.
void reassign(coordinator_self self, const environment& env) {
  auto& st = self->state;
  std::vector<std::string> names;
  for (const auto& [name, handle] : st.members) names.push_back(name);
  st.owners = rebalance(st.owners, std::move(names));
  const auto generation = ++st.generation;
  ports::changeset changes;
  changes.save(ports::consumer_position{generation_key, generation}).mark_derived();
  persist(
      self, env, std::move(changes),
      [self, generation] {
        if (generation != self->state.generation) return;  // a later change hands out its own
        for (const auto& [name, handle] : self->state.members) send_assignment(self, name);
      },
      [self](const caf::error& e) { self->quit(e); });
  // With nobody left to move it, the frontier stands still: queries waiting for it are answered.
  if (st.members.empty()) st.gate.reached(std::numeric_limits<std::uint64_t>::max());
}

// A partition's commit is durable: the frontier may move, and the supervisor hears of every
// notice below it (in sequence order, as from the single notifier).
void stored(coordinator_self self, const caf::actor& supervisor, std::uint32_t p, std::uint64_t to,
            const std::vector<domain::notification>& notices) {
  auto& st = self->state;
  st.committed[p] = std::max(st.committed[p], to);
  for (const auto& n : notices) st.above.emplace(n.sequence, n);
  const auto frontier = *std::min_element(st.committed.begin(), st.committed.end());
  if (frontier <= st.frontier) return;
  std::vector<domain::notification> below;
  while (!st.above.empty() && st.above.begin()->first <= frontier) {
    below.push_back(std::move(st.above.begin()->second));
    st.above.erase(st.above.begin());
  }
  self->send(supervisor, published_atom::value, st.frontier, frontier, std::move(below));
  st.frontier = frontier;
  st.gate.reached(frontier);
}

caf::behavior coordinator(coordinator_self self, environment env, journal_reader reader,
                          const ports::notification_store* notifications, caf::actor hub, caf::actor supervisor,
                          coordinator_settings settings) {
  auto& st = self->state;
  const auto& positions = *reader.positions;
  auto load = [&](const std::string& key) { return load_position(self, positions, key); };
  auto count = load(count_key), generation = load(generation_key), single = load("notifier");
  if (!count || !generation || !single) return {};
  st.count = *count ? static_cast<std::uint32_t>(*count) : settings.partitions;
  st.generation = *generation;
  st.owners.assign(st.count, "");
  for (std::uint32_t p = 0; p < st.count; ++p) {
    auto position = load(position_key(p));
    if (!position) return {};
    // A data dir that had one notifier: every partition starts where it stopped.
    st.committed.push_back(std::max(*position, *single));
  }
  st.expected = st.committed;
  st.frontier = *std::min_element(st.committed.begin(), st.committed.end());
  if (!*count) {
    ports::changeset fixed;
    fixed.save(ports::consumer_position{count_key, st.count}).mark_derived();
    persist(self, env, std::move(fixed), [] {}, [self](const caf::error& e) { self->quit(e); });
  }
  self->send(supervisor, started_atom::value, st.frontier);
  subscribe(self, hub);
  self->set_down_handler([self, env](const caf::down_msg& down) {
    auto& members = self->state.members;
    auto gone = std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.second.address() == down.source; });
    if (gone == members.end()) return;
    members.erase(gone);
    reassign(self, env);
  });
  return {
      [self, env](join_atom, const std::string& name) -> caf::actor {
        auto& st = self->state;
        auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        auto& slot = st.members[name];
        if (slot == sender) {
          send_assignment(self, name);  // asked again, e.g. after a fenced commit
        } else {
          if (slot) self->demonitor(slot);
          slot = sender;
          self->monitor(sender);
          reassign(self, env);
        }
        return caf::actor_cast<caf::actor>(self);
      },
      [reader](journal_atom, std::uint64_t after, std::uint64_t max) -> caf::result<std::vector<ports::recorded_event>> {
        return feed(*reader.journal, after, max);
      },
      [self, env, supervisor](commit_atom, partition_commit& c) -> caf::result<std::uint64_t> {
        auto& st = self->state;
        const auto p = c.partition;
        const auto sender = caf::actor_cast<caf::actor>(self->current_sender());
        if (p >= st.count) return to_caf(fenced("no partition " + std::to_string(p)));
        if (c.generation != st.generation) return to_caf(fenced("generation " + std::to_string(c.generation) + " is over"));
        auto owner = st.members.find(st.owners[p]);
        if (owner == st.members.end() || owner->second != sender) return to_caf(fenced("the sender does not own it"));
        if (c.from != st.expected[p] || c.to < c.from)
          return to_caf(fenced("it starts at " + std::to_string(c.from) + ", the partition stands at " +
                               std::to_string(st.expected[p])));
        ports::changeset changes;
        for (const auto& n : c.notices) {
          if (partition_of(n.correlation_id, st.count) != p || n.sequence <= c.from || n.sequence > c.to)
            return to_caf(domain::internal("a notice outside the commit's partition or range: " + n.id));
          changes.save(n);
        }
        changes.save(ports::consumer_position{position_key(p), c.to}).mark_derived();
        st.expected[p] = c.to;
        auto rp = self->make_response_promise<std::uint64_t>();
        auto notices = std::make_shared<std::vector<domain::notification>>(std::move(c.notices));
        persist(
            self, env, std::move(changes),
            [self, supervisor, rp, p, to = c.to, notices]() mutable {
              stored(self, supervisor, p, to, *notices);
              rp.deliver(to);
            },
            [self](const caf::error& e) { self->quit(e); });
        return rp;
      },
      [self](appended_atom a, std::uint64_t up_to) {
        for (const auto& [name, handle] : self->state.members) self->send(handle, a, up_to);
      },
      [self, notifications](notice_atom, list_atom, const domain::ids::customer_id& customer, const app::page_request& page,
                            std::uint64_t min) {
        auto& s = self->state;
        auto to = std::make_shared<owed_answer>(self->make_response_promise(), "the notification inbox");
        // With no replica, nothing moves the frontier: what is stored is the answer.
        const auto reached = s.members.empty() ? std::numeric_limits<std::uint64_t>::max() : s.frontier;
        s.gate.when(reached, min, to, [notifications, customer, page](const owed& to) {
          answer_inbox(to, *notifications, customer, page);
        });
      },
  };
}

}  // namespace

caf::actor spawn_notifier_coordinator(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                                      const ports::notification_store& notifications, const caf::actor& hub,
                                      coordinator_settings settings) {
  return parent->spawn(coordinator, env, reader, &notifications, hub, caf::actor_cast<caf::actor>(parent), settings);
}

}  // namespace ttareungyi::actors
