#include "ttareungyi/payment/http_provider.hpp"

#include <nlohmann/json.hpp>

#include "ttareungyi/net/http_client.hpp"

namespace ttareungyi::payment {
namespace {

using json = nlohmann::json;
using answer = std::expected<net::http_response, std::string>;

// The "status" of a 200 answer, or why the answer is a failure.
std::expected<std::string, std::string> status_of(const answer& a) {
  if (!a) return std::unexpected(a.error());
  if (a->status != 200) return std::unexpected("the provider answered " + std::to_string(a->status));
  auto doc = json::parse(a->body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("status") || !doc["status"].is_string())
    return std::unexpected(std::string{"the provider's answer has no status"});
  return doc["status"].get<std::string>();
}

}  // namespace

std::expected<std::unique_ptr<http_provider>, std::string> http_provider::create(http_provider_settings settings) {
  auto target = net::parse_http_url(settings.url);
  if (!target) return std::unexpected("invalid payment URL '" + settings.url + "': " + target.error());
  if (target->target.find('?') != std::string::npos)
    return std::unexpected("invalid payment URL '" + settings.url + "': it must not have a query");
  std::string base = target->target;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto client = net::http_client::create({.origin = *target,
                                          .timeout = settings.timeout,
                                          .max_connections = settings.max_connections,
                                          .keep_alive = true,
                                          .name = "payment"});
  if (!client) return std::unexpected("cannot start the payment client: " + client.error());
  return std::unique_ptr<http_provider>{new http_provider{std::move(base), std::move(*client)}};
}

http_provider::http_provider(std::string base, std::unique_ptr<net::http_client> client)
    : base_(std::move(base)), client_(std::move(client)) {}

http_provider::~http_provider() {
  closed_->store(true);
  client_.reset();  // fails what is in flight, into the dropped answers below
}

void http_provider::charge(const ports::charge_request& request, on_charged done) {
  json body{{"paymentId", request.payment_id},
            {"amount", request.amount},
            {"currency", "KRW"},
            {"reference", request.reference}};
  client_->post(base_ + "/payments", "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace),
                {{"Idempotency-Key", request.payment_id}}, [closed = closed_, done = std::move(done)](answer a) {
                  if (closed->load()) return;
                  auto status = status_of(a);
                  if (!status) return done(std::unexpected(ports::provider_failure{status.error()}));
                  if (*status == "approved") return done(domain::charge_verdict::approved);
                  if (*status == "declined") return done(domain::charge_verdict::declined);
                  done(std::unexpected(ports::provider_failure{"unknown payment status '" + *status + "'"}));
                });
}

void http_provider::refund(const ports::refund_request& request, on_refunded done) {
  json body{{"paymentId", request.payment_id}, {"amount", request.amount}};
  client_->post(base_ + "/refunds", "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace),
                {{"Idempotency-Key", request.payment_id}}, [closed = closed_, done = std::move(done)](answer a) {
                  if (closed->load()) return;
                  auto status = status_of(a);
                  if (!status) return done(std::unexpected(ports::provider_failure{status.error()}));
                  if (*status == "refunded") return done({});
                  done(std::unexpected(ports::provider_failure{"unknown refund status '" + *status + "'"}));
                });
}

}  // namespace ttareungyi::payment
