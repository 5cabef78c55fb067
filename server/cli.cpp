#include "cli.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "ttareungyi/notification/webhook.hpp"
#include "ttareungyi/net/http_client.hpp"

namespace ttareungyi::cli {
namespace {

template <class T>
std::expected<T, std::string> number(const std::string& flag, const std::string& text, T low, T high) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    return std::unexpected(flag + " expects a number from " + std::to_string(low) + " to " + std::to_string(high) +
                           ", got '" + text + "'");
  return value;
}

std::expected<host_port, std::string> address(const std::string& flag, const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return std::unexpected(flag + " expects HOST:PORT, got '" + text + "'");
  auto port = number<long>(flag + "'s port", text.substr(colon + 1), 1L, 65535L);
  if (!port) return std::unexpected(port.error());
  return host_port{text.substr(0, colon), static_cast<std::uint16_t>(*port)};
}

std::expected<std::vector<std::string>, std::string> role_list(const std::string& text) {
  static const std::set<std::string> known{"http", "core", "payment", "notifier"};
  std::vector<std::string> roles;
  std::stringstream items{text};
  for (std::string role; std::getline(items, role, ',');) {
    if (!known.contains(role))
      return std::unexpected("--roles takes http, core, payment and notifier, separated by commas; got '" + role + "'");
    if (std::ranges::find(roles, role) == roles.end()) roles.push_back(role);
  }
  if (roles.empty()) return std::unexpected("--roles needs at least one role");
  return roles;
}

// A node that reaches the core (a notifier replica, a gateway): it needs --core, and takes
// neither --payment (the core reaches payment) nor --webhook-url (webhooks leave from the core).
std::expected<void, std::string> reaches_core(const serve_options& o, const std::string& what) {
  if (!o.core) return std::unexpected(what + " needs --core HOST:PORT (the core's --node-port)");
  if (o.payment) return std::unexpected(what + " takes no --payment: the core reaches payment");
  if (!o.webhook_url.empty())
    return std::unexpected("webhooks leave from the core: give --webhook-url to the core (docs/nodes.md)");
  return {};
}

// The topologies this build runs (docs/nodes.md): everything in one node; a core with http that
// reaches payment on a payment node, notifier replicas on theirs, or both; a payment node; a
// notifier replica; a gateway.
std::expected<void, std::string> check_topology(const serve_options& o) {
  if (o.has("core")) {
    if (!o.has("http"))
      return std::unexpected("a core node runs http too (gateways in front of it are --roles http --core HOST:PORT)");
    if (o.core) return std::unexpected("--core is for a node without the core role");
    if (o.has("payment") && o.payment) return std::unexpected("--payment is for a node without the payment role");
    if (!o.has("payment") && !o.payment)
      return std::unexpected("a core without the payment role needs --payment HOST:PORT (the payment node's --node-port)");
    if (!o.has("notifier") && !o.node_port)
      return std::unexpected("a core without the notifier role needs --node-port, where notifier replicas reach it");
    return {};
  }
  if (o.roles == std::vector<std::string>{"notifier"}) return reaches_core(o, "a notifier replica");
  if (o.roles == std::vector<std::string>{"http"}) return reaches_core(o, "a gateway (--roles http)");
  if (o.roles != std::vector<std::string>{"payment"})
    return std::unexpected("a node without core runs http alone (a gateway), payment alone or notifier alone");
  if (!o.node_port) return std::unexpected("a payment node needs --node-port, where the core reaches it");
  if (o.core || o.payment) return std::unexpected("a payment node takes neither --core nor --payment");
  return {};
}

}  // namespace

bool serve_options::has(std::string_view role) const { return std::ranges::find(roles, role) != roles.end(); }

