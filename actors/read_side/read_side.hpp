#pragma once
// The read side of a node (CQRS): the journal's consumers and the views they keep, under one
// supervisor that is also their single entry point.
//
//   storage gateway --appended--> journal hub --appended--> notifier, rentals view, stations view
//                  \--journal tap (committing thread)--> live notices: watchers   <--appended-- (backstop)
//   notifier --published(from, to, notices)--> read side: watchers still owed them, then wakes the webhook
//   read side --wake--> webhook deliverer --deliver--> ports::notification_gateway
//
// Children: "notifier", "rentals", "stations" (journal consumers, see consumer.hpp), with a
// gateway "webhook" (its own position over the notifications) and, with the payment context,
// "overtime" (collects overtime fees owed at returns, see overtime.cpp). The supervisor monitors them
// and restarts one that stops, after a back-off; a restarted child reloads its position and
// catches up. The registry of live watchers lives in the supervisor itself, which never
// commits, so watchers survive a notifier restart. Live notices do not wait for the
// notifier's commit nor for an actor: see live_notices.hpp. The restarted notifier announces
// its position and, if notices were committed that no one pushed (its predecessor died between
// commit and push), every watcher is re-synchronized from storage.
//
// Messages the read side answers (`min` is the journal's last sequence as the caller saw it:
// read-your-writes, the answer waits until the view has applied the journal that far):
//   (current_atom, customer, min)                          -> domain::current_rental, or 404 no_active_rental
//   (station_atom, list_atom, page_request, min)           -> app::page<app::station_view> (listings x counts)
//   (notice_atom, list_atom, customer, page_request, min)  -> app::page<domain::notification>, newest first
//   (watch_atom, watch_request)                            -> nothing; notices flow to its `deliver`
//   (unwatch_atom, id)                                     -> nothing; no delivery after it is handled
//   (child_atom, name)                                     -> caf::actor, the child running under `name` (or none)
//   (join_atom | journal_atom | commit_atom, ...)          -> passed on to the partition coordinator (partitions.hpp)
// While a child is restarting, queries for it are refused with 503 view_unavailable.
#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "consumer.hpp"
#include "live_notices.hpp"
#include "partitions.hpp"
#include "rental_board.hpp"
#include "environment.hpp"
#include "interfaces.hpp"
#include "ttareungyi/ports/notification_gateway.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ttareungyi::actors::watch_request)

namespace ttareungyi::actors {

struct webhook_settings {
  std::chrono::milliseconds retry_first{200};      // first back-off after a failed delivery
  std::chrono::milliseconds retry_ceiling{30000};  // back-off doubles up to this
  std::chrono::milliseconds delivery_timeout{60000};  // a gateway silent this long counts as failed
  std::size_t read_ahead = 64;                     // notifications read per storage scan
};

struct overtime_settings {
  std::chrono::milliseconds retry_first{1000};     // first back-off after a charge without approval
  std::chrono::milliseconds retry_ceiling{300000};  // back-off doubles up to this
  std::chrono::milliseconds answer_timeout{60000};  // the payment supervisor silent this long: retry
  std::size_t read_ahead = 1024;                   // journal events read per scan
  std::uint64_t checkpoint_every = 10000;          // with nothing owed, commit the position this often
  // Where it shows how far it has dealt with the journal (every fee before it collected, none
  // owed after it up to there), for the metrics; its stored position moves only with fees.
  std::shared_ptr<std::atomic<std::uint64_t>> progress;
};

// The core's partition coordinator, when notifier replicas on other nodes make the
// notifications (partitions.hpp).
struct coordinator_settings {
  std::uint32_t partitions = default_partitions;  // for a data dir that has no count yet
};

struct read_side_settings {
  consumer_settings consumers;
  // Set: the "notifier" child is the partition coordinator, and replicas make the notifications.
  std::optional<coordinator_settings> partitioned;
  webhook_settings webhook;
  overtime_settings overtime;
  std::chrono::milliseconds restart_first{100};    // a stopped child restarts after this...
  std::chrono::milliseconds restart_ceiling{10000};  // ...doubling up to this while it keeps stopping
  std::chrono::milliseconds healthy_after{30000};  // a child up this long restarts with the first delay again
};

// The stores the read side's readers are handed, each reader only its own: the journal and the
// positions (every reader), the views (rentals, stations) and the notifications (notifier,
// webhook, live notices).
struct read_side_stores {
  const ports::journal* journal = nullptr;
  const ports::position_store* positions = nullptr;
  const ports::view_store* views = nullptr;
  const ports::notification_store* notifications = nullptr;

