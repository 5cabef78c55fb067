// The read side's supervisor: starts the consumers and the webhook deliverer, restarts each
// that stops (after a back-off), routes queries to them, and keeps the live watchers of
// notifications. See read_side.hpp for the message flow.
#include "read_side.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "timer.hpp"

namespace ttareungyi::actors {
namespace {

struct child {
  std::function<caf::actor()> start;
  caf::actor running;  // invalid while it is restarting
  std::optional<backoff> delays;
  caf::actor_clock::time_point started_at{};
};

struct watcher {
  std::string customer;
  std::uint64_t last = 0;  // the sequence of the last notice it got
  bool stale = false;      // its replay could not be read: it gets nothing until a resync succeeds
  std::function<void(domain::notification)> deliver;
  // Live notices wait here while the watcher is new and the notifier has not stored every
  // notice up to `live_from` - 1 (which a replay from storage cannot show yet).
  std::uint64_t live_from = 0;
  std::optional<std::vector<domain::notification>> held;

  void give(const domain::notification& n) {
    if (n.sequence <= last) return;
    last = n.sequence;
    deliver(n);
  }
};

struct read_side_state {
  std::map<std::string, child> children;
  std::unordered_map<std::uint64_t, watcher> watchers;
  std::unordered_multimap<std::string, std::uint64_t> watching;  // customer -> watcher ids
  std::uint64_t seen = 0;  // how far the notifier's commits are known to have been pushed
  std::uint64_t live = 0;  // how far the journal's notices have been pushed live
  std::unordered_set<std::uint64_t> holding;  // watchers whose live notices are held
  // The children running now, shared with the clean-up that stops them with the supervisor.
  std::shared_ptr<std::map<std::string, caf::actor>> running = std::make_shared<std::map<std::string, caf::actor>>();
  static inline const char* name = "read-side";
};

using read_side_self = caf::stateful_actor<read_side_state>*;

// Delivers to `w` every stored notice after its last one, oldest first. A customer's notices
// are read newest first with a limit, so the limit grows until the answer is complete.
void resync(const ports::view_store& store, watcher& w) {
  std::size_t limit = 64;
  for (;;) {
    auto found = store.notifications_of(w.customer, w.last, limit);
    if (!found) {
      w.stale = true;
      return;
    }
    if (found->size() >= limit && limit < std::numeric_limits<std::size_t>::max() / 4) {
      limit *= 4;
      continue;
    }
    w.stale = false;
    for (auto i = found->rbegin(); i != found->rend(); ++i) w.give(*i);
    return;
  }
}

void remove_watcher(read_side_state& s, std::uint64_t id) {
  auto i = s.watchers.find(id);
  if (i == s.watchers.end()) return;
  s.holding.erase(id);
  auto [first, last] = s.watching.equal_range(i->second.customer);
  for (auto j = first; j != last; ++j)
    if (j->second == id) {
      s.watching.erase(j);
      break;
    }
  s.watchers.erase(i);
}

// Watchers whose gap the notifier has now stored get their held notices and go live.
void release_held(read_side_state& s) {
  for (auto i = s.holding.begin(); i != s.holding.end();) {
    auto& w = s.watchers.at(*i);
    if (s.seen + 1 < w.live_from) {
      ++i;
      continue;
    }
    auto held = std::move(*w.held);
    w.held.reset();
    for (const auto& n : held) w.give(n);
    i = s.holding.erase(i);
  }
}

// Pushes the notices of the journal's events after `live` up to `up_to` to their customers'
// watchers. domain::notify is a function of the committed event and its sequence, so a live
// notice is the very notification the notifier stores (same id, same sequence), only sooner.
// A read that fails leaves `live` where it is; the notifier's pushes cover the gap.
void push_live(read_side_self self, const ports::journal& journal, std::uint64_t up_to) {
  auto& s = self->state;
  while (s.live < up_to) {
    auto batch = journal.events_after(s.live, 256);
    if (!batch || batch->empty()) return;
    for (const auto& r : *batch) {
      s.live = r.sequence;
      auto n = domain::notify(r.sequence, r.event);
      if (!n) continue;
      auto [first, last] = s.watching.equal_range(n->customer_id);
      for (auto j = first; j != last; ++j) {
        auto& w = s.watchers.at(j->second);
        if (w.held)
          w.held->push_back(*n);
        else if (!w.stale)
          w.give(*n);
      }
    }
  }
}

void start_child(read_side_self self, const std::string& name, child& c) {
  c.running = c.start();
  c.started_at = self->clock().now();
  self->monitor(c.running);
  (*self->state.running)[name] = c.running;
}

caf::behavior read_side(read_side_self self, environment env, read_side_wiring wiring, read_side_settings settings) {
  auto& st = self->state;
  auto add = [self, settings](std::string name, std::function<caf::actor()> start) {
    auto& c = self->state.children[name];
    c.start = std::move(start);
    c.delays.emplace(settings.restart_first, settings.restart_ceiling);
  };
  const auto& [hub, fleet, payment, gateway, board] = wiring;
  add("notifier", [self, env, hub, settings] { return spawn_notifier(self, env, hub, settings.consumers); });
  add("rentals", [self, env, hub, settings, board] {
    return spawn_rentals_view(self, env, hub, settings.consumers, board);
  });
  add("stations", [self, env, hub, settings, fleet] {
    return spawn_stations_view(self, env, hub, settings.consumers, fleet);
  });
  if (gateway)
    add("webhook", [self, env, gateway, settings] { return spawn_webhook(self, env, gateway, settings.webhook); });
  if (payment)
    add("overtime", [self, env, hub, payment, settings] {
      return spawn_overtime_collector(self, env, hub, payment, settings.overtime);
    });
  for (auto& [name, c] : st.children) start_child(self, name, c);
  // Live notices come straight from the journal, from its end as it is now.
  st.live = env.storage->last_sequence();
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
  self->attach_functor([running = st.running](const caf::error&) {
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
  auto wake_webhook = [self] {
    auto i = self->state.children.find("webhook");
    if (i != self->state.children.end() && i->second.running) self->send(i->second.running, wake_atom::value);
  };
  auto resync_all = [self, env] {
    for (auto& [id, w] : self->state.watchers) resync(*env.storage, w);
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
      [route](current_atom a, const std::string& customer, std::uint64_t min) {
        route("rentals", "the rental view", a, customer, min);
      },
      [route](station_atom a, list_atom b, std::uint64_t min) { route("stations", "the station view", a, b, min); },
      [route](station_atom a, count_atom b, std::uint64_t min) { route("stations", "the station view", a, b, min); },
      [route](notice_atom a, list_atom b, const std::string& customer, std::uint64_t limit, std::uint64_t min) {
        route("notifier", "the notification inbox", a, b, customer, limit, min);
      },
      // -- live watchers
      [self, env](watch_atom, watch_request& request) {
        auto& s = self->state;
        if (s.watchers.contains(request.id)) return;
        watcher w{std::move(request.customer), request.after, false, std::move(request.deliver), 0, std::nullopt};
        resync(*env.storage, w);
        // Notices pushed live before this watch came may not be stored yet: until the notifier
        // has stored them (and pushed them here), the watch's live notices wait.
        w.live_from = s.live + 1;
        if (s.seen < s.live) {
          w.held.emplace();
          s.holding.insert(request.id);
        }
        s.watching.emplace(w.customer, request.id);
        s.watchers.emplace(request.id, std::move(w));
      },
      [self, env](appended_atom, std::uint64_t up_to) { push_live(self, *env.storage, up_to); },
      [self](unwatch_atom, std::uint64_t id) { remove_watcher(self->state, id); },
      // -- from the notifier
      [self, resync_all](started_atom, std::uint64_t position) {
        // Notices its predecessor committed but could not push are in storage: replay them.
        if (position > self->state.seen) resync_all();
        self->state.seen = std::max(self->state.seen, position);
        release_held(self->state);
      },
      [self, env, resync_all, wake_webhook](published_atom, std::uint64_t from, std::uint64_t to,
                                            std::vector<domain::notification>& notices) {
        auto& s = self->state;
        if (from > s.seen) resync_all();
        s.seen = std::max(s.seen, to);
        for (auto& n : notices) {
          auto [first, last] = s.watching.equal_range(n.customer_id);
          for (auto j = first; j != last; ++j) {
            auto& w = s.watchers.at(j->second);
            if (w.stale) resync(*env.storage, w);
            if (!w.stale) w.give(n);
          }
        }
        release_held(s);
        if (!notices.empty()) wake_webhook();
      },
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

namespace {

// What a watch shares with the deliveries made for it: cancelling takes the lock, so once it
// returns no delivery runs or will run (a delivery that cancels its own watch may re-enter).
struct watch_target {
  std::recursive_mutex mutex;
  bool active = true;
  std::function<void(domain::notification)> deliver;
};

class live_watch final : public app::watch {
 public:
  live_watch(std::shared_ptr<read_side_link> link, std::shared_ptr<watch_target> target, std::uint64_t id)
      : link_(std::move(link)), target_(std::move(target)), id_(id) {}
  ~live_watch() override { cancel(); }
  void cancel() override {
    {
      std::lock_guard lock{target_->mutex};
      if (!target_->active) return;
      target_->active = false;
    }
    link_->unwatch(id_);
  }

 private:
  std::shared_ptr<read_side_link> link_;
  std::shared_ptr<watch_target> target_;
  std::uint64_t id_;
};

}  // namespace

std::unique_ptr<app::watch> start_watch(const std::shared_ptr<read_side_link>& link, std::string customer,
                                        std::uint64_t after, std::function<void(domain::notification)> deliver) {
  auto target = std::make_shared<watch_target>();
  target->deliver = std::move(deliver);
  watch_request request{0, std::move(customer), after, [target](domain::notification n) {
                          std::lock_guard lock{target->mutex};
                          if (target->active) target->deliver(std::move(n));
                        }};
  auto id = link->send_numbered(std::move(request));
  return std::make_unique<live_watch>(link, std::move(target), id);
}

caf::actor spawn_read_side(caf::actor_system& system, environment env, read_side_wiring wiring,
                           read_side_settings settings) {
  if (!wiring.board) wiring.board = std::make_shared<rental_board>();
  return system.spawn(read_side, std::move(env), std::move(wiring), settings);
}

}  // namespace ttareungyi::actors
