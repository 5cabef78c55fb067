// ttareungyi-load: drives a running ttareungyi server (or the bare reference server) over
// keep-alive HTTP/1.1 connections on the loopback interface and reports throughput, latency
// percentiles and errors.
//
//   setup     an operator token (client credentials), stations, bicycles, N customers signed up
//             with access tokens and paid tickets, the first of them (the readers) each keeping
//             a bicycle rented; or a setup file saved by an earlier run or written by
//             ttareungyi-bench-loader
//   scenario  read | ride | purchase | mix | notify | list | get, with a fixed number of connections,
//             closed (each connection sends its next operation when the previous one is
//             answered) or open (--rate: operations are scheduled at fixed intervals and latency
//             is measured from the intended send time, so a stalled server cannot hide its
//             queue: no coordinated omission). notify rides while each connection's customer
//             listens to its notification stream, and measures how long after the HTTP answer
//             of a rent or return its notification arrives; list walks the bicycle listing page
//             by page, following each page's cursor
//   output    text, or JSON with --json; the warm-up is excluded from every figure
//   server    with --server-pid and --metrics-port, the server's CPU time, commits and fsyncs
//             over the measured window, per operation and per request
//
// The pieces: options (the flags), setup and setup_data (the data the runs use), ride_pool,
// worker with operations, drive and notify (the load itself), stats, server_probe, report and
// text_report (the figures), run (the whole), self_test (--self-test: the event-stream parser,
// the server probe's readings and the list's cursor reading).
#include <csignal>
#include <exception>
#include <iostream>
#include <string_view>

#include "options.hpp"
#include "run.hpp"
#include "self_test.hpp"

using namespace ttareungyi::bench::load;

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
