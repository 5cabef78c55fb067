#pragma once
// ttareungyi-load's command line: what a run does, with its defaults (usage() lists the flags).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ttareungyi::bench::load {

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
  int page_size = 100;     // for list: GET /v1/bicycles?limit=N
  int timeout_ms = 10'000;
  bool json_output = false;
  std::string json_file;
  std::string label;
  std::uint64_t seed = 0;
  // The server's cost over the measured window (server_probe.hpp).
  std::vector<int> server_pids;              // --server-pid: CPU time from /proc/PID/stat
  std::vector<std::uint16_t> metrics_ports;  // --metrics-port: commits and fsyncs from GET /metrics
};

// The flags, as --help prints them.
std::string usage();

// The options argv gives, checked; std::invalid_argument for a bad flag. --help prints usage()
// and exits.
options parse(int argc, char** argv);

}  // namespace ttareungyi::bench::load
