#pragma once
// What every stand-in shares (a context on another node, behind the context's own typed
// interface): its peer link, and the calls passed on and not answered yet. A call while the
// link is up is passed on and answered once: by the peer, by `call_timeout` (a frozen peer, or
// a message it could not read), or when the connection breaks.
// While the link is down, a call is refused at once with the owner's `away` refusal, unless
// the owner holds calls (a gateway's core, restarting): then it waits up to `hold` for the link
// and is passed on when it is back. A call the peer never received (its entry actor had gone:
// it stopped) is held again like a new one. A call in flight when the connection breaks is held
// again only when it is `replayable` (a read, whose second run changes nothing); any other
// answers `away` (it may have been done), unless the peer stopped on purpose: then it still
// waits for its answer.
#include <caf/actor_clock.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "peer.hpp"

namespace ttareungyi::actors {

// Marks a call that may be passed on twice: pass(replayable, promise, message...).
struct replayable_t {};
inline constexpr replayable_t replayable{};

struct stand_in_state {
  struct outstanding {
    std::function<void(const caf::error&)> fail;
    std::function<void()> replay;  // passes it on again; empty: not replayable
  };
  struct held {
    caf::actor_clock::time_point until;
    std::function<void()> send;
    std::function<void(const caf::error&)> fail;
  };
  std::optional<peer_link> link;
  std::map<std::uint64_t, outstanding> in_flight;
  std::deque<held> waiting;  // for the link, oldest first
  std::uint64_t next = 0;
};

// How long calls wait for the link, and how the owner is woken to expire them (it calls
// expire_held on that message). hold zero: no waiting, refused at once.
struct hold_settings {
  std::chrono::milliseconds hold{0};
  std::function<void(std::chrono::milliseconds)> wake_after;
};

// The refusal while the peer is unreachable: 503 with the link's next attempt as Retry-After.
inline caf::error away(const peer_link& link, domain::error_code code, const std::string& what) {
  domain::error e{domain::error_kind::unavailable, code,
                  "the " + what + " at " + link.address().text() + " is not reachable; try again shortly"};
  e.retry_after_seconds = link.retry_after_seconds();
  return to_caf(e);
}

// Answers `away` to the held calls whose wait is over.
template <class Self, class Away>
void expire_held(Self self, Away away) {
  const auto now = self->clock().now();
  auto& waiting = self->state.waiting;
  while (!waiting.empty() && waiting.front().until <= now) {
    auto fail = std::move(waiting.front().fail);
    waiting.pop_front();
    fail(away());
  }
}

// The same call passed on again (a fresh closure each time: nothing refers to itself).
template <class Send, class Promise, class... Ts>
std::function<void()> again_of(Send send, Promise rp, bool may_replay, Ts... xs) {
  return [=] { send(rp, may_replay, again_of(send, rp, may_replay, xs...), xs...); };
}

// Starts `self`'s link and returns its pass(promise, message...) (or pass(replayable, promise,
// message...)): `away()` is the refusal while the peer is unreachable.
template <class Self, class Away>
auto start_stand_in(Self self, link_settings settings, std::shared_ptr<peer_board> board, const domain::clock* clock,
                    std::chrono::milliseconds call_timeout, Away away, hold_settings holding = {}) {
  // Waits for the link (when the owner holds calls), or refuses at once.
  auto hold = [self, away, holding](std::function<void()> send, std::function<void(const caf::error&)> fail) {
    if (holding.hold <= std::chrono::milliseconds::zero()) return fail(away());
    self->state.waiting.push_back({self->clock().now() + holding.hold, std::move(send), std::move(fail)});
    holding.wake_after(holding.hold);
  };
  auto& link = self->state.link.emplace(std::move(settings), std::move(board), clock);
  link.start(
      self,
      [self, away, hold](const caf::error& why) {
        // A peer that stopped its entry actor on purpose (a core shutting down) still answers
        // what it has begun: those calls keep waiting for their answer (or their timeout).
        const bool stopping = why == caf::exit_reason::user_shutdown;
        auto in_flight = std::move(self->state.in_flight);
        self->state.in_flight.clear();
        for (auto& [n, call] : in_flight) {
          if (call.replay)
            hold(std::move(call.replay), std::move(call.fail));
          else if (stopping)
            self->state.in_flight.emplace(n, std::move(call));
          else
            call.fail(away());
        }
      },
      [self] {
        auto waiting = std::move(self->state.waiting);
        self->state.waiting.clear();
        for (auto& call : waiting) call.send();
      });
  // Passes one call on; `again` passes the same call on later.
  auto send = [self, call_timeout, hold]<class Answer>(caf::typed_response_promise<Answer> rp, bool may_replay,
                                                        std::function<void()> again, auto... xs) {
    auto fail = [rp](const caf::error& e) mutable { rp.deliver(e); };
    if (!self->state.link->remote()) return hold(std::move(again), std::move(fail));
    const auto n = ++self->state.next;
    self->state.in_flight.emplace(n, stand_in_state::outstanding{fail, may_replay ? again : std::function<void()>{}});
    auto settle = [self, n] { return self->state.in_flight.erase(n) == 1; };
    self->request(self->state.link->remote(), call_timeout, xs...)
        .then(
            [rp, settle](Answer& answer) mutable {
              if (settle()) rp.deliver(std::move(answer));
            },
            [rp, settle, hold, again, fail](caf::error& e) mutable {
              if (!settle()) return;
              // Its receiver had stopped before it read the call: nothing was done.
              if (e == caf::sec::request_receiver_down) return hold(std::move(again), std::move(fail));
              rp.deliver(std::move(e));
            });
  };
  return [send]<class First, class... Ts>(First first, Ts... xs) {
    if constexpr (std::is_same_v<First, replayable_t>) {
      return [send](auto rp, auto... ys) {
        send(rp, true, again_of(send, rp, true, ys...), ys...);
        return rp;
      }(std::move(xs)...);
    } else {
      send(first, false, again_of(send, first, false, xs...), xs...);
      return first;
    }
  };
}

}  // namespace ttareungyi::actors
