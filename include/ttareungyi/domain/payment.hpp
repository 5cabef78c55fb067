#pragma once
// Payment context (결제): charges for tickets and refunds, recorded per payment id.
#include <optional>
#include <string>
#include <string_view>

#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/events.hpp"

namespace ttareungyi::domain {

enum class payment_status { approved, declined, refunded };
std::string_view to_string(payment_status status);

struct payment {
  std::string id{};         // payment id, chosen by the payer (idempotency key at the provider)
  std::string reference{};  // what it pays for, e.g. the ticket id
  money amount = 0;
  payment_status status = payment_status::approved;
  bool operator==(const payment&) const = default;
};

// What a payment provider answers for a charge.
enum class charge_verdict { approved, declined };

decided<payment, event_payload> record_charge(std::string id, std::string reference, money amount, charge_verdict verdict);
// A refund of an approved charge; refunding twice is a no-op (no second event).
result<decided<payment, event_payload>> record_refund(const payment& p);

// Overtime owed at a return (초과요금) is collected after the return, never during it: a return
// must work while payment is down. The collector charges each fee until one charge is approved.
struct overtime_charge {
  ids::rental_id rental_id;
  ids::customer_id customer_id;
  money amount = 0;
  bool operator==(const overtime_charge&) const = default;
};
// The fee a fact leaves owing: a return with overtime; nothing for any other fact.
std::optional<overtime_charge> overtime_owed(const event_payload& e);
// The payment id of the `attempt`-th charge (from 1) for a rental's overtime. Retrying an
// attempt that got no verdict is the same charge at the provider (idempotent on the id); a
// declined attempt is followed by a new one.
std::string overtime_payment_id(std::string_view rental_id, int attempt);

}  // namespace ttareungyi::domain
