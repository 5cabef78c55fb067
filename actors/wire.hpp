#pragma once
// The vocabulary actors speak: atoms, how domain types travel in messages (inspect functions,
// so every message that crosses a context can be serialized to another node), and how a
// domain refusal rides on a caf::error and back.
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include <optional>

#include "ttareungyi/domain/customer.hpp"
#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/fleet.hpp"
#include "ttareungyi/domain/payment.hpp"
#include "ttareungyi/domain/ticket.hpp"
#include "ttareungyi/domain/views.hpp"
#include "ttareungyi/ports/payment_provider.hpp"

namespace ttareungyi::actors {

using buy_atom = caf::atom_constant<caf::atom("buy")>;
using pay_atom = caf::atom_constant<caf::atom("pay")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using reserve_atom = caf::atom_constant<caf::atom("reserve")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using finish_atom = caf::atom_constant<caf::atom("finish")>;
using charge_atom = caf::atom_constant<caf::atom("charge")>;
using refund_atom = caf::atom_constant<caf::atom("refund")>;
using rent_atom = caf::atom_constant<caf::atom("rent")>;
using return_atom = caf::atom_constant<caf::atom("giveback")>;
using rental_atom = caf::atom_constant<caf::atom("rental")>;
using station_atom = caf::atom_constant<caf::atom("station")>;
using bicycle_atom = caf::atom_constant<caf::atom("bicycle")>;
using add_atom = caf::atom_constant<caf::atom("add")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using sign_up_atom = caf::atom_constant<caf::atom("signup")>;
using login_atom = caf::atom_constant<caf::atom("login")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using ok_atom = caf::atom_constant<caf::atom("ok")>;
// Entity lifecycle: an entity's idle tick, and its request to its registry to stop.
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
// The read side (journal wake-ups, consumers, views, notifications).
using appended_atom = caf::atom_constant<caf::atom("appended")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using pull_atom = caf::atom_constant<caf::atom("pull")>;
using current_atom = caf::atom_constant<caf::atom("current")>;
using notice_atom = caf::atom_constant<caf::atom("notice")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using unwatch_atom = caf::atom_constant<caf::atom("unwatch")>;
using published_atom = caf::atom_constant<caf::atom("published")>;
using started_atom = caf::atom_constant<caf::atom("started")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using child_atom = caf::atom_constant<caf::atom("child")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using delivered_atom = caf::atom_constant<caf::atom("delivered")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;

// A domain refusal travels as a caf::error of this category; its context carries the details.
constexpr caf::atom_value domain_error_category = caf::atom("ttareungyi");
caf::error to_caf(const domain::error& e);
domain::error from_caf(const caf::error& e);

// std::optional is not inspectable in CAF 0.17: it travels as a flag and a value.
template <class T>
struct optional_field {
  std::optional<T>& ref;
};

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, optional_field<T>& x) {
  bool present = x.ref.has_value();
  T value = present ? *x.ref : T{};
  auto store = caf::meta::load_callback([&]() -> caf::error {
    x.ref = present ? std::optional<T>{std::move(value)} : std::nullopt;
    return caf::none;
  });
  return f(present, value, store);
}

}  // namespace ttareungyi::actors

namespace ttareungyi::domain {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ticket& x) {
  actors::optional_field<instant> paid{x.paid_at}, cancelled{x.cancelled_at};
  actors::optional_field<money> refunded{x.refunded_amount};
  return f(caf::meta::type_name("ticket"), x.id, x.customer_id, x.type, x.status, x.purchased_at, paid, cancelled,
           refunded, x.payment_attempt, x.rental_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, payment& x) {
  return f(caf::meta::type_name("payment"), x.id, x.reference, x.amount, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, station& x) {
  return f(caf::meta::type_name("station"), x.id, x.name, x.lat, x.lon, x.capacity);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, availability& x) {
  return f(caf::meta::type_name("availability"), x.bicycles_available, x.docks_available);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bicycle& x) {
  return f(caf::meta::type_name("bicycle"), x.id, x.status, x.station_id, x.rental_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rental& x) {
  actors::optional_field<instant> returned{x.returned_at};
  return f(caf::meta::type_name("rental"), x.id, x.bicycle_id, x.ticket_id, x.customer_id, x.from_station_id,
           x.rented_at, x.due_at, x.status, returned, x.to_station_id, x.overtime_minutes, x.overtime_fee);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rent_request& x) {
  return f(caf::meta::type_name("rent_request"), x.rental_id, x.ticket_id, x.customer_id, x.ride_time);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, sign_up_request& x) {
  return f(caf::meta::type_name("sign_up_request"), x.phone, x.password, x.name);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, notification& x) {
  return f(caf::meta::type_name("notification"), x.id, x.sequence, x.customer_id, x.kind, x.message_ko, x.message_en,
           x.correlation_id, x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, current_rental& x) {
  return f(caf::meta::type_name("current_rental"), x.customer_id, x.rental_id, x.bicycle_id, x.ticket_id,
           x.from_station_id, x.rented_at, x.due_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, station_count& x) {
  return f(caf::meta::type_name("station_count"), x.station_id, x.capacity, x.bicycles_available);
}

}  // namespace ttareungyi::domain

namespace ttareungyi::ports {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, charge_request& x) {
  return f(caf::meta::type_name("charge_request"), x.payment_id, x.amount, x.reference);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, refund_request& x) {
  return f(caf::meta::type_name("refund_request"), x.payment_id, x.amount);
}

}  // namespace ttareungyi::ports
