// ttareungyi: the composition root. Parses the command line, opens storage, wires the
// adapters (RocksDB, the sandbox or HTTP payment provider, OpenSSL, RESTinio, the optional
// webhook) around the actor node, and serves until SIGINT or SIGTERM.
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "heap.hpp"
#include "heap_release.hpp"
#include "ttareungyi/actors/node.hpp"
#include "ttareungyi/http/server.hpp"
#include "ttareungyi/http/token_desk.hpp"
#include "ttareungyi/metrics/registry.hpp"
#include "ttareungyi/notification/webhook.hpp"
#include "ttareungyi/payment/http_provider.hpp"
#include "ttareungyi/payment/sandbox.hpp"
#include "ttareungyi/security/operator_clients.hpp"
#include "ttareungyi/security/password.hpp"
#include "ttareungyi/security/tokens.hpp"
#include "ttareungyi/storage/rocksdb_storage.hpp"

namespace {

using namespace ttareungyi;

class pbkdf2_hasher final : public ports::password_hasher {
 public:
  explicit pbkdf2_hasher(int iterations) : iterations_(iterations) {}
  std::string hash(std::string_view password) const override { return security::hash_password(password, iterations_); }
  bool verify(std::string_view password, std::string_view hash) const override {
    return security::verify_password(password, hash);
  }

 private:
  int iterations_;
};

// `%*` in a log pattern: the message as the inside of a JSON string.
class json_message final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"': dest.append(std::string_view{"\\\""}); break;
        case '\\': dest.append(std::string_view{"\\\\"}); break;
        case '\n': dest.append(std::string_view{"\\n"}); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", c);
            dest.append(std::string_view{esc});
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<json_message>(); }
};

void set_up_logging(const cli::serve_options& o) {
  auto logger = spdlog::stderr_color_mt("ttareungyi");
  if (o.log_format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<json_message>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","message":"%*"})");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%-5l%$ %v", spdlog::pattern_time_type::utc);
  }
  logger->set_level(spdlog::level::from_str(o.log_level));
  spdlog::set_default_logger(logger);
}

actors::node_options::stall_target stall_of(const cli::serve_options& o) {
  using target = actors::node_options::stall_target;
  if (o.inject_stall == "scheduler") return target::scheduler;
  if (o.inject_stall == "writer") return target::writer;
  return target::none;
}

// What the node is doing now, for a scrape.
metrics::node_figures figures_of(const actors::node& node, const app::services& services, const http::server& server,
                                 const ports::storage& storage, const std::filesystem::path& data_dir) {
  metrics::node_figures f;
  f.draining = server.draining();
  f.ready = !f.draining && services.ready && services.ready();  // as /health/ready answers
  if (services.live) {
    auto report = services.live();
    f.live = report.live;
    for (const auto& beat : report.heartbeats)
      f.heartbeats.push_back({beat.path, std::chrono::duration<double>(beat.age).count()});
  }
  auto readers = node.journal_readers();
  if (!readers.empty()) {
    f.journal_head = storage.last_sequence();
    for (auto& r : readers) f.consumers.push_back({std::move(r.name), r.position});
  }
  auto entities = node.live();
  f.live_tickets = entities.tickets;
  f.live_bicycles = entities.bicycles;
  if (services.health) {
    auto health = services.health();
    f.payment = std::move(health.payment);
    f.peers = std::move(health.peers);
  }
  f.sse_watchers = server.streams_open();
  std::error_code ec;
  if (auto space = std::filesystem::space(data_dir, ec); !ec) f.data_dir = {space.available, space.capacity};
  return f;
}

// How often the main thread looks at the live entity actors, and by how many they must have
// fallen for the heap to be trimmed (a few thousand actors: megabytes).
constexpr std::chrono::milliseconds heap_check_every{5000};
constexpr std::size_t heap_release_threshold = 2000;

// Waits up to `limit` for a stop signal: its number, or 0 when none came.
int wait_signal(const sigset_t& signals, std::chrono::milliseconds limit) {
  timespec wait{static_cast<time_t>(limit.count() / 1000), static_cast<long>(limit.count() % 1000) * 1'000'000};
  return std::max(sigtimedwait(&signals, nullptr, &wait), 0);
}

// Waits until `limit` has passed or a stop signal arrives.
void wait_or_signal(const sigset_t& signals, std::chrono::milliseconds limit) {
  if (limit <= std::chrono::milliseconds::zero()) return;
  if (wait_signal(signals, limit) > 0) spdlog::info("a second stop signal: stopping now");
}

