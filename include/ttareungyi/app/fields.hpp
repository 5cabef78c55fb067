#pragma once
// Field lists of the use cases' answers that cross a context (see domain/fields.hpp).
#include "ttareungyi/app/services.hpp"
#include "ttareungyi/domain/fields.hpp"

namespace ttareungyi::app {

template <domain::either<customer_profile> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("customer_profile", domain::field{"id", x.id}, domain::field{"phone", x.phone},
           domain::field{"name", x.name});
}

template <domain::either<station_view> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("station_view", domain::field{"station", x.station}, domain::field{"availability", x.availability});
}

template <domain::either<new_station> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("new_station", domain::field{"id", x.id}, domain::field{"name", x.name}, domain::field{"lat", x.lat},
           domain::field{"lon", x.lon}, domain::field{"capacity", x.capacity});
}

template <domain::either<new_bicycle> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("new_bicycle", domain::field{"id", x.id}, domain::field{"station_id", x.station_id});
}

template <domain::either<bicycle_query> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("bicycle_query", domain::field{"station_id", x.station_id}, domain::field{"status", x.status});
}

}  // namespace ttareungyi::app
