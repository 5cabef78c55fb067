#pragma once
// The setup before a run: an operator token, stations and bicycles, customers signed up and in,
// their paid tickets, and the readers' kept rentals, all through the server's own API.
#include <asio.hpp>

#include <functional>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http_client.hpp"
#include "options.hpp"
#include "requests.hpp"
#include "setup_data.hpp"

namespace ttareungyi::bench::load {

// A setup that cannot be done (exit status 1).
struct setup_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The body of `r` when it has `status`; a setup_failure naming `what` otherwise.
std::string expect(const http_response& r, int status, std::string_view what);

// The "id" of a JSON answer.
std::string id_of(const std::string& body);

// The "next" cursor of a list page's answer ({"items": [...], "next": "..."}), empty when it has
// none (the last page). Found by its key after the items, which stay unparsed: the load
// generator shares the server's cores, and a page of 1,000 items is long.
std::string next_of(std::string_view body);

// Runs jobs over a few connections on one thread; the first failure stops the phase.
class setup_runner {
 public:
  using job = std::function<asio::awaitable<void>(http_client&)>;

  setup_runner(asio::ip::tcp::endpoint target, int connections);

  // Runs `jobs` and reports on stderr how many were done, and how fast, as `what`.
  void run(const std::string& what, std::vector<job> jobs);

 private:
  asio::io_context io_;
  std::vector<std::unique_ptr<http_client>> clients_;
};

// Customers without a token sign in (password grant).
void sign_in(setup_runner& runner, const request_builder& rb, setup_data& s);

// A fresh setup for `o`: what its scenario needs (or everything, for --setup-only and
// --save-setup), with ids tagged by a random run tag.
setup_data create_setup(const options& o, setup_runner& runner, const request_builder& rb, std::mt19937_64& rng);

}  // namespace ttareungyi::bench::load
