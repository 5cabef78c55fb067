#include "core_front.hpp"

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "../journal.hpp"
#include "../read_side/read_side.hpp"
#include "../rides.hpp"
#include "../timer.hpp"

namespace ttareungyi::actors {
namespace {

using domain::ids::customer_id;

using events = std::vector<ports::recorded_event>;
constexpr auto longest_pull = std::chrono::seconds{1};

// The watches of the gateways' relays, by relay: each ends when its relay goes. The long polls
// waiting for the journal to grow, answered at the hub's next announcement or by the tick.
struct front_state {
  struct pull {
    std::uint64_t after;
    std::uint64_t max;
    caf::typed_response_promise<events> rp;
    caf::actor_clock::time_point until;
  };
  std::map<caf::actor_addr, std::unique_ptr<app::watch>> relays;
  std::vector<pull> pulls;
  bool ticking = false;
  std::map<std::uint64_t, caf::typed_response_promise<ok_atom>> keeping;  // answers being made durable
  std::uint64_t kept = 0;
  static inline const char* name = "core-front";
};

// The front's own messages besides core_actor: the hub's announcements, the tick,
// and the store's word that an answer it was given to keep is durable ("" or why not).
using front_actor = core_actor::extend<caf::reacts_to<appended_atom, std::uint64_t>, caf::reacts_to<pull_atom>,
                                       caf::reacts_to<answer_atom, done_atom, std::uint64_t, std::string>>;
using front_self = front_actor::stateful_pointer<front_state>;

void answer(caf::typed_response_promise<events>& rp, const ports::journal& journal, std::uint64_t after, std::uint64_t max) {
  auto batch = feed(journal, after, max);
  if (batch)
    rp.deliver(std::move(*batch));
  else
    rp.deliver(std::move(batch.error()));
}

front_actor::behavior_type front(front_self self, core_contexts c) {
  self->set_down_handler([self](caf::down_msg& down) { self->state.relays.erase(down.source); });
  if (c.hub) caf::send_as(caf::actor_cast<caf::actor>(self), c.hub, subscribe_atom::value);  // the hub is untyped
  // Answers the long polls the journal now has events for (all, on the tick, those past due).
  auto settle = [self, c](std::uint64_t end, caf::actor_clock::time_point now) {
    auto& pulls = self->state.pulls;
    std::erase_if(pulls, [&](front_state::pull& p) {
      if (p.after >= end && p.until > now) return false;
      answer(p.rp, *c.journal, p.after, p.max);
      return true;
    });
  };
  // Passes the message on: `to` answers the caller directly.
  auto pass = [self]<class Answer>(caf::typed_response_promise<Answer> rp, const auto& to, auto... xs) {
    return rp.delegate(to, std::move(xs)...);
  };
  auto seen = [c](std::uint64_t min) { return std::max(min, c.journal->last_sequence()); };
  // A ride's steps, in an actor of their own that ends with the answer and the journal's end
  // after its commit. (The contexts go as a spawn argument: CAF 0.17 has undefined behaviour
  // spawning a function actor without one.)
  auto ride = [self, c, seen](caf::typed_response_promise<ride_receipt> rp, auto step, auto... xs) {
    self->spawn(
        [=](caf::event_based_actor* rider, ride_contexts contexts) mutable {
          step(rider, contexts, xs..., [rp, seen](domain::result<domain::rental> r) mutable {
            if (r)
              rp.deliver(ride_receipt{std::move(*r), seen(0)});
            else
              rp.deliver(to_caf(r.error()));
          });
        },
        ride_contexts{c.desk, c.fleet});
    return rp;
  };
  auto unsigned_here = [] { return to_caf(domain::internal("this core signs no tokens")); };
  auto no_answers = [] { return to_caf(domain::internal("this core keeps no answers for other nodes")); };
  return {
      [=](sign_up_atom a, domain::sign_up_request& r) {
        return pass(self->make_response_promise<app::customer_profile>(), c.identity, a, std::move(r));
      },
      [=](login_atom a, std::string& phone, std::string& password) {
        return pass(self->make_response_promise<app::customer_profile>(), c.identity, a, std::move(phone),
                    std::move(password));
      },
      [=](buy_atom a, customer_id& who, domain::ticket_type type) {
        return pass(self->make_response_promise<domain::ticket>(), c.desk, a, std::move(who), type);
      },
      [=](pay_atom a, customer_id& who, domain::ids::ticket_id& t) {
        return pass(self->make_response_promise<domain::ticket>(), c.desk, a, std::move(who), std::move(t));
      },
      [=](cancel_atom a, customer_id& who, domain::ids::ticket_id& t) {
        return pass(self->make_response_promise<domain::ticket>(), c.desk, a, std::move(who), std::move(t));
      },
      [=](get_atom a, customer_id& who, domain::ids::ticket_id& t) {
        return pass(self->make_response_promise<domain::ticket>(), c.desk, a, std::move(who), std::move(t));
      },
      [=](list_atom a, customer_id& who, app::page_request& page) {
        return pass(self->make_response_promise<app::page<domain::ticket>>(), c.ticket_listings, a, std::move(who),
                    std::move(page));
      },
      [=](station_atom a, add_atom b, app::new_station& s) {
        return pass(self->make_response_promise<app::station_view>(), c.fleet, a, b, std::move(s));
      },
      [=](alert_atom a, add_atom b, domain::alert_request& r) {
        return pass(self->make_response_promise<domain::alert>(), c.fleet, a, b, std::move(r));
      },
      [=](bicycle_atom a, add_atom b, app::new_bicycle& n) {
        return pass(self->make_response_promise<domain::bicycle>(), c.fleet, a, b, std::move(n));
      },
      [=](bicycle_atom a, remove_atom b, domain::ids::bicycle_id& id) {
        return pass(self->make_response_promise<ok_atom>(), c.fleet, a, b, std::move(id));
      },
      [=](bicycle_atom a, list_atom b, app::bicycle_query& q, app::page_request& page) {
        return pass(self->make_response_promise<app::page<domain::bicycle>>(), c.rental_listings, a, b, std::move(q),
                    std::move(page));
      },
      [=](alert_atom a, list_atom b) {
        return pass(self->make_response_promise<std::vector<domain::alert>>(), c.rental_listings, a, b);
      },
      [=](rent_atom, customer_id& who, domain::ids::bicycle_id& bicycle, domain::ids::ticket_id& t) {
        return ride(self->make_response_promise<ride_receipt>(), rent_ride, std::move(who), std::move(bicycle),
                    std::move(t));
      },
      [=](return_atom, customer_id& who, domain::ids::rental_id& rental, domain::ids::station_id& station) {
        return ride(self->make_response_promise<ride_receipt>(), return_ride, std::move(who), std::move(rental),
                    std::move(station));
      },
      [=](current_atom a, customer_id& who, std::uint64_t min) {
        return pass(self->make_response_promise<domain::current_rental>(), c.read_side, a, std::move(who), seen(min));
      },
      [=](station_atom a, list_atom b, app::page_request& page, std::uint64_t min) {
        return pass(self->make_response_promise<app::page<app::station_view>>(), c.read_side, a, b, std::move(page),
                    seen(min));
      },
      [=](notice_atom a, list_atom b, customer_id& who, app::page_request& page, std::uint64_t min) {
        return pass(self->make_response_promise<app::page<domain::notification>>(), c.read_side, a, b, std::move(who),
                    std::move(page), seen(min));
      },
      [c](journal_atom, std::uint64_t after, std::uint64_t max) -> caf::result<events> {
        return feed(*c.journal, after, max);
      },
      [=](journal_atom, pull_atom, std::uint64_t after, std::uint64_t max) {
        auto rp = self->make_response_promise<events>();
        if (c.journal->last_sequence() > after) return answer(rp, *c.journal, after, max), rp;
        self->state.pulls.push_back({after, max, rp, self->clock().now() + longest_pull});
        if (!std::exchange(self->state.ticking, true)) send_later(self, longest_pull, pull_atom::value);
        return rp;
      },
      [=](appended_atom, std::uint64_t up_to) { settle(up_to, self->clock().now()); },
      [=](pull_atom) {
        self->state.ticking = false;
        settle(c.journal->last_sequence(), self->clock().now());
        if (!self->state.pulls.empty() && !std::exchange(self->state.ticking, true))
          send_later(self, longest_pull, pull_atom::value);
      },
      // Sign-in: the password is checked by identity, then the core signs.
      [=](token_atom, login_atom a, std::string& phone, std::string& password) {
        auto rp = self->make_response_promise<ports::issued_token>();
        if (!c.signer) return rp.deliver(unsigned_here()), rp;
        self->request(c.identity, caf::infinite, a, std::move(phone), std::move(password))
            .then([rp, signer = c.signer](app::customer_profile& p) mutable { rp.deliver(signer->for_customer(p.id.str())); },
                  [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
      [=](token_atom, operator_atom, const std::string& id, const std::string& secret) -> caf::result<ports::issued_token> {
        if (!c.signer) return unsigned_here();
        if (auto token = c.signer->for_operator(id, secret)) return std::move(*token);
        return to_caf({domain::error_kind::invalid, domain::error_code::invalid_credentials, "not an operator client"});
      },
      [=](token_atom, get_atom) -> caf::result<std::string> {
        if (!c.signer) return unsigned_here();
        return c.signer->key_set();
      },
      // Idempotency-Key answers: the core's store finds at once; a kept one is answered once
      // the store's writer says it is durable (from its own thread: back through the mailbox).
      [=](answer_atom, get_atom, std::string& customer, std::string& key) -> caf::result<std::vector<ports::kept_answer>> {
        if (!c.answers) return no_answers();
        std::optional<ports::stored<std::optional<ports::kept_answer>>> found;
        c.answers->find_answer(std::move(customer), std::move(key), [&found](auto r) { found = std::move(r); });
        if (!found) return no_answers();
        if (!*found) return to_caf(domain::internal("cannot read a kept answer: " + found->error().message));
        std::vector<ports::kept_answer> out;
        if (**found) out.push_back(std::move(***found));
        return out;
      },
      [=](answer_atom, add_atom, std::string& customer, std::string& key, ports::kept_answer& answer) {
        auto rp = self->make_response_promise<ok_atom>();
        if (!c.answers) return rp.deliver(no_answers()), rp;
        const auto n = ++self->state.kept;
        self->state.keeping.emplace(n, rp);
        c.answers->keep_answer(std::move(customer), std::move(key), std::move(answer),
                               [me = caf::actor_cast<caf::actor>(self), n](ports::stored<void> done) {
                                 caf::anon_send(me, answer_atom::value, done_atom::value, n,
                                                done ? std::string{} : done.error().message);
                               });
        return rp;
      },
      [=](answer_atom, done_atom, std::uint64_t n, std::string& why) {
        auto i = self->state.keeping.find(n);
        if (i == self->state.keeping.end()) return;
        if (why.empty())
          i->second.deliver(ok_atom::value);
        else
          i->second.deliver(to_caf(domain::internal("cannot keep an answer: " + why)));
        self->state.keeping.erase(i);
      },
      // A gateway's relay: the customer's notices after `after`, then live ones, sent to it.
      [=](watch_atom, customer_id& who, std::uint64_t after, caf::actor& relay) -> caf::actor {
        self->monitor(relay);
        auto deliver = [relay](domain::notification n) { caf::anon_send(relay, notice_atom::value, std::move(n)); };
        self->state.relays.insert_or_assign(relay.address(), start_watch(c.watches, std::move(who), after, deliver));
        return caf::actor_cast<caf::actor>(self);
      },
  };
}

}  // namespace

core_actor spawn_core_front(caf::actor_system& system, core_contexts contexts) {
  return caf::actor_cast<core_actor>(system.spawn(front, std::move(contexts)));
}

}  // namespace ttareungyi::actors
