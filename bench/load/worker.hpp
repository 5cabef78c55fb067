#pragma once
// A load generator thread: its own io_context with a share of the connections, each driving
// operations of the scenario (closed or open model, drive.cpp) with the requests of
// operations.cpp, a watchdog for timeouts, and for notify each rider's notification stream
// (notify.cpp).
#include <asio.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "../common/clock.hpp"
#include "http_client.hpp"
#include "options.hpp"
#include "requests.hpp"
#include "setup_data.hpp"
#include "sse.hpp"
#include "stats.hpp"

namespace ttareungyi::bench::load {

// When the run starts, when its measured window starts and ends, and (open model) the next
// operation's slot in the schedule, shared by every worker.
struct schedule {
  steady::time_point start, measure_from, end, hard_stop;
  double rate = 0;
  std::atomic<std::uint64_t> next{0};
};

// What every worker of a run reads.
struct run_context {
  const options& o;
  const setup_data& s;
  const request_builder& rb;
  schedule& when;
  std::string bare_bearer;  // get: a token-sized header, so requests weigh the same as reads
};

// One connection's state. Ticket reads pick any of `customers`, rental reads any of `readers`;
// purchases, rides and the notification stream are the rider's, with its tickets in `pool`;
// the bicycle listing is walked as the first of `customers`, from `cursor`.
struct connection {
  std::unique_ptr<http_client> http;
  std::vector<std::size_t> customers;
  std::vector<std::size_t> readers;
  std::size_t rider = 0;
  std::vector<std::string> pool;
  std::vector<std::size_t> bicycles;
  std::size_t next_bicycle = 0;
  std::string cursor;  // list: the next page's cursor; empty: the walk starts at the first page
  steady::time_point deadline = steady::time_point::max();
  bool timed_out = false;
  bool done = false;

  // notify: the rider's notification stream, on a connection of its own.
  std::unique_ptr<http_client> stream;
  sse_parser events;
  bool stream_opened = false;
  std::string stream_failure;  // why it could not open
  // A rent's (return's) HTTP answer or its notification, whichever came first, until the other.
  struct sighting {
    steady::time_point at;
    bool answer;    // else the notification
    bool measured;  // the ride was in the measured window (known from the answer)
  };
  std::unordered_map<std::string, sighting> unpaired;  // by notice name and rental id
  std::unordered_set<std::string> seen;                // notification ids
};

// A thread of the load generator, with its connections, its random numbers and its stats.
class worker {
 public:
  worker(run_context& ctx, asio::ip::tcp::endpoint target, std::uint64_t seed) : ctx_(ctx), target_(target), rng_(seed) {}

  connection& add();

  // Opens every connection; false if one fails.
  bool connect_all(std::string& error);

  // notify: opens each connection's notification stream and waits until all are open (they
  // then stay open until the run ends); false if one fails.
  bool open_streams(std::string& error);

  void run();

  stats& result() { return stats_; }

 private:
  static std::uint64_t ns_between(steady::time_point from, steady::time_point to) {
    auto d = to - from;
    return d.count() < 0 ? 0 : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  }
  static std::uint64_t ns_since(steady::time_point t) { return ns_between(t, steady::now()); }

  void count_error(bool measured, std::string key) { ++(measured ? stats_.errors : stats_.warmup_errors)[std::move(key)]; }

  // One request; records its service time. nullopt on a transport failure (counted).
  asio::awaitable<std::optional<http_response>> send(connection& c, req_kind kind, const std::string& request,
                                                     bool measured);
  // Whether `r` arrived with the `wanted` status; any other is counted as an error of `kind`.
  bool check(const std::optional<http_response>& r, int wanted, req_kind kind, bool measured);

  // The operations (operations.cpp).
  asio::awaitable<bool> read(connection& c, bool measured);
  asio::awaitable<std::optional<std::string>> purchase(connection& c, bool measured);
  asio::awaitable<bool> ride(connection& c, bool measured, bool buy_inline);
  asio::awaitable<bool> list(connection& c, bool measured);
  op_kind choose();

  // The notification streams (notify.cpp).
  void pair(connection& c, notice_kind kind, const std::string& rental, bool answer, steady::time_point at, bool measured);
  void notified(connection& c, const sse_event& e);
  asio::awaitable<void> listen(connection& c);
  void close_streams();
  asio::awaitable<void> settle();

  // The drivers (drive.cpp).
  asio::awaitable<void> drive(connection& c);
  asio::awaitable<void> drive_loop(connection& c);
  asio::awaitable<void> watchdog();

  run_context& ctx_;
  asio::ip::tcp::endpoint target_;
  asio::io_context io_;
  std::vector<std::unique_ptr<connection>> conns_;
  std::mt19937_64 rng_;
  stats stats_;
  std::size_t running_ = 0;
  bool stopping_ = false;  // notify: the streams are being closed
};

}  // namespace ttareungyi::bench::load
