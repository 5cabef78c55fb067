#pragma once
// A loopback port that nothing listens on (bound, then closed): connecting to it is refused.
#include <cstdint>

namespace ttareungyi::test {

std::uint16_t closed_port();

}  // namespace ttareungyi::test