std::string usage() {
  return R"(usage: ttareungyi serve [flags]
  --data-dir DIR              where the RocksDB database and keys live (default ./data)
  --port PORT                 0 picks a free port; prints "listening on ADDR:PORT" (default 8080)
  --bind ADDR                 address to listen on (default 0.0.0.0)
  --operator-client ID:SECRET an operator client (repeatable); none: one is created in DIR/operator-client
  --payment-provider sandbox|http
                              the payment provider: the in-process sandbox (default), or an
                              external payment service over HTTP (needs --payment-url)
  --payment-url URL           http: the provider's base URL (http://host[:port][/path]); the
                              server POSTs to URL/payments and URL/refunds
  --payment-timeout-ms N      a slower payment call fails and the purchase answers 503 (default 2000)
  --passivate-after-ms N      a ticket or bicycle actor idle this long is stopped and reloaded from
                              storage on its next request; 0 keeps them all (default 10000)
  --breaker-failures N        the payment circuit breaker opens after N consecutive failed or
                              timed-out calls; while open, purchases answer 503 at once (default 5)
  --breaker-reset-ms N        it lets one trial call through after N ms open (default 5000);
                              each failed trial doubles the wait, plus up to 20% jitter
  --breaker-max-reset-ms N    the longest wait between trials (default 60000)
  --sandbox-latency-ms N      sandbox: answer after N ms (default 0)
  --sandbox-decline-rate R    sandbox: share 0..1 of charges declined (default 0)
  --sandbox-failure-rate R    sandbox: share 0..1 of calls that fail (default 0)
  --rate-limit-rps N          requests per second per token subject, and per client address for
                              the token and sign-up endpoints; over it: 429 (default 50; 0: off)
  --rate-limit-burst N        requests allowed at once above that rate (default 100)
  --max-connections N         connections served at once; more wait to be accepted (default 4096)
  --max-body-bytes N          larger request bodies are refused with 413 (default 65536)
  --read-timeout-ms N         a client must send a whole request within this time, and an idle
                              connection is closed after it (default 15000)
  --log-format text|json      log lines for people or for machines (default text)
  --log-level LEVEL           trace, debug, info, warn, error (default info)
  --no-fsync                  do not fsync commits (faster; a machine crash may lose the last ones)
  --password-iterations N     PBKDF2 iterations for new passwords (default 60000)
  --token-ttl-seconds N       lifetime of access tokens (default 3600)
  --http-threads N            HTTP I/O threads (default 1)
  --actor-threads N           actor scheduler threads (default: one per core)
  --webhook-url URL           POST each notification as JSON to this http:// URL (with an
                              Idempotency-Key header; retried later when not answered 2xx);
                              off by default
  --webhook-timeout-ms N      a webhook call not answered in time fails and is retried (default 5000)
  --public-url URL            the base of the public feeds' absolute URLs, e.g. https://bikes.example
                              (default: the scheme http and the Host the request was sent to)
  --feed-contact-email ADDR   GBFS feed_contact_email (default gbfs@ttareungyi.example)
  --roles LIST                the contexts this node runs, of http, core, payment, notifier,
                              separated by commas (default all four: one node). Split:
                              --roles payment (with --node-port), --roles notifier (with --core,
                              any number of them), --roles http (a gateway, with --core, any
                              number of them), and a core with http and whichever of payment
                              and notifier run on it (docs/nodes.md)
  --node-port PORT            publish this node's contexts to other nodes on PORT (0 picks a free
                              one; prints "node listening on ADDR:PORT"); a payment node needs
                              it, and a core that replicas or gateways reach
  --payment HOST:PORT         where a core without the payment role finds the payment node
  --core HOST:PORT            where a node without the core role finds the core
  --rebuild-views             drop the read models (remaining ride time, station availability) and
                              replay the whole journal into them at start (they are served
                              correctly meanwhile, only slower)
  --drain-ms N                on SIGTERM, /health/ready answers 503 at once and the node keeps
                              serving N ms so that load balancers notice, then stops accepting
                              (default 5000)
  --shutdown-timeout-ms N     then requests in flight get this long to be answered; notification
                              streams end with a retry: hint; commits are flushed (default 10000)
  --liveness-threshold-ms N   /health/live answers 503 when the heartbeat through the actor
                              scheduler or the commit writer is older than N ms (default 10000)
  --core-wait-ms N            a gateway holds requests this long while its core is away (a
                              restart) and sends them once it is back; later: 503 (default 5000)
  --inject-stall WHAT:MS      drills and tests only: after MS ms, wedge the scheduler or the
                              writer (WHAT) for good, so that /health/live turns 503
)";
}

