#pragma once
// --self-test: the event-stream parser against streams split in awkward places.

namespace ttareungyi::bench::load {

// 0 when every check passed; the failures on stderr.
int self_test();

}  // namespace ttareungyi::bench::load
