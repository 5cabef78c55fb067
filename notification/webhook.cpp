// The webhook gateway over the shared outbound HTTP client (net/http_client.cpp), which owns the
// I/O thread, the timeout and the connections.
#include "ttareungyi/notification/webhook.hpp"

#include <utility>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::notification {

std::expected<webhook_target, std::string> parse_webhook_url(std::string_view url) {
  auto target = net::parse_http_url(url);
  if (!target) return std::unexpected("invalid webhook URL '" + std::string{url} + "': " + target.error());
  return target;
}

std::string webhook_body(const domain::notification& n) {
  nlohmann::json doc = {
      {"id", n.id},
      {"customerId", n.customer_id},
      {"kind", n.kind},
      {"message", n.message_ko},
      {"messages", {{"ko", n.message_ko}, {"en", n.message_en}}},
      {"correlationId", n.correlation_id},
      {"createdAt", domain::to_rfc3339(n.created_at)},
  };
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct webhook_gateway::impl {
  std::string target;
  std::unique_ptr<net::http_client> client;
};

std::expected<std::unique_ptr<webhook_gateway>, std::string> webhook_gateway::create(webhook_options options) {
  auto target = parse_webhook_url(options.url);
  if (!target) return std::unexpected(target.error());
  if (options.timeout <= std::chrono::milliseconds::zero()) return std::unexpected(std::string{"the webhook timeout must be positive"});
  auto p = std::make_unique<impl>();
  p->target = target->target;
  // One connection per delivery (Connection: close); a silent receiver holds one connection
  // until its timeout, while the others go on.
  auto client = net::http_client::create(
      {.origin = *target, .timeout = options.timeout, .max_connections = 16, .keep_alive = false, .name = "webhook"});
  if (!client) return std::unexpected("cannot start the webhook client: " + client.error());
  p->client = std::move(*client);
  spdlog::info("webhook: delivering notifications to http://{}{}", target->host_header, target->target);
  return std::unique_ptr<webhook_gateway>{new webhook_gateway{std::move(p)}};
}

webhook_gateway::webhook_gateway(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

webhook_gateway::~webhook_gateway() = default;  // the client stops and joins its thread

void webhook_gateway::deliver(const domain::notification& n, std::function<void(bool delivered)> done) {
  impl_->client->post(impl_->target, "application/json", webhook_body(n), {{"Idempotency-Key", n.id}},
                      [id = n.id, done = std::move(done)](std::expected<net::http_response, std::string> answer) {
                        const bool delivered = answer && answer->status >= 200 && answer->status <= 299;
                        if (delivered) {
                          spdlog::debug("webhook: delivered {}", id);
                        } else {
                          spdlog::info("webhook: delivery of {} failed: {}", id,
                                       answer ? "the receiver answered " + std::to_string(answer->status) : answer.error());
                        }
                        if (done) done(delivered);
                      });
}

void webhook_gateway::stop() { impl_->client->stop(); }

}  // namespace ttareungyi::notification
