// ttareungyi-load: drives a running ttareungyi server (or the bare reference server) over
// keep-alive HTTP/1.1 connections on the loopback interface and reports throughput, latency
// percentiles and errors.
//
//   setup     an operator token (client credentials), stations, bicycles, N customers signed up
//             with access tokens and paid tickets, the first of them (the readers) each keeping
//             a bicycle rented; or a setup file saved by an earlier run or written by
//             ttareungyi-bench-loader
//   scenario  read | ride | purchase | mix | notify | get, with a fixed number of connections,
//             closed (each connection sends its next operation when the previous one is
//             answered) or open (--rate: operations are scheduled at fixed intervals and latency
//             is measured from the intended send time, so a stalled server cannot hide its
//             queue: no coordinated omission). notify rides while each connection's customer
//             listens to its notification stream, and measures how long after the HTTP answer
//             of a rent or return its notification arrives
//   output    text, or JSON with --json; the warm-up is excluded from every figure
#include <asio.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "../common/histogram.hpp"
#include "http_client.hpp"
#include "sse.hpp"

namespace {

using namespace ttareungyi::bench;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;
using asio::awaitable;
using asio::use_awaitable;

// ------------------------------------------------------------------------------------ options

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string scenario = "read";
  double duration = 10;  // seconds measured
  double warmup = 2;     // seconds before, excluded
  int connections = 64;
  int threads = 1;
  double rate = 0;  // operations per second over all connections; 0: closed model
  int customers = 200;
  int reading_customers = -1;  // customers keeping a bicycle rented; -1: half of them
  std::string read_target = "current";  // current | ticket
  double notify_grace = 2;  // seconds to wait for late notifications after the run
  int stations = 10;
  int bicycles = 0;  // for rides; 0: enough for every connection
  int tickets_per_customer = 1;
  std::string ride_tickets = "setup";  // setup | cycle
  int ride_pool = 0;                   // tickets bought in setup for ride/mix; 0: automatic
  std::array<int, 3> mix{90, 5, 5};    // read, purchase, ride (weights)
  std::string operator_client;         // ID:SECRET
  std::string operator_file;
  std::string save_setup, load_setup;
  bool setup_only = false;
  int setup_connections = 16;
  std::string path = "/";  // for get
  int timeout_ms = 10'000;
  bool json_output = false;
  std::string json_file;
  std::string label;
  std::uint64_t seed = 0;
};

std::string usage() {
  return R"(usage: ttareungyi-load --port PORT [flags]
  --host H                 loopback only: 127.0.0.1 (default), localhost, ::1
  --port PORT              the server's port
  --scenario S             read | ride | purchase | mix | notify | get (default read)
  --duration SEC           measured time (default 10, at most 600)
  --warmup SEC             run before measuring, excluded from the figures (default 2, at most 120)
  --connections N          keep-alive connections (default 64, at most 4096)
  --threads N              load generator threads, each with its own connections (default 1)
  --rate R                 open model: R operations per second over all connections, latency
                           from the intended send time; 0 (default) is the closed model
  --timeout-ms N           per request; a timed-out connection is closed and reopened (default 10000)
  --read-target T          read and mix: current: GET /v1/rentals/current as one of the readers
                           (default); ticket: GET /v1/tickets/{id}, one of any customer's tickets
  --notify-grace SEC       notify: how long after the run to wait for notifications still due
                           before counting them missing (default 2)
setup
  --operator ID:SECRET     operator client (needed to create stations and bicycles)
  --operator-file PATH     the DATA_DIR/operator-client file of the server instead
  --customers N            customers signed up, each with an access token (default 200)
  --reading-customers N    of them, the readers: each keeps a bicycle rented (on a ticket of its
                           own) for `read` to find as its current rental (default: half). The
                           others are the riders: purchase, ride and notify use only them, one
                           per connection (notify needs a rider per connection)
  --tickets-per-customer N paid tickets bought per customer, the ones `read --read-target ticket`
                           reads (default 1)
  --stations N             (default 10)
  --bicycles N             bicycles for rides (default: 2 per connection, at least 20); one more
                           per reader is created for it to keep
  --ride-tickets setup|cycle  ride: tickets bought during setup, rent+return per cycle (default);
                           or cycle: each cycle buys its ticket first (purchase+rent+return)
  --ride-pool N            tickets bought in setup for ride/mix/notify, dealt over the
                           connections (each for its rider). Default with --rate: enough for
                           the run; for ride without --rate: as many as setup can buy in the
                           run's own time (1.25 x (warm-up + duration) on as many connections:
                           a cycle costs more than a purchase, so this lasts); for mix 4 per
                           connection (mix purchases refill it). A ride connection that runs
                           out stops early and the output says so; notify then buys each
                           ticket inside the cycle
  --mix R,P,D              mix weights of read, purchase, ride (default 90,5,5)
  --setup-connections N    connections used by the setup (default 16)
  --save-setup FILE        write the customers, tokens, tickets, stations and bicycles
  --load-setup FILE        reuse them (customers without a token sign in with their password)
  --setup-only             stop after the setup
output
  --json                   print JSON instead of text     --json-file FILE  also write it there
  --label TEXT             a name carried into the output
  --path P                 get: the path requested (default /)
  --seed N                 random seed (default: from the clock)
  --self-test              check the event-stream parser and exit
exit status: 0 done; 1 setup failed; 2 bad flags; 3 nothing succeeded or the transport failed;
4 notify: a notification missing or duplicated, or none at all
)";
}

template <class T>
T number(const std::string& flag, const std::string& text, T low, T high) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    throw std::invalid_argument(flag + " expects a number from " + std::to_string(low) + " to " +
                                std::to_string(high) + ", got '" + text + "'");
  return value;
}

