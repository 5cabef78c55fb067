#pragma once
// What every stand-in shares (a context on another node, behind the context's own typed
// interface): its peer link, and the calls passed on and not answered yet. A call while the
// link is down is refused at once with the owner's `away` refusal; a call while it is up is
// passed on and answered once: by the peer, by `call_timeout` (a frozen peer, or a message it
// could not read), or by `away` the moment the connection breaks.
#include <caf/typed_response_promise.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "peer.hpp"

namespace ttareungyi::actors {

struct stand_in_state {
  std::optional<peer_link> link;
  std::map<std::uint64_t, std::function<void(const caf::error&)>> in_flight;
  std::uint64_t next = 0;
};

// The refusal while the peer is unreachable: 503 with the link's next attempt as Retry-After.
inline caf::error away(const peer_link& link, domain::error_code code, const std::string& what) {
  domain::error e{domain::error_kind::unavailable, code,
                  "the " + what + " at " + link.address().text() + " is not reachable; try again shortly"};
  e.retry_after_seconds = link.retry_after_seconds();
  return to_caf(e);
}

// Starts `self`'s link and returns its pass_on(promise, message...): `away()` is the refusal
// while the peer is unreachable.
template <class Self, class Away>
auto start_stand_in(Self self, link_settings settings, std::shared_ptr<peer_board> board, const domain::clock* clock,
                    std::chrono::milliseconds call_timeout, Away away) {
  auto& link = self->state.link.emplace(std::move(settings), std::move(board), clock);
  link.start(self, [self, away] {
    auto in_flight = std::move(self->state.in_flight);
    self->state.in_flight.clear();
    for (auto& [n, fail] : in_flight) fail(away());
  });
  return [self, call_timeout, away]<class Answer>(caf::typed_response_promise<Answer> rp, auto... xs) {
    if (!self->state.link->remote()) {
      rp.deliver(away());
      return rp;
    }
    const auto n = ++self->state.next;
    self->state.in_flight.emplace(n, [rp](const caf::error& e) mutable { rp.deliver(e); });
    auto settle = [self, n] { return self->state.in_flight.erase(n) == 1; };
    self->request(self->state.link->remote(), call_timeout, xs...)
        .then(
            [rp, settle](Answer& answer) mutable {
              if (settle()) rp.deliver(std::move(answer));
            },
            [rp, settle](caf::error& e) mutable {
              if (settle()) rp.deliver(std::move(e));
            });
    return rp;
  };
}

}  // namespace ttareungyi::actors
