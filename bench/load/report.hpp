#pragma once
// A run's report: the merged figures as JSON (--json, --json-file, what bench/run.sh and the
// bench report read), or as text.
#include <cstddef>
#include <string>

#include "options.hpp"
#include "setup_data.hpp"
#include "stats.hpp"

namespace ttareungyi::bench::load {

// measured_seconds: from the window's start until the last measured operation finished.
json report_json(const options& o, const stats& st, double measured_seconds, const std::string& ticket_source,
                 std::size_t pool_size);

// The report as text, on stdout.
void print_text(const json& j);

}  // namespace ttareungyi::bench::load
