#include "ttareungyi/actors/node.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <atomic>
#include <future>
#include <map>
#include <optional>
#include <thread>

#include <unistd.h>

#include "courier.hpp"
#include "fleet.hpp"
#include "heartbeat.hpp"
#include "identity.hpp"
#include "journal.hpp"
#include "listings.hpp"
#include "payment.hpp"
#include "read_side/read_side.hpp"
#include "remote/core_front.hpp"
#include "remote/door.hpp"
#include "remote/gateway.hpp"
#include "remote/notifier_replica.hpp"
#include "remote/remote_core.hpp"
#include "remote/remote_payment.hpp"
#include "rides.hpp"
#include "tickets.hpp"
#include "wire.hpp"

namespace ttareungyi::actors {
struct node::impl final : app::identity_service,
                          app::ticket_service,
                          app::rental_service,
                          app::fleet_service,
                          app::ride_view_service,
                          app::notification_service {
  ports::storage& storage;
  ports::payment_provider& payments;
  const ports::password_hasher& hasher;
  const domain::clock& clock;
  node_options options;
  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
  std::optional<actors::couriers> couriers;
  environment env;
  entity_gauges gauges;
  payment_actor payment;
  identity_actor identity;
  ticket_desk_actor desk;
  fleet_actor fleet;
  ticket_listings_actor ticket_listings;  // a customer's tickets, off the desk
  rental_listings_actor rental_listings;  // stations and bicycles, off the fleet
  ports::notification_gateway* webhook = nullptr;
  caf::actor journal_hub;
  std::shared_ptr<journal_tap> tap = std::make_shared<journal_tap>();  // live notices, from the committing thread
  caf::actor read_side;  // the journal's consumers and their views (read_side.hpp)
  std::shared_ptr<read_side_link> watches = std::make_shared<read_side_link>();
  std::shared_ptr<rental_board> rentals = std::make_shared<rental_board>();  // published by the rentals view
  std::atomic<bool> is_ready{false};
  std::shared_ptr<breaker_board> payment_board = std::make_shared<breaker_board>();
  std::shared_ptr<peer_board> peers = std::make_shared<peer_board>();
  caf::actor replica;                    // a notifier replica's worker (no core here)
  core_actor front;                      // the core's contexts as other nodes reach them (on a gateway: its stand-in)
  std::unique_ptr<gateway> gate;         // a gateway's application (gateway.hpp)
  std::shared_ptr<partition_board> partitions = std::make_shared<partition_board>();
  caf::actor door;                       // what other nodes reach this one through
  std::optional<std::uint16_t> node_port;  // where the door is published
  std::shared_ptr<liveness> live_board;
  caf::actor heart;  // the liveness heartbeat (heartbeat.hpp)
  std::shared_ptr<std::atomic<std::uint64_t>> overtime_progress = std::make_shared<std::atomic<std::uint64_t>>(0);
  std::shared_ptr<std::atomic<bool>> stall_released = std::make_shared<std::atomic<bool>>(false);

  impl(ports::storage& s, ports::payment_provider& p, const ports::password_hasher& h, const domain::clock& c,
       node_options o, ports::notification_gateway* w)
      : storage(s),
        payments(p),
        hasher(h),
        clock(c),
        options(o),
        webhook(w),
        live_board(std::make_shared<liveness>(o.liveness_threshold, liveness::clock::now())) {
    register_message_types(config);
    // CAF's own default is at least four workers; on fewer cores the spare ones only poll and
    // preempt the busy ones (measured: docs/benchmarks.md, run 6). One per core, then.
    const auto threads = options.scheduler_threads > 0 ? options.scheduler_threads
                                                       : std::max<std::size_t>(1, std::thread::hardware_concurrency());
    config.set("scheduler.max-threads", threads);
    // An idle worker spins briefly, then sleeps until work is enqueued for it. CAF's default
    // polls in between, 500 times with 50 µs naps: under a trickle of messages (idle ticks,
    // notifications) the workers never reach the sleep and each nap is a context switch. Without
    // that phase the server's CPU per ride fell 9 % and an idle wave of passivations cost half
    // (docs/benchmarks.md, run 20).
    config.set("work-stealing.moderate-poll-attempts", std::size_t{0});
    if (options.node_port || options.payment_peer || options.core_peer) {
      config.load<caf::io::middleman>();
      // Heartbeats are off by default: without them a frozen peer is noticed only by TCP.
      config.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds{500}});
      config.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds{3}});
    }
    system = std::make_unique<caf::actor_system>(config);
    couriers.emplace(*system, system->scheduler().num_workers(), options.request_timeout);
  }

  ~impl() override {
    is_ready = false;
    stall_released->store(true);  // an injected stall lets go, so that the actors can stop
    caf::anon_send_exit(heart, caf::exit_reason::user_shutdown);
    gate.reset();
    caf::anon_send_exit(door, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(front, caf::exit_reason::user_shutdown);
    if (node_port && options.core) std::this_thread::sleep_for(options.peer_grace);
    caf::anon_send_exit(replica, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(payment, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(identity, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(desk, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(fleet, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(ticket_listings, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(rental_listings, caf::exit_reason::user_shutdown);
    watches->clear();  // watches outliving the node cancel into nothing
    caf::anon_send_exit(read_side, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(journal_hub, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(env.committer, caf::exit_reason::user_shutdown);
    couriers.reset();  // answers what is still waiting
    system.reset();    // waits for all actors
  }

  std::expected<void, std::string> start() {
    journal_hub = spawn_journal_hub(*system, storage.last_sequence());
    env = environment{spawn_storage_gateway(*system, storage, &storage, journal_hub, tap), &clock,
                      options.payment_timeout, options.passivate_after, &gauges};
    heart = spawn_heartbeat(*system, storage, live_board, {.every = options.heartbeat_every});
    if (options.stall != node_options::stall_target::none)
      inject_stall(*system, storage, options.stall == node_options::stall_target::writer ? stall::writer : stall::scheduler,
                   options.stall_after, stall_released);
    if (options.payment || options.payment_peer) start_payment();
    if (options.core) {
      if (auto started = start_core(); !started) return started;
    } else if (options.notifier) {
      start_replica();
    } else if (options.core_peer) {
      start_gateway();
    }
    if (auto published = publish_door(); !published) return published;
    is_ready = true;
    return {};
  }

  // The payment context here, or a stand-in that reaches it on the payment node.
  void start_payment() {
    if (options.payment) {
      const ports::payment_store& payment_records = storage;
      payment = spawn_payment(*system, env, payment_records, payments,
                              {.workers = options.payment_workers,
                               .call_timeout = options.payment_timeout,
                               .breaker = options.payment_breaker},
                              payment_board);
      return;
    }
    // The supervisor there answers within its call timeout; the hop gets half as much again.
    payment = spawn_remote_payment(*system, link_to("payment", *options.payment_peer), peers, clock,
                                   options.payment_timeout * 3 / 2);
  }

  // A notifier replica: its share of the core's journal partitions (notifier_replica.hpp).
  void start_replica() {
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    replica = spawn_notifier_replica(*system, link_to("notifications", *options.core_peer), peers, partitions, clock,
                                     {.name = std::string{host} + "/" + std::to_string(::getpid())});
  }

  // A gateway: the core's front through a stand-in, which waits for a purchase as long as the
  // core waits for payment, and some more.
  void start_gateway() {
    front = spawn_remote_core(*system, link_to("core", *options.core_peer), peers, clock,
                              options.payment_timeout * 2 + std::chrono::seconds{1}, options.core_wait);
    gate = std::make_unique<gateway>(*system, *couriers, front, gateway_settings{.on_keys = options.core_keys});
  }

  bool ready() const { return is_ready && peers->all_reached() && (!gate || gate->ready()); }

  link_settings link_to(std::string context, const peer_address& address) {
    return {.context = std::move(context),
            .address = address,
            .connector = caf::actor_cast<caf::actor>(system->middleman().actor_handle()),
            .fingerprint = wire_fingerprint(),
            .answer_timeout = options.payment_timeout,
            .retry_first = std::chrono::milliseconds{100},
            .retry_ceiling = options.peer_retry_ceiling};
  }

  std::expected<void, std::string> start_core() {
    // Each context's actors get their own context's port of the node's storage, and no other.
    const ports::identity_store& customers = storage;
    const ports::ticket_store& tickets = storage;
    const ports::rental_store& rentals_store = storage;
    identity = spawn_identity(*system, env, customers, hasher);
    desk = spawn_ticket_desk(*system, env, tickets, payment);
    auto spawned = spawn_fleet(*system, env, rentals_store);
    if (!spawned) return std::unexpected("cannot load the fleet: " + spawned.error().detail);
    fleet = *spawned;
    ticket_listings = spawn_ticket_listings(*system, tickets);
    rental_listings = spawn_rental_listings(*system, rentals_store);
    auto in_use = storage.tickets_in_use();
    if (!in_use) return std::unexpected("cannot read tickets in use: " + in_use.error().message);
    std::promise<domain::result<std::size_t>> recovered;
    auto outcome = recovered.get_future();
    system->spawn(recover_rides, ride_contexts{desk, fleet}, std::move(*in_use),
                  [&recovered](domain::result<std::size_t> r) { recovered.set_value(std::move(r)); });
    auto repaired = outcome.get();
    if (!repaired) return std::unexpected("cannot repair interrupted rides: " + repaired.error().detail);
    return start_read_side();
  }

  // The door offers the contexts this node runs for other nodes: payment; on a core, its front
  // (core_front.hpp), and the notifier's partitions (through the read side) when it runs
  // without the notifier.
  std::expected<void, std::string> publish_door() {
    if (!options.node_port) return {};
    std::map<std::string, caf::actor> offered;
    if (options.payment) offered.emplace("payment", caf::actor_cast<caf::actor>(payment));
    if (options.core) {
      front = spawn_core_front(*system, {identity, desk, ticket_listings, fleet, rental_listings, read_side, &storage,
                                         journal_hub, options.signer, options.answers, watches});
      offered.emplace("core", caf::actor_cast<caf::actor>(front));
    }
    if (options.core && !options.notifier) offered.emplace("notifications", read_side);
    door = spawn_door(*system, wire_fingerprint(), std::move(offered));
    const char* bind = options.node_bind.empty() ? nullptr : options.node_bind.c_str();
    auto port = system->middleman().publish(door, *options.node_port, bind, true);
    if (!port) return std::unexpected("cannot publish on node port " + std::to_string(*options.node_port) + ": " +
                                      system->render(port.error()));
    node_port = *port;
    return {};
  }

  // Asks `dest` on behalf of an adapter thread; the answer, mapped by `map`, goes to `done`.
  template <class Answer, class T, class Handle, class Map, class... Ts>
  void call(const Handle& dest, app::reply<T> done, Map map, Ts... xs) {
    couriers->ask_for<Answer>(dest, std::move(done), map, std::move(xs)...);
  }

  // identity
  void sign_up(domain::sign_up_request request, app::reply<app::customer_profile> done) override {
    call<app::customer_profile>(identity, std::move(done), as_is, sign_up_atom::value, std::move(request));
  }
  void authenticate(std::string phone, std::string password, app::reply<app::customer_profile> done) override {
    call<app::customer_profile>(identity, std::move(done), as_is, login_atom::value, std::move(phone), std::move(password));
  }
  // tickets
  void buy(domain::ids::customer_id customer, domain::ticket_type type, app::reply<domain::ticket> done) override {
    call<domain::ticket>(desk, std::move(done), as_is, buy_atom::value, std::move(customer), type);
  }
  void pay(domain::ids::customer_id customer, domain::ids::ticket_id ticket, app::reply<domain::ticket> done) override {
    call<domain::ticket>(desk, std::move(done), as_is, pay_atom::value, std::move(customer), std::move(ticket));
  }
  void cancel(domain::ids::customer_id customer, domain::ids::ticket_id ticket, app::reply<domain::ticket> done) override {
    call<domain::ticket>(desk, std::move(done), as_is, cancel_atom::value, std::move(customer), std::move(ticket));
  }
  void ticket(domain::ids::customer_id customer, domain::ids::ticket_id ticket, app::reply<domain::ticket> done) override {
    call<domain::ticket>(desk, std::move(done), as_is, get_atom::value, std::move(customer), std::move(ticket));
  }
  void tickets(domain::ids::customer_id customer, app::page_request request, app::reply<app::page<domain::ticket>> done) override {
    call<app::page<domain::ticket>>(ticket_listings, std::move(done), as_is, list_atom::value, std::move(customer),
                                    std::move(request));
  }
  // rentals: the ride's steps (rides.hpp) run in a courier, with the same bound as every other call
  template <class Step, class... Ts>
  void ride(Step step, app::reply<domain::rental> done, Ts... xs) {
    couriers->carry<domain::rental>(
        [step, contexts = ride_contexts{desk, fleet}, xs...](caf::event_based_actor* self, auto reply) {
          step(self, contexts, xs..., std::move(reply));
        },
        std::move(done));
  }
  void rent(domain::ids::customer_id customer, domain::ids::bicycle_id bicycle, domain::ids::ticket_id ticket,
            app::reply<domain::rental> done) override {
    ride(rent_ride, std::move(done), std::move(customer), std::move(bicycle), std::move(ticket));
  }
  void give_back(domain::ids::customer_id customer, domain::ids::rental_id rental, domain::ids::station_id station,
                 app::reply<domain::rental> done) override {
    ride(return_ride, std::move(done), std::move(customer), std::move(rental), std::move(station));
  }
  // fleet: listings off the fleet; stations with the station view's counts, at least as recent
  // as the journal now
  void stations(app::page_request request, app::reply<app::page<app::station_view>> done) override {
    call<app::page<app::station_view>>(read_side, std::move(done), as_is, station_atom::value, list_atom::value,
                                       std::move(request), storage.last_sequence());
  }
  void add_station(app::new_station request, app::reply<app::station_view> done) override {
    call<app::station_view>(fleet, std::move(done), as_is, station_atom::value, add_atom::value, std::move(request));
  }
  void bicycles(app::bicycle_query query, app::page_request request, app::reply<app::page<domain::bicycle>> done) override {
    call<app::page<domain::bicycle>>(rental_listings, std::move(done), as_is, bicycle_atom::value, list_atom::value,
                                     std::move(query), std::move(request));
  }
  void add_bicycle(std::optional<domain::ids::bicycle_id> id, domain::ids::station_id station,
                   app::reply<domain::bicycle> done) override {
    call<domain::bicycle>(fleet, std::move(done), as_is, bicycle_atom::value, add_atom::value,
                          app::new_bicycle{std::move(id), std::move(station)});
  }
  void post_alert(domain::alert_request request, app::reply<domain::alert> done) override {
    call<domain::alert>(fleet, std::move(done), as_is, alert_atom::value, add_atom::value, std::move(request));
  }
  void alerts(app::reply<std::vector<domain::alert>> done) override {
    call<std::vector<domain::alert>>(rental_listings, std::move(done), as_is, alert_atom::value, list_atom::value);
  }
  void remove_bicycle(domain::ids::bicycle_id id, app::reply<void> done) override {
    call<ok_atom>(fleet, std::move(done), [](ok_atom) { return domain::result<void>{}; }, bicycle_atom::value,
                  remove_atom::value, std::move(id));
  }

  // The read side. With rebuild_views, the rental and station views are dropped (and their
  // consumers rewound) in one commit before any consumer runs, so they replay the journal.
  std::expected<void, std::string> start_read_side() {
    if (options.rebuild_views) {
      ports::changeset drop;
      drop.save(ports::dropped_view{ports::view::rentals}).save(ports::dropped_view{ports::view::stations});
      if (auto dropped = storage.commit_and_wait(std::move(drop)); !dropped)
        return std::unexpected("cannot drop the views to rebuild: " + dropped.error().message);
    }
    read_side_stores stores{.journal = &storage,
                            .positions = &storage,
                            .views = &storage,
                            .notifications = &storage};
    read_side_settings settings;
    if (!options.notifier) settings.partitioned.emplace();
    settings.overtime.progress = overtime_progress;  // replicas on other nodes make the notifications
    read_side = spawn_read_side(*system, env, stores, {journal_hub, rental_listings, payment, webhook, rentals, tap},
                                settings);
    watches->attach(read_side);
    return {};
  }

  // Read-your-writes: each query carries the journal's last sequence as of its arrival, and the
  // view answers once it has applied the journal that far. The current rental is answered on
  // the caller's thread from the rental board when the board is that recent (nearly always).
  void current_rental(domain::ids::customer_id customer, app::reply<domain::current_rental> done) override {
    const auto min = storage.last_sequence();
    if (auto found = rentals->find(customer, min)) {
      if (*found) return done(std::move(**found));
      return done(std::unexpected(no_active_rental(customer)));
    }
    call<domain::current_rental>(read_side, std::move(done), as_is, current_atom::value, std::move(customer), min);
  }
  void notifications(domain::ids::customer_id customer, app::page_request request,
                     app::reply<app::page<domain::notification>> done) override {
    call<app::page<domain::notification>>(read_side, std::move(done), as_is, notice_atom::value, list_atom::value,
                                          std::move(customer), std::move(request), storage.last_sequence());
  }
  std::unique_ptr<app::watch> watch_notifications(domain::ids::customer_id customer, std::uint64_t after,
                                                  std::function<void(domain::notification)> deliver) override {
    return start_watch(watches, std::move(customer), after, std::move(deliver));
  }
};

node::node(ports::storage& storage, ports::payment_provider& payments, const ports::password_hasher& hasher,
           const domain::clock& clock, node_options options, ports::notification_gateway* webhook)
    : impl_(std::make_unique<impl>(storage, payments, hasher, clock, options, webhook)) {}

node::~node() = default;

std::expected<void, std::string> node::start() { return impl_->start(); }

app::services node::services() {
  auto* i = impl_.get();
  auto ready = [i] { return i->ready(); };
  auto health = [i] {
    std::optional<app::payment_health> payment;
    if (i->options.payment) payment = i->payment_board->read();
    app::health_report report{std::move(payment), i->options.roles, i->peers->read()};
    if (i->replica) report.notifier = i->partitions->read();
    return report;
  };
  auto live = [board = i->live_board] { return board->report(liveness::clock::now()); };
  const bool serves_api = std::ranges::find(i->options.roles, "http") != i->options.roles.end();
  if (auto* g = i->gate.get()) return {*g, *g, *g, *g, *g, *g, ready, health, serves_api, g, live};
  return {*i, *i, *i, *i, *i, *i, ready, health, serves_api, nullptr, live};
}

bool node::ready() const { return impl_->ready(); }

std::optional<std::uint16_t> node::node_port() const { return impl_->node_port; }

ports::idempotency_store* node::answers_at_the_core() { return impl_->gate ? &impl_->gate->answers() : nullptr; }

std::uint32_t wire_protocol_version() { return wire_protocol; }

std::vector<node::reader_position> node::journal_readers() const {
  const auto& o = impl_->options;
  if (!o.core) return {};
  std::vector<std::string> names{"rentals", "stations"};
  if (o.notifier) names.emplace_back("notifier");
  if (o.payment || o.payment_peer) names.emplace_back("overtime");
  std::vector<reader_position> out;
  for (auto& name : names) {
    auto position = impl_->storage.position(name);
    if (!position) continue;
    // The collector's stored position moves only with fees; how far it has dealt with the
    // journal is in memory.
    if (name == "overtime") *position = std::max(*position, impl_->overtime_progress->load());
    out.push_back({std::move(name), *position});
  }
  return out;
}

node::live_entities node::live() const {
  return {impl_->gauges.tickets.load(std::memory_order_relaxed), impl_->gauges.bicycles.load(std::memory_order_relaxed)};
}

}  // namespace ttareungyi::actors
