#include "ttareungyi/domain/payment.hpp"

namespace ttareungyi::domain {

std::string_view to_string(payment_status status) {
  switch (status) {
    case payment_status::declined: return "declined";
    case payment_status::refunded: return "refunded";
    case payment_status::approved: break;
  }
  return "approved";
}

decided<payment, event_payload> record_charge(std::string id, std::string reference, money amount, charge_verdict verdict) {
  const bool ok = verdict == charge_verdict::approved;
  payment p{std::move(id), std::move(reference), amount, ok ? payment_status::approved : payment_status::declined};
  event_payload fact = ok ? event_payload{payment_approved{p.id, p.reference, amount}}
                          : event_payload{payment_declined{p.id, p.reference, amount}};
  return {std::move(p), {std::move(fact)}};
}

result<decided<payment, event_payload>> record_refund(const payment& p) {
  if (p.status == payment_status::refunded) return decided<payment, event_payload>{p, {}};
  if (p.status != payment_status::approved)
    return std::unexpected(conflict(error_code::payment_not_refundable, "only an approved payment can be refunded").with("paymentId", p.id));
  payment next = p;
  next.status = payment_status::refunded;
  return decided<payment, event_payload>{next, {payment_refunded{p.id, p.reference, p.amount}}};
}

std::optional<overtime_charge> overtime_owed(const event_payload& e) {
  const auto* returned = std::get_if<bicycle_returned>(&e);
  if (!returned || returned->overtime_fee <= 0) return std::nullopt;
  return overtime_charge{returned->rental_id, returned->customer_id, returned->overtime_fee};
}

std::string overtime_payment_id(std::string_view rental_id, int attempt) {
  return "ot_" + std::string{rental_id} + "-" + std::to_string(attempt);
}

}  // namespace ttareungyi::domain
