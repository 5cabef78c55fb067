#pragma once
// Couriers carry adapter requests (HTTP, bench, remote callers) into the actor system. A few
// long-lived actors make each request on behalf of the adapter's thread and hand the answer to
// its callback: no actor is spawned and no timer is scheduled per request. A request still
// unanswered after the timeout is answered with `request_timeout` by a sweep each second, and
// its late answer, if any, is dropped.
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "ttareungyi/domain/error.hpp"
#include "wire.hpp"

namespace ttareungyi::actors {

struct courier_state {
  struct waiting {
    std::chrono::steady_clock::time_point deadline;
    std::function<void()> expire;
  };
  std::uint64_t next = 0;
  std::map<std::uint64_t, waiting> pending;  // by arrival, so deadlines ascend
  // True once: the request is still pending and now settled by its answer.
  bool settle(std::uint64_t id) { return pending.erase(id) == 1; }
  static inline const char* name = "courier";
};

using courier_self = caf::stateful_actor<courier_state>;

// One request to carry: `run` makes it (inside the courier), `expire` answers it on timeout
// or shutdown. Local only, never serialized.
struct courier_job {
  std::function<void(courier_self*, std::uint64_t)> run;
  std::function<void()> expire;
};

}  // namespace ttareungyi::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ttareungyi::actors::courier_job)

namespace ttareungyi::actors {

// The map of an answer that is the adapter's answer as it is.
inline constexpr auto as_is = [](auto x) { return x; };

class couriers {
 public:
  couriers(caf::actor_system& system, std::size_t count, std::chrono::milliseconds timeout);
  ~couriers();  // answers what is still pending with a shutdown error and stops the couriers
  couriers(const couriers&) = delete;
  couriers& operator=(const couriers&) = delete;

  // Requests `xs...` from `dest`; exactly one of on_answer(Answer&) or on_error(caf::error&)
  // runs, on a courier's thread.
  template <class Answer, class Handle, class OnAnswer, class OnError, class... Ts>
  void ask(const Handle& dest, OnAnswer on_answer, OnError on_error, Ts... xs) {
    auto expire = [on_error]() mutable {
      caf::error e = caf::sec::request_timeout;
      on_error(e);
    };
    send(courier_job{[dest, on_answer, on_error, xs...](courier_self* self, std::uint64_t id) mutable {
                       self->request(dest, caf::infinite, xs...)
                           .then(
                               [self, id, on_answer](Answer& answer) mutable {
                                 if (self->state.settle(id)) on_answer(answer);
                               },
                               [self, id, on_error](caf::error& e) mutable {
                                 if (self->state.settle(id)) on_error(e);
                               });
                     },
                     std::move(expire)});
  }

  // Requests `xs...` from `dest` for an adapter: the answer, mapped by `map` to a T, or the
  // refusal goes to `done`.
  template <class Answer, class T, class Handle, class Map, class... Ts>
  void ask_for(const Handle& dest, std::function<void(domain::result<T>)> done, Map map, Ts... xs) {
    ask<Answer>(
        dest, [done, map](Answer& answer) { done(map(std::move(answer))); },
        [done](caf::error& e) { done(std::unexpected(from_caf(e))); }, std::move(xs)...);
  }

  // Runs `work(self, reply)` inside a courier, for a conversation of several requests (a ride's
  // steps); `done` gets the first of its reply and the timeout, like an ask().
  template <class T, class Work>
  void carry(Work work, std::function<void(domain::result<T>)> done) {
    auto expire = [done] {
      caf::error e = caf::sec::request_timeout;
      done(std::unexpected(from_caf(e)));
    };
    send(courier_job{[work, done](courier_self* self, std::uint64_t id) mutable {
                       work(self, [self, id, done](domain::result<T> r) {
                         if (self->state.settle(id)) done(std::move(r));
                       });
                     },
                     std::move(expire)});
  }

 private:
  void send(courier_job job);
  std::vector<caf::actor> crew_;
  std::atomic<std::size_t> turn_{0};
};

}  // namespace ttareungyi::actors
