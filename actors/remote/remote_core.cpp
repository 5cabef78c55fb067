#include "remote_core.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "../timer.hpp"
#include "stand_in.hpp"

namespace ttareungyi::actors {
namespace {

using domain::ids::customer_id;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using stand_in_actor = core_actor::extend<caf::reacts_to<retry_atom>, caf::reacts_to<expire_atom>>;

struct remote_core_state : stand_in_state {
  static inline const char* name = "remote-core";
};

using stand_in_self = stand_in_actor::stateful_pointer<remote_core_state>;

stand_in_actor::behavior_type stand_in(stand_in_self self, link_settings settings, std::shared_ptr<peer_board> board,
                                       const domain::clock* clock, std::chrono::milliseconds call_timeout,
                                       std::chrono::milliseconds hold) {
  auto core_away = [self] { return away(*self->state.link, domain::error_code::timeout, "core"); };
  // While the core restarts, calls wait for it (up to `hold`); reads are passed on again after a
  // broken connection, writes only when the core never received them.
  hold_settings holding{hold, [self](std::chrono::milliseconds after) { send_later(self, after, expire_atom::value); }};
  auto pass = start_stand_in(self, std::move(settings), std::move(board), clock, call_timeout, core_away, holding);
  return {
      [=](sign_up_atom a, domain::sign_up_request& r) {
        return pass(self->make_response_promise<app::customer_profile>(), a, std::move(r));
      },
      [=](login_atom a, std::string& phone, std::string& password) {
        return pass(replayable, self->make_response_promise<app::customer_profile>(), a, std::move(phone), std::move(password));
      },
      [=](buy_atom a, customer_id& who, domain::ticket_type type) {
        return pass(self->make_response_promise<domain::ticket>(), a, std::move(who), type);
      },
      [=](pay_atom a, customer_id& who, domain::ids::ticket_id& t) {
        return pass(self->make_response_promise<domain::ticket>(), a, std::move(who), std::move(t));
      },
      [=](cancel_atom a, customer_id& who, domain::ids::ticket_id& t) {
        return pass(self->make_response_promise<domain::ticket>(), a, std::move(who), std::move(t));
      },
      [=](get_atom a, customer_id& who, domain::ids::ticket_id& t) {
        return pass(replayable, self->make_response_promise<domain::ticket>(), a, std::move(who), std::move(t));
      },
      [=](list_atom a, customer_id& who, app::page_request& page) {
        return pass(replayable, self->make_response_promise<app::page<domain::ticket>>(), a, std::move(who), std::move(page));
      },
      [=](station_atom a, add_atom b, app::new_station& s) {
        return pass(self->make_response_promise<app::station_view>(), a, b, std::move(s));
      },
      [=](alert_atom a, add_atom b, domain::alert_request& r) {
        return pass(self->make_response_promise<domain::alert>(), a, b, std::move(r));
      },
      [=](bicycle_atom a, add_atom b, app::new_bicycle& n) {
        return pass(self->make_response_promise<domain::bicycle>(), a, b, std::move(n));
      },
      [=](bicycle_atom a, remove_atom b, domain::ids::bicycle_id& id) {
        return pass(self->make_response_promise<ok_atom>(), a, b, std::move(id));
      },
      [=](bicycle_atom a, list_atom b, app::bicycle_query& q, app::page_request& page) {
        return pass(replayable, self->make_response_promise<app::page<domain::bicycle>>(), a, b, std::move(q), std::move(page));
      },
      [=](alert_atom a, list_atom b) { return pass(replayable, self->make_response_promise<std::vector<domain::alert>>(), a, b); },
      [=](rent_atom a, customer_id& who, domain::ids::bicycle_id& bicycle, domain::ids::ticket_id& t) {
        return pass(self->make_response_promise<ride_receipt>(), a, std::move(who), std::move(bicycle), std::move(t));
      },
      [=](return_atom a, customer_id& who, domain::ids::rental_id& rental, domain::ids::station_id& station) {
        return pass(self->make_response_promise<ride_receipt>(), a, std::move(who), std::move(rental),
                    std::move(station));
      },
      [=](current_atom a, customer_id& who, std::uint64_t min) {
        return pass(replayable, self->make_response_promise<domain::current_rental>(), a, std::move(who), min);
      },
      [=](station_atom a, list_atom b, app::page_request& page, std::uint64_t min) {
        return pass(replayable, self->make_response_promise<app::page<app::station_view>>(), a, b, std::move(page), min);
      },
      [=](notice_atom a, list_atom b, customer_id& who, app::page_request& page, std::uint64_t min) {
        return pass(replayable, self->make_response_promise<app::page<domain::notification>>(), a, b, std::move(who), std::move(page),
                    min);
      },
      [=](journal_atom a, std::uint64_t after, std::uint64_t max) {
        return pass(replayable, self->make_response_promise<std::vector<ports::recorded_event>>(), a, after, max);
      },
      [=](journal_atom a, pull_atom b, std::uint64_t after, std::uint64_t max) {
        return pass(replayable, self->make_response_promise<std::vector<ports::recorded_event>>(), a, b, after, max);
      },
      [=](token_atom a, login_atom b, std::string& phone, std::string& password) {
        return pass(replayable, self->make_response_promise<ports::issued_token>(), a, b, std::move(phone), std::move(password));
      },
      [=](token_atom a, operator_atom b, std::string& id, std::string& secret) {
        return pass(replayable, self->make_response_promise<ports::issued_token>(), a, b, std::move(id), std::move(secret));
      },
      [=](token_atom a, get_atom b) { return pass(replayable, self->make_response_promise<std::string>(), a, b); },
      [=](answer_atom a, get_atom b, std::string& customer, std::string& key) {
        return pass(replayable, self->make_response_promise<std::vector<ports::kept_answer>>(), a, b, std::move(customer),
                    std::move(key));
      },
      [=](answer_atom a, add_atom b, std::string& customer, std::string& key, ports::kept_answer& answer) {
        return pass(replayable, self->make_response_promise<ok_atom>(), a, b, std::move(customer), std::move(key), std::move(answer));
      },
      [=](watch_atom a, customer_id& who, std::uint64_t after, caf::actor& relay) {
        return pass(self->make_response_promise<caf::actor>(), a, std::move(who), after, std::move(relay));
      },
      [=](retry_atom) { self->state.link->retry(self); },
      [=](expire_atom) { expire_held(self, core_away); },
  };
}

}  // namespace

core_actor spawn_remote_core(caf::actor_system& system, link_settings link, std::shared_ptr<peer_board> board,
                             const domain::clock& clock, std::chrono::milliseconds call_timeout,
                             std::chrono::milliseconds hold) {
  return system.spawn(stand_in, std::move(link), std::move(board), &clock, call_timeout, hold);
}

}  // namespace ttareungyi::actors
