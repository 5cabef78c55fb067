// The read side's supervisor: starts the consumers and the webhook deliverer, restarts each
// that stops (after a back-off), routes queries to them, and keeps the live watchers of
// notifications (live_notices.hpp). See read_side.hpp for the message flow.
#include "read_side.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <mutex>
#include <utility>
#include <optional>

#include "timer.hpp"

namespace ttareungyi::actors {
namespace {

struct child {
  std::function<caf::actor()> start;
  caf::actor running;  // invalid while it is restarting
  std::optional<backoff> delays;
  caf::actor_clock::time_point started_at{};
};

struct read_side_state {
  std::map<std::string, child> children;
  std::uint64_t stored = 0;  // every notice up to this journal sequence is stored (the webhook's limit)
  std::shared_ptr<live_notices> live;  // the watchers of the notification streams
  // The children running now, shared with the clean-up that stops them with the supervisor.
  std::shared_ptr<std::map<std::string, caf::actor>> running = std::make_shared<std::map<std::string, caf::actor>>();
  static inline const char* name = "read-side";
};

using read_side_self = caf::stateful_actor<read_side_state>*;

void start_child(read_side_self self, const std::string& name, child& c) {
  c.running = c.start();
  c.started_at = self->clock().now();
  self->monitor(c.running);
  (*self->state.running)[name] = c.running;
  if (name == "webhook") self->send(c.running, wake_atom::value, self->state.stored);
}

caf::behavior read_side(read_side_self self, environment env, read_side_stores stores, read_side_wiring wiring,
                        read_side_settings settings) {
  auto& st = self->state;
  auto add = [self, settings](std::string name, std::function<caf::actor()> start) {
    auto& c = self->state.children[name];
    c.start = std::move(start);
    c.delays.emplace(settings.restart_first, settings.restart_ceiling);
  };
  const auto& [hub, listings, payment, gateway, board, tap] = wiring;
  const auto reader = stores.reader();
  add("notifier", [self, env, reader, stores, hub, settings] {
    if (settings.partitioned)
      return spawn_notifier_coordinator(self, env, reader, *stores.notifications, hub, *settings.partitioned);
    return spawn_notifier(self, env, reader, *stores.notifications, hub, settings.consumers);
  });
  add("rentals", [self, env, reader, stores, hub, settings, board] {
    return spawn_rentals_view(self, env, reader, *stores.views, hub, settings.consumers, board);
  });
  add("stations", [self, env, reader, stores, hub, settings, listings] {
    return spawn_stations_view(self, env, reader, *stores.views, hub, settings.consumers, listings);
  });
  if (gateway)
    add("webhook", [self, env, stores, gateway, settings] {
      return spawn_webhook(self, env, *stores.positions, *stores.notifications, gateway, settings.webhook);
    });
  if (payment)
    add("overtime", [self, env, reader, hub, payment, settings] {
      return spawn_overtime_collector(self, env, reader, hub, payment, settings.overtime);
    });
  for (auto& [name, c] : st.children) start_child(self, name, c);
  // Live notices: from the committing thread through the tap, with the hub's wake-ups as the
  // backstop (and the only way when nothing is tapped).
  st.live = std::make_shared<live_notices>(*stores.journal, *stores.notifications);
  if (tap) tap->attach([live = st.live](std::uint64_t up_to) { live->journaled(up_to); });
  subscribe(self, hub);
  // A stopped child restarts after a back-off that grows while it keeps stopping soon.
  self->set_down_handler([self, settings](const caf::down_msg& down) {
    for (auto& [name, c] : self->state.children) {
      if (!c.running || c.running.address() != down.source) continue;
      c.running = nullptr;
      self->state.running->erase(name);
      if (self->clock().now() - c.started_at >= settings.healthy_after) c.delays->reset();
      send_later(self, c.delays->next(), restart_atom::value, name);
      return;
    }
  });
  // The children stop with the supervisor (the state is gone by then: keep their handles).
  self->attach_functor([running = st.running, tap](const caf::error&) {
    if (tap) tap->detach();
    for (auto& [name, c] : *running)
      if (c) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  });
  // Routes a query to the child running under `name`, which answers the requester itself.
  auto route = [self](const std::string& name, std::string_view what, auto... xs) {
    auto rp = self->make_response_promise();
    auto i = self->state.children.find(name);
    if (i == self->state.children.end() || !i->second.running)
      rp.deliver(to_caf(view_unavailable(what)));
    else
      rp.delegate(i->second.running, xs...);
  };
  // The webhook delivers up to where every notice is stored: with partitions, notices are
  // stored out of sequence order, and it must not pass one that is still to come.
  auto wake_webhook = [self](std::uint64_t stored) {
    self->state.stored = std::max(self->state.stored, stored);
    auto i = self->state.children.find("webhook");
    if (i != self->state.children.end() && i->second.running)
      self->send(i->second.running, wake_atom::value, self->state.stored);
  };
  return {
      [self](restart_atom, const std::string& name) {
        auto i = self->state.children.find(name);
        if (i == self->state.children.end() || i->second.running) return;
        start_child(self, name, i->second);
      },
      [self](child_atom, const std::string& name) -> caf::actor {
        auto i = self->state.children.find(name);
        return i == self->state.children.end() ? caf::actor{} : i->second.running;
      },
      // -- queries
      [route](current_atom a, const domain::ids::customer_id& customer, std::uint64_t min) {
        route("rentals", "the rental view", a, customer, min);
      },
      [route](station_atom a, list_atom b, const app::page_request& page, std::uint64_t min) {
        route("stations", "the station view", a, b, page, min);
      },
      [route](station_atom a, count_atom b, std::uint64_t min) { route("stations", "the station view", a, b, min); },
      [route](notice_atom a, list_atom b, const domain::ids::customer_id& customer, const app::page_request& page,
              std::uint64_t min) { route("notifier", "the notification inbox", a, b, customer, page, min); },
      // -- live watchers
      [self](watch_atom, watch_request& request) { self->state.live->watch(std::move(request)); },
      [self](appended_atom, std::uint64_t up_to) { self->state.live->journaled(up_to); },
      [self](unwatch_atom, std::uint64_t id) { self->state.live->unwatch(id); },
      // -- from the notifier
      [self, wake_webhook](started_atom, std::uint64_t position) {
        self->state.live->notifier_started(position);
        wake_webhook(position);
      },
      [self, wake_webhook](published_atom, std::uint64_t from, std::uint64_t to,
                           const std::vector<domain::notification>& notices) {
        self->state.live->notifier_published(from, to, notices);
        if (!notices.empty()) wake_webhook(to);
      },
      // -- from notifier replicas on other nodes, for the partition coordinator
      [route](join_atom a, const std::string& name) { route("notifier", "the notifier's coordinator", a, name); },
      [route](journal_atom a, std::uint64_t after, std::uint64_t max) {
        route("notifier", "the notifier's coordinator", a, after, max);
      },
      [route](commit_atom a, const partition_commit& c) { route("notifier", "the notifier's coordinator", a, c); },
  };
}

}  // namespace

std::uint64_t read_side_link::send_numbered(watch_request request) {
  std::lock_guard lock{mutex_};
  const auto id = request.id = ++next_id_;
  if (read_side_) caf::anon_send(read_side_, watch_atom::value, std::move(request));
  return id;
}

void read_side_link::unwatch(std::uint64_t id) {
  std::lock_guard lock{mutex_};
  if (read_side_) caf::anon_send(read_side_, unwatch_atom::value, id);
}

void read_side_link::attach(caf::actor read_side) {
  std::lock_guard lock{mutex_};
  read_side_ = std::move(read_side);
}

void read_side_link::clear() {
  std::lock_guard lock{mutex_};
  read_side_ = nullptr;
}

guarded_delivery::guarded_delivery(std::function<void(domain::notification)> deliver) : deliver_(std::move(deliver)) {}

void guarded_delivery::operator()(domain::notification n) {
  std::lock_guard lock{mutex_};
  if (active_) deliver_(std::move(n));
}

bool guarded_delivery::end() {
  std::lock_guard lock{mutex_};
  return std::exchange(active_, false);
}

namespace {

class live_watch final : public app::watch {
 public:
  live_watch(std::shared_ptr<guarded_delivery> target, std::function<void()> stop)
      : target_(std::move(target)), stop_(std::move(stop)) {}
  ~live_watch() override { cancel(); }
  void cancel() override {
    if (target_->end()) stop_();
  }

 private:
  std::shared_ptr<guarded_delivery> target_;
  std::function<void()> stop_;
};

}  // namespace

std::unique_ptr<app::watch> watch_handle(std::shared_ptr<guarded_delivery> target, std::function<void()> stop) {
  return std::make_unique<live_watch>(std::move(target), std::move(stop));
}

std::unique_ptr<app::watch> start_watch(const std::shared_ptr<read_side_link>& link, domain::ids::customer_id customer,
                                        std::uint64_t after, std::function<void(domain::notification)> deliver) {
  auto target = std::make_shared<guarded_delivery>(std::move(deliver));
  auto id = link->send_numbered({0, std::move(customer), after, [target](domain::notification n) { (*target)(std::move(n)); }});
  return watch_handle(std::move(target), [link, id] { link->unwatch(id); });
}

caf::actor spawn_read_side(caf::actor_system& system, environment env, read_side_stores stores,
                           read_side_wiring wiring, read_side_settings settings) {
  if (!wiring.board) wiring.board = std::make_shared<rental_board>();
  return system.spawn(read_side, std::move(env), stores, std::move(wiring), settings);
}

}  // namespace ttareungyi::actors
