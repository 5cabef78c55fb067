#pragma once
// --self-test: the event-stream parser against streams split in awkward places, and the server
// probe's readings of a /metrics text and a /proc/PID/stat line, and the list scenario's
// reading of a page's cursor.

namespace ttareungyi::bench::load {

// 0 when every check passed; the failures on stderr.
int self_test();

}  // namespace ttareungyi::bench::load
