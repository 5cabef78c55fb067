// libFuzzer target: the decoders of request bodies (http/json_mapping.*), as the routes call
// them on whatever a client sends. None may crash or throw; what they accept must satisfy the
// documented rules (ids of 1..64 characters without control characters, finite coordinates).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "json_mapping.hpp"

namespace {

using namespace ttareungyi;

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  if (auto doc = http::parse_object(body)) {
    require(doc->is_object());
    (void)http::dump(*doc);  // answers echo request values: serializing never throws
  }
  if (auto s = http::parse_sign_up(body)) (void)s->phone.size();
  (void)http::parse_new_ticket(body);
  if (auto r = http::parse_new_rental(body)) {
    require(http::acceptable_id(r->bicycle_id) && http::acceptable_id(r->ticket_id));
  }
  if (auto r = http::parse_return(body)) require(http::acceptable_id(*r));
  if (auto s = http::parse_new_station(body)) require(std::isfinite(s->lat) && std::isfinite(s->lon));
  if (auto b = http::parse_new_bicycle(body)) require(http::acceptable_id(b->station_id));
  // The same bytes as a query string and as a path segment.
  if (auto q = http::parse_bicycle_query(body); q && q->station_id) require(http::acceptable_id(*q->station_id));
  if (auto id = http::path_id(body, "id")) require(http::acceptable_id(*id));
  return 0;
}
