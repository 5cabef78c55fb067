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

template <domain::either<bicycle_query> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("bicycle_query", domain::field{"station_id", x.station_id}, domain::field{"status", x.status});
}

}  // namespace ttareungyi::app