int serve(const cli::serve_options& o, const sigset_t& stop_signals) {
  set_up_logging(o);
  std::error_code ec;
  std::filesystem::create_directories(o.data_dir, ec);
  if (ec) {
    spdlog::error("cannot create data dir {}: {}", o.data_dir.string(), ec.message());
    return 1;
  }
  // The metrics: counted by the adapters as they go, the rest read at each scrape (below).
  metrics::registry meters{{TTAREUNGYI_VERSION, actors::wire_protocol_version(), o.roles}};
  auto storage = storage::open_rocksdb({.dir = o.data_dir / "db", .sync = o.fsync, .meter = &meters});
  if (!storage) {
    spdlog::error("cannot open storage in {}: {}", o.data_dir.string(), storage.error().message);
    return 1;
  }
  if (!o.fsync) spdlog::warn("--no-fsync: commits are not fsync'd; a machine crash may lose the last ones");
  // Operator clients and the token signing key belong to the API of the core: a node without
  // http keeps none in its data dir (its server answers /health only), and a gateway verifies
  // with the core's keys (fetched from it) and has the core sign.
  const bool gateway = o.has("http") && !o.has("core");
  security::resolved_operator_clients operators;
  auto key = security::signing_key::generate();
  if (o.has("http") && !gateway) {
    auto resolved = security::resolve_operator_clients(o.operator_clients, o.data_dir);
    if (!resolved) {
      spdlog::error("operator clients: {}", resolved.error());
      return 2;
    }
    if (resolved->created_file)
      spdlog::info("created an operator client; its id and secret are in {}", resolved->created_file->string());
    operators = std::move(*resolved);
    auto stored = security::signing_key::load_or_create(o.data_dir / "token-signing-key.pem");
    if (!stored) {
      spdlog::error("token signing key: {}", stored.error());
      return 1;
    }
    key = std::move(*stored);
  }
  auto tokens = gateway ? security::token_service::verifier("ttareungyi", o.token_ttl)
                        : security::token_service{std::move(key), "ttareungyi", o.token_ttl};
  const http::token_desk desk{tokens, operators.clients};  // unused by a gateway, which does not sign
  auto trust_core_keys = [&tokens](const std::string& jwks) {
    if (auto trusted = tokens.trust(jwks); !trusted) spdlog::warn("gateway: cannot use the core's keys: {}", trusted.error());
  };

  // The payment provider: the in-process sandbox, or the client of an external payment service.
  std::unique_ptr<ports::payment_provider> provider;
  if (o.payment_provider == "http") {
    auto created = payment::http_provider::create({.url = o.payment_url, .timeout = o.payment_timeout});
    if (!created) {
      spdlog::error("--payment-url: {}", created.error());
      return 2;
    }
    provider = std::move(*created);
    spdlog::info("payment: calling the provider at {}", o.payment_url);
  } else {
    provider = std::make_unique<payment::sandbox_provider>(
        payment::sandbox_settings{o.sandbox_latency, o.sandbox_decline_rate, o.sandbox_failure_rate});
  }
  pbkdf2_hasher hasher{o.password_iterations};
  domain::system_clock clock;
  // Declared before the node, so that it outlives it: the node delivers through it.
  std::unique_ptr<notification::webhook_gateway> webhook;
  if (!o.webhook_url.empty()) {
    auto created = notification::webhook_gateway::create({o.webhook_url, o.webhook_timeout});
    if (!created) {
      spdlog::error("--webhook-url: {}", created.error());
      return 2;
    }
    webhook = std::move(*created);
  }
  if (o.rebuild_views) spdlog::info("--rebuild-views: the read models are rebuilt from the journal");
  std::optional<actors::peer_address> payment_peer;
  if (o.payment) payment_peer = actors::peer_address{o.payment->host, o.payment->port};
  std::optional<actors::peer_address> core_peer;
  if (o.core) core_peer = actors::peer_address{o.core->host, o.core->port};
  actors::node node{**storage,
                    *provider,
                    hasher,
                    clock,
                    {.scheduler_threads = o.scheduler_threads,
                     .payment_timeout = o.payment_timeout,
                     .payment_breaker = {.failure_threshold = o.breaker_failures,
                                         .reset_timeout = o.breaker_reset,
                                         .max_reset_timeout = o.breaker_max_reset},
                     .passivate_after = o.passivate_after,
                     .rebuild_views = o.rebuild_views,
                     .core = o.has("core"),
                     .payment = o.has("payment"),
                     .payment_peer = payment_peer,
                     .notifier = o.has("notifier"),
                     .core_peer = core_peer,
                     .core_keys = gateway ? std::function<void(const std::string&)>{trust_core_keys} : nullptr,
                     .signer = gateway ? nullptr : &desk,
                     .answers = gateway ? nullptr : storage->get(),
                     .node_port = o.node_port,
                     .node_bind = o.bind,
                     .core_wait = o.core_wait,
                     .roles = o.roles,
                     // Several beats within the threshold, so that one late beat is not a stall.
                     .heartbeat_every = std::min(std::chrono::milliseconds{1000}, o.liveness_threshold / 4),
                     .liveness_threshold = o.liveness_threshold,
                     .stall = stall_of(o),
                     .stall_after = o.inject_stall_after},
                    webhook.get()};
  if (auto started = node.start(); !started) {
    spdlog::error("cannot start: {}", started.error());
    return 1;
  }
  if (auto published = node.node_port()) {
    std::cout << "node listening on " << o.bind << ':' << *published << std::endl;
    spdlog::info("node: contexts published for other nodes on {}:{}", o.bind, *published);
  }
  http::server server{node.services(), tokens, operators.clients,
                      {.bind = o.bind,
                       .port = o.port,
                       .threads = o.http_threads,
                       .max_body_bytes = o.max_body_bytes,
                       .max_connections = o.max_connections,
                       .read_timeout = o.read_timeout,
                       .rate_limit_rps = static_cast<double>(o.rate_limit_rps),
                       .rate_limit_burst = static_cast<double>(o.rate_limit_burst),
                       .idempotency = gateway ? node.answers_at_the_core() : storage->get(),
                       .drain_timeout = o.shutdown_timeout,
                       .clock = &clock,
                       .public_url = o.public_url,
                       .feed_contact_email = o.feed_contact_email,
                       .meter = &meters,
                       .metrics = [&meters] { return meters.scrape(); }}};
  meters.read_at_scrape([&node, &server, services = node.services(), data_dir = o.data_dir, &storage] {
    return figures_of(node, services, server, **storage, data_dir);
  });
  auto port = server.start();
  if (!port) {
    spdlog::error("cannot listen on {}:{}: {}", o.bind, o.port, port.error());
    return 1;
  }
  std::cout << "listening on " << o.bind << ':' << *port << std::endl;
  spdlog::info("serving on {}:{} with data in {} (malloc: {})", o.bind, *port, o.data_dir.string(), heap_allocator());

  // Until a stop signal: every few seconds, the heap freed by stopped entity actors goes back
  // to the operating system (heap_release.hpp).
  heap_release release{heap_release_threshold};
  int signal = 0;
  while ((signal = wait_signal(stop_signals, heap_check_every)) <= 0) {
    const auto live = node.live();
    if (release.due(live.tickets + live.bicycles)) release_free_heap();
  }
  // Draining: not ready at once, so that load balancers take the node out, but still serving
  // what they send meanwhile; then no new connections, the requests in flight answered
  // (bounded), the streams ended with a retry: hint. A second signal cuts the wait short.
  spdlog::info("signal {}: draining for {} ms, then stopping", signal, o.drain.count());
  server.start_draining();
  wait_or_signal(stop_signals, o.drain);
  server.stop();
  // Webhook calls in flight end now, as failures, while the node can still take the answer;
  // any later one fails at once (still on the webhook's thread).
  if (webhook) webhook->stop();
  return 0;  // the node (its actors and their commits), the webhook, then storage, close as they go out of scope
}

}  // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so every thread inherits the mask and
  // only the main thread's sigwait receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << cli::usage();
    return args.empty() ? 2 : 0;
  }
  if (args[0] != "serve") {
    std::cerr << "unknown command '" << args[0] << "'\n" << cli::usage();
    return 2;
  }
  if (std::ranges::find_if(args, [](const std::string& a) { return a == "--help" || a == "-h"; }) != args.end()) {
    std::cout << cli::usage();
    return 0;
  }
  auto options = cli::parse_serve({args.begin() + 1, args.end()});
  if (!options) {
    std::cerr << "ttareungyi serve: " << options.error() << "\n" << cli::usage();
    return 2;
  }
  return serve(*options, stop_signals);
}
