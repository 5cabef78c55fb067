#pragma once
// Field lists: every member of a domain type named once, here, for the adapters that write the
// type somewhere else (storage's JSON records, CAF's wire format). `fields(x, f)` calls
// f(record name, field{name, member}...) once with every member in declaration order, for x
// const (writing) or not (reading). A new member is added to its struct and to its list; the
// adapters follow without an edit. The field names are the keys of stored records: renaming
// one makes existing data unreadable, so a name stays once it has been stored.
#include <concepts>
#include <type_traits>

#include "ttareungyi/domain/alert.hpp"
#include "ttareungyi/domain/customer.hpp"
#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/fleet.hpp"
#include "ttareungyi/domain/payment.hpp"
#include "ttareungyi/domain/ticket.hpp"
#include "ttareungyi/domain/views.hpp"

namespace ttareungyi::domain {

// One member of a record: its stable name and a reference to it (const when the record is).
template <class T>
struct field {
  const char* name;
  T& value;
};
// Spelled out for clang 16, which does not deduce an aggregate's template arguments.
template <class T>
field(const char*, T&) -> field<T>;

// X is T or const T, so that one list serves reading and writing.
template <class X, class T>
concept either = std::same_as<std::remove_const_t<X>, T>;

// ---- Aggregates. ----

template <either<customer> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("customer", field{"id", x.id}, field{"phone", x.phone}, field{"name", x.name},
           field{"password_hash", x.password_hash});
}

template <either<ticket> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ticket", field{"id", x.id}, field{"customer_id", x.customer_id}, field{"type", x.type},
           field{"status", x.status}, field{"purchased_at", x.purchased_at}, field{"paid_at", x.paid_at},
           field{"cancelled_at", x.cancelled_at}, field{"refunded_amount", x.refunded_amount},
           field{"payment_attempt", x.payment_attempt}, field{"rental_id", x.rental_id});
}

template <either<payment> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("payment", field{"id", x.id}, field{"reference", x.reference}, field{"amount", x.amount},
           field{"status", x.status});
}

template <either<overtime_charge> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("overtime_charge", field{"rental_id", x.rental_id}, field{"customer_id", x.customer_id},
           field{"amount", x.amount});
}

template <either<alert> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("alert", field{"id", x.id}, field{"type", x.type}, field{"start", x.start}, field{"end", x.end},
           field{"station_ids", x.station_ids}, field{"summary", x.summary}, field{"description", x.description},
           field{"posted_at", x.posted_at});
}

template <either<alert_request> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("alert_request", field{"type", x.type}, field{"start", x.start}, field{"end", x.end},
           field{"station_ids", x.station_ids}, field{"summary", x.summary}, field{"description", x.description});
}

template <either<station> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("station", field{"id", x.id}, field{"name", x.name}, field{"lat", x.lat}, field{"lon", x.lon},
           field{"capacity", x.capacity});
}

template <either<bicycle> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("bicycle", field{"id", x.id}, field{"status", x.status}, field{"station_id", x.station_id},
           field{"rental_id", x.rental_id});
}

template <either<rental> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("rental", field{"id", x.id}, field{"bicycle_id", x.bicycle_id}, field{"ticket_id", x.ticket_id},
           field{"customer_id", x.customer_id}, field{"from_station_id", x.from_station_id},
           field{"rented_at", x.rented_at}, field{"due_at", x.due_at}, field{"status", x.status},
           field{"returned_at", x.returned_at}, field{"to_station_id", x.to_station_id},
           field{"overtime_minutes", x.overtime_minutes}, field{"overtime_fee", x.overtime_fee});
}

// ---- Requests and answers between contexts. ----

template <either<availability> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("availability", field{"bicycles_available", x.bicycles_available},
           field{"docks_available", x.docks_available});
}

template <either<rent_request> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("rent_request", field{"rental_id", x.rental_id}, field{"ticket_id", x.ticket_id},
           field{"customer_id", x.customer_id}, field{"ride_time", x.ride_time});
}