options parse(int argc, char** argv) {
  options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(flag + " needs a value");
      return args[++i];
    };
    if (flag == "--help" || flag == "-h") {
      std::cout << usage();
      std::exit(0);
    } else if (flag == "--host") o.host = value();
    else if (flag == "--port") o.port = number<std::uint16_t>(flag, value(), 1, 65535);
    else if (flag == "--scenario") o.scenario = value();
    else if (flag == "--duration") o.duration = number<double>(flag, value(), 0.1, 600);
    else if (flag == "--warmup") o.warmup = number<double>(flag, value(), 0, 120);
    else if (flag == "--connections") o.connections = number<int>(flag, value(), 1, 4096);
    else if (flag == "--threads") o.threads = number<int>(flag, value(), 1, 64);
    else if (flag == "--rate") o.rate = number<double>(flag, value(), 0, 10'000'000);
    else if (flag == "--timeout-ms") o.timeout_ms = number<int>(flag, value(), 10, 600'000);
    else if (flag == "--operator") o.operator_client = value();
    else if (flag == "--operator-file") o.operator_file = value();
    else if (flag == "--customers") o.customers = number<int>(flag, value(), 1, 100'000);
    else if (flag == "--reading-customers") o.reading_customers = number<int>(flag, value(), 0, 100'000);
    else if (flag == "--read-target") o.read_target = value();
    else if (flag == "--notify-grace") o.notify_grace = number<double>(flag, value(), 0, 60);
    else if (flag == "--tickets-per-customer") o.tickets_per_customer = number<int>(flag, value(), 1, 1000);
    else if (flag == "--stations") o.stations = number<int>(flag, value(), 1, 10'000);
    else if (flag == "--bicycles") o.bicycles = number<int>(flag, value(), 1, 1'000'000);
    else if (flag == "--ride-tickets") o.ride_tickets = value();
    else if (flag == "--ride-pool") o.ride_pool = number<int>(flag, value(), 1, 10'000'000);
    else if (flag == "--mix") {
      auto text = value();
      std::array<int, 3> w{};
      std::istringstream in{text};
      std::string part;
      for (std::size_t k = 0; k < 3; ++k) {
        if (!std::getline(in, part, ',')) throw std::invalid_argument("--mix expects three weights R,P,D");
        w[k] = number<int>("--mix", part, 0, 1'000'000);
      }
      if (w[0] + w[1] + w[2] == 0) throw std::invalid_argument("--mix weights must not all be 0");
      o.mix = w;
    } else if (flag == "--setup-connections") o.setup_connections = number<int>(flag, value(), 1, 256);
    else if (flag == "--save-setup") o.save_setup = value();
    else if (flag == "--load-setup") o.load_setup = value();
    else if (flag == "--setup-only") o.setup_only = true;
    else if (flag == "--path") o.path = value();
    else if (flag == "--json") o.json_output = true;
    else if (flag == "--json-file") o.json_file = value();
    else if (flag == "--label") o.label = value();
    else if (flag == "--seed") o.seed = number<std::uint64_t>(flag, value(), 0, ~std::uint64_t{0});
    else throw std::invalid_argument("unknown flag '" + flag + "'");
  }
  if (o.port == 0) throw std::invalid_argument("--port is required");
  static const std::set<std::string> scenarios{"read", "ride", "purchase", "mix", "notify", "get"};
  if (!scenarios.contains(o.scenario)) throw std::invalid_argument("unknown --scenario '" + o.scenario + "'");
  if (o.read_target != "current" && o.read_target != "ticket") throw std::invalid_argument("--read-target is current or ticket");
  if (o.reading_customers > o.customers) throw std::invalid_argument("--reading-customers exceeds --customers");
  if (o.ride_tickets != "setup" && o.ride_tickets != "cycle")
    throw std::invalid_argument("--ride-tickets is setup or cycle");
  if (o.threads > o.connections) o.threads = o.connections;
  if (o.seed == 0) o.seed = static_cast<std::uint64_t>(steady::now().time_since_epoch().count());
  return o;
}

// ------------------------------------------------------------------------------ the target

asio::ip::tcp::endpoint loopback_endpoint(const std::string& host, std::uint16_t port) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver{io};
  for (const auto& entry : resolver.resolve(host, std::to_string(port))) {
    if (entry.endpoint().address().is_loopback()) return entry.endpoint();
  }
  throw std::invalid_argument("--host " + host + " is not a loopback address; this tool only loads this machine");
}

std::string base64(std::string_view in) {
  static constexpr char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += table[v >> 6 & 63];
    out += table[v & 63];
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += table[v >> 18 & 63];
    out += table[v >> 12 & 63];
    out += table[v >> 6 & 63];
    out += '=';
  }
  return out;
}

class request_builder {
 public:
  explicit request_builder(const options& o) {
    bool v6 = o.host.find(':') != std::string::npos;
    host_line_ = "Host: " + (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port) + "\r\n";
  }
  std::string get(std::string_view path, std::string_view bearer, std::string_view extra_headers = {}) const {
    std::string r;
    r.reserve(128 + path.size() + bearer.size() + extra_headers.size());
    r.append("GET ").append(path).append(" HTTP/1.1\r\n").append(host_line_);
    if (!bearer.empty()) r.append("Authorization: Bearer ").append(bearer).append("\r\n");
    r.append(extra_headers).append("\r\n");
    return r;
  }
  std::string post(std::string_view path, std::string_view bearer, std::string_view content_type, std::string_view body,
                   std::string_view extra_headers = {}) const {
    std::string r;
    r.reserve(192 + path.size() + bearer.size() + body.size());
    r.append("POST ").append(path).append(" HTTP/1.1\r\n").append(host_line_);
    if (!bearer.empty()) r.append("Authorization: Bearer ").append(bearer).append("\r\n");
    r.append(extra_headers);
    r.append("Content-Type: ").append(content_type).append("\r\nContent-Length: ");
    r.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return r;
  }
  std::string post_json(std::string_view path, std::string_view bearer, const std::string& body) const {
    return post(path, bearer, "application/json", body);
  }

 private:
  std::string host_line_;
};

// --------------------------------------------------------------------------------- setup data

struct customer {
  std::string id, phone, password, token;
  std::vector<std::string> tickets;  // paid, for reads; never ridden
  std::string rental, rental_bicycle;  // a reader's rental, kept active for `read`
  bool reader() const { return !rental.empty(); }
};

struct setup_data {
  std::string run_tag;
  std::vector<std::string> stations;
  std::vector<std::string> bicycles;  // for rides (the readers' bicycles are theirs)
  std::vector<customer> customers;
};

json to_json(const setup_data& s) {
  json cs = json::array();
  for (const auto& c : s.customers) {
    json x{{"id", c.id}, {"phone", c.phone}, {"password", c.password}, {"token", c.token}, {"tickets", c.tickets}};
    if (c.reader()) x["rental"] = {{"id", c.rental}, {"bicycleId", c.rental_bicycle}};
    cs.push_back(std::move(x));
  }
  return {{"version", 2}, {"runTag", s.run_tag}, {"stations", s.stations}, {"bicycles", s.bicycles}, {"customers", cs}};
}

setup_data setup_from_json(const json& j) {
  setup_data s;
  s.run_tag = j.value("runTag", "");
  s.stations = j.at("stations").get<std::vector<std::string>>();
  s.bicycles = j.at("bicycles").get<std::vector<std::string>>();
  for (const auto& c : j.at("customers")) {
    customer x;
    x.id = c.value("id", "");
    x.phone = c.at("phone").get<std::string>();
    x.password = c.at("password").get<std::string>();
    x.token = c.value("token", "");
    x.tickets = c.value("tickets", std::vector<std::string>{});
    if (c.contains("rental")) {
      x.rental = c["rental"].at("id").get<std::string>();
      x.rental_bicycle = c["rental"].value("bicycleId", "");
    }
    s.customers.push_back(std::move(x));
  }
  return s;
}

struct setup_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string expect(const http_response& r, int status, std::string_view what) {
  if (r.status != status)
    throw setup_failure(std::string{what} + ": expected " + std::to_string(status) + ", got " + std::to_string(r.status) +
                        " " + r.body.substr(0, 300));
  return r.body;
}

