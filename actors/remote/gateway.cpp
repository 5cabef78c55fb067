#include "gateway.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>

#include "../read_side/read_side.hpp"
#include "../timer.hpp"
#include "notice_relay.hpp"
#include "rental_copy.hpp"

namespace ttareungyi::actors {
namespace {

using domain::ids::customer_id;

// Fetches the core's key set at once, again after a refusal (every 200 ms) and every `every`.
caf::behavior key_fetcher(caf::event_based_actor* self, core_actor core, std::chrono::milliseconds every,
                          std::function<void(const std::string&)> on_keys, std::shared_ptr<std::atomic<bool>> known) {
  self->send(self, get_atom::value);
  return {
      [=](get_atom) {
        self->request(core, std::chrono::seconds{5}, token_atom::value, get_atom::value)
            .then(
                [=](std::string& keys) {
                  if (on_keys) on_keys(keys);
                  known->store(true);
                  send_later(self, every, get_atom::value);
                },
                [=](caf::error&) { send_later(self, std::chrono::milliseconds{200}, get_atom::value); });
      },
  };
}

// A refusal of the core as the storage port says it.
ports::storage_error failed(const caf::error& e) {
  auto refusal = from_caf(e);
  const int retry = refusal.kind == domain::error_kind::unavailable ? std::max(1, refusal.retry_after_seconds) : 0;
  return {.message = "the core: " + refusal.detail, .retry_after_seconds = retry};
}

}  // namespace

void answers_at_the_core::find_answer(std::string customer_id, std::string key, on_found done) {
  couriers_.ask<std::vector<ports::kept_answer>>(
      core_,
      [done](std::vector<ports::kept_answer>& found) {
        done(found.empty() ? std::nullopt : std::optional<ports::kept_answer>{std::move(found.front())});
      },
      [done](caf::error& e) { done(std::unexpected(failed(e))); }, answer_atom::value, get_atom::value,
      std::move(customer_id), std::move(key));
}

void answers_at_the_core::keep_answer(std::string customer_id, std::string key, ports::kept_answer answer,
                                      on_kept done) {
  couriers_.ask<ok_atom>(
      core_, [done](ok_atom) { done({}); }, [done](caf::error& e) { done(std::unexpected(failed(e))); },
      answer_atom::value, add_atom::value, std::move(customer_id), std::move(key), std::move(answer));
}

gateway::gateway(caf::actor_system& system, couriers& couriers, core_actor core, gateway_settings settings)
    : system_(system), couriers_(couriers), core_(std::move(core)), settings_(std::move(settings)) {
  copy_ = spawn_rental_copy(system_, core_, board_);
  keys_ = system_.spawn(key_fetcher, core_, settings_.keys_every, settings_.on_keys, keys_known_);
}

gateway::~gateway() {
  caf::anon_send_exit(copy_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(keys_, caf::exit_reason::user_shutdown);
}

bool gateway::ready() const { return keys_known_->load() && board_->position().has_value(); }

void gateway::sign_up(domain::sign_up_request request, app::reply<app::customer_profile> done) {
  ask<app::customer_profile>(std::move(done), sign_up_atom::value, std::move(request));
}
void gateway::authenticate(std::string phone, std::string password, app::reply<app::customer_profile> done) {
  ask<app::customer_profile>(std::move(done), login_atom::value, std::move(phone), std::move(password));
}
void gateway::customer_token(std::string phone, std::string password, app::reply<app::issued_token> done) {
  ask<app::issued_token>(std::move(done), token_atom::value, login_atom::value, std::move(phone), std::move(password));
}
void gateway::operator_token(std::string client_id, std::string secret, app::reply<app::issued_token> done) {
  ask<app::issued_token>(std::move(done), token_atom::value, operator_atom::value, std::move(client_id),
                         std::move(secret));
}
void gateway::buy(customer_id customer, domain::ticket_type type, app::reply<domain::ticket> done) {
  ask<domain::ticket>(std::move(done), buy_atom::value, std::move(customer), type);
}
void gateway::pay(customer_id customer, domain::ids::ticket_id ticket, app::reply<domain::ticket> done) {
  ask<domain::ticket>(std::move(done), pay_atom::value, std::move(customer), std::move(ticket));
}
void gateway::cancel(customer_id customer, domain::ids::ticket_id ticket, app::reply<domain::ticket> done) {
  ask<domain::ticket>(std::move(done), cancel_atom::value, std::move(customer), std::move(ticket));
}
void gateway::ticket(customer_id customer, domain::ids::ticket_id ticket, app::reply<domain::ticket> done) {
  ask<domain::ticket>(std::move(done), get_atom::value, std::move(customer), std::move(ticket));
}
void gateway::tickets(customer_id customer, app::page_request request, app::reply<app::page<domain::ticket>> done) {
  ask<app::page<domain::ticket>>(std::move(done), list_atom::value, std::move(customer), std::move(request));
}

// The ride runs on the core; its answer waits (at most ride_settle) until this gateway's copy
// of the view has the ride, so the customer's next read here sees it.
template <class... Ts>
void gateway::ride(app::reply<domain::rental> done, Ts... xs) {
  couriers_.carry<domain::rental>(
      [core = core_, copy = copy_, settle = settings_.ride_settle, xs...](courier_self* self, auto reply) {
        self->request(core, caf::infinite, xs...)
            .then(
                [=](ride_receipt& receipt) {
                  self->request(copy, settle, wake_atom::value, receipt.sequence)
                      .then([=](ok_atom) { reply(receipt.rental); }, [=](caf::error&) { reply(receipt.rental); });
                },
                [=](caf::error& e) { reply(std::unexpected(from_caf(e))); });
      },
      std::move(done));
}

void gateway::rent(customer_id customer, domain::ids::bicycle_id bicycle, domain::ids::ticket_id ticket,
                   app::reply<domain::rental> done) {
  ride(std::move(done), rent_atom::value, std::move(customer), std::move(bicycle), std::move(ticket));
}
void gateway::give_back(customer_id customer, domain::ids::rental_id rental, domain::ids::station_id station,
                        app::reply<domain::rental> done) {
  ride(std::move(done), return_atom::value, std::move(customer), std::move(rental), std::move(station));
}
void gateway::stations(app::page_request request, app::reply<app::page<app::station_view>> done) {
  ask<app::page<app::station_view>>(std::move(done), station_atom::value, list_atom::value, std::move(request),
                                    std::uint64_t{0});
}
void gateway::add_station(app::new_station request, app::reply<app::station_view> done) {
  ask<app::station_view>(std::move(done), station_atom::value, add_atom::value, std::move(request));
}
void gateway::bicycles(app::bicycle_query query, app::page_request request, app::reply<app::page<domain::bicycle>> done) {
  ask<app::page<domain::bicycle>>(std::move(done), bicycle_atom::value, list_atom::value, std::move(query),
                                  std::move(request));
}
void gateway::add_bicycle(std::optional<domain::ids::bicycle_id> id, domain::ids::station_id station,
                          app::reply<domain::bicycle> done) {
  ask<domain::bicycle>(std::move(done), bicycle_atom::value, add_atom::value,
                       app::new_bicycle{std::move(id), std::move(station)});
}
void gateway::remove_bicycle(domain::ids::bicycle_id id, app::reply<void> done) {
  couriers_.ask_for<ok_atom>(core_, std::move(done), [](ok_atom) { return domain::result<void>{}; },
                             bicycle_atom::value, remove_atom::value, std::move(id));
}
void gateway::post_alert(domain::alert_request request, app::reply<domain::alert> done) {
  ask<domain::alert>(std::move(done), alert_atom::value, add_atom::value, std::move(request));
}
void gateway::alerts(app::reply<std::vector<domain::alert>> done) {
  ask<std::vector<domain::alert>>(std::move(done), alert_atom::value, list_atom::value);
}

// From the gateway's copy of the view, on the caller's thread once it has read the journal.
void gateway::current_rental(customer_id customer, app::reply<domain::current_rental> done) {
  if (auto found = board_->find(customer, 0)) {
    if (*found) return done(std::move(**found));
    return done(std::unexpected(no_active_rental(customer)));
  }
  couriers_.ask_for<domain::current_rental>(copy_, std::move(done), as_is, current_atom::value, std::move(customer),
                                            std::uint64_t{0});
}
void gateway::notifications(customer_id customer, app::page_request request,
                            app::reply<app::page<domain::notification>> done) {
  ask<app::page<domain::notification>>(std::move(done), notice_atom::value, list_atom::value, std::move(customer),
                                       std::move(request), std::uint64_t{0});
}
std::unique_ptr<app::watch> gateway::watch_notifications(customer_id customer, std::uint64_t after,
                                                         std::function<void(domain::notification)> deliver) {
  return start_relay(system_, core_, std::move(customer), after, std::move(deliver));
}

}  // namespace ttareungyi::actors
