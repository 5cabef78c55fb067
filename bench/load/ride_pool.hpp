#pragma once
// The ride pool: paid tickets bought after the setup and before the run, so that a ride cycle is
// rent + return only (--ride-tickets setup).
#include <asio.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "options.hpp"
#include "requests.hpp"
#include "setup_data.hpp"

namespace ttareungyi::bench::load {

// Buys the pool --ride-pool asks for (or one sized for the scenario and the run's length),
// dealt round-robin over `owners` (each connection's rider). Returns each owner's tickets.
std::vector<std::vector<std::string>> buy_ride_pool(asio::ip::tcp::endpoint target, const options& o,
                                                    const request_builder& rb, const setup_data& s,
                                                    const std::vector<std::size_t>& owners);

}  // namespace ttareungyi::bench::load