double seconds_since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

// Runs jobs over a few connections on one thread; the first failure stops the phase.
class setup_runner {
 public:
  using job = std::function<awaitable<void>(http_client&)>;

  setup_runner(asio::ip::tcp::endpoint target, int connections) {
    for (int i = 0; i < connections; ++i) clients_.push_back(std::make_unique<http_client>(io_, target));
  }

  void run(const std::string& what, std::vector<job> jobs) {
    if (jobs.empty()) return;
    auto started = steady::now();
    std::size_t next = 0;
    std::exception_ptr failure;
    for (auto& c : clients_) {
      asio::co_spawn(
          io_,
          [&, client = c.get()]() -> awaitable<void> {
            while (next < jobs.size() && !failure) {
              auto& j = jobs[next++];
              co_await j(*client);
            }
          },
          [&](std::exception_ptr e) {
            if (e && !failure) failure = e;
          });
    }
    io_.restart();
    io_.run();
    if (failure) std::rethrow_exception(failure);
    std::fprintf(stderr, "setup: %s: %zu in %.1f s\n", what.c_str(), jobs.size(), seconds_since(started));
  }

 private:
  asio::io_context io_;
  std::vector<std::unique_ptr<http_client>> clients_;
};

std::string random_tag(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string tag;
  for (int i = 0; i < 6; ++i) tag += hex[rng() % 16];
  return tag;
}

std::string operator_credentials(const options& o) {
  if (!o.operator_client.empty()) return o.operator_client;
  if (!o.operator_file.empty()) {
    std::ifstream in{o.operator_file};
    std::string line;
    if (!std::getline(in, line)) throw setup_failure("cannot read " + o.operator_file);
    return line;
  }
  throw setup_failure("creating stations and bicycles needs --operator ID:SECRET or --operator-file PATH");
}

std::string id_of(const std::string& body) { return json::parse(body).at("id").get<std::string>(); }

// Customers without a token sign in (password grant).
void sign_in(setup_runner& runner, const request_builder& rb, setup_data& s) {
  std::vector<setup_runner::job> jobs;
  for (auto& c : s.customers) {
    if (!c.token.empty()) continue;
    jobs.push_back([&rb, &c](http_client& http) -> awaitable<void> {
      auto form = "grant_type=password&username=" + c.phone + "&password=" + c.password;
      auto r = co_await http.exchange(rb.post("/oauth2/token", "", "application/x-www-form-urlencoded", form));
      c.token = json::parse(expect(r, 200, "sign-in of " + c.phone)).at("access_token").get<std::string>();
    });
  }
  runner.run("customers signed in", std::move(jobs));
}

setup_data create_setup(const options& o, setup_runner& runner, const request_builder& rb, std::mt19937_64& rng) {
  setup_data s;
  s.run_tag = random_tag(rng);
  const bool reads_rentals = (o.scenario == "read" || o.scenario == "mix") && o.read_target == "current";
  const bool needs_fleet = reads_rentals || o.scenario == "ride" || o.scenario == "mix" || o.scenario == "notify" ||
                           o.setup_only || !o.save_setup.empty();
  const int readers = !needs_fleet ? 0 : o.reading_customers >= 0 ? o.reading_customers : o.customers / 2;
  const int ride_bicycles = o.bicycles > 0 ? o.bicycles : std::max(20, 2 * o.connections);
  const int bicycles = ride_bicycles + readers;
  std::string op_token;

  if (needs_fleet) {
    auto credentials = operator_credentials(o);
    std::vector<setup_runner::job> one;
    one.push_back([&](http_client& http) -> awaitable<void> {
      auto r = co_await http.exchange(rb.post("/oauth2/token", "", "application/x-www-form-urlencoded",
                                              "grant_type=client_credentials",
                                              "Authorization: Basic " + base64(credentials) + "\r\n"));
      op_token = json::parse(expect(r, 200, "operator token")).at("access_token").get<std::string>();
    });
    runner.run("operator token", std::move(one));

    s.stations.resize(o.stations);
    std::vector<setup_runner::job> jobs;
    for (int i = 0; i < o.stations; ++i) {
      jobs.push_back([&, i](http_client& http) -> awaitable<void> {
        json body{{"id", "bench-" + s.run_tag + "-s" + std::to_string(i)},
                  {"name", "bench station " + std::to_string(i)},
                  {"lat", 37.55 + 0.001 * i},
                  {"lon", 126.91 + 0.001 * i},
                  {"capacity", std::max(50, 2 * (bicycles / o.stations + 1))}};
        auto r = co_await http.exchange(rb.post_json("/v1/stations", op_token, body.dump()));
        s.stations[i] = id_of(expect(r, 201, "station"));
      });
    }
    runner.run("stations", std::move(jobs));

    s.bicycles.resize(bicycles);
    jobs.clear();
    for (int i = 0; i < bicycles; ++i) {
      jobs.push_back([&, i](http_client& http) -> awaitable<void> {
        json body{{"id", "bench-" + s.run_tag + "-b" + std::to_string(i)}, {"stationId", s.stations[i % s.stations.size()]}};
        auto r = co_await http.exchange(rb.post_json("/v1/bicycles", op_token, body.dump()));
        s.bicycles[i] = id_of(expect(r, 201, "bicycle"));
      });
    }
    runner.run("bicycles", std::move(jobs));
  }

  // Customers: phone numbers 010-XXXX-XXXX from a random base, so that a reused server does not
  // refuse them as taken.
  s.customers.resize(o.customers);
  const std::uint64_t base = rng() % 90'000'000 + 5'000'000;
  std::vector<setup_runner::job> jobs;
  for (int i = 0; i < o.customers; ++i) {
    jobs.push_back([&, i](http_client& http) -> awaitable<void> {
      auto& c = s.customers[i];
      char phone[16];
      std::snprintf(phone, sizeof phone, "010%08llu", static_cast<unsigned long long>((base + i) % 100'000'000));
      c.phone = phone;
      c.password = "bench-pass-" + s.run_tag + "1";
      json body{{"phone", c.phone}, {"password", c.password}, {"name", "Bench " + std::to_string(i)}};
      auto r = co_await http.exchange(rb.post_json("/v1/customers", "", body.dump()));
      c.id = id_of(expect(r, 201, "sign-up of " + c.phone));
    });
  }
  runner.run("customers signed up", std::move(jobs));
  sign_in(runner, rb, s);

  jobs.clear();
  for (auto& c : s.customers) {
    for (int k = 0; k < o.tickets_per_customer; ++k) {
      jobs.push_back([&rb, &c](http_client& http) -> awaitable<void> {
        auto r = co_await http.exchange(rb.post_json("/v1/tickets", c.token, R"({"type":"1h"})"));
        c.tickets.push_back(id_of(expect(r, 201, "ticket")));
      });
    }
  }
  runner.run("paid tickets for reads", std::move(jobs));

  // The readers: each rents one of the bicycles beyond the ride fleet, on a ticket of its own,
  // and keeps it.
  jobs.clear();
  for (int i = 0; i < readers; ++i) {
    jobs.push_back([&rb, &c = s.customers[i], bike = s.bicycles[ride_bicycles + i]](http_client& http) -> awaitable<void> {
      auto t = co_await http.exchange(rb.post_json("/v1/tickets", c.token, R"({"type":"1h"})"));
      json body{{"bicycleId", bike}, {"ticketId", id_of(expect(t, 201, "a reader's ticket"))}};
      auto r = co_await http.exchange(rb.post_json("/v1/rentals", c.token, body.dump()));
      c.rental = id_of(expect(r, 201, "a reader's rental"));
      c.rental_bicycle = bike;
    });
  }
  runner.run("readers' rentals", std::move(jobs));
  if (needs_fleet) s.bicycles.resize(ride_bicycles);
  return s;
}

