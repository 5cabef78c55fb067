#pragma once
// Ticket (이용권): a ride pass bought, paid, used for one rental, or cancelled with a refund.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/payment.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::domain {

enum class ticket_type { one_hour, two_hours };

struct ticket_terms {
  std::chrono::minutes ride_time;
  money price;
};

ticket_terms terms_of(ticket_type type);
std::string_view to_string(ticket_type type);            // "1h", "2h"
std::optional<ticket_type> parse_ticket_type(std::string_view text);

enum class ticket_status { payment_pending, paid, in_use, used, cancelled, payment_failed };
std::string_view to_string(ticket_status status);
std::optional<ticket_status> parse_ticket_status(std::string_view text);

struct ticket {
  ids::ticket_id id{};
  ids::customer_id customer_id{};
  ticket_type type = ticket_type::one_hour;
  ticket_status status = ticket_status::payment_pending;
  instant purchased_at{};
  std::optional<instant> paid_at{};
  std::optional<instant> cancelled_at{};
  std::optional<money> refunded_amount{};
  int payment_attempt = 1;  // a declined payment moves on to a new attempt
  std::optional<ids::rental_id> rental_id{};  // while in_use, and after use

  ticket_terms terms() const { return terms_of(type); }
  // The payment id of the current attempt. Retrying after a failure or timeout reuses it, so
  // the provider charges at most once; only a decline starts a new attempt.
  std::string payment_id() const;
  bool operator==(const ticket&) const = default;
};

using ticket_decision = result<decided<ticket, event_payload>>;

// A customer buys a ticket: it starts waiting for its payment.
decided<ticket, event_payload> purchase_ticket(ids::ticket_id id, ids::customer_id customer_id, ticket_type type, instant now);
// May the ticket be charged now? Only while waiting for payment or after a decline.
result<void> check_payable(const ticket& t);
ticket_decision record_payment_approved(const ticket& t, instant now);
ticket_decision record_payment_declined(const ticket& t);
// Cancel: a paid, unused ticket is refunded in full. An unpaid one (pending or failed) has
// nothing to refund, unless `charged_late`: its current charge was approved after the
// purchase stopped waiting for it (a timeout), and the payment context has refunded it.
ticket_decision cancel_ticket(const ticket& t, instant now, bool charged_late = false);
money refund_due(const ticket& t, bool charged_late = false);
// A paid ticket whose current payment the payment context has refunded: its cancellation was
// cut short between the refund and its own commit (a crash, a failed commit). The cancellation
// it owes, or nothing when the ticket and its payment agree.
std::optional<decided<ticket, event_payload>> complete_refunded_cancellation(const ticket& t, const payment& p,
                                                                            instant now);
// An unpaid ticket: its current charge may still have been approved after its caller gave up,
// so cancelling it asks the payment context first.
bool awaiting_payment(const ticket& t);
// Rent takes a paid ticket of the same customer; return marks it used; a failed rent releases it.
// Another customer's ticket does not exist for them: the same answer as an unknown id.
error ticket_not_found(std::string_view id);
ticket_decision put_in_use(const ticket& t, const ids::customer_id& customer_id, const ids::rental_id& rental_id);
ticket_decision release_ticket(const ticket& t, const ids::rental_id& rental_id);
ticket_decision finish_ticket(const ticket& t, const ids::rental_id& rental_id);

}  // namespace ttareungyi::domain
