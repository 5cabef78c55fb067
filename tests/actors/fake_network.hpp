#pragma once
// Another node, on the deterministic scheduler: a connector that stands in for CAF's io
// middleman, answering (connect_atom, host, port) with the node, the door a test opened there
// and its interface, or a refusal while the network is "down".
#include <caf/event_based_actor.hpp>
#include <caf/node_id.hpp>
#include <caf/sec.hpp>

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "remote/peer.hpp"

namespace ttareungyi::actors::test {

struct network {
  bool reachable = true;
  caf::actor door;
  int attempts = 0;
};

inline caf::behavior fake_middleman(caf::event_based_actor*, std::shared_ptr<network> net) {
  return {
      [net](caf::connect_atom, const std::string&,
            std::uint16_t) -> caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>> {
        ++net->attempts;
        if (!net->reachable) return caf::make_error(caf::sec::cannot_connect_to_node);
        return {caf::node_id{}, caf::actor_cast<caf::strong_actor_ptr>(net->door), std::set<std::string>{}};
      },
  };
}

// A link to `context` at `address` through the fake middleman, backing off 100 ms doubling to
// 400 ms.
inline link_settings test_link(std::string context, peer_address address, caf::actor connector) {
  using namespace std::chrono_literals;
  return {.context = std::move(context),
          .address = std::move(address),
          .connector = std::move(connector),
          .fingerprint = wire_fingerprint(),
          .answer_timeout = 1000ms,
          .retry_first = 100ms,
          .retry_ceiling = 400ms};
}

}  // namespace ttareungyi::actors::test
