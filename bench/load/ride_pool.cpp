#include "ride_pool.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "../common/clock.hpp"
#include "http_client.hpp"
#include "setup.hpp"

namespace ttareungyi::bench::load {

using asio::awaitable;

namespace {

// Buys up to `wanted` paid 1h tickets, dealt round-robin over `owners` (a customer per
// connection), within `time_box` seconds when it is not 0. Returns each owner's tickets.
std::vector<std::vector<std::string>> buy_tickets(asio::ip::tcp::endpoint target, const options& o, const request_builder& rb,
                                                  const setup_data& s, const std::vector<std::size_t>& owners,
                                                  std::size_t wanted, double time_box) {
  asio::io_context io;
  std::vector<std::unique_ptr<http_client>> clients;
  std::vector<std::vector<std::string>> out(owners.size());
  std::size_t next = 0, bought = 0;
  std::exception_ptr failure;
  const auto started = steady::now();
  const auto deadline = time_box > 0 ? started + seconds_as_duration(time_box)
                                     : steady::time_point::max();
  // As many connections as the run itself, so buying keeps pace with riding.
  for (int i = 0; i < std::max(o.setup_connections, o.connections); ++i) {
    clients.push_back(std::make_unique<http_client>(io, target));
    asio::co_spawn(
        io,
        [&, http = clients.back().get()]() -> awaitable<void> {
          while (next < wanted && !failure && steady::now() < deadline) {
            std::size_t slot = next++ % owners.size();
            auto r = co_await http->exchange(rb.post_json("/v1/tickets", s.customers[owners[slot]].token, R"({"type":"1h"})"));
            out[slot].push_back(id_of(expect(r, 201, "ride ticket")));
            ++bought;
          }
        },
        [&](std::exception_ptr e) {
          if (e && !failure) failure = e;
        });
  }
  io.run();
  if (failure) std::rethrow_exception(failure);
  std::fprintf(stderr, "setup: paid tickets for rides: %zu in %.1f s%s\n", bought, seconds_since(started),
               time_box > 0 ? " (time-boxed to the run's length)" : "");
  return out;
}

}  // namespace

std::vector<std::vector<std::string>> buy_ride_pool(asio::ip::tcp::endpoint target, const options& o,
                                                    const request_builder& rb, const setup_data& s,
                                                    const std::vector<std::size_t>& owners) {
  std::size_t wanted = 0;
  double time_box = 0;
  if (o.ride_pool > 0) {
    wanted = static_cast<std::size_t>(o.ride_pool);
  } else if (o.scenario == "mix") {
    wanted = 4 * static_cast<std::size_t>(o.connections);
  } else if (o.rate > 0) {
    wanted = static_cast<std::size_t>(o.rate * (o.warmup + o.duration) * 1.05) + static_cast<std::size_t>(o.connections);
  } else {
    wanted = 10'000'000;
    time_box = std::max(2.0, 1.25 * (o.warmup + o.duration));
  }
  return buy_tickets(target, o, rb, s, owners, wanted, time_box);
}

}  // namespace ttareungyi::bench::load
