#include "payment.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <unordered_map>
#include <vector>

namespace ttareungyi::actors {
namespace {

using namespace domain;

// A worker: calls the provider (whose answers arrive on other threads), records the outcome
// in the payment context's own records, then replies. Idempotent on the payment id.
struct worker_state {
  std::uint64_t next = 0;
  std::unordered_map<std::uint64_t, std::pair<caf::response_promise, ports::charge_request>> charges;
  std::unordered_map<std::uint64_t, std::pair<caf::response_promise, payment>> refunds;
  static inline const char* name = "payment-worker";
};

using worker_self = caf::stateful_actor<worker_state>*;

enum outcome_code : int { outcome_approved, outcome_declined, outcome_failed };

template <class Decided, class Reply>
void record_and_reply(worker_self self, const environment& env, caf::response_promise rp, Decided d, Reply reply) {
  ports::changeset changes;
  record(changes, d.events, d.state.reference, d.state.id, env.now());
  changes.save(d.state);
  self->request(env.committer, caf::infinite, commit_atom::value, std::move(changes))
      .then([rp, reply](ok_atom) mutable { rp.deliver(reply); },
            [rp](caf::error& e) mutable { rp.deliver(e); });
}

caf::behavior payment_worker(worker_self self, environment env, ports::payment_provider* provider) {
  auto me = [self] { return caf::actor_cast<caf::actor>(self); };
  return {
      [=](charge_atom, ports::charge_request& request) {
        auto rp = self->make_response_promise();
        auto known = env.storage->find_payment(request.payment_id);
        if (known && *known && (*known)->status != payment_status::refunded) {
          rp.deliver((*known)->status == payment_status::approved ? charge_verdict::approved : charge_verdict::declined);
          return;
        }
        auto key = ++self->state.next;
        self->state.charges.emplace(key, std::make_pair(rp, request));
        provider->charge(request, [me = me(), key](std::expected<charge_verdict, ports::provider_failure> r) {
          if (!r) return caf::anon_send(me, charge_atom::value, done_atom::value, key, int{outcome_failed}, r.error().reason);
          const int code = r.value() == charge_verdict::approved ? outcome_approved : outcome_declined;
          caf::anon_send(me, charge_atom::value, done_atom::value, key, code, std::string{});
        });
      },
      [=](charge_atom, done_atom, std::uint64_t key, int code, const std::string& reason) {
        auto i = self->state.charges.find(key);
        if (i == self->state.charges.end()) return;
        auto [rp, request] = std::move(i->second);
        self->state.charges.erase(i);
        if (code == outcome_failed) {
          rp.deliver(to_caf(error{error_kind::unavailable, "payment_unavailable", "payment provider failed: " + reason}));
          return;
        }
        auto verdict = code == outcome_approved ? charge_verdict::approved : charge_verdict::declined;
        record_and_reply(self, env, rp, record_charge(request.payment_id, request.reference, request.amount, verdict), verdict);
      },
      [=](refund_atom, ports::refund_request& request) {
        auto rp = self->make_response_promise();
        auto known = env.storage->find_payment(request.payment_id);
        if (!known) return rp.deliver(to_caf(internal(known.error().message)));
        if (!*known) return rp.deliver(to_caf(conflict("payment_not_refundable", "no such payment")));
        if ((*known)->status == payment_status::refunded) return rp.deliver(ok_atom::value);
        // Only an approved charge is refunded: never ask the provider to refund money it did not take.
        if (auto refundable = record_refund(**known); !refundable) return rp.deliver(to_caf(refundable.error()));
        auto key = ++self->state.next;
        self->state.refunds.emplace(key, std::make_pair(rp, **known));
        provider->refund(request, [me = me(), key](std::expected<void, ports::provider_failure> r) {
          caf::anon_send(me, refund_atom::value, done_atom::value, key, r ? std::string{} : r.error().reason);
        });
      },
      [=](refund_atom, done_atom, std::uint64_t key, const std::string& failure) {
        auto i = self->state.refunds.find(key);
        if (i == self->state.refunds.end()) return;
        auto [rp, paid] = std::move(i->second);
        self->state.refunds.erase(i);
        if (!failure.empty()) {
          rp.deliver(to_caf(error{error_kind::unavailable, "payment_unavailable", "refund failed: " + failure}));
          return;
        }
        auto d = record_refund(paid);
        if (!d) return rp.deliver(to_caf(d.error()));
        record_and_reply(self, env, rp, std::move(*d), ok_atom::value);
      },
  };
}

struct supervisor_state {
  std::vector<caf::actor> workers;
  std::size_t next = 0;
  static inline const char* name = "payment-supervisor";
};

using supervisor_self = payment_actor::stateful_pointer<supervisor_state>;

payment_actor::behavior_type payment_supervisor(supervisor_self self, environment env, ports::payment_provider* provider,
                                                payment_settings settings) {
  auto start_worker = [self, env, provider](std::size_t slot) {
    auto w = self->spawn(payment_worker, env, provider);
    self->monitor(w);
    self->state.workers[slot] = w;
  };
  self->state.workers.resize(std::max<std::size_t>(1, settings.workers));
  for (std::size_t i = 0; i < self->state.workers.size(); ++i) start_worker(i);
  // A failed worker is replaced in its slot; calls it held answer as failures.
  self->set_down_handler([self, start_worker](const caf::down_msg& down) {
    for (std::size_t i = 0; i < self->state.workers.size(); ++i)
      if (self->state.workers[i].address() == down.source) start_worker(i);
  });
  auto pick = [self] {
    auto& s = self->state;
    return s.workers[s.next++ % s.workers.size()];
  };
  // Asks a worker and answers within the call timeout: slow is a failure, like down.
  auto call = [self, pick, settings]<class Answer>(caf::typed_response_promise<Answer> rp, auto... xs) {
    self->request(pick(), settings.call_timeout, xs...)
        .then([rp](Answer answer) mutable { rp.deliver(answer); },
              [rp](caf::error& e) mutable {
                auto failure = from_caf(e);
                if (failure.kind != error_kind::declined)
                  failure = error{error_kind::unavailable, "payment_unavailable", "payment is unavailable: " + failure.detail};
                rp.deliver(to_caf(failure));
              });
    return rp;
  };
  return {
      [=](charge_atom atom, ports::charge_request& request) {
        return call(self->make_response_promise<charge_verdict>(), atom, std::move(request));
      },
      [=](refund_atom atom, ports::refund_request& request) {
        return call(self->make_response_promise<ok_atom>(), atom, std::move(request));
      },
  };
}

}  // namespace

payment_actor spawn_payment(caf::actor_system& system, environment env, ports::payment_provider& provider,
                            payment_settings settings) {
  return system.spawn(payment_supervisor, std::move(env), &provider, settings);
}

}  // namespace ttareungyi::actors
