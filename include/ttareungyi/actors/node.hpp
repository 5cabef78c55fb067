#pragma once
// One ttareungyi node: the actor system with every context's actors, offered to inbound
// adapters as app::services. Nothing of CAF shows through this header.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ttareungyi/app/services.hpp"
#include "ttareungyi/domain/circuit_breaker.hpp"
#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/idempotency.hpp"
#include "ttareungyi/ports/notification_gateway.hpp"
#include "ttareungyi/ports/password_hasher.hpp"
#include "ttareungyi/ports/payment_provider.hpp"
#include "ttareungyi/ports/storage.hpp"
#include "ttareungyi/ports/token_signer.hpp"

namespace ttareungyi::actors {

// Where another node publishes its contexts (its --node-port).
struct peer_address {
  std::string host;
  std::uint16_t port = 0;
  std::string text() const { return host + ':' + std::to_string(port); }
};

struct node_options {
  std::size_t scheduler_threads = 0;                 // 0: one per core
  std::size_t payment_workers = 4;
  std::chrono::milliseconds payment_timeout{2000};   // a slower provider call fails
  // The payment circuit breaker (domain/circuit_breaker.hpp); its slow_call is payment_timeout.
  domain::breaker_settings payment_breaker{};
  std::chrono::milliseconds request_timeout{30000};  // the longest an adapter waits for an answer
  // A ticket or bicycle actor idle this long stops (passivates), so memory follows the active
  // entities, not the stored ones; its next message reloads it from storage. 0: never.
  std::chrono::milliseconds passivate_after{60000};
  // Rebuilds the remaining-time and station availability views from the whole journal: at
  // start, before any consumer runs, both views are dropped and their positions rewound (one
  // commit); their consumers then replay the journal from its first event. Queries wait for
  // them (read-your-writes), so the node answers correctly meanwhile, only slower. For a view
  // that a bug or a manual repair left wrong; the journal is the source of truth.
  bool rebuild_views = false;

  // Where the contexts run (docs/nodes.md). `core`: identity, tickets, the fleet, the journal
  // and its readers; `payment`: the payment supervisor, its provider and its records. A node
  // without payment reaches the payment node at `payment_peer`, through its door.
  bool core = true;
  bool payment = true;
  std::optional<peer_address> payment_peer;
  // `notifier`: the notifications are made here. A core without it serves the journal's
  // partitions to notifier replicas through its door; a node with it and without core is such a
  // replica, and reaches the core at `core_peer`.
  bool notifier = true;
  std::optional<peer_address> core_peer;
  // A gateway: neither core, payment nor notifier, with `core_peer`. Every use case asks the
  // core, but the remaining-time read (its own copy of the view) and live notices (relayed);
  // the core signs its tokens, and `core_keys` gets the core's JWK set (for the gateway's token
  // verifier) each time it is fetched. A core signs gateways' tokens with `signer` (none: it
  // refuses their sign-ins).
  std::function<void(const std::string&)> core_keys;
  const ports::token_signer* signer = nullptr;
  // On a core: where the answers kept for Idempotency-Keys are, for the gateways (a store that
  // finds at once, e.g. the node's RocksDB); none: gateways' requests with a key are refused.
  ports::idempotency_store* answers = nullptr;
  // Publishes this node's contexts to other nodes (its door) on this port, 0: ephemeral; none:
  // other nodes cannot reach it.
  std::optional<std::uint16_t> node_port;
  std::string node_bind;  // the node port's address; empty: every address
  std::chrono::milliseconds peer_retry_ceiling{2000};  // the longest wait between attempts to reach a peer
  // A gateway holds calls this long while its core is away (a restart) and passes them on once
  // it is back; 0: refused at once.
  std::chrono::milliseconds core_wait{5000};
  // When a node that other nodes reach stops, its door and front stop first, and the calls they
  // passed on get this long to be answered before the contexts stop.
  std::chrono::milliseconds peer_grace{500};
  std::vector<std::string> roles{"http", "core", "payment", "notifier"};  // as /health/ready shows them
  // Liveness (/health/live): a heartbeat through the scheduler and the commit writer every
  // `heartbeat_every`; either one older than `liveness_threshold` makes the node not live.
  std::chrono::milliseconds heartbeat_every{1000};
  std::chrono::milliseconds liveness_threshold{10000};
  // Drills and tests only: after `stall_after`, wedges the scheduler or the writer for good.
  enum class stall_target { none, scheduler, writer };
  stall_target stall = stall_target::none;
  std::chrono::milliseconds stall_after{0};
};

// This build's wire protocol version (nodes of the same version talk to each other).
std::uint32_t wire_protocol_version();

class node {
 public:
  // The referenced ports must outlive the node. With a `webhook`, every notification is also
  // delivered through it, at least once, in order (the receiver deduplicates by id).
  node(ports::storage& storage, ports::payment_provider& payments, const ports::password_hasher& hasher,
       const domain::clock& clock, node_options options = {}, ports::notification_gateway* webhook = nullptr);
  ~node();  // stops every actor and waits for them
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  // Spawns the contexts, repairs rides a crash interrupted and starts the read side (the
  // journal's consumers catch up in the background), and publishes its door when it has a node
  // port. It is ready after it, once it has reached each peer it needs (it keeps trying).
  std::expected<void, std::string> start();
  app::services services();
  bool ready() const;
  // Live entity actors right now (ticket and bicycle actors), e.g. for a log line.
  struct live_entities {
    std::size_t tickets = 0;
    std::size_t bicycles = 0;
  };
  live_entities live() const;
  // The journal's readers this node runs (rentals, stations, notifier, overtime) and the last
  // sequence each applied, as stored; empty on a node without the core.
  struct reader_position {
    std::string name;
    std::uint64_t position = 0;
  };
  std::vector<reader_position> journal_readers() const;
  // The node port its door is published on (the real one for port 0), once started.
  std::optional<std::uint16_t> node_port() const;
  // On a gateway, once started: the answers kept for Idempotency-Keys, at the core (for the
  // HTTP adapter); nullptr on any other node (it keeps them in its own store).
  ports::idempotency_store* answers_at_the_core();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ttareungyi::actors
