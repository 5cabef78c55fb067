#pragma once
// Internal: the process's own figures, from /proc/self (Linux), named as every Prometheus
// client names them (process_cpu_seconds_total, ...).
#include <optional>

namespace ttareungyi::metrics {

struct process_figures {
  double cpu_seconds = 0;
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// nullopt where /proc cannot be read.
std::optional<process_figures> read_process();

}  // namespace ttareungyi::metrics