// ------------------------------------------------------------------------------- the scenario

enum op_kind : std::size_t { op_read, op_purchase, op_ride, op_get, op_kinds };
constexpr std::array<const char*, op_kinds> op_names{"read", "purchase", "ride", "get"};
enum req_kind : std::size_t { rq_read_ticket, rq_read_rental, rq_purchase, rq_rent, rq_return, rq_get, rq_kinds };
constexpr std::array<const char*, rq_kinds> req_names{"GET /v1/tickets/{id}", "GET /v1/rentals/current",
                                                      "POST /v1/tickets",     "POST /v1/rentals",
                                                      "POST /v1/rentals/{id}/return", "GET path"};
// notify: the notifications awaited, one per rent and one per return, by the rental's id.
enum notice_kind : std::size_t { nt_rented, nt_returned, nt_kinds };
constexpr std::array<const char*, nt_kinds> notice_names{"bicycle_rented", "bicycle_returned"};

struct notify_stats {
  std::array<histogram, nt_kinds> delay;  // from the rent's (return's) HTTP answer to its notification
  std::uint64_t missing = 0;        // answered in the window, still not notified after the grace
  std::uint64_t duplicates = 0;     // a notification id seen twice, or a rent (return) notified twice
  std::uint64_t before_answer = 0;  // notified before the HTTP answer arrived (recorded as 0)
  std::uint64_t unmatched = 0;      // notified, but no HTTP answer seen (e.g. it timed out)

  void merge(const notify_stats& o) {
    for (std::size_t i = 0; i < nt_kinds; ++i) delay[i].merge(o.delay[i]);
    missing += o.missing;
    duplicates += o.duplicates;
    before_answer += o.before_answer;
    unmatched += o.unmatched;
  }
};

struct stats {
  std::array<histogram, op_kinds> ops;       // from the intended (open) or actual (closed) start
  std::array<histogram, rq_kinds> requests;  // service time: from the request's own send
  std::array<std::uint64_t, op_kinds> failed_ops{};
  std::map<std::string, std::uint64_t> errors;         // in the measured window
  std::map<std::string, std::uint64_t> warmup_errors;  // before it
  std::uint64_t inline_purchases = 0;                  // ride cycles that bought their ticket
  std::uint64_t not_sent = 0;                          // open model: scheduled, never sent
  std::uint64_t pool_exhausted = 0;                    // connections stopped: no tickets left
  double first_exhausted_at = -1;                      // seconds into the measured window
  steady::time_point last_done{};                      // the last measured operation's end
  notify_stats notices;

  void merge(const stats& o) {
    for (std::size_t i = 0; i < op_kinds; ++i) {
      ops[i].merge(o.ops[i]);
      failed_ops[i] += o.failed_ops[i];
    }
    for (std::size_t i = 0; i < rq_kinds; ++i) requests[i].merge(o.requests[i]);
    for (const auto& [k, v] : o.errors) errors[k] += v;
    for (const auto& [k, v] : o.warmup_errors) warmup_errors[k] += v;
    inline_purchases += o.inline_purchases;
    not_sent += o.not_sent;
    pool_exhausted += o.pool_exhausted;
    if (o.first_exhausted_at >= 0 && (first_exhausted_at < 0 || o.first_exhausted_at < first_exhausted_at))
      first_exhausted_at = o.first_exhausted_at;
    last_done = std::max(last_done, o.last_done);
    notices.merge(o.notices);
  }
};

struct schedule {
  steady::time_point start, measure_from, end, hard_stop;
  double rate = 0;
  std::atomic<std::uint64_t> next{0};
};

struct run_context {
  const options& o;
  const setup_data& s;
  const request_builder& rb;
  schedule& when;
  std::string bare_bearer;  // get: a token-sized header, so requests weigh the same as reads
};

// One connection's state. Ticket reads pick any of `customers`, rental reads any of `readers`;
// purchases, rides and the notification stream are the rider's, with its tickets in `pool`.
struct connection {
  std::unique_ptr<http_client> http;
  std::vector<std::size_t> customers;
  std::vector<std::size_t> readers;
  std::size_t rider = 0;
  std::vector<std::string> pool;
  std::vector<std::size_t> bicycles;
  std::size_t next_bicycle = 0;
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

class worker {
 public:
  worker(run_context& ctx, asio::ip::tcp::endpoint target, std::uint64_t seed) : ctx_(ctx), target_(target), rng_(seed) {}

  connection& add() {
    conns_.push_back(std::make_unique<connection>());
    conns_.back()->http = std::make_unique<http_client>(io_, target_);
    return *conns_.back();
  }

  // Opens every connection; false if one fails.
  bool connect_all(std::string& error) {
    bool ok = true;
    for (auto& c : conns_) {
      asio::co_spawn(io_, c->http->connect(), [&](std::exception_ptr e) {
        if (e && ok) {
          ok = false;
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            error = ex.what();
          }
        }
      });
    }
    io_.restart();
    io_.run();
    return ok;
  }

  // notify: opens each connection's notification stream and waits until all are open (they
  // then stay open until the run ends); false if one fails.
  bool open_streams(std::string& error) {
    io_.restart();
    for (auto& c : conns_) {
      c->stream = std::make_unique<http_client>(io_, target_);
      asio::co_spawn(io_, listen(*c), asio::detached);
    }
    auto opening = [&] {
      return std::ranges::any_of(conns_, [](const auto& c) { return !c->stream_opened && c->stream_failure.empty(); });
    };
    auto deadline = steady::now() + std::chrono::milliseconds{ctx_.o.timeout_ms};
    while (opening() && io_.run_one_until(deadline) > 0) {
    }
    for (auto& c : conns_) {
      if (c->stream_opened) continue;
      error = c->stream_failure.empty() ? "a notification stream did not open within --timeout-ms" : c->stream_failure;
      close_streams();
      io_.run();  // lets the streams end
      return false;
    }
    return true;
  }

  void run() {
    running_ = conns_.size();
    for (auto& c : conns_) asio::co_spawn(io_, drive(*c), asio::detached);
    asio::co_spawn(io_, watchdog(), asio::detached);
    io_.restart();
    io_.run();
  }

