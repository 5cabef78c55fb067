#pragma once
// Field lists of the ports' own records that cross a context (see domain/fields.hpp).
#include <type_traits>

#include "ttareungyi/domain/fields.hpp"
#include "ttareungyi/ports/idempotency.hpp"
#include "ttareungyi/ports/paging.hpp"
#include "ttareungyi/ports/payment_provider.hpp"
#include "ttareungyi/ports/token_signer.hpp"

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

template <domain::either<kept_answer> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("kept_answer", domain::field{"fingerprint", x.fingerprint}, domain::field{"status", x.status},
           domain::field{"headers", x.headers}, domain::field{"body", x.body}, domain::field{"kept_at", x.kept_at});
}

template <domain::either<issued_token> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("issued_token", domain::field{"access_token", x.access_token}, domain::field{"scope", x.scope},
           domain::field{"expires_in", x.expires_in});
}

template <domain::either<page_request> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("page_request", domain::field{"cursor", x.cursor}, domain::field{"limit", x.limit});
}

template <class T>
struct is_page : std::false_type {};
template <class T>
struct is_page<page<T>> : std::true_type {};

template <class X, class F>
  requires is_page<std::remove_const_t<X>>::value
decltype(auto) fields(X& x, F&& f) {
  return f("page", domain::field{"items", x.items}, domain::field{"next", x.next});
}

}  // namespace ttareungyi::ports
