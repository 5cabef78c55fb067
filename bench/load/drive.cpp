// The drivers: each connection performs operation after operation, in the closed model (the
// next when the previous is answered) or the open one (at its slot in a fixed-rate schedule,
// its latency measured from that slot); a watchdog closes connections whose request outlived
// --timeout-ms.
#include "worker.hpp"

namespace ttareungyi::bench::load {

using asio::use_awaitable;

asio::awaitable<void> worker::drive(connection& c) {
  try {
    co_await drive_loop(c);
  } catch (const std::exception& ex) {
    count_error(true, std::string{"load generator: "} + ex.what());
  }
  c.done = true;
  --running_;
}

asio::awaitable<void> worker::drive_loop(connection& c) {
  auto& when = ctx_.when;
  asio::steady_timer timer{io_};
  timer.expires_at(when.start);
  co_await timer.async_wait(use_awaitable);
  const bool open = when.rate > 0;
  const auto interval = open ? std::chrono::duration<double>(1.0 / when.rate) : std::chrono::duration<double>(0);
  const bool mix = ctx_.o.scenario == "mix";
  const bool notify = ctx_.o.scenario == "notify";
  const bool cycle_tickets = ctx_.o.ride_tickets == "cycle";
  const std::string get_request = ctx_.rb.get(ctx_.o.path, ctx_.bare_bearer);
  for (;;) {
    steady::time_point intended;
    if (open) {
      auto i = when.next.fetch_add(1, std::memory_order_relaxed);
      intended = when.start + std::chrono::duration_cast<steady::duration>(interval * static_cast<double>(i));
      if (intended >= when.end) break;
      if (steady::now() < intended) {
        timer.expires_at(intended);
        co_await timer.async_wait(use_awaitable);
      } else if (steady::now() >= when.hard_stop) {
        // Far behind schedule: stop, and count what was scheduled but never sent.
        ++stats_.not_sent;
        continue;
      }
    } else {
      intended = steady::now();
      if (intended >= when.end) break;
    }
    const bool measured = intended >= when.measure_from;
    auto kind = choose();
    bool ok = false;
    if (kind == op_ride && !cycle_tickets && c.pool.empty() && !notify) {  // notify buys one inline
      if (mix) {
        kind = op_purchase;  // mix: buy now, ride later
      } else {
        ++stats_.pool_exhausted;
        auto at = std::chrono::duration<double>(steady::now() - when.measure_from).count();
        if (stats_.first_exhausted_at < 0 || at < stats_.first_exhausted_at) stats_.first_exhausted_at = at;
        break;
      }
    }
    switch (kind) {
      case op_read: ok = co_await read(c, measured); break;
      case op_purchase: {
        auto t = co_await purchase(c, measured);
        ok = t.has_value();
        if (t && mix) c.pool.push_back(std::move(*t));
        break;
      }
      case op_ride: ok = co_await ride(c, measured, cycle_tickets || c.pool.empty()); break;
      case op_list: ok = co_await list(c, measured); break;
      case op_get: {
        auto r = co_await send(c, rq_get, get_request, measured);
        ok = check(r, 200, rq_get, measured);
        break;
      }
      default: break;
    }
    if (measured) {
      stats_.last_done = steady::now();
      stats_.ops[kind].record(ns_since(intended));
      if (!ok) ++stats_.failed_ops[kind];
    }
  }
}

// Closes connections whose request outlived --timeout-ms; their exchange then fails. Once
// every connection is done, settles the notification streams.
asio::awaitable<void> worker::watchdog() {
  asio::steady_timer timer{io_};
  while (running_ > 0) {
    timer.expires_after(std::chrono::milliseconds{50});
    co_await timer.async_wait(use_awaitable);
    auto now = steady::now();
    for (auto& c : conns_) {
      if (!c->done && c->deadline < now) {
        c->timed_out = true;
        c->deadline = steady::time_point::max();
        c->http->close();
      }
    }
  }
  if (ctx_.o.scenario == "notify") co_await settle();
}

}  // namespace ttareungyi::bench::load
