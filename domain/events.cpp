#include "ttareungyi/domain/events.hpp"

namespace ttareungyi::domain {
namespace {

template <class T> constexpr std::string_view name_of();
#define TTAREUNGYI_EVENT_NAME(T) \
  template <>                     \
  constexpr std::string_view name_of<T>() { return #T; }
TTAREUNGYI_EVENT_NAME(customer_registered)
TTAREUNGYI_EVENT_NAME(ticket_purchased)
TTAREUNGYI_EVENT_NAME(ticket_paid)
TTAREUNGYI_EVENT_NAME(ticket_payment_failed)
TTAREUNGYI_EVENT_NAME(ticket_put_in_use)
TTAREUNGYI_EVENT_NAME(ticket_released)
TTAREUNGYI_EVENT_NAME(ticket_used)
TTAREUNGYI_EVENT_NAME(ticket_cancelled)
TTAREUNGYI_EVENT_NAME(ticket_refunded)
TTAREUNGYI_EVENT_NAME(station_registered)
TTAREUNGYI_EVENT_NAME(bicycle_registered)
TTAREUNGYI_EVENT_NAME(bicycle_deleted)
TTAREUNGYI_EVENT_NAME(bicycle_rented)
TTAREUNGYI_EVENT_NAME(bicycle_returned)
TTAREUNGYI_EVENT_NAME(payment_approved)
TTAREUNGYI_EVENT_NAME(payment_declined)
TTAREUNGYI_EVENT_NAME(payment_refunded)
TTAREUNGYI_EVENT_NAME(alert_posted)
#undef TTAREUNGYI_EVENT_NAME

struct aggregate_of {
  std::string_view operator()(const customer_registered& e) const { return e.customer_id; }
  std::string_view operator()(const station_registered& e) const { return e.station_id; }
  std::string_view operator()(const bicycle_registered& e) const { return e.bicycle_id; }
  std::string_view operator()(const bicycle_deleted& e) const { return e.bicycle_id; }
  std::string_view operator()(const bicycle_rented& e) const { return e.bicycle_id; }
  std::string_view operator()(const bicycle_returned& e) const { return e.bicycle_id; }
  std::string_view operator()(const payment_approved& e) const { return e.payment_id; }
  std::string_view operator()(const payment_declined& e) const { return e.payment_id; }
  std::string_view operator()(const payment_refunded& e) const { return e.payment_id; }
  std::string_view operator()(const alert_posted& e) const { return e.alert_id; }
  template <class TicketFact>
  std::string_view operator()(const TicketFact& e) const { return e.ticket_id; }
};

}  // namespace

std::string_view type_name(const event_payload& e) {
  return std::visit([](const auto& x) { return name_of<std::decay_t<decltype(x)>>(); }, e);
}

std::string_view aggregate_id(const event_payload& e) { return std::visit(aggregate_of{}, e); }

}  // namespace ttareungyi::domain