  journal_reader reader() const { return {journal, positions}; }
};

// What the read side is wired to. Without `payment` no overtime is collected; without
// `webhook` nothing is delivered outbound; the rentals view publishes to `board` (a fresh one
// when null), which adapters may read directly.
struct read_side_wiring {
  caf::actor hub;
  rental_listings_actor listings;  // the stations the station view counts for, page by page
  payment_actor payment;
  ports::notification_gateway* webhook = nullptr;
  std::shared_ptr<rental_board> board;
  std::shared_ptr<journal_tap> tap;  // when set, live notices leave from the committing thread
};

// Spawns the supervisor and its children.
caf::actor spawn_read_side(caf::actor_system& system, environment env, read_side_stores stores,
                           read_side_wiring wiring, read_side_settings settings = {});

// The children, spawned (and monitored) by the supervisor `parent`.
caf::actor spawn_notifier(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                          const ports::notification_store& notifications, const caf::actor& hub,
                          consumer_settings settings);
caf::actor spawn_notifier_coordinator(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                                      const ports::notification_store& notifications, const caf::actor& hub,
                                      coordinator_settings settings);
// The first page of a customer's inbox as the store has it, to `to`.
void answer_inbox(const owed& to, const ports::notification_store& store, const domain::ids::customer_id& customer,
                  const app::page_request& page);
caf::actor spawn_rentals_view(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                              const ports::view_store& views, const caf::actor& hub, consumer_settings settings,
                              std::shared_ptr<rental_board> board);
caf::actor spawn_stations_view(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                               const ports::view_store& views, const caf::actor& hub, consumer_settings settings,
                               rental_listings_actor listings);
caf::actor spawn_webhook(caf::event_based_actor* parent, const environment& env, const ports::position_store& positions,
                         const ports::notification_store& notifications, ports::notification_gateway* gateway,
                         webhook_settings settings);
caf::actor spawn_overtime_collector(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                                    const caf::actor& hub, payment_actor payment, overtime_settings settings);

// How adapters' watches reach the read side: attached once it runs; the node clears it when
// it stops, after which registering or cancelling a watch does nothing.
class read_side_link {
 public:
  void attach(caf::actor read_side);
  // Registers the watch under a fresh id, which it returns.
  std::uint64_t send_numbered(watch_request request);
  void unwatch(std::uint64_t id);
  void clear();

 private:
  std::mutex mutex_;
  caf::actor read_side_;
  std::uint64_t next_id_ = 0;
};

// What a watch shares with the deliveries made for it: ending it takes the lock, so once end()
// returns no delivery runs or will run (a delivery that ends its own watch may re-enter).
class guarded_delivery {
 public:
  explicit guarded_delivery(std::function<void(domain::notification)> deliver);
  void operator()(domain::notification n);
  bool end();  // true the first time only

 private:
  std::recursive_mutex mutex_;
  bool active_ = true;
  std::function<void(domain::notification)> deliver_;
};

// The handle of a watch whose deliveries go through `target`: cancel() (or the destructor) ends
// the deliveries, then calls `stop` once, to end the watch's source.
std::unique_ptr<app::watch> watch_handle(std::shared_ptr<guarded_delivery> target, std::function<void()> stop);

// Starts a live watch (see app::notification_service::watch_notifications). Once cancel()
// or the destructor of the handle returns, `deliver` does not run any more.
std::unique_ptr<app::watch> start_watch(const std::shared_ptr<read_side_link>& link, domain::ids::customer_id customer,
                                        std::uint64_t after, std::function<void(domain::notification)> deliver);

// The answer of the remaining-time view for a customer with no active rental.
inline domain::error no_active_rental(const domain::ids::customer_id& customer) {
  return domain::not_found(domain::error_code::no_active_rental, "no active rental").with("customerId", customer);
}

// Stations with their availability: a page of the rental context's stations joined with the
// view's counts.
app::page<app::station_view> join_stations(const app::page<domain::station>& stations,
                                           const std::map<domain::ids::station_id, domain::station_count>& counts);

}  // namespace ttareungyi::actors
