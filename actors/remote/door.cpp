#include "door.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include "../wire.hpp"

namespace ttareungyi::actors {
namespace {

caf::behavior door(caf::event_based_actor*, std::uint64_t fingerprint, std::map<std::string, caf::actor> contexts) {
  return {
      [=](hello_atom, std::uint64_t theirs, const std::string& context) -> caf::result<caf::actor> {
        if (theirs != fingerprint) {
          auto why = fmt::format("the peer runs another build (wire fingerprint {:016x}, this node's {:016x})", theirs,
                                 fingerprint);
          spdlog::error("node: refused a peer asking for {}: {}", context, why);
          return to_caf(domain::error{domain::error_kind::conflict, std::nullopt, std::move(why)});
        }
        if (auto i = contexts.find(context); i != contexts.end()) return i->second;
        return to_caf(domain::error{domain::error_kind::not_found, std::nullopt, "this node does not run " + context});
      },
  };
}

}  // namespace

caf::actor spawn_door(caf::actor_system& system, std::uint64_t fingerprint, std::map<std::string, caf::actor> contexts) {
  return system.spawn(door, fingerprint, std::move(contexts));
}

}  // namespace ttareungyi::actors
