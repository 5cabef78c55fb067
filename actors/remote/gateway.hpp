#pragma once
// The application on a gateway node (`--roles http --core HOST:PORT`, docs/nodes.md): a
// stateless front door. Every use case asks the core's front, through its stand-in
// (remote_core.hpp), except two: the remaining-time read, answered on the caller's thread from
// the gateway's own copy of the view (rental_copy.hpp), and live notices, relayed from the core
// (notice_relay.hpp). Tokens are signed at the core; the gateway fetches the core's key set
// for its own verifier, and fetches it again every `keys_every`. The answers kept for
// Idempotency-Keys are the core's too (`answers()`), so a retry through any gateway finds them.
#include <caf/fwd.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "../courier.hpp"
#include "../interfaces.hpp"
#include "../read_side/rental_board.hpp"
#include "ttareungyi/ports/idempotency.hpp"

namespace ttareungyi::actors {

// The answers kept for Idempotency-Keys, in the core's store: each find and keep asks the core.
class answers_at_the_core final : public ports::idempotency_store {
 public:
  answers_at_the_core(couriers& couriers, core_actor core) : couriers_(couriers), core_(std::move(core)) {}
  void find_answer(std::string customer_id, std::string key, on_found done) override;
  void keep_answer(std::string customer_id, std::string key, ports::kept_answer answer, on_kept done) override;
  ports::stored<void> forget_expired_answers() override { return {}; }  // the core's store drops them

 private:
  couriers& couriers_;
  core_actor core_;
};

struct gateway_settings {
  // How long a ride's answer waits for the gateway's copy of the view to reach the ride, so
  // that the customer's next read through this gateway sees it. The ride is done either way.
  std::chrono::milliseconds ride_settle{1000};
  std::chrono::milliseconds keys_every{60000};
  std::function<void(const std::string&)> on_keys;  // the core's JWK set, each time it is fetched
};

class gateway final : public app::identity_service,
                      public app::sign_in_service,
                      public app::ticket_service,
                      public app::rental_service,
                      public app::fleet_service,
                      public app::ride_view_service,
                      public app::notification_service {
 public:
  gateway(caf::actor_system& system, couriers& couriers, core_actor core, gateway_settings settings);
  ~gateway() override;  // stops its actors
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  // Once it has the core's keys and its copy of the view has read the journal once.
  bool ready() const;
  ports::idempotency_store& answers() { return answers_; }

  void sign_up(domain::sign_up_request request, app::reply<app::customer_profile> done) override;
  void authenticate(std::string phone, std::string password, app::reply<app::customer_profile> done) override;
  void customer_token(std::string phone, std::string password, app::reply<app::issued_token> done) override;
  void operator_token(std::string client_id, std::string secret, app::reply<app::issued_token> done) override;
  void buy(domain::ids::customer_id customer, domain::ticket_type type, app::reply<domain::ticket> done) override;
  void pay(domain::ids::customer_id customer, domain::ids::ticket_id ticket, app::reply<domain::ticket> done) override;
  void cancel(domain::ids::customer_id customer, domain::ids::ticket_id ticket, app::reply<domain::ticket> done) override;
  void ticket(domain::ids::customer_id customer, domain::ids::ticket_id ticket, app::reply<domain::ticket> done) override;
  void tickets(domain::ids::customer_id customer, app::page_request request,
               app::reply<app::page<domain::ticket>> done) override;
  void rent(domain::ids::customer_id customer, domain::ids::bicycle_id bicycle, domain::ids::ticket_id ticket,
            app::reply<domain::rental> done) override;
  void give_back(domain::ids::customer_id customer, domain::ids::rental_id rental, domain::ids::station_id station,
                 app::reply<domain::rental> done) override;
  void stations(app::page_request request, app::reply<app::page<app::station_view>> done) override;
  void add_station(app::new_station request, app::reply<app::station_view> done) override;
  void bicycles(app::bicycle_query query, app::page_request request,
                app::reply<app::page<domain::bicycle>> done) override;
  void add_bicycle(std::optional<domain::ids::bicycle_id> id, domain::ids::station_id station,
                   app::reply<domain::bicycle> done) override;
  void remove_bicycle(domain::ids::bicycle_id id, app::reply<void> done) override;
  void post_alert(domain::alert_request request, app::reply<domain::alert> done) override;
  void alerts(app::reply<std::vector<domain::alert>> done) override;
  void current_rental(domain::ids::customer_id customer, app::reply<domain::current_rental> done) override;
  void notifications(domain::ids::customer_id customer, app::page_request request,
                     app::reply<app::page<domain::notification>> done) override;
  std::unique_ptr<app::watch> watch_notifications(domain::ids::customer_id customer, std::uint64_t after,
                                                  std::function<void(domain::notification)> deliver) override;

 private:
  template <class Answer, class T, class... Ts>
  void ask(app::reply<T> done, Ts... xs) {
    couriers_.ask_for<Answer>(core_, std::move(done), as_is, std::move(xs)...);
  }
  template <class... Ts>
  void ride(app::reply<domain::rental> done, Ts... xs);

  caf::actor_system& system_;
  couriers& couriers_;
  core_actor core_;
  gateway_settings settings_;
  std::shared_ptr<rental_board> board_ = std::make_shared<rental_board>();
  std::shared_ptr<std::atomic<bool>> keys_known_ = std::make_shared<std::atomic<bool>>(false);
  caf::actor copy_;  // rental_copy.hpp
  caf::actor keys_;  // fetches the core's key set
  answers_at_the_core answers_{couriers_, core_};
};

}  // namespace ttareungyi::actors
