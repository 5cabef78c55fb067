#include "environment.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdio>
#include <optional>
#include <random>
#include <unordered_map>

#include "journal.hpp"

namespace ttareungyi::actors {

std::string new_id(std::string_view prefix) {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(engine()));
  return std::string{prefix} + buf;
}

void record(ports::changeset& changes, const std::vector<domain::event_payload>& facts, std::string_view correlation,
            std::string_view causation, domain::instant now) {
  for (const auto& fact : facts)
    changes.record(domain::event{new_id("e_"), std::string{correlation}, std::string{causation}, now, 1, fact});
}

namespace {

struct gateway_state {
  struct waiting {
    caf::response_promise rp;
  };
  std::uint64_t next = 0;
  std::unordered_map<std::uint64_t, waiting> pending;
  std::optional<caf::error> stopping;  // told to exit: it does once every commit handed in is answered
  static inline const char* name = "storage-gateway";
};

caf::behavior storage_gateway(caf::stateful_actor<gateway_state>* self, ports::committer* committer,
                              const ports::journal* journal, caf::actor hub, std::shared_ptr<journal_tap> tap) {
  // A requester waits for its commit's answer (and CAF 0.17 keeps an actor that awaits one
  // alive even after it was told to exit), so the gateway stops only once it has answered every
  // commit it handed to the writer; the ones that come after the exit are refused.
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    self->state.stopping = msg.reason;
    if (self->state.pending.empty()) self->quit(msg.reason);
  });
  return {
      [=](commit_atom, ports::changeset& changes) {
        auto rp = self->make_response_promise();
        if (self->state.stopping) {
          rp.deliver(to_caf(domain::error{domain::error_kind::unavailable, std::nullopt, "the node is stopping"}));
          return;
        }
        auto key = ++self->state.next;
        const bool journaled = !changes.events().empty() && journal;
        self->state.pending.emplace(key, gateway_state::waiting{std::move(rp)});
        // The journal's subscribers hear of the new events straight from the committing thread,
        // as soon as they are durable.
        committer->commit(std::move(changes),
                          [me = caf::actor_cast<caf::actor>(self), key, journaled, journal, hub, tap](ports::stored<void> r) {
                            if (r && journaled) {
                              const auto last = journal->last_sequence();
                              if (tap) (*tap)(last);
                              announce(hub, last);
                            }
                            caf::anon_send(me, done_atom::value, key, r ? std::string{} : r.error().message);
                          });
      },
      [=](done_atom, std::uint64_t key, const std::string& failure) {
        auto i = self->state.pending.find(key);
        if (i == self->state.pending.end()) return;
        auto done = std::move(i->second);
        self->state.pending.erase(i);
        if (!failure.empty())
          done.rp.deliver(to_caf(domain::internal("storage failed: " + failure)));
        else
          done.rp.deliver(ok_atom::value);
        if (self->state.stopping && self->state.pending.empty()) self->quit(*self->state.stopping);
      },
  };
}

}  // namespace

caf::actor spawn_storage_gateway(caf::actor_system& system, ports::committer& committer, const ports::journal* journal,
                                 caf::actor hub, std::shared_ptr<journal_tap> tap) {
  return system.spawn(storage_gateway, &committer, journal, std::move(hub), std::move(tap));
}

}  // namespace ttareungyi::actors