  stats& result() { return stats_; }

 private:
  static std::uint64_t ns_between(steady::time_point from, steady::time_point to) {
    auto d = to - from;
    return d.count() < 0 ? 0 : static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
  }
  static std::uint64_t ns_since(steady::time_point t) { return ns_between(t, steady::now()); }

  void count_error(bool measured, std::string key) { ++(measured ? stats_.errors : stats_.warmup_errors)[std::move(key)]; }

  // One request; records its service time. nullopt on a transport failure (counted).
  awaitable<std::optional<http_response>> send(connection& c, req_kind kind, const std::string& request, bool measured) {
    auto sent = steady::now();
    c.deadline = sent + std::chrono::milliseconds{ctx_.o.timeout_ms};
    c.timed_out = false;
    std::optional<http_response> r;
    std::string failure;
    try {
      r = co_await c.http->exchange(request);
    } catch (const std::exception& ex) {
      failure = c.timed_out ? "timeout" : std::string{"transport: "} + ex.what();
    }
    c.deadline = steady::time_point::max();
    if (!r) {
      count_error(measured, std::move(failure));
      c.http->close();
      asio::steady_timer pause{io_, std::chrono::milliseconds{10}};
      co_await pause.async_wait(use_awaitable);
      co_return std::nullopt;
    }
    if (measured) stats_.requests[kind].record(ns_since(sent));
    co_return r;
  }

  bool check(const std::optional<http_response>& r, int wanted, req_kind kind, bool measured) {
    if (!r) return false;
    if (r->status == wanted) return true;
    std::string key = std::to_string(r->status) + " " + req_names[kind];
    if (r->status >= 400) {
      try {
        auto code = json::parse(r->body).value("code", "");
        if (!code.empty()) key += " (" + code + ")";
      } catch (...) {
      }
    }
    count_error(measured, std::move(key));
    return false;
  }

  // --read-target current: a reader's current rental; ticket: one of any customer's tickets.
  awaitable<bool> read(connection& c, bool measured) {
    const bool rental = ctx_.o.read_target == "current";
    const auto& group = rental ? c.readers : c.customers;
    const auto& who = ctx_.s.customers[group[rng_() % group.size()]];
    const auto kind = rental ? rq_read_rental : rq_read_ticket;
    auto path = rental ? std::string{"/v1/rentals/current"} : "/v1/tickets/" + who.tickets[rng_() % who.tickets.size()];
    auto r = co_await send(c, kind, ctx_.rb.get(path, who.token), measured);
    co_return check(r, 200, kind, measured);
  }

  // A paid ticket for the rider; its id.
  awaitable<std::optional<std::string>> purchase(connection& c, bool measured) {
    const auto& who = ctx_.s.customers[c.rider];
    auto r = co_await send(c, rq_purchase, ctx_.rb.post_json("/v1/tickets", who.token, R"({"type":"1h"})"), measured);
    if (!check(r, 201, rq_purchase, measured)) co_return std::nullopt;
    co_return id_of(r->body);
  }

  // rent + return on the connection's next bicycle, with a pooled ticket (or one bought now).
  // notify: each answer is paired with its notification.
  awaitable<bool> ride(connection& c, bool measured, bool buy_inline) {
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

  // notify: one half of a pair (a rent's or return's HTTP answer, or its notification) was seen
  // `at`. The second half records the delay from the answer to the notification: 0 when the
  // notification came first.
  void pair(connection& c, notice_kind kind, const std::string& rental, bool answer, steady::time_point at, bool measured) {
    auto [first, fresh] = c.unpaired.try_emplace(std::string{notice_names[kind]} + ' ' + rental,
                                                 connection::sighting{at, answer, measured});
    if (fresh) return;
    if (first->second.answer == answer) {  // a second notification of the same rent or return
      if (measured) ++stats_.notices.duplicates;
      return;
    }
    const auto answered = answer ? at : first->second.at;
    const auto notified = answer ? first->second.at : at;
    if (answer ? measured : first->second.measured) {
      stats_.notices.delay[kind].record(ns_between(answered, notified));
      if (notified < answered) ++stats_.notices.before_answer;
    }
    c.unpaired.erase(first);
  }

  // notify: an event arrived on c's stream.
  void notified(connection& c, const sse_event& e) {
    const auto at = steady::now();
    const bool measured = at >= ctx_.when.measure_from;
    json item;
    try {
      item = json::parse(e.data);
    } catch (const std::exception&) {
      count_error(measured, "notification stream: data that is not JSON");
      return;
    }
    const auto kind = item.value("kind", e.type);
    std::size_t k = 0;
    while (k < nt_kinds && kind != notice_names[k]) ++k;
    if (k == nt_kinds) return;  // a ticket's notification
    if (!c.seen.insert(item.contains("id") ? item["id"].dump() : e.id).second) {
      if (measured) ++stats_.notices.duplicates;
      return;
    }
    pair(c, static_cast<notice_kind>(k), item.value("correlationId", ""), false, at, measured);
  }

  // notify: the rider's notification stream, from after the newest notification stored (so
  // that earlier runs' rides are not replayed) until the run ends. A stream that breaks after
  // it opened is counted as an error and resumed with Last-Event-ID.
  awaitable<void> listen(connection& c) {
    const auto& who = ctx_.s.customers[c.rider];
    try {
      auto r = co_await c.stream->exchange(ctx_.rb.get("/v1/notifications?limit=1", who.token));
      if (r.status != 200) throw std::runtime_error(std::to_string(r.status) + " " + r.body.substr(0, 200));
      const auto items = json::parse(r.body).at("items");
      c.events.resume_from(items.empty() ? "0" : std::to_string(items.at(0).at("sequence").get<std::uint64_t>()));
    } catch (const std::exception& ex) {
      c.stream_failure = std::string{"GET /v1/notifications?limit=1: "} + ex.what();
      co_return;
    }
    while (!stopping_) {
      int status = 0;
      std::string failure;
      try {
        co_await c.stream->stream(
            ctx_.rb.get("/v1/notifications/stream", who.token,
                        "Accept: text/event-stream\r\nLast-Event-ID: " + c.events.last_id() + "\r\n"),
            [&](int s) {
              status = s;
              c.stream_opened = c.stream_opened || s == 200;
            },
            [&](std::string_view bytes) {
              if (status == 200)
                c.events.feed(bytes, [&](const sse_event& e) { notified(c, e); });
              else if (failure.size() < 200)
                failure.append(bytes.substr(0, 200));
            });
        failure = status == 200 ? "ended by the server" : "answered " + std::to_string(status) + " " + failure;
      } catch (const std::exception& ex) {
        failure = ex.what();
      }
      c.stream->close();
      if (stopping_) break;
      if (!c.stream_opened) {
        c.stream_failure = "GET /v1/notifications/stream: " + failure;
        co_return;
      }
      count_error(steady::now() >= ctx_.when.measure_from, "notification stream: " + failure + " (resumed)");
      asio::steady_timer pause{io_, std::chrono::milliseconds{10}};
      co_await pause.async_wait(use_awaitable);
    }
  }

  void close_streams() {
    stopping_ = true;
    for (auto& c : conns_)
      if (c->stream) c->stream->close();
  }

  // notify, after the run: waits up to --notify-grace for the notifications still due, closes
  // the streams, and counts what is left unpaired.
  awaitable<void> settle() {
    auto due = [&] {
      for (auto& c : conns_)
        for (const auto& [key, half] : c->unpaired)
          if (half.answer) return true;
      return false;
    };
    asio::steady_timer timer{io_};
    const auto deadline = steady::now() + std::chrono::duration_cast<steady::duration>(
                                              std::chrono::duration<double>(ctx_.o.notify_grace));
    while (due() && steady::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds{5});
      co_await timer.async_wait(use_awaitable);
    }
    close_streams();
    for (auto& c : conns_) {
      for (const auto& [key, half] : c->unpaired) {
        if (!half.answer) ++stats_.notices.unmatched;
        else if (half.measured) ++stats_.notices.missing;
      }
    }
  }

