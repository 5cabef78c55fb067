#pragma once
// The HTTP payment provider: a client of an external payment service (PG) speaking the provider
// protocol of the API contract. Both calls are idempotent on the payment id (also sent as
// Idempotency-Key):
//
//   POST {url}/payments {paymentId, amount, currency:"KRW", reference} -> 200 {status:"approved"|"declined"}
//   POST {url}/refunds  {paymentId, amount}                            -> 200 {status:"refunded"}
//
// Any other answer (another status, a body that is not one of these), a timeout, a refused or
// reset connection is a provider_failure; a decline is a verdict, not a failure. Calls go
// through the shared outbound client (net/http_client.hpp): its own I/O thread, a hard timeout
// per call, a bounded pool of keep-alive connections. Answers arrive on that thread.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <string>

#include "ttareungyi/ports/payment_provider.hpp"

namespace ttareungyi::net {
class http_client;
}

namespace ttareungyi::payment {

struct http_provider_settings {
  std::string url;                          // http://host[:port][/base]
  std::chrono::milliseconds timeout{2000};  // per call, connecting included
  std::size_t max_connections = 16;         // open at once; further calls wait (within their timeout)
};

class http_provider final : public ports::payment_provider {
 public:
  // Checks the URL and starts the client.
  static std::expected<std::unique_ptr<http_provider>, std::string> create(http_provider_settings settings);
  ~http_provider() override;  // answers nothing more: pending answers are dropped; joins the I/O thread

  void charge(const ports::charge_request& request, on_charged done) override;
  void refund(const ports::refund_request& request, on_refunded done) override;

 private:
  http_provider(std::string base, std::unique_ptr<net::http_client> client);
  std::string base_;  // the URL's path without a trailing '/'
  std::shared_ptr<std::atomic<bool>> closed_ = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<net::http_client> client_;
};

}  // namespace ttareungyi::payment
