#pragma once
// The bench programs time everything on the steady clock; their flags give durations in
// seconds, as decimals.
#include <chrono>

namespace ttareungyi::bench {

using steady = std::chrono::steady_clock;

// `seconds` (e.g. --duration 0.5) as a steady clock duration.
inline steady::duration seconds_as_duration(double seconds) {
  return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(seconds));
}

// Seconds from `t` until now.
inline double seconds_since(steady::time_point t) { return std::chrono::duration<double>(steady::now() - t).count(); }

}  // namespace ttareungyi::bench
