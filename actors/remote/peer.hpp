#pragma once
// Reaching a context on another node: its address, the link that keeps it reached, and the
// board where links publish their state for /health/ready.
#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/exit_reason.hpp>
#include <caf/system_messages.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/node_id.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "../timer.hpp"
#include "../wire.hpp"
#include "ttareungyi/actors/node.hpp"
#include "ttareungyi/app/services.hpp"

namespace ttareungyi::actors {

// The links' states by context, written by the links, read from any thread. A node is ready
// once every link has reached its peer once; losing one later is shown, not fatal (rides go on
// while the payment node is away).
class peer_board {
 public:
  std::vector<app::peer_health> read() const {
    std::lock_guard lock{mutex_};
    std::vector<app::peer_health> out;
    for (const auto& [context, h] : links_) out.push_back(h);
    return out;
  }
  void write(app::peer_health h) {
    std::lock_guard lock{mutex_};
    if (h.state == app::peer_state::connected) reached_.insert(h.context);
    links_[h.context] = std::move(h);
  }
  bool all_reached() const {
    std::lock_guard lock{mutex_};
    return reached_.size() == links_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, app::peer_health> links_;
  std::set<std::string> reached_;
};

struct link_settings {
  std::string context;  // what to ask the peer's door for
  peer_address address;
  caf::actor connector;  // answers (connect_atom, host, port): the io middleman's actor, or a test's
  std::uint64_t fingerprint = 0;                 // this build's (wire_fingerprint())
  std::chrono::milliseconds answer_timeout{2000};  // for the connection and the greeting
  std::chrono::milliseconds retry_first{100};
  std::chrono::milliseconds retry_ceiling{5000};
};

// One context on another node, kept reached from inside the actor that stands in for it here:
// connects through the connector, greets the peer's door, monitors what it got, and when that
// is lost (a connection that breaks ends the remote actor's proxy) tries again after a back-off,
// forever. Nothing waits on it: while it is down, remote() is null and the owner answers at
// once. The owner handles (retry_atom) by calling retry(); the link sets its down handler and
// calls `on_lost` when a connection it had breaks (to fail the calls in flight at once),
// `on_reached` once it has the peer's entry actor, and `on_other` with any other down message
// (of actors the owner monitors itself).
class peer_link {
 public:
  peer_link(link_settings settings, std::shared_ptr<peer_board> board, const domain::clock* clock)
      : settings_(std::move(settings)),
        board_(std::move(board)),
        clock_(clock),
        delays_(settings_.retry_first, settings_.retry_ceiling) {}

  template <class Self, class OnLost>
  void start(Self* self, OnLost on_lost, std::function<void()> on_reached = {},
             std::function<void(const caf::down_msg&)> on_other = {}) {
    on_reached_ = std::move(on_reached);
    self->set_down_handler([this, self, on_lost, on_other](const caf::down_msg& down) {
      if (!remote_ || down.source != remote_.address()) {
        if (on_other) on_other(down);
        return;
      }
      remote_ = caf::actor{};
      // A link that held a while starts its back-off over; one lost at once (a peer handing
      // out a context that stops) keeps backing off.
      if (self->clock().now() - up_since_ >= settings_.retry_ceiling) delays_.reset();
      // A peer that stopped on purpose is being restarted, most likely: try at the first delay
      // (no back-off) for a while, so that calls held for it wait as little as possible.
      if (down.reason == caf::exit_reason::user_shutdown) restarting_until_ = self->clock().now() + restart_window;
      lost(self, "connection lost: " + to_string(down.reason));
      if constexpr (std::is_invocable_v<OnLost, const caf::error&>)
        on_lost(down.reason);
      else
        on_lost();
    });
    publish(app::peer_state::connecting, "");
    attempt(self);
  }

  template <class Self>
  void retry(Self* self) {
    if (!remote_) attempt(self);
  }

  const caf::actor& remote() const { return remote_; }
  // Whole seconds until the next attempt, at least 1: a caller's Retry-After.
  int retry_after_seconds() const {
    return static_cast<int>(std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(waiting_).count()));
  }
  const peer_address& address() const { return settings_.address; }

 private:
  template <class Self>
  void attempt(Self* self) {
    const auto& s = settings_;
    self->request(s.connector, s.answer_timeout, caf::connect_atom::value, s.address.host, s.address.port)
        .then(
            [this, self](const caf::node_id&, const caf::strong_actor_ptr& door, const std::set<std::string>&) {
              if (!door) return lost(self, "nothing is published at the node port");
              greet(self, caf::actor_cast<caf::actor>(door));
            },
            [this, self](const caf::error& e) { lost(self, "cannot connect: " + to_string(e)); });
  }

  template <class Self>
  void greet(Self* self, const caf::actor& door) {
    const auto& s = settings_;
    self->request(door, s.answer_timeout, hello_atom::value, s.fingerprint, s.context)
        .then(
            [this, self](const caf::actor& remote) {
              remote_ = remote;
              self->monitor(remote_);
              up_since_ = self->clock().now();
              waiting_ = {};
              spdlog::info("node: reached {} at {}", settings_.context, settings_.address.text());
              publish(app::peer_state::connected, "");
              if (on_reached_) on_reached_();
            },
            [this, self](const caf::error& e) {
              auto refusal = from_caf(e);
              lost(self, refusal.detail, refusal.kind == domain::error_kind::conflict);
            });
  }

  // The attempt failed or the link broke: published, logged once per change, tried again later.
  template <class Self>
  void lost(Self* self, std::string why, bool refused = false) {
    const auto state = refused ? app::peer_state::refused : app::peer_state::connecting;
    if (state != state_ || why != last_error_) {
      auto level = refused ? spdlog::level::err : spdlog::level::warn;
      spdlog::log(level, "node: {} at {} is not reachable: {} (trying again with back-off)", settings_.context,
                  settings_.address.text(), why);
    }
    publish(state, std::move(why));
    waiting_ = self->clock().now() < restarting_until_ ? settings_.retry_first : delays_.next();
    send_later(self, waiting_, retry_atom::value);
  }

  void publish(app::peer_state state, std::string why) {
    if (state != state_ || !since_) since_ = clock_->now();
    state_ = state;
    last_error_ = why;
    if (board_) board_->write({settings_.context, settings_.address.text(), state, since_, std::move(why)});
  }

  link_settings settings_;
  std::function<void()> on_reached_;
  std::shared_ptr<peer_board> board_;
  const domain::clock* clock_;
  backoff delays_;
  static constexpr std::chrono::seconds restart_window{15};
  caf::actor_clock::time_point restarting_until_{};
  std::chrono::milliseconds waiting_{};
  caf::actor remote_;
  caf::actor_clock::time_point up_since_{};
  app::peer_state state_ = app::peer_state::connecting;
  std::optional<domain::instant> since_;
  std::string last_error_;
};

}  // namespace ttareungyi::actors
