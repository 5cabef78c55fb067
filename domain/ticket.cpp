#include "ttareungyi/domain/ticket.hpp"

#include <array>

namespace ttareungyi::domain {
namespace {

constexpr std::array<std::string_view, 6> status_names{"payment_pending", "paid",      "in_use",
                                                       "used",            "cancelled", "payment_failed"};

error not_usable(const ticket& t, std::string why) {
  return conflict(error_code::ticket_not_usable, std::move(why)).with("ticketId", t.id);
}

}  // namespace

ticket_terms terms_of(ticket_type type) {
  switch (type) {
    case ticket_type::two_hours: return {std::chrono::minutes{120}, 2000};
    case ticket_type::one_hour: break;
  }
  return {std::chrono::minutes{60}, 1000};
}

std::string_view to_string(ticket_type type) { return type == ticket_type::two_hours ? "2h" : "1h"; }

std::optional<ticket_type> parse_ticket_type(std::string_view text) {
  if (text == "1h") return ticket_type::one_hour;
  if (text == "2h") return ticket_type::two_hours;
  return std::nullopt;
}

std::string_view to_string(ticket_status status) { return status_names[static_cast<std::size_t>(status)]; }

std::optional<ticket_status> parse_ticket_status(std::string_view text) {
  for (std::size_t i = 0; i < status_names.size(); ++i)
    if (status_names[i] == text) return static_cast<ticket_status>(i);
  return std::nullopt;
}

std::string ticket::payment_id() const { return id.str() + "-" + std::to_string(payment_attempt); }

decided<ticket, event_payload> purchase_ticket(ids::ticket_id id, ids::customer_id customer_id, ticket_type type, instant now) {
  ticket t{.id = std::move(id), .customer_id = std::move(customer_id), .type = type, .purchased_at = now};
  auto fact = ticket_purchased{t.id, t.customer_id, std::string{to_string(type)}, t.terms().price};
  return {std::move(t), {std::move(fact)}};
}

result<void> check_payable(const ticket& t) {
  if (t.status == ticket_status::payment_pending || t.status == ticket_status::payment_failed) return {};
  return std::unexpected(conflict(error_code::ticket_not_payable, "ticket is " + std::string{to_string(t.status)} +
                                                            "; only a ticket waiting for payment can be paid")
                             .with("ticketId", t.id));
}

ticket_decision record_payment_approved(const ticket& t, instant now) {
  if (auto ok = check_payable(t); !ok) return std::unexpected(ok.error());
  ticket next = t;
  next.status = ticket_status::paid;
  next.paid_at = now;
  return decided<ticket, event_payload>{next, {ticket_paid{t.id, t.customer_id, t.payment_id(), t.terms().price}}};
}

ticket_decision record_payment_declined(const ticket& t) {
  if (auto ok = check_payable(t); !ok) return std::unexpected(ok.error());
  ticket next = t;
  next.status = ticket_status::payment_failed;
  ++next.payment_attempt;
  return decided<ticket, event_payload>{next, {ticket_payment_failed{t.id, t.customer_id, t.payment_id()}}};
}

bool awaiting_payment(const ticket& t) {
  return t.status == ticket_status::payment_pending || t.status == ticket_status::payment_failed;
}

money refund_due(const ticket& t, bool charged_late) {
  return t.status == ticket_status::paid || (charged_late && awaiting_payment(t)) ? t.terms().price : 0;
}

ticket_decision cancel_ticket(const ticket& t, instant now, bool charged_late) {
  switch (t.status) {
    case ticket_status::in_use:
    case ticket_status::used:
    case ticket_status::cancelled:
      return std::unexpected(conflict(error_code::ticket_not_cancellable,
                                      "ticket is " + std::string{to_string(t.status)} + " and cannot be cancelled")
                                 .with("ticketId", t.id));
    default: break;
  }
  const money refund = refund_due(t, charged_late);
  ticket next = t;
  next.status = ticket_status::cancelled;
  next.cancelled_at = now;
  next.refunded_amount = refund;
  std::vector<event_payload> facts{ticket_cancelled{t.id, t.customer_id, refund}};
  if (refund > 0) facts.emplace_back(ticket_refunded{t.id, t.customer_id, t.payment_id(), refund});
  return decided<ticket, event_payload>{std::move(next), std::move(facts)};
}

std::optional<decided<ticket, event_payload>> complete_refunded_cancellation(const ticket& t, const payment& p,
                                                                            instant now) {
  if (t.status != ticket_status::paid || p.id != t.payment_id() || p.status != payment_status::refunded) return std::nullopt;
  return cancel_ticket(t, now).value();  // a paid ticket is always cancellable
}

error ticket_not_found(std::string_view id) {
  return not_found(error_code::ticket_not_found, "no such ticket").with("ticketId", id);
}

ticket_decision put_in_use(const ticket& t, const ids::customer_id& customer_id, const ids::rental_id& rental_id) {
  if (t.customer_id != customer_id)
    return std::unexpected(ticket_not_found(t.id));
  if (t.status != ticket_status::paid)
    return std::unexpected(not_usable(t, "ticket is " + std::string{to_string(t.status)} + "; only a paid ticket rents a bicycle"));
  ticket next = t;
  next.status = ticket_status::in_use;
  next.rental_id = rental_id;
  return decided<ticket, event_payload>{next, {ticket_put_in_use{t.id, t.customer_id, rental_id}}};
}

ticket_decision release_ticket(const ticket& t, const ids::rental_id& rental_id) {
  if (t.status != ticket_status::in_use || t.rental_id != rental_id)
    return std::unexpected(conflict(error_code::ticket_not_in_use, "ticket is not held by this rental").with("ticketId", t.id));
  ticket next = t;
  next.status = ticket_status::paid;
  next.rental_id.reset();
  return decided<ticket, event_payload>{next, {ticket_released{t.id, t.customer_id, rental_id}}};
}

ticket_decision finish_ticket(const ticket& t, const ids::rental_id& rental_id) {
  if (t.status == ticket_status::used && t.rental_id == rental_id)
    return decided<ticket, event_payload>{t, {}};  // already done: finishing twice changes nothing
  if (t.status != ticket_status::in_use || t.rental_id != rental_id)
    return std::unexpected(conflict(error_code::ticket_not_in_use, "ticket is not held by this rental").with("ticketId", t.id));
  ticket next = t;
  next.status = ticket_status::used;
  return decided<ticket, event_payload>{next, {ticket_used{t.id, t.customer_id, rental_id}}};
}

}  // namespace ttareungyi::domain
