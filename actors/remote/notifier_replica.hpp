#pragma once
// A notifier replica (`--roles notifier --core HOST:PORT`): it joins the core's partition
// coordinator through a peer link, makes the notices of the partitions it is handed from the
// journal the core serves, and hands each batch back as one fenced commit (partitions.hpp).
// Several replicas share the partitions; one that dies loses its partitions to the others
// within the middleman's connection timeout, and one that joins takes its share.
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "../health_board.hpp"
#include "peer.hpp"
#include "ttareungyi/app/services.hpp"

namespace ttareungyi::actors {

// What the replica owns now, for /health/ready.
using partition_board = health_board<app::notifier_health>;

struct replica_settings {
  std::string name;                            // unique among the replicas, e.g. host:port of its health
  std::size_t batch = 512;                     // journal events per read
  std::chrono::milliseconds call_timeout{5000};  // a read or commit unanswered this long is given up
  std::chrono::milliseconds retry{1000};       // after a failed read, or while the coordinator restarts
};

caf::actor spawn_notifier_replica(caf::actor_system& system, link_settings link, std::shared_ptr<peer_board> peers,
                                  std::shared_ptr<partition_board> board, const domain::clock& clock,
                                  replica_settings settings);

}  // namespace ttareungyi::actors
