#pragma once
// The `ttareungyi` command line: `ttareungyi serve [flags]`, as in the API contract.
#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ttareungyi::cli {

// Another node's node port, from --core or --payment.
struct host_port {
  std::string host;
  std::uint16_t port = 0;
};

struct serve_options {
  std::filesystem::path data_dir = "./data";
  std::string bind = "0.0.0.0";
  std::uint16_t port = 8080;
  std::vector<std::string> operator_clients;  // ID:SECRET
  std::string payment_provider = "sandbox";
  std::string payment_url;
  std::chrono::milliseconds payment_timeout{2000};
  std::chrono::milliseconds passivate_after{10000};  // 0: entity actors never passivate
  // The payment circuit breaker (defaults as domain::breaker_settings).
  int breaker_failures = 5;
  std::chrono::milliseconds breaker_reset{5000};
  std::chrono::milliseconds breaker_max_reset{60000};
  std::chrono::milliseconds sandbox_latency{0};
  double sandbox_decline_rate = 0;
  double sandbox_failure_rate = 0;
  long rate_limit_rps = 50;     // per token subject (and per client address without a token); 0: off
  long rate_limit_burst = 100;
  std::size_t max_connections = 4096;
  std::size_t max_body_bytes = 64 * 1024;
  std::chrono::milliseconds read_timeout{15000};  // a whole request, or an idle kept-alive connection
  std::string log_format = "text";  // text | json
  std::string log_level = "info";
  bool fsync = true;
  int password_iterations = 60'000;
  std::chrono::seconds token_ttl{3600};
  std::size_t http_threads = 1;
  std::size_t scheduler_threads = 0;
  std::string webhook_url;  // empty: notifications are not pushed anywhere
  std::string public_url;   // empty: the public feeds' URLs follow the request's Host
  std::string feed_contact_email = "gbfs@ttareungyi.example";
  std::chrono::milliseconds webhook_timeout{5000};
  bool rebuild_views = false;
  // Nodes (docs/nodes.md): the contexts this process runs, where it publishes them for other
  // nodes, and where it finds the ones it does not run.
  std::vector<std::string> roles{"http", "core", "payment", "notifier"};
  std::optional<std::uint16_t> node_port;
  std::optional<host_port> core;
  std::optional<host_port> payment;
  // Operations (docs/operations.md): draining on SIGTERM, liveness, a gateway's wait for its core.
  std::chrono::milliseconds drain{5000};              // ready 503, still serving, before stopping
  std::chrono::milliseconds shutdown_timeout{10000};  // for requests in flight once it stops accepting
  std::chrono::milliseconds liveness_threshold{10000};
  std::chrono::milliseconds core_wait{5000};          // a gateway holds requests this long for its core
  std::string inject_stall;                           // drills: "scheduler" or "writer"; empty: none
  std::chrono::milliseconds inject_stall_after{0};

  bool has(std::string_view role) const;
};

// Parses the flags after `serve`; the error text says which flag is wrong and why.
std::expected<serve_options, std::string> parse_serve(const std::vector<std::string>& args);
std::string usage();

}  // namespace ttareungyi::cli