std::expected<serve_options, std::string> parse_serve(const std::vector<std::string>& args) {
  serve_options o;
  using setter = std::function<std::expected<void, std::string>(const std::string&)>;
  auto set = [](auto& field) {
    return setter{[&field](const std::string& v) -> std::expected<void, std::string> {
      field = v;
      return {};
    }};
  };
  auto set_number = [](auto& field, const char* flag, auto low, auto high) {
    return setter{[&field, flag, low, high](const std::string& v) -> std::expected<void, std::string> {
      auto n = number<decltype(low)>(flag, v, low, high);
      if (!n) return std::unexpected(n.error());
      field = *n;
      return {};
    }};
  };
  auto set_ms = [](std::chrono::milliseconds& field, const char* flag, long least = 0, long most = 3'600'000) {
    return setter{[&field, flag, least, most](const std::string& v) -> std::expected<void, std::string> {
      auto n = number<long>(flag, v, least, most);
      if (!n) return std::unexpected(n.error());
      field = std::chrono::milliseconds{*n};
      return {};
    }};
  };
  auto set_rate = [](double& field, const char* flag) {
    return setter{[&field, flag](const std::string& v) -> std::expected<void, std::string> {
      try {
        std::size_t used = 0;
        double r = std::stod(v, &used);
        if (used != v.size() || !(r >= 0 && r <= 1)) throw std::invalid_argument{v};
        field = r;
        return {};
      } catch (const std::exception&) {
        return std::unexpected(std::string{flag} + " expects a share from 0 to 1, got '" + v + "'");
      }
    }};
  };
  auto set_address = [](std::optional<host_port>& field, const char* flag) {
    return setter{[&field, flag](const std::string& v) -> std::expected<void, std::string> {
      auto parsed = address(flag, v);
      if (!parsed) return std::unexpected(parsed.error());
      field = *parsed;
      return {};
    }};
  };
  long port = o.port, node_port = -1, ttl = o.token_ttl.count(), http_threads = 1, actor_threads = 0;
  long max_connections = static_cast<long>(o.max_connections), max_body = static_cast<long>(o.max_body_bytes);
  const std::map<std::string, setter> with_value{
      {"--data-dir", set(o.data_dir)},
      {"--bind", set(o.bind)},
      {"--port", set_number(port, "--port", 0L, 65535L)},
      {"--operator-client",
       setter{[&o](const std::string& v) -> std::expected<void, std::string> {
         o.operator_clients.push_back(v);
         return {};
       }}},
      {"--payment-provider", set(o.payment_provider)},
      {"--payment-url", set(o.payment_url)},
      {"--payment-timeout-ms", set_ms(o.payment_timeout, "--payment-timeout-ms")},
      {"--passivate-after-ms", set_ms(o.passivate_after, "--passivate-after-ms")},
      {"--breaker-failures", set_number(o.breaker_failures, "--breaker-failures", 1, 1'000'000)},
      {"--breaker-reset-ms", set_ms(o.breaker_reset, "--breaker-reset-ms")},
      {"--breaker-max-reset-ms", set_ms(o.breaker_max_reset, "--breaker-max-reset-ms")},
      {"--sandbox-latency-ms", set_ms(o.sandbox_latency, "--sandbox-latency-ms")},
      {"--sandbox-decline-rate", set_rate(o.sandbox_decline_rate, "--sandbox-decline-rate")},
      {"--sandbox-failure-rate", set_rate(o.sandbox_failure_rate, "--sandbox-failure-rate")},
      {"--rate-limit-rps", set_number(o.rate_limit_rps, "--rate-limit-rps", 0L, 1'000'000L)},
      {"--rate-limit-burst", set_number(o.rate_limit_burst, "--rate-limit-burst", 0L, 1'000'000L)},
      {"--max-connections", set_number(max_connections, "--max-connections", 1L, 1'000'000L)},
      {"--max-body-bytes", set_number(max_body, "--max-body-bytes", 1024L, 64L * 1024 * 1024)},
      {"--read-timeout-ms", set_ms(o.read_timeout, "--read-timeout-ms", 10)},
      {"--log-format", set(o.log_format)},
      {"--log-level", set(o.log_level)},
      {"--password-iterations", set_number(o.password_iterations, "--password-iterations", 1'000, 10'000'000)},
      {"--token-ttl-seconds", set_number(ttl, "--token-ttl-seconds", 60L, 86'400L)},
      {"--http-threads", set_number(http_threads, "--http-threads", 1L, 64L)},
      {"--actor-threads", set_number(actor_threads, "--actor-threads", 0L, 64L)},
      {"--webhook-url", set(o.webhook_url)},
      {"--public-url", set(o.public_url)},
      {"--feed-contact-email", set(o.feed_contact_email)},
      {"--webhook-timeout-ms", set_ms(o.webhook_timeout, "--webhook-timeout-ms", 1, 600'000)},
      {"--roles",
       setter{[&o](const std::string& v) -> std::expected<void, std::string> {
         auto roles = role_list(v);
         if (!roles) return std::unexpected(roles.error());
         o.roles = std::move(*roles);
         return {};
       }}},
      {"--node-port", set_number(node_port, "--node-port", 0L, 65535L)},
      {"--core", set_address(o.core, "--core")},
      {"--payment", set_address(o.payment, "--payment")},
      {"--drain-ms", set_ms(o.drain, "--drain-ms", 0, 600'000)},
      {"--shutdown-timeout-ms", set_ms(o.shutdown_timeout, "--shutdown-timeout-ms", 0, 600'000)},
      {"--liveness-threshold-ms", set_ms(o.liveness_threshold, "--liveness-threshold-ms", 100, 600'000)},
      {"--core-wait-ms", set_ms(o.core_wait, "--core-wait-ms", 0, 600'000)},
      {"--inject-stall",
       setter{[&o](const std::string& v) -> std::expected<void, std::string> {
         auto colon = v.find(':');
         auto what = v.substr(0, colon);
         if (colon == std::string::npos || (what != "scheduler" && what != "writer"))
           return std::unexpected("--inject-stall expects scheduler:MS or writer:MS, got '" + v + "'");
         auto after = number<long>("--inject-stall", v.substr(colon + 1), 0L, 3'600'000L);
         if (!after) return std::unexpected(after.error());
         o.inject_stall = what;
         o.inject_stall_after = std::chrono::milliseconds{*after};
         return {};
       }}},
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    bool inline_value = false;
    if (auto eq = flag.find('='); flag.starts_with("--") && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
      inline_value = true;
    }
    if (flag == "--no-fsync") {
      o.fsync = false;
      continue;
    }
    if (flag == "--rebuild-views") {
      o.rebuild_views = true;
      continue;
    }
    auto it = with_value.find(flag);
    if (it == with_value.end()) return std::unexpected("unknown flag '" + args[i] + "'");
    if (!inline_value) {
      if (i + 1 >= args.size()) return std::unexpected(flag + " needs a value");
      value = args[++i];
    }
    if (auto ok = it->second(value); !ok) return std::unexpected(ok.error());
  }
  o.port = static_cast<std::uint16_t>(port);
  if (node_port >= 0) o.node_port = static_cast<std::uint16_t>(node_port);
  o.token_ttl = std::chrono::seconds{ttl};
  o.http_threads = static_cast<std::size_t>(http_threads);
  o.max_connections = static_cast<std::size_t>(max_connections);
  o.max_body_bytes = static_cast<std::size_t>(max_body);
  o.scheduler_threads = static_cast<std::size_t>(actor_threads);
  if (o.payment_provider != "sandbox" && o.payment_provider != "http")
    return std::unexpected("--payment-provider is sandbox or http, got '" + o.payment_provider + "'");
  if (o.payment_provider == "http") {
    if (o.payment_url.empty()) return std::unexpected("--payment-provider http needs --payment-url");
    if (auto target = net::parse_http_url(o.payment_url); !target) return std::unexpected("--payment-url: " + target.error());
  } else if (!o.payment_url.empty()) {
    return std::unexpected("--payment-url is only for --payment-provider http");
  }
  if (o.payment_timeout.count() < 1) return std::unexpected("--payment-timeout-ms must be at least 1");
  if (o.breaker_reset.count() < 1) return std::unexpected("--breaker-reset-ms must be at least 1");
  if (o.breaker_max_reset < o.breaker_reset)
    return std::unexpected("--breaker-max-reset-ms must not be less than --breaker-reset-ms");
  if (o.log_format != "text" && o.log_format != "json") return std::unexpected("--log-format is text or json");
  if (o.data_dir.empty()) return std::unexpected("--data-dir must not be empty");
  if (!o.webhook_url.empty()) {
    if (auto target = notification::parse_webhook_url(o.webhook_url); !target) return std::unexpected("--webhook-url: " + target.error());
  }
  if (!o.public_url.empty() && !o.public_url.starts_with("http://") && !o.public_url.starts_with("https://"))
    return std::unexpected("--public-url must start with http:// or https://, got '" + o.public_url + "'");
  if (o.feed_contact_email.find('@') == std::string::npos)
    return std::unexpected("--feed-contact-email must be an email address, got '" + o.feed_contact_email + "'");
  if (auto topology = check_topology(o); !topology) return std::unexpected(topology.error());
  return o;
}

}  // namespace ttareungyi::cli
