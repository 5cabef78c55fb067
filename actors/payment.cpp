#include "payment.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <random>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace ttareungyi::actors {
namespace {

using namespace domain;

// A charge with the provider or being recorded. A retry arriving meanwhile waits for the same
// answer; a ticket's call brings the ticket's changes for each verdict, and the newest call's
// are committed with the verdict (an older one's ticket stopped waiting: it reloads).
struct pending_charge {
  struct waiter {
    caf::response_promise rp;
    bool receipt = false;  // answers a charge_receipt, not a bare verdict
  };
  std::vector<waiter> waiting;
  ports::charge_request request;
  std::optional<ticket_verdicts> ticket;
  std::size_t ticket_of = 0;  // the waiter whose changes `ticket` holds
};

// A worker: calls the provider (whose answers arrive on other threads), records the outcome
// in the payment context's own records, then replies. Idempotent on the payment id.
struct worker_state {
  std::uint64_t next = 0;
  std::unordered_map<std::string, pending_charge> charges;  // by payment id
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

caf::behavior payment_worker(worker_self self, environment env, const ports::payment_store* records,
                             ports::payment_provider* provider) {
  auto me = [self] { return caf::actor_cast<caf::actor>(self); };
  // Answers a verdict recorded already; otherwise joins the charge in flight for the payment id,
  // or starts it with the provider.
  auto charge = [=](ports::charge_request request, std::optional<ticket_verdicts> ticket) {
    auto rp = self->make_response_promise();
    const bool receipt = ticket.has_value();
    auto known = records->find_payment(request.payment_id);
    if (known && *known && (*known)->status != payment_status::refunded) {
      auto verdict = (*known)->status == payment_status::approved ? charge_verdict::approved : charge_verdict::declined;
      if (receipt)
        rp.deliver(charge_receipt{verdict, false});
      else
        rp.deliver(verdict);
      return;
    }
    auto [i, fresh] = self->state.charges.try_emplace(request.payment_id);
    auto& pending = i->second;
    pending.waiting.push_back({rp, receipt});
    if (ticket) {
      pending.ticket = std::move(ticket);
      pending.ticket_of = pending.waiting.size() - 1;
    }
    if (!fresh) return;
    pending.request = request;
    provider->charge(request, [me = me(), id = request.payment_id](std::expected<charge_verdict, ports::provider_failure> r) {
      if (!r) return caf::anon_send(me, charge_atom::value, done_atom::value, id, int{outcome_failed}, r.error().reason);
      const int code = r.value() == charge_verdict::approved ? outcome_approved : outcome_declined;
      caf::anon_send(me, charge_atom::value, done_atom::value, id, code, std::string{});
    });
  };
  return {
      [=](charge_atom, ports::charge_request& request) { charge(std::move(request), std::nullopt); },
      [=](charge_atom, ports::charge_request& request, ticket_verdicts& ticket) {
        charge(std::move(request), std::move(ticket));
      },
      [=](charge_atom, done_atom, const std::string& id, int code, const std::string& reason) {
        auto i = self->state.charges.find(id);
        if (i == self->state.charges.end()) return;
        // The charge stays known until its verdict is recorded (a refund meanwhile must not
        // conclude that nothing was taken); whoever asks meanwhile gets the same answer.
        auto answer_all = [self, id](auto answer) {
          auto i = self->state.charges.find(id);
          if (i == self->state.charges.end()) return;
          auto pending = std::move(i->second);
          self->state.charges.erase(i);
          for (std::size_t w = 0; w < pending.waiting.size(); ++w) {
            auto& [rp, receipt] = pending.waiting[w];
            if constexpr (std::is_same_v<decltype(answer), charge_verdict>) {
              if (receipt)
                rp.deliver(charge_receipt{answer, pending.ticket && w == pending.ticket_of});
              else
                rp.deliver(answer);
            } else {
              rp.deliver(answer);
            }
          }
        };
        if (code == outcome_failed) {
          answer_all(to_caf(error{error_kind::unavailable, error_code::payment_unavailable, "payment provider failed: " + reason}));
          return;
        }
        auto& pending = i->second;
        const auto& request = pending.request;
        auto verdict = code == outcome_approved ? charge_verdict::approved : charge_verdict::declined;
        auto d = record_charge(request.payment_id, request.reference, request.amount, verdict);
        ports::changeset changes;
        record(changes, d.events, d.state.reference, d.state.id, env.now());
        changes.save(d.state);
        if (pending.ticket)
          changes.merge(std::move(verdict == charge_verdict::approved ? pending.ticket->approved : pending.ticket->declined));
        self->request(env.committer, caf::infinite, commit_atom::value, std::move(changes))
            .then([answer_all, verdict](ok_atom) { answer_all(verdict); },
                  [answer_all](caf::error& e) { answer_all(e); });
      },
      [=](refund_atom, ports::refund_request& request) {
        auto rp = self->make_response_promise();
        // Whether a charge still in flight was taken is not known yet: neither refund nor deny.
        if (self->state.charges.contains(request.payment_id))
          return rp.deliver(to_caf(error{error_kind::unavailable, error_code::payment_unavailable,
                                         "a charge for this payment is still in progress"}));
        auto known = records->find_payment(request.payment_id);
        if (!known) return rp.deliver(to_caf(internal(known.error().message)));
        // Nothing taken is an answer, not a failure: it travels as a decline, which the
        // supervisor passes on as it is (and does not hold against the provider).
        auto nothing_taken = [&](std::string why) {
          return to_caf(error{error_kind::declined, error_code::payment_not_refundable, std::move(why)}.with("paymentId",
                                                                                                  request.payment_id));
        };
        if (!*known) return rp.deliver(nothing_taken("no charge was taken for this payment"));
        if ((*known)->status == payment_status::refunded) return rp.deliver(ok_atom::value);
        // Only an approved charge is refunded: never ask the provider to refund money it did not take.
        if (auto refundable = record_refund(**known); !refundable) return rp.deliver(nothing_taken(refundable.error().detail));
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
          rp.deliver(to_caf(error{error_kind::unavailable, error_code::payment_unavailable, "refund failed: " + failure}));
          return;
        }
        auto d = record_refund(paid);
        if (!d) return rp.deliver(to_caf(d.error()));
        record_and_reply(self, env, rp, std::move(*d), ok_atom::value);
      },
  };
}

struct supervisor_state {
  std::shared_ptr<std::vector<caf::actor>> workers = std::make_shared<std::vector<caf::actor>>();
  std::optional<circuit_breaker> breaker;
  std::optional<instant> since;  // of the breaker's current state; empty: closed since start
  app::payment_health counted;    // its transitions and calls since start (the rest is read off the breaker)
  static inline const char* name = "payment-supervisor";
};

using supervisor_self = payment_actor::stateful_pointer<supervisor_state>;

// The first attempt for a rental's overtime not declined yet; nullopt when one was approved.
ports::stored<std::optional<int>> open_attempt(const ports::payment_store& store, const ids::rental_id& rental_id) {
  for (int attempt = 1;; ++attempt) {
    auto known = store.find_payment(overtime_payment_id(rental_id, attempt));
    if (!known) return std::unexpected(known.error());
    if (!*known) return std::optional{attempt};
    if ((*known)->status != payment_status::declined) return std::optional<int>{};
  }
}

// Whole seconds until `d` has passed, at least 1: what Retry-After says.
int seconds_until(std::chrono::steady_clock::duration d) {
  auto s = std::chrono::ceil<std::chrono::seconds>(d).count();
  return static_cast<int>(std::clamp<decltype(s)>(s, 1, 86'400));
}

// What a worker's refusal tells the breaker about the provider.
call_outcome judge(const caf::error& e) {
  if (e.category() != domain_error_category) return call_outcome::failure;  // timed out, worker gone
  switch (from_caf(e).kind) {
    case error_kind::unavailable: return call_outcome::failure;  // the provider failed
    case error_kind::declined: return call_outcome::success;     // the provider answered
    default: return call_outcome::neutral;                        // refused before the provider, or our storage
  }
}

payment_actor::behavior_type payment_supervisor(supervisor_self self, environment env, const ports::payment_store* records,
                                                ports::payment_provider* provider, payment_settings settings,
                                                std::shared_ptr<breaker_board> board) {
  // A worker that fails is replaced in its slot (its calls in flight answer as failures when
  // they time out); when the supervisor stops, its workers stop with it.
  auto workers = self->state.workers;
  auto start_worker = [self, env, records, provider, workers](std::size_t slot) {
    auto w = self->spawn(payment_worker, env, records, provider);
    self->monitor(w);
    (*workers)[slot] = w;
  };
  workers->resize(std::max<std::size_t>(1, settings.workers));
  for (std::size_t i = 0; i < workers->size(); ++i) start_worker(i);
  self->set_down_handler([workers, start_worker](const caf::down_msg& down) {
    for (std::size_t i = 0; i < workers->size(); ++i)
      if ((*workers)[i].address() == down.source) start_worker(i);
  });
  self->attach_functor([workers](const caf::error&) {
    for (auto& w : *workers) caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  });
  // The breaker runs on CAF's clock (monotonic; simulated in tests) and reports on the domain's.
  auto random = settings.random;
  if (!random) {
    auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
    random = [engine] { return std::uniform_real_distribution<double>{0, 1}(*engine); };
  }
  auto breaker_settings = settings.breaker;
  breaker_settings.slow_call = settings.call_timeout;
  self->state.breaker.emplace(breaker_settings, std::move(random));
  auto publish = [self, env, board] {
    if (!board) return;
    const auto& b = *self->state.breaker;
    auto h = self->state.counted;
    h.breaker = b.state();
    h.since = self->state.since;
    h.failures = b.failures();
    if (auto at = b.retry_at())
      h.retry_at = env.now() + std::chrono::duration_cast<std::chrono::milliseconds>(*at - self->clock().now());
    board->write(h);
  };
  auto changed = [self, env, publish](const std::optional<breaker_change>& change) {
    if (!change) return publish();
    self->state.since = env.now();
    ++self->state.counted.transitions_to[static_cast<std::size_t>(change->to)];
    auto level = change->to == breaker_state::open ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level, "payment: circuit breaker {} -> {}: {} (consecutive failures: {})", to_string(change->from),
                to_string(change->to), change->reason, self->state.breaker->failures());
    publish();
  };
  publish();
  // All calls for one payment id go to the same worker, which calls the provider once for them.
  auto pick = [workers](const std::string& payment_id) {
    return (*workers)[std::hash<std::string>{}(payment_id) % workers->size()];
  };
  // Asks a worker through the breaker and answers within the call timeout: slow is a failure,
  // like down; while the breaker is open, at once.
  auto call = [self, pick, settings, changed]<class Answer>(caf::typed_response_promise<Answer> rp,
                                                            const std::string& payment_id, auto... xs) {
    auto& breaker = *self->state.breaker;
    auto admitted = breaker.admit(self->clock().now());
    auto* calls = std::is_same_v<Answer, ok_atom> ? &self->state.counted.refunds : &self->state.counted.charges;
    if (!admitted.granted) ++calls->rejected;
    changed(admitted.change);
    if (!admitted.granted) {
      error e{error_kind::unavailable, error_code::payment_unavailable, "payment is unavailable: the circuit breaker is open"};
      e.retry_after_seconds = seconds_until(admitted.retry_in);
      rp.deliver(to_caf(e));
      return rp;
    }
    auto permit = *admitted.granted;
    self->request(pick(payment_id), settings.call_timeout, xs...)
        .then(
            [self, rp, permit, changed, calls](Answer answer) mutable {
              if constexpr (std::is_same_v<Answer, charge_verdict>)
                ++(answer == charge_verdict::declined ? calls->declined : calls->approved);
              else if constexpr (std::is_same_v<Answer, charge_receipt>)
                ++(answer.verdict == charge_verdict::declined ? calls->declined : calls->approved);
              else
                ++calls->approved;
              changed(self->state.breaker->record(permit, call_outcome::success, self->clock().now()));
              rp.deliver(answer);
            },
            [self, rp, permit, changed, calls](caf::error& e) mutable {
              auto failure = from_caf(e);
              ++(failure.kind == error_kind::declined ? calls->declined : calls->failed);
              auto& breaker = *self->state.breaker;
              auto now = self->clock().now();
              changed(breaker.record(permit, judge(e), now, failure.detail));
              if (failure.kind != error_kind::declined) {
                failure = error{error_kind::unavailable, error_code::payment_unavailable, "payment is unavailable: " + failure.detail};
                if (auto at = breaker.retry_at()) failure.retry_after_seconds = seconds_until(*at - now);
              }
              rp.deliver(to_caf(failure));
            });
    return rp;
  };
  return {
      [=](charge_atom atom, ports::charge_request& request) {
        auto id = request.payment_id;
        return call(self->make_response_promise<charge_verdict>(), id, atom, std::move(request));
      },
      [=](charge_atom atom, ports::charge_request& request, ticket_verdicts& ticket) {
        auto id = request.payment_id;
        return call(self->make_response_promise<charge_receipt>(), id, atom, std::move(request), std::move(ticket));
      },
      [=](charge_atom atom, const overtime_charge& fee) {
        auto rp = self->make_response_promise<charge_verdict>();
        auto attempt = open_attempt(*records, fee.rental_id);
        if (!attempt) {
          rp.deliver(to_caf(internal("cannot read payments: " + attempt.error().message)));
          return rp;
        }
        if (!*attempt) {  // collected already (before a crash, say)
          rp.deliver(charge_verdict::approved);
          return rp;
        }
        auto id = overtime_payment_id(fee.rental_id, **attempt);
        return call(rp, id, atom, ports::charge_request{id, fee.amount, fee.rental_id.str()});
      },
      [=](refund_atom atom, ports::refund_request& request) {
        auto id = request.payment_id;
        return call(self->make_response_promise<ok_atom>(), id, atom, std::move(request));
      },
      // The record, as committed: no provider call, so the breaker has no say in it.
      [=](get_atom, const std::string& id) -> caf::result<payment> {
        auto known = records->find_payment(id);
        if (!known) return to_caf(internal(known.error().message));
        if (!*known) return to_caf(not_found(error_code::payment_not_found, "no such payment").with("paymentId", id));
        return std::move(**known);
      },
  };
}

}  // namespace

payment_actor spawn_payment(caf::actor_system& system, environment env, const ports::payment_store& records,
                            ports::payment_provider& provider, payment_settings settings,
                            std::shared_ptr<breaker_board> board) {
  return system.spawn(payment_supervisor, std::move(env), &records, &provider, std::move(settings), std::move(board));
}

}  // namespace ttareungyi::actors