  op_kind choose() {
    const auto& sc = ctx_.o.scenario;
    if (sc == "read") return op_read;
    if (sc == "purchase") return op_purchase;
    if (sc == "ride" || sc == "notify") return op_ride;
    if (sc == "get") return op_get;
    const auto& w = ctx_.o.mix;
    auto x = static_cast<int>(rng_() % static_cast<std::uint64_t>(w[0] + w[1] + w[2]));
    if (x < w[0]) return op_read;
    if (x < w[0] + w[1]) return op_purchase;
    return op_ride;
  }

  awaitable<void> drive(connection& c) {
    try {
      co_await drive_loop(c);
    } catch (const std::exception& ex) {
      count_error(true, std::string{"load generator: "} + ex.what());
    }
    c.done = true;
    --running_;
  }

  awaitable<void> drive_loop(connection& c) {
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
  awaitable<void> watchdog() {
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

  run_context& ctx_;
  asio::ip::tcp::endpoint target_;
  asio::io_context io_;
  std::vector<std::unique_ptr<connection>> conns_;
  std::mt19937_64 rng_;
  stats stats_;
  std::size_t running_ = 0;
  bool stopping_ = false;  // notify: the streams are being closed
};

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
  const auto deadline = time_box > 0 ? started + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(time_box))
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

// ------------------------------------------------------------------------------------ output

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

json latency_json(const histogram& h) {
  return {{"count", h.count()},         {"min", ms(h.min())},           {"mean", h.mean() / 1e6},
          {"p50", ms(h.quantile(0.5))}, {"p90", ms(h.quantile(0.9))},   {"p99", ms(h.quantile(0.99))},
          {"p999", ms(h.quantile(0.999))}, {"max", ms(h.max())}};
}

json report_json(const options& o, const stats& st, double measured_seconds, const std::string& ticket_source,
                 std::size_t pool_size) {
  // measured_seconds: from the window's start until the last measured operation finished.
  json j;
  j["label"] = o.label;
  j["scenario"] = o.scenario;
  j["target"] = o.host + ":" + std::to_string(o.port);
  j["connections"] = o.connections;
  j["threads"] = o.threads;
  j["model"] = o.rate > 0 ? "open" : "closed";
  j["rate"] = o.rate;
  j["durationSeconds"] = o.duration;
  j["elapsedSeconds"] = measured_seconds;
  j["warmupSeconds"] = o.warmup;
  std::uint64_t ops = 0, failed = 0;
  histogram all;
  json by_op = json::object();
  for (std::size_t k = 0; k < op_kinds; ++k) {
    if (st.ops[k].count() == 0) continue;
    ops += st.ops[k].count();
    failed += st.failed_ops[k];
    all.merge(st.ops[k]);
    by_op[op_names[k]] = latency_json(st.ops[k]);
    by_op[op_names[k]]["perSecond"] = static_cast<double>(st.ops[k].count()) / measured_seconds;
    by_op[op_names[k]]["failed"] = st.failed_ops[k];
  }
  std::uint64_t requests = 0;
  json by_request = json::object();
  for (std::size_t k = 0; k < rq_kinds; ++k) {
    if (st.requests[k].count() == 0) continue;
    requests += st.requests[k].count();
    by_request[req_names[k]] = latency_json(st.requests[k]);
  }
  j["operations"] = ops;
  j["failedOperations"] = failed;
  j["throughput"] = static_cast<double>(ops - failed) / measured_seconds;  // successful ops/s
  j["operationsPerSecond"] = static_cast<double>(ops) / measured_seconds;
  j["requestsPerSecond"] = static_cast<double>(requests) / measured_seconds;
  j["latencyMs"] = latency_json(all);
  j["latencyFrom"] = o.rate > 0 ? "intended send time" : "send time";
  j["byOperation"] = by_op;
  j["byRequest"] = by_request;
  j["errors"] = st.errors;
  j["warmupErrors"] = st.warmup_errors;
  j["notSent"] = st.not_sent;
  if (o.scenario == "read" || o.scenario == "mix") j["readTarget"] = o.read_target;
  if (o.scenario == "notify") {
    const auto& n = st.notices;
    histogram all;
    json by_kind = json::object();
    for (std::size_t k = 0; k < nt_kinds; ++k) {
      all.merge(n.delay[k]);
      by_kind[notice_names[k]] = latency_json(n.delay[k]);
    }
    j["notifications"] = {{"delayMs", latency_json(all)},     {"delayFrom", "the HTTP answer of the rent or return"},
                          {"byKind", by_kind},                {"matched", all.count()},
                          {"missing", n.missing},             {"duplicates", n.duplicates},
                          {"beforeAnswer", n.before_answer},  {"unmatched", n.unmatched},
                          {"graceSeconds", o.notify_grace}};
  }
  if (o.scenario == "ride" || o.scenario == "mix" || o.scenario == "notify") {
    j["rideTickets"] = ticket_source;
    j["ridePool"] = pool_size;
    j["inlinePurchases"] = st.inline_purchases;
    j["connectionsOutOfTickets"] = st.pool_exhausted;
    if (st.first_exhausted_at >= 0) j["firstOutOfTicketsAt"] = st.first_exhausted_at;
  }
  if (o.scenario == "mix") j["mix"] = {{"read", o.mix[0]}, {"purchase", o.mix[1]}, {"ride", o.mix[2]}};
  return j;
}

void print_text(const json& j) {
  auto line = [](const char* name, const json& l) {
    std::printf("  %-30s %9llu %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", name,
                static_cast<unsigned long long>(l["count"].get<std::uint64_t>()), l["min"].get<double>(),
                l["p50"].get<double>(), l["p90"].get<double>(), l["p99"].get<double>(), l["p999"].get<double>(),
                l["max"].get<double>());
  };
  std::printf("%s%s: %s model, %d connections, %d thread(s), %.1f s measured after %.1f s warm-up, target %s\n",
              j["label"].get<std::string>().empty() || j["label"] == j["scenario"] ? ""
                                                                                : (j["label"].get<std::string>() + ": ").c_str(),
              j["scenario"].get<std::string>().c_str(), j["model"].get<std::string>().c_str(),
              j["connections"].get<int>(), j["threads"].get<int>(), j["durationSeconds"].get<double>(),
              j["warmupSeconds"].get<double>(), j["target"].get<std::string>().c_str());
  if (j["rate"].get<double>() > 0) std::printf("  arrival rate %.0f ops/s\n", j["rate"].get<double>());
  if (j["elapsedSeconds"].get<double>() > 1.05 * j["durationSeconds"].get<double>())
    std::printf("  WARNING: behind schedule: the window's operations took %.1f s to finish; throughput is over that time\n",
                j["elapsedSeconds"].get<double>());
  std::printf("  throughput %.1f ops/s (%.1f requests/s), %llu operations, %llu failed\n", j["throughput"].get<double>(),
              j["requestsPerSecond"].get<double>(), static_cast<unsigned long long>(j["operations"].get<std::uint64_t>()),
              static_cast<unsigned long long>(j["failedOperations"].get<std::uint64_t>()));
  if (j.contains("rideTickets")) {
    std::printf("  ride tickets: %s (pool %llu bought in setup, %llu bought inside cycles)\n",
                j["rideTickets"].get<std::string>() == "setup" ? "bought in setup, a cycle is rent + return"
                                                               : "bought in each cycle, a cycle is purchase + rent + return",
                static_cast<unsigned long long>(j["ridePool"].get<std::uint64_t>()),
                static_cast<unsigned long long>(j["inlinePurchases"].get<std::uint64_t>()));
    if (j.contains("firstOutOfTicketsAt"))
      std::printf("  WARNING: %llu connection(s) stopped without tickets, the first %.1f s into the measurement; use --ride-pool\n",
                  static_cast<unsigned long long>(j["connectionsOutOfTickets"].get<std::uint64_t>()),
                  j["firstOutOfTicketsAt"].get<double>());
  }
  std::printf("  latency (ms, %s)          count       min       p50       p90       p99     p99.9       max\n",
              j["latencyFrom"].get<std::string>() == "send time" ? "from send    " : "from schedule");
  line("operations", j["latencyMs"]);
  for (auto& [k, v] : j["byOperation"].items()) line(("  " + k).c_str(), v);
  std::printf("  service time per request (ms, from its own send)\n");
  for (auto& [k, v] : j["byRequest"].items()) line(("  " + k).c_str(), v);
  if (j.contains("notifications")) {
    const auto& n = j["notifications"];
    auto count = [&](const char* key) { return static_cast<unsigned long long>(n[key].get<std::uint64_t>()); };
    std::printf("  notification delay (ms, from the HTTP answer of the rent or return to its notification)\n");
    line("notifications", n["delayMs"]);
    for (auto& [k, v] : n["byKind"].items()) line(("  " + k).c_str(), v);
    std::printf("  notifications: %llu matched, %llu missing after a %.1f s grace, %llu duplicated, %llu before their answer"
                " (delay 0), %llu without an answer\n",
                count("matched"), count("missing"), n["graceSeconds"].get<double>(), count("duplicates"), count("beforeAnswer"),
                count("unmatched"));
  }
  if (j["errors"].empty() && j["warmupErrors"].empty()) {
    std::printf("  errors: none\n");
  } else {
    for (auto& [k, v] : j["errors"].items()) std::printf("  error %-50s %llu\n", k.c_str(), static_cast<unsigned long long>(v.get<std::uint64_t>()));
    for (auto& [k, v] : j["warmupErrors"].items())
      std::printf("  warm-up error %-42s %llu\n", k.c_str(), static_cast<unsigned long long>(v.get<std::uint64_t>()));
  }
  if (j["notSent"].get<std::uint64_t>() > 0)
    std::printf("  WARNING: %llu scheduled operations never sent (far behind schedule)\n",
                static_cast<unsigned long long>(j["notSent"].get<std::uint64_t>()));
}

// ---------------------------------------------------------------------------------------- main

int run(const options& o) {
  const auto target = loopback_endpoint(o.host, o.port);
  std::mt19937_64 rng{o.seed};
  request_builder rb{o};

  setup_data s;
  const bool needs_customers = o.scenario != "get" || o.setup_only || !o.save_setup.empty();
  {
    setup_runner runner{target, o.setup_connections};
    if (!o.load_setup.empty()) {
      std::ifstream in{o.load_setup};
      if (!in) throw setup_failure("cannot read " + o.load_setup);
      s = setup_from_json(json::parse(in));
      std::fprintf(stderr, "setup: loaded %zu customers, %zu bicycles, %zu stations from %s\n", s.customers.size(),
                   s.bicycles.size(), s.stations.size(), o.load_setup.c_str());
      sign_in(runner, rb, s);
    } else if (needs_customers) {
      s = create_setup(o, runner, rb, rng);
    }
    if (!o.save_setup.empty()) {
      std::ofstream out{o.save_setup};
      out << to_json(s).dump() << '\n';
      if (!out) throw setup_failure("cannot write " + o.save_setup);
    }
  }
  if (o.setup_only) return 0;
  if (needs_customers && s.customers.empty()) throw setup_failure("no customers");
  // Readers keep a rental (for rental reads); riders buy and ride.
  std::vector<std::size_t> everyone, readers, riders;
  for (std::size_t i = 0; i < s.customers.size(); ++i) {
    everyone.push_back(i);
    (s.customers[i].reader() ? readers : riders).push_back(i);
  }
  const auto connections = static_cast<std::size_t>(o.connections);
  const bool reads = o.scenario == "read" || (o.scenario == "mix" && o.mix[0] > 0);
  const bool rides = o.scenario == "ride" || o.scenario == "notify" || (o.scenario == "mix" && o.mix[2] > 0);
  const bool buys = rides || o.scenario == "purchase" || o.scenario == "mix";
  if (reads && o.read_target == "ticket")
    for (const auto& c : s.customers)
      if (c.tickets.empty()) throw setup_failure("customer " + c.phone + " has no ticket to read");
  if (reads && o.read_target == "current" && readers.empty())
    throw setup_failure("no customer keeps a rental to read: set up with --reading-customers above 0, or use --read-target ticket");
  if (buys && riders.empty())
    throw setup_failure("every customer keeps a rental for reads, none is left to buy or ride: --reading-customers below --customers");
  if (o.scenario == "notify" && riders.size() < connections)
    throw setup_failure("notify needs a rider per connection: " + std::to_string(riders.size()) + " customers without a kept rental for " +
                        std::to_string(connections) + " connections (more --customers)");
  if (rides && (s.bicycles.size() < connections || s.stations.empty()))
    throw setup_failure("ride needs at least one bicycle per connection (" + std::to_string(s.bicycles.size()) + " for " +
                        std::to_string(connections) + " connections)");

  schedule when;
  when.rate = o.rate;
  run_context ctx{o, s, rb, when, std::string(300, 'x')};

  // Connections, spread over the workers; customers, readers and bicycles dealt round-robin
  // (a connection gets one of a group too small to go round), a rider each (notify: its own).
  auto deal = [&](const std::vector<std::size_t>& group, std::size_t k) {
    std::vector<std::size_t> mine;
    for (std::size_t i = k; i < group.size(); i += connections) mine.push_back(group[i]);
    if (mine.empty() && !group.empty()) mine.push_back(group[k % group.size()]);
    return mine;
  };
  std::vector<std::size_t> bicycles(rides ? s.bicycles.size() : 0);
  std::iota(bicycles.begin(), bicycles.end(), std::size_t{0});
  std::vector<std::unique_ptr<worker>> workers;
  for (int t = 0; t < o.threads; ++t) workers.push_back(std::make_unique<worker>(ctx, target, rng()));
  std::vector<connection*> conns;
  std::vector<std::size_t> owners;  // each connection's rider
  for (std::size_t k = 0; k < connections; ++k) {
    auto& c = workers[k % workers.size()]->add();
    c.customers = deal(everyone, k);
    c.readers = deal(readers, k);
    c.rider = riders.empty() ? 0 : riders[k % riders.size()];
    c.bicycles = deal(bicycles, k);
    conns.push_back(&c);
    owners.push_back(c.rider);
  }

  // The ride pool: paid tickets bought now, each connection's for its rider.
  std::size_t pool_size = 0;
  if (rides && o.ride_tickets == "setup") {
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
    auto bought = buy_tickets(target, o, rb, s, owners, wanted, time_box);
    for (std::size_t k = 0; k < connections; ++k) {
      pool_size += bought[k].size();
      conns[k]->pool = std::move(bought[k]);
    }
  }

  for (auto& w : workers) {
    std::string error;
    if (!w->connect_all(error)) throw std::runtime_error("cannot connect to " + o.host + ":" + std::to_string(o.port) + ": " + error);
  }
  if (o.scenario == "notify") {
    auto started = steady::now();
    for (auto& w : workers) {
      std::string error;
      if (!w->open_streams(error)) throw setup_failure("notification stream: " + error);
    }
    std::fprintf(stderr, "setup: notification streams open: %zu in %.1f s\n", connections, seconds_since(started));
  }

  auto start = steady::now() + std::chrono::milliseconds{50};
  when.start = start;
  when.measure_from = start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.warmup));
  when.end = when.measure_from + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.duration));
  when.hard_stop = when.end + std::chrono::seconds{5};
  std::fprintf(stderr, "run: %s for %.1f s (+%.1f s warm-up) on %d connections\n", o.scenario.c_str(), o.duration,
               o.warmup, o.connections);
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads) t.join();

  stats total;
  for (auto& w : workers) total.merge(w->result());
  // Operations scheduled in the window divided by the time until the last of them finished
  // (the window, or longer when the server fell behind an open-model schedule).
  double elapsed = std::max(o.duration, std::chrono::duration<double>(total.last_done - when.measure_from).count());
  auto report = report_json(o, total, elapsed, o.ride_tickets, pool_size);
  if (o.json_output)
    std::cout << report.dump(2) << '\n';
  else
    print_text(report);
  if (!o.json_file.empty()) {
    std::ofstream out{o.json_file};
    out << report.dump(2) << '\n';
  }
  // Exit status for scripts: 3 when nothing succeeded or the transport failed; 4 when notify
  // missed or duplicated a notification, or matched none.
  bool transport = false;
  for (const auto& [k, v] : total.errors)
    if (k == "timeout" || k.starts_with("transport")) transport = true;
  if (report["throughput"].get<double>() <= 0 || transport) return 3;
  if (report.contains("notifications")) {
    const auto& n = report["notifications"];
    if (n["matched"] == 0 || n["missing"] != 0 || n["duplicates"] != 0) return 4;
  }
  return 0;
}

