#pragma once
// A run of ttareungyi-load: the setup (made, or loaded), the connections dealt over the worker
// threads, the ride pool, the measured run and its report.
#include "options.hpp"

namespace ttareungyi::bench::load {

// The exit status: 0 done; 3 nothing succeeded or the transport failed; 4 notify: a
// notification missing or duplicated, or none at all. Throws when the setup fails.
int run(const options& o);

}  // namespace ttareungyi::bench::load
