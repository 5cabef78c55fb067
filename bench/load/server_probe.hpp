#pragma once
// What the server spent on the measured window: its CPU time, from the kernel's accounting of
// the process (utime + stime of /proc/PID/stat, the figure the server's own
// process_cpu_seconds_total reads from /proc/self/stat), and its commits, commit groups and
// fsyncs, from GET /metrics. Sampled at the window's start and end (--server-pid,
// --metrics-port); the report divides the differences by the window's operations and requests.
//
// The scrapes stay outside the CPU window: at the start the scrape comes first and the CPU is
// read after it, at the end the CPU is read first and the scrape after it. The counters' window
// is therefore wider than the CPU's by one scrape at each end (about a millisecond).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "../common/clock.hpp"
#include "options.hpp"
#include "setup_data.hpp"

namespace ttareungyi::bench::load {

class server_probe {
 public:
  explicit server_probe(const options& o);

  bool enabled() const { return !o_.server_pids.empty() || !o_.metrics_ports.empty(); }

  // At the window's start: the scrapes, then the CPU.
  void before();
  // At the window's end: the CPU, then the scrapes.
  void after();

  // The "server" object of the report: the differences and their shares of `operations` and
  // `requests` (the window's, as counted by the load generator); {"error": ...} if a sample
  // failed.
  json report(std::uint64_t operations, std::uint64_t requests) const;

 private:
  struct sample {
    double cpu_seconds = 0;  // /proc, summed over the pids
    steady::time_point cpu_at{};
    std::map<std::string, double> counters;  // summed over the metrics ports; only those found
  };
  void read_cpu(sample& s);
  void scrape(sample& s);

  const options& o_;
  sample before_, after_;
  std::string error_;
};

// The counters a Prometheus text exposition gives for the probe, by the report's names:
// commits (ttareungyi_commits_total{outcome="ok"}), commitGroups, fsyncs and processCpuSeconds.
// A metric absent from the text is absent from the map. Exposed for the self-test.
std::map<std::string, double> probe_counters(const std::string& exposition);

// utime + stime of a /proc/PID/stat line, in clock ticks; throws std::runtime_error when the
// line is not one. Exposed for the self-test.
std::uint64_t stat_cpu_ticks(const std::string& stat_line);

}  // namespace ttareungyi::bench::load
