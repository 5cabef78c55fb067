#pragma once
// The webhook gateway: delivers notifications to an SMS/push gateway by POSTing them as JSON to
// one configured http:// URL (HTTP/1.1, one connection per delivery, `Connection: close`).
//
//   POST /path HTTP/1.1
//   Content-Type: application/json
//   Idempotency-Key: <notification id>
//   {"id", "customerId", "kind", "message", "messages": {"ko", "en"}, "correlationId", "createdAt"}
//
// A delivery counts as done only on a 2xx answer; anything else (another status, refused or
// reset connection, no complete answer within the timeout) is a failure. It never retries: the
// caller does, later, with the same Idempotency-Key. Each gateway runs its own I/O thread (the
// shared outbound client of net/http_client.hpp); deliver() only queues. No framework type
// appears here.
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ttareungyi/domain/views.hpp"
#include "ttareungyi/net/http_client.hpp"
#include "ttareungyi/ports/notification_gateway.hpp"

namespace ttareungyi::notification {

using webhook_target = net::http_target;

// http://host[:port][/path][?query] (a #fragment is dropped). The error says what is wrong:
// https and other schemes, user information, an empty host, a bad port, spaces or control
// characters.
std::expected<webhook_target, std::string> parse_webhook_url(std::string_view url);

// The JSON body of a delivery; `message` is the Korean text.
std::string webhook_body(const domain::notification& n);

struct webhook_options {
  std::string url;
  // From the start of a delivery (name resolution included) until the answer is read.
  std::chrono::milliseconds timeout{5000};
};

class webhook_gateway final : public ports::notification_gateway {
 public:
  // Checks the URL and starts the I/O thread.
  static std::expected<std::unique_ptr<webhook_gateway>, std::string> create(webhook_options options);

  webhook_gateway(const webhook_gateway&) = delete;
  webhook_gateway& operator=(const webhook_gateway&) = delete;
  // Stops, then joins the I/O thread (a name resolution in progress cannot be interrupted and
  // is waited for). No deliver() may run concurrently with it.
  ~webhook_gateway() override;

  // Returns at once; `done` runs exactly once, on the gateway's thread.
  void deliver(const domain::notification& n, std::function<void(bool delivered)> done) override;

  // Deliveries in progress end now with done(false), and so do later ones (still on the
  // gateway's thread, which runs until destruction). Idempotent.
  void stop();

 private:
  struct impl;
  explicit webhook_gateway(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace ttareungyi::notification