// --self-test: the event-stream parser against streams split in awkward places.
int self_test() {
  int failed = 0, checks = 0;
  auto expect_events = [&](const char* name, std::vector<std::string_view> pieces, std::vector<sse_event> wanted,
                           std::string resume = {}) {
    sse_parser p;
    if (!resume.empty()) p.resume_from(resume);
    std::vector<sse_event> got;
    for (auto piece : pieces) p.feed(piece, [&](const sse_event& e) { got.push_back(e); });
    bool same = got.size() == wanted.size();
    for (std::size_t i = 0; same && i < got.size(); ++i)
      same = got[i].id == wanted[i].id && got[i].type == wanted[i].type && got[i].data == wanted[i].data;
    ++checks;
    if (!same) {
      ++failed;
      std::fprintf(stderr, "self-test FAILED: %s: got %zu event(s)\n", name, got.size());
      for (const auto& e : got) std::fprintf(stderr, "  id=%s type=%s data=%s\n", e.id.c_str(), e.type.c_str(), e.data.c_str());
    }
  };
  const std::string_view server = ": keep-alive\n\nid: 7\nevent: bicycle_rented\ndata: {\"a\":1}\n\n: keep-alive\n\n"
                                   "id: 8\nevent: bicycle_returned\ndata: {\"b\":2}\n\n";
  const std::vector<sse_event> two{{"7", "bicycle_rented", R"({"a":1})"}, {"8", "bicycle_returned", R"({"b":2})"}};
  expect_events("whole", {server}, two);
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < server.size(); ++i) bytes.push_back(server.substr(i, 1));
  expect_events("byte by byte", bytes, two);
  expect_events("split mid-line", {server.substr(0, 20), server.substr(20, 31), server.substr(51)}, two);
  expect_events("CRLF split between pieces", {"id: 3\r", "\nevent: x\r\ndata: a\r", "\ndata: b\r\n\r", "\n"},
                {{"3", "x", "a\nb"}});
  expect_events("CR line ends", {"data: q\r\r"}, {{"", "message", "q"}});
  expect_events("no data: no event; the id stays", {"id: 9\nevent: y\n\ndata:z\n\n"}, {{"9", "message", "z"}});
  expect_events("resumed id", {"data: r\n\n"}, {{"41", "message", "r"}}, "41");
  expect_events("unfinished event waits", {"id: 5\ndata: s\n"}, {});
  std::fprintf(stderr, "sse parser self-test: %d of %d checks passed\n", checks - failed, checks);
  return failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc == 2 && std::string_view{argv[1]} == "--self-test") return self_test();
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& ex) {
    std::cerr << "ttareungyi-load: " << ex.what() << "\n" << usage();
    return 2;
  }
  try {
    return run(o);
  } catch (const std::exception& ex) {
    std::cerr << "ttareungyi-load: " << ex.what() << "\n";
    return 1;
  }
}
