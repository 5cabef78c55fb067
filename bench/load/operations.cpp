// The scenarios' operations, as one connection performs them: a read (of a current rental or
// a ticket), a purchase, a ride (rent + return), a page of the bicycle listing, and which of
// them comes next.
#include "setup.hpp"
#include "worker.hpp"

namespace ttareungyi::bench::load {

// --read-target current: a reader's current rental; ticket: one of any customer's tickets.
asio::awaitable<bool> worker::read(connection& c, bool measured) {
  const bool rental = ctx_.o.read_target == "current";
  const auto& group = rental ? c.readers : c.customers;
  const auto& who = ctx_.s.customers[group[rng_() % group.size()]];
  const auto kind = rental ? rq_read_rental : rq_read_ticket;
  auto path = rental ? std::string{"/v1/rentals/current"} : "/v1/tickets/" + who.tickets[rng_() % who.tickets.size()];
  auto r = co_await send(c, kind, ctx_.rb.get(path, who.token), measured);
  co_return check(r, 200, kind, measured);
}

// A paid ticket for the rider; its id.
asio::awaitable<std::optional<std::string>> worker::purchase(connection& c, bool measured) {
  const auto& who = ctx_.s.customers[c.rider];
  auto r = co_await send(c, rq_purchase, ctx_.rb.post_json("/v1/tickets", who.token, R"({"type":"1h"})"), measured);
  if (!check(r, 201, rq_purchase, measured)) co_return std::nullopt;
  co_return id_of(r->body);
}

// rent + return on the connection's next bicycle, with a pooled ticket (or one bought now).
// notify: each answer is paired with its notification.
asio::awaitable<bool> worker::ride(connection& c, bool measured, bool buy_inline) {
  std::optional<std::string> ticket;
  if (buy_inline) {
    ticket = co_await purchase(c, measured);
    if (!ticket) co_return false;
    if (measured) ++stats_.inline_purchases;
  } else {
    ticket = std::move(c.pool.back());
    c.pool.pop_back();
  }
  const auto& who = ctx_.s.customers[c.rider];
  const auto& bike = ctx_.s.bicycles[c.bicycles[c.next_bicycle++ % c.bicycles.size()]];
  json body{{"bicycleId", bike}, {"ticketId", *ticket}};
  auto rented = co_await send(c, rq_rent, ctx_.rb.post_json("/v1/rentals", who.token, body.dump()), measured);
  auto at = steady::now();
  if (!check(rented, 201, rq_rent, measured)) {
    // The bicycle was busy (e.g. left rented by an interrupted earlier run): the ticket is
    // still paid and goes back to the pool.
    if (rented && rented->status == 409 && rented->body.find("bicycle_unavailable") != std::string::npos && !buy_inline)
      c.pool.push_back(std::move(*ticket));
    co_return false;
  }
  auto rental = id_of(rented->body);
  if (c.stream) pair(c, nt_rented, rental, true, at, measured);
  const auto& station = ctx_.s.stations[rng_() % ctx_.s.stations.size()];
  json back{{"stationId", station}};
  auto returned = co_await send(c, rq_return,
                                ctx_.rb.post_json("/v1/rentals/" + rental + "/return", who.token, back.dump()), measured);
  at = steady::now();
  if (!check(returned, 200, rq_return, measured)) co_return false;
  if (c.stream) pair(c, nt_returned, rental, true, at, measured);
  co_return true;
}

// The next page of the connection's walk through GET /v1/bicycles (the first page when the walk
// is at its start); the page's `next` carries the walk on, its absence (the last page) or an
// answer other than 200 starts it over.
asio::awaitable<bool> worker::list(connection& c, bool measured) {
  const auto& who = ctx_.s.customers[c.customers.front()];
  auto path = "/v1/bicycles?limit=" + std::to_string(ctx_.o.page_size);
  if (!c.cursor.empty()) path += "&cursor=" + c.cursor;
  auto r = co_await send(c, rq_list, ctx_.rb.get(path, who.token), measured);
  if (!r) co_return false;  // a transport failure: the same page again
  const bool ok = check(r, 200, rq_list, measured);
  c.cursor = ok ? next_of(r->body) : std::string{};
  if (ok && c.cursor.empty() && measured) ++stats_.walks;
  co_return ok;
}

op_kind worker::choose() {
  const auto& sc = ctx_.o.scenario;
  if (sc == "read") return op_read;
  if (sc == "purchase") return op_purchase;
  if (sc == "ride" || sc == "notify") return op_ride;
  if (sc == "list") return op_list;
  if (sc == "get") return op_get;
  const auto& w = ctx_.o.mix;
  auto x = static_cast<int>(rng_() % static_cast<std::uint64_t>(w[0] + w[1] + w[2]));
  if (x < w[0]) return op_read;
  if (x < w[0] + w[1]) return op_purchase;
  return op_ride;
}

}  // namespace ttareungyi::bench::load
