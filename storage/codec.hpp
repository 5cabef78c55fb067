#pragma once
// Internal: the JSON encoding of aggregates and events. Times are integer milliseconds since
// the epoch, enums their domain names, absent optionals null. An event is its envelope (id,
// correlation_id, causation_id, at, version), its `type` (domain::type_name) and its fields
// in a nested `payload` object (nested because ticket_purchased has a field named `type`).
// Neither direction throws: failures come back as a message.
#include <expected>
#include <string>
#include <string_view>

#include "ttareungyi/domain/alert.hpp"
#include "ttareungyi/domain/customer.hpp"
#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/fleet.hpp"
#include "ttareungyi/domain/payment.hpp"
#include "ttareungyi/domain/ticket.hpp"
#include "ttareungyi/domain/views.hpp"
#include "ttareungyi/ports/idempotency.hpp"

namespace ttareungyi::storage::codec {

template <class T>
using outcome = std::expected<T, std::string>;

// Fails on text that is not valid UTF-8 and on non-finite coordinates.
outcome<std::string> encode(const domain::customer& c);
outcome<std::string> encode(const domain::ticket& t);
outcome<std::string> encode(const domain::payment& p);
outcome<std::string> encode(const domain::station& s);
outcome<std::string> encode(const domain::bicycle& b);
outcome<std::string> encode(const domain::rental& r);
outcome<std::string> encode(const domain::alert& a);
outcome<std::string> encode(const domain::event& e);
// The read side's records.
outcome<std::string> encode(const domain::notification& n);
outcome<std::string> encode(const domain::current_rental& r);
outcome<std::string> encode(const domain::station_count& c);

// Defined for customer, ticket, payment, station, bicycle, rental, alert, event, notification,
// current_rental and station_count.
template <class T>
outcome<T> decode(std::string_view bytes);

// An answer kept for an idempotency key: {fingerprint, status, headers:[[name, value]], body,
// kept_at}.
outcome<std::string> encode(const ports::kept_answer& a);
outcome<ports::kept_answer> decode_kept_answer(std::string_view bytes);

}  // namespace ttareungyi::storage::codec
