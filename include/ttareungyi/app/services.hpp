#pragma once
// What the application offers its inbound adapters (REST, remote nodes, the bench): use cases
// in business words, asynchronous, with typed refusals. Adapters never see actors or storage:
// each call returns at once and its reply arrives later, on some other thread.
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ttareungyi/domain/alert.hpp"
#include "ttareungyi/domain/circuit_breaker.hpp"
#include "ttareungyi/domain/customer.hpp"
#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/fleet.hpp"
#include "ttareungyi/domain/ticket.hpp"
#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/domain/views.hpp"
#include "ttareungyi/ports/paging.hpp"
#include "ttareungyi/ports/token_signer.hpp"

namespace ttareungyi::app {

template <class T>
using reply = std::function<void(domain::result<T>)>;

// Every listing answers a page: at most `limit` items after the place `cursor` names, and the
// cursor of the next page unless it is the last. A cursor the listing cannot read is refused
// with 400 invalid_cursor.
using ports::page;
using ports::page_request;

struct customer_profile {
  domain::ids::customer_id id;
  std::string phone;
  std::string name;
};

class identity_service {
 public:
  virtual ~identity_service() = default;
  // 409 phone_taken when the phone is registered already; 400 for a weak password or bad phone.
  virtual void sign_up(domain::sign_up_request request, reply<customer_profile> done) = 0;
  // A wrong phone or password is the same refusal: error code "invalid_credentials".
  virtual void authenticate(std::string phone, std::string password, reply<customer_profile> done) = 0;
};

// Sign-in on a node without the signing key (a gateway): the core checks the credentials and
// signs the token. Refused with invalid_credentials for a wrong phone or password, or a client
// id and secret that are not an operator client's.
using ports::issued_token;
class sign_in_service {
 public:
  virtual ~sign_in_service() = default;
  virtual void customer_token(std::string phone, std::string password, reply<issued_token> done) = 0;
  virtual void operator_token(std::string client_id, std::string secret, reply<issued_token> done) = 0;
};

class ticket_service {
 public:
  virtual ~ticket_service() = default;
  // Creates the ticket and charges it. Payment down or slow: error unavailable with ids
  // {ticketId} and the ticket left payment_pending; declined: error declined, payment_failed.
  virtual void buy(domain::ids::customer_id customer_id, domain::ticket_type type, reply<domain::ticket> done) = 0;
  virtual void pay(domain::ids::customer_id customer_id, domain::ids::ticket_id ticket_id, reply<domain::ticket> done) = 0;
  virtual void cancel(domain::ids::customer_id customer_id, domain::ids::ticket_id ticket_id, reply<domain::ticket> done) = 0;
  virtual void ticket(domain::ids::customer_id customer_id, domain::ids::ticket_id ticket_id, reply<domain::ticket> done) = 0;
  // A page of the customer's tickets, by purchase time; read off the ticket actors.
  virtual void tickets(domain::ids::customer_id customer_id, page_request request, reply<page<domain::ticket>> done) = 0;
};

class rental_service {
 public:
  virtual ~rental_service() = default;
  virtual void rent(domain::ids::customer_id customer_id, domain::ids::bicycle_id bicycle_id, domain::ids::ticket_id ticket_id,
                    reply<domain::rental> done) = 0;
  virtual void give_back(domain::ids::customer_id customer_id, domain::ids::rental_id rental_id, domain::ids::station_id station_id,
                         reply<domain::rental> done) = 0;
};

struct station_view {
  domain::station station;
  domain::availability availability;
};

struct new_station {
  std::optional<domain::ids::station_id> id;  // chosen by the server when absent
  std::string name;
  double lat = 0;
  double lon = 0;
  int capacity = 0;
};

struct new_bicycle {
  std::optional<domain::ids::bicycle_id> id;  // chosen by the server when absent
  domain::ids::station_id station_id;
};

struct bicycle_query {
  std::optional<domain::ids::station_id> station_id;
  std::optional<domain::bicycle_status> status;
};

class fleet_service {
 public:
  virtual ~fleet_service() = default;
  // Pages in id order, read off the fleet: a listing never queues a rent or a return behind it.
  // A station comes with the station view's counts, at least as recent as the journal now.
  virtual void stations(page_request request, reply<page<station_view>> done) = 0;
  virtual void add_station(new_station request, reply<station_view> done) = 0;
  // A page of the bicycles that match the query; it may be short, even empty, and still have a
  // next one (the store reads a bounded number of bicycles per page).
  virtual void bicycles(bicycle_query query, page_request request, reply<page<domain::bicycle>> done) = 0;
  // 404 station_not_found, 409 bicycle_id_taken.
  virtual void add_bicycle(std::optional<domain::ids::bicycle_id> id, domain::ids::station_id station_id, reply<domain::bicycle> done) = 0;
  // 404 bicycle_not_found, 409 bicycle_rented.
  virtual void remove_bicycle(domain::ids::bicycle_id id, reply<void> done) = 0;
  // Service alerts for riders and trip planners: posted by operators (404 station_not_found
  // for a station the fleet does not know, 400 for the domain's refusals), listed off the
  // fleet, every one ever posted.
  virtual void post_alert(domain::alert_request request, reply<domain::alert> done) = 0;
  virtual void alerts(reply<std::vector<domain::alert>> done) = 0;
};

// Read side (CQRS): views built from the journal, never from the ticket or bicycle actors.
class ride_view_service {
 public:
  virtual ~ride_view_service() = default;
  // The customer's active rental; 404 no_active_rental when there is none.
  virtual void current_rental(domain::ids::customer_id customer_id, reply<domain::current_rental> done) = 0;
};

// Ends a live watch when destroyed (or when cancel() is called).
class watch {
 public:
  virtual ~watch() = default;
  virtual void cancel() = 0;
};

class notification_service {
 public:
  virtual ~notification_service() = default;
  // A page of the customer's inbox, newest first: the next page holds older notifications.
  virtual void notifications(domain::ids::customer_id customer_id, page_request request, reply<page<domain::notification>> done) = 0;
  // Live notifications for one customer: first the stored ones with sequence > after (oldest
  // first, for Last-Event-ID), then each new one as it is created, each exactly once, in
  // sequence order. `deliver` runs on some other thread; keep it short (e.g. post to an I/O
  // thread). The watch ends when the returned handle is destroyed or cancelled.
  virtual std::unique_ptr<watch> watch_notifications(domain::ids::customer_id customer_id, std::uint64_t after,
                                                     std::function<void(domain::notification)> deliver) = 0;
};

// How the payment provider looks from here, for /health/ready: the circuit breaker's state,
// since when, the consecutive failures, and when it next lets a trial call through (when open).
// Payment calls since start, by outcome (for the metrics).
struct payment_calls {
  std::uint64_t approved = 0;  // the provider approved
  std::uint64_t declined = 0;  // the provider declined
  std::uint64_t failed = 0;    // the provider failed or was too slow
  std::uint64_t rejected = 0;  // refused at once: the breaker was open
};
struct payment_health {
  domain::breaker_state breaker = domain::breaker_state::closed;
  std::optional<domain::instant> since;  // empty: closed since start
  int failures = 0;
  std::optional<domain::instant> retry_at;
  std::array<std::uint64_t, 3> transitions_to{};  // changes into each breaker_state since start
  payment_calls charges{};
  payment_calls refunds{};
};

// A context this node reaches on another node, for /health/ready.
enum class peer_state { connecting, connected, refused };
struct peer_health {
  std::string context;  // what this node reaches there: "payment"
  std::string address;  // host:port of the peer's node port
  peer_state state = peer_state::connecting;
  std::optional<domain::instant> since;  // of the current state
  std::string last_error;                // why the last attempt or the connection failed
};

// A notifier replica's share of the journal's partitions (docs/nodes.md), for /health/ready.
struct notifier_health {
  std::uint32_t partitions = 0;        // the count, fixed for the data dir's life (0: not joined yet)
  std::uint64_t generation = 0;        // of the assignment it holds
  std::vector<std::uint32_t> owned;    // the partitions it makes the notices of, ascending
};

// Details for /health/ready. The node stays ready while the payment breaker is open or the
// payment node is away: rides do not need payment.
struct health_report {
  std::optional<payment_health> payment;  // when this node runs the payment context
  std::vector<std::string> roles;
  std::vector<peer_health> peers;
  std::optional<notifier_health> notifier = {};  // when this node is a notifier replica
};

// Whether the node can still do its job (/health/live): a heartbeat goes through the actor
// scheduler and the commit writer; either one older than the node's threshold means it cannot.
struct heartbeat {
  std::string path;  // "scheduler", "writer"
  std::chrono::milliseconds age{0};
};
struct liveness_report {
  bool live = true;
  std::vector<heartbeat> heartbeats;
};

// The whole application as its adapters see it.
struct services {
  identity_service& identity;
  ticket_service& tickets;
  rental_service& rentals;
  fleet_service& fleet;
  ride_view_service& ride_view;
  notification_service& notifications;
  std::function<bool()> ready;  // storage open and actors up
  std::function<health_report()> health = {};  // details for /health/ready; may be empty
  // false on a node without the http role: its adapters answer /health only (404 elsewhere).
  bool serves_api = true;
  // Set on a gateway, whose tokens the core signs; null: the adapter signs with its own key.
  sign_in_service* sign_in = nullptr;
  std::function<liveness_report()> live = {};  // for /health/live; empty: always live
};

}  // namespace ttareungyi::app
