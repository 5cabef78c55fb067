// ttareungyi-load's flags, their ranges and the checks between them.
#include "options.hpp"

#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "../common/clock.hpp"
#include "../common/command_line.hpp"

namespace ttareungyi::bench::load {

std::string usage() {
  return R"(usage: ttareungyi-load --port PORT [flags]
  --host H                 loopback only: 127.0.0.1 (default), localhost, ::1
  --port PORT              the server's port
  --scenario S             read | ride | purchase | mix | notify | list | get (default read)
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
  --page-size N            list: each connection walks GET /v1/bicycles?limit=N page by page as
                           one of the customers, following each page's `next` cursor, and
                           starts again from the first page after the last; a page is an
                           operation (default 100, at most 1000)
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
server cost (the "server" object of the report; every figure over the measured window only)
  --server-pid PID         the server's process: its CPU time (utime + stime of /proc/PID/stat)
                           read at the window's start and end, per operation and per request;
                           repeatable: a product of several processes, the sum of their CPU
  --metrics-port PORT      GET /metrics on --host at PORT just before the window and just after
                           it: commits (outcome ok), commit groups and fsyncs per operation;
                           repeatable (summed over the nodes). Without --server-pid the CPU is
                           taken from its process_cpu_seconds_total (the scrapes' cost then
                           counts in). With --server-pid the scrapes stay out of the CPU window
output
  --json                   print JSON instead of text     --json-file FILE  also write it there
  --label TEXT             a name carried into the output
  --path P                 get: the path requested (default /)
  --seed N                 random seed (default: from the clock)
  --self-test              check the event-stream parser, the server probe's readings and the
                           list's cursor reading, exit
exit status: 0 done; 1 setup failed; 2 bad flags; 3 nothing succeeded or the transport failed;
4 notify: a notification missing or duplicated, or none at all
)";
}

namespace {

// The number a flag's value gives within [low, high]; the error names both bounds and the text.
template <class T>
T number(const std::string& flag, const std::string& text, T low, T high) {
  if (auto value = number_in(text, low, high)) return *value;
  throw std::invalid_argument(flag + " expects a number from " + std::to_string(low) + " to " + std::to_string(high) +
                              ", got '" + text + "'");
}

}  // namespace

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
    else if (flag == "--page-size") o.page_size = number<int>(flag, value(), 1, 1000);
    else if (flag == "--json") o.json_output = true;
    else if (flag == "--json-file") o.json_file = value();
    else if (flag == "--label") o.label = value();
    else if (flag == "--server-pid") o.server_pids.push_back(number<int>(flag, value(), 1, 1 << 30));
    else if (flag == "--metrics-port") o.metrics_ports.push_back(number<std::uint16_t>(flag, value(), 1, 65535));
    else if (flag == "--seed") o.seed = number<std::uint64_t>(flag, value(), 0, ~std::uint64_t{0});
    else throw std::invalid_argument("unknown flag '" + flag + "'");
  }
  if (o.port == 0) throw std::invalid_argument("--port is required");
  static const std::set<std::string> scenarios{"read", "ride", "purchase", "mix", "notify", "list", "get"};
  if (!scenarios.contains(o.scenario)) throw std::invalid_argument("unknown --scenario '" + o.scenario + "'");
  if (o.read_target != "current" && o.read_target != "ticket") throw std::invalid_argument("--read-target is current or ticket");
  if (o.reading_customers > o.customers) throw std::invalid_argument("--reading-customers exceeds --customers");
  if (o.ride_tickets != "setup" && o.ride_tickets != "cycle")
    throw std::invalid_argument("--ride-tickets is setup or cycle");
  if (o.threads > o.connections) o.threads = o.connections;
  if (o.seed == 0) o.seed = static_cast<std::uint64_t>(steady::now().time_since_epoch().count());
  return o;
}

}  // namespace ttareungyi::bench::load