template <either<sign_up_request> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("sign_up_request", field{"phone", x.phone}, field{"password", x.password}, field{"name", x.name});
}

// ---- The read side's records. ----

template <either<notification> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("notification", field{"id", x.id}, field{"sequence", x.sequence}, field{"customer_id", x.customer_id},
           field{"kind", x.kind}, field{"message_ko", x.message_ko}, field{"message_en", x.message_en},
           field{"correlation_id", x.correlation_id}, field{"created_at", x.created_at});
}

template <either<current_rental> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("current_rental", field{"customer_id", x.customer_id}, field{"rental_id", x.rental_id},
           field{"bicycle_id", x.bicycle_id}, field{"ticket_id", x.ticket_id},
           field{"from_station_id", x.from_station_id}, field{"rented_at", x.rented_at}, field{"due_at", x.due_at});
}

template <either<station_count> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("station_count", field{"station_id", x.station_id}, field{"capacity", x.capacity},
           field{"bicycles_available", x.bicycles_available});
}

// ---- Events (the payload of an event; the envelope is the journal's). ----

template <either<customer_registered> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("customer_registered", field{"customer_id", x.customer_id}, field{"phone", x.phone},
           field{"name", x.name});
}

template <either<ticket_purchased> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ticket_purchased", field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"type", x.type}, field{"price", x.price});
}

template <either<ticket_paid> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ticket_paid", field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"payment_id", x.payment_id}, field{"amount", x.amount});
}

template <either<ticket_payment_failed> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ticket_payment_failed", field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"payment_id", x.payment_id});
}

template <either<ticket_put_in_use> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ticket_put_in_use", field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"rental_id", x.rental_id});
}

template <either<ticket_released> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ticket_released", field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"rental_id", x.rental_id});
}

template <either<ticket_used> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ticket_used", field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"rental_id", x.rental_id});
}

template <either<ticket_cancelled> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ticket_cancelled", field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"refunded_amount", x.refunded_amount});
}

template <either<ticket_refunded> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ticket_refunded", field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"payment_id", x.payment_id}, field{"amount", x.amount});
}

template <either<station_registered> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("station_registered", field{"station_id", x.station_id}, field{"name", x.name},
           field{"capacity", x.capacity});
}

template <either<bicycle_registered> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("bicycle_registered", field{"bicycle_id", x.bicycle_id}, field{"station_id", x.station_id});
}

template <either<bicycle_deleted> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("bicycle_deleted", field{"bicycle_id", x.bicycle_id}, field{"station_id", x.station_id});
}

template <either<bicycle_rented> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("bicycle_rented", field{"rental_id", x.rental_id}, field{"bicycle_id", x.bicycle_id},
           field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"from_station_id", x.from_station_id}, field{"rented_at", x.rented_at}, field{"due_at", x.due_at});
}

template <either<bicycle_returned> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("bicycle_returned", field{"rental_id", x.rental_id}, field{"bicycle_id", x.bicycle_id},
           field{"ticket_id", x.ticket_id}, field{"customer_id", x.customer_id},
           field{"to_station_id", x.to_station_id}, field{"returned_at", x.returned_at},
           field{"overtime_minutes", x.overtime_minutes}, field{"overtime_fee", x.overtime_fee});
}

template <either<payment_approved> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("payment_approved", field{"payment_id", x.payment_id}, field{"reference", x.reference},
           field{"amount", x.amount});
}

template <either<payment_declined> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("payment_declined", field{"payment_id", x.payment_id}, field{"reference", x.reference},
           field{"amount", x.amount});
}

template <either<payment_refunded> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("payment_refunded", field{"payment_id", x.payment_id}, field{"reference", x.reference},
           field{"amount", x.amount});
}

template <either<alert_posted> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("alert_posted", field{"alert_id", x.alert_id}, field{"type", x.type}, field{"start", x.start},
           field{"end", x.end});
}

}  // namespace ttareungyi::domain
