#pragma once
// Field lists of the ports' own records that cross a context (see domain/fields.hpp).
#include "ttareungyi/domain/fields.hpp"
#include "ttareungyi/ports/payment_provider.hpp"

namespace ttareungyi::ports {

template <domain::either<charge_request> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("charge_request", domain::field{"payment_id", x.payment_id}, domain::field{"amount", x.amount},
           domain::field{"reference", x.reference});
}

template <domain::either<refund_request> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("refund_request", domain::field{"payment_id", x.payment_id}, domain::field{"amount", x.amount});
}

}  // namespace ttareungyi::ports
