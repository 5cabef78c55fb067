#include "ttareungyi/metrics/registry.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

#include "process.hpp"
#include "ttareungyi/domain/circuit_breaker.hpp"

namespace ttareungyi::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Methods outside the table count as "other": a label value never comes from a client as is.
constexpr std::array<std::string_view, 8> methods{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "other"};
std::size_t method_index(std::string_view method) {
  for (std::size_t i = 0; i + 1 < methods.size(); ++i)
    if (methods[i] == method) return i;
  return methods.size() - 1;
}

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

// A family read at scrape: one sample per label set.
struct sample {
  std::vector<ClientMetric::Label> labels;
  double value = 0;
};
MetricFamily family(std::string name, std::string help, MetricType type, const std::vector<sample>& samples) {
  MetricFamily f{std::move(name), std::move(help), type, {}};
  for (const auto& s : samples) {
    ClientMetric m;
    m.label = s.labels;
    if (type == MetricType::Counter)
      m.counter.value = s.value;
    else
      m.gauge.value = s.value;
    f.metric.push_back(std::move(m));
  }
  return f;
}
MetricFamily gauge(std::string name, std::string help, double value) {
  return family(std::move(name), std::move(help), MetricType::Gauge, {{{}, value}});
}

constexpr std::array<domain::breaker_state, 3> breaker_states{domain::breaker_state::closed, domain::breaker_state::open,
                                                              domain::breaker_state::half_open};

void add_payment(std::vector<MetricFamily>& out, const app::payment_health& p) {
  std::vector<sample> state, moved;
  for (auto s : breaker_states) {
    std::string name{domain::to_string(s)};
    state.push_back({{{"state", name}}, p.breaker == s ? 1.0 : 0.0});
    moved.push_back({{{"to", name}}, static_cast<double>(p.transitions_to[static_cast<std::size_t>(s)])});
  }
  out.push_back(family("ttareungyi_payment_breaker_state", "The payment circuit breaker's state (1 for the current one)",
                       MetricType::Gauge, state));
  out.push_back(family("ttareungyi_payment_breaker_transitions_total", "Changes of the payment circuit breaker's state",
                       MetricType::Counter, moved));
  std::vector<sample> calls;
  auto add = [&calls](const char* operation, const app::payment_calls& c) {
    for (auto [outcome, n] : {std::pair{"approved", c.approved}, std::pair{"declined", c.declined},
                              std::pair{"failed", c.failed}, std::pair{"rejected", c.rejected}})
      calls.push_back({{{"operation", operation}, {"outcome", outcome}}, static_cast<double>(n)});
  };
  add("charge", p.charges);
  add("refund", p.refunds);
  out.push_back(family("ttareungyi_payment_calls_total",
                       "Payment calls by outcome: approved or declined by the provider, failed (error or too slow), "
                       "rejected at once by the open breaker",
                       MetricType::Counter, calls));
}

void add_figures(std::vector<MetricFamily>& out, const node_figures& f) {
  out.push_back(gauge("ttareungyi_ready", "1 while /health/ready answers 200", f.ready ? 1 : 0));
  out.push_back(gauge("ttareungyi_draining", "1 from SIGTERM until the node stops", f.draining ? 1 : 0));
  out.push_back(gauge("ttareungyi_live", "1 while /health/live answers 200", f.live ? 1 : 0));
  std::vector<sample> beats;
  for (const auto& h : f.heartbeats) beats.push_back({{{"path", h.path}}, h.age_seconds});
  out.push_back(family("ttareungyi_heartbeat_age_seconds",
                       "Time since the liveness heartbeat last went through the actor scheduler or the commit writer",
                       MetricType::Gauge, beats));
  if (f.journal_head) {
    out.push_back(gauge("ttareungyi_journal_head_sequence", "The journal's last durable sequence", static_cast<double>(*f.journal_head)));
    std::vector<sample> positions, lags;
    for (const auto& c : f.consumers) {
      positions.push_back({{{"consumer", c.name}}, static_cast<double>(c.position)});
      const auto lag = *f.journal_head > c.position ? *f.journal_head - c.position : 0;
      lags.push_back({{{"consumer", c.name}}, static_cast<double>(lag)});
    }
    out.push_back(family("ttareungyi_consumer_position_sequence", "The last journal sequence each consumer applied",
                         MetricType::Gauge, positions));
    out.push_back(family("ttareungyi_consumer_lag_events", "Journal events each consumer has yet to apply",
                         MetricType::Gauge, lags));
  }
  out.push_back(family("ttareungyi_live_entities", "Ticket and bicycle actors in memory", MetricType::Gauge,
                       {{{{"kind", "ticket"}}, static_cast<double>(f.live_tickets)},
                        {{{"kind", "bicycle"}}, static_cast<double>(f.live_bicycles)}}));
  if (f.payment) add_payment(out, *f.payment);
  out.push_back(gauge("ttareungyi_sse_watchers", "Open notification streams", static_cast<double>(f.sse_watchers)));
  if (!f.peers.empty()) {
    std::vector<sample> up;
    for (const auto& p : f.peers)
      up.push_back({{{"context", p.context}, {"address", p.address}}, p.state == app::peer_state::connected ? 1.0 : 0.0});
    out.push_back(family("ttareungyi_peer_up", "1 while the context this node reaches on another node is connected",
                         MetricType::Gauge, up));
  }
  if (f.data_dir) {
    out.push_back(gauge("ttareungyi_data_dir_free_bytes", "Bytes free for the data directory's file system",
                        static_cast<double>(f.data_dir->free_bytes)));
    out.push_back(gauge("ttareungyi_data_dir_capacity_bytes", "Size of the data directory's file system",
                        static_cast<double>(f.data_dir->capacity_bytes)));
  }
}

void add_process(std::vector<MetricFamily>& out) {
  auto p = read_process();
  if (!p) return;
  out.push_back(family("process_cpu_seconds_total", "User and system CPU time spent", MetricType::Counter, {{{}, p->cpu_seconds}}));
  out.push_back(gauge("process_resident_memory_bytes", "Resident memory size", p->resident_bytes));
  out.push_back(gauge("process_virtual_memory_bytes", "Virtual memory size", p->virtual_bytes));
  out.push_back(gauge("process_open_fds", "Open file descriptors", p->open_fds));
  out.push_back(gauge("process_max_fds", "The limit of open file descriptors", p->max_fds));
  out.push_back(gauge("process_start_time_seconds", "Start time since the Unix epoch", p->start_time_seconds));
}

// One route's meters, created on its first request. The label sets are bounded: the route
// table's templates (plus "unmatched"), eight methods, and the statuses the server writes.
struct route_meters {
  std::array<prometheus::Histogram*, methods.size()> duration{};
  std::map<std::pair<std::size_t, int>, prometheus::Counter*> answers;  // (method, status)
};

struct text_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct registry::impl {
  build about;
  std::shared_ptr<prometheus::Registry> reg = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("ttareungyi_http_requests_total")
          .Help("HTTP requests answered, by method, route template and status")
          .Register(*reg);
  prometheus::Family<prometheus::Histogram>& durations =
      prometheus::BuildHistogram()
          .Name("ttareungyi_http_request_duration_seconds")
          .Help("Time from a request read to its answer handed to the connection")
          .Register(*reg);
  prometheus::Counter& rate_limited = prometheus::BuildCounter()
                                          .Name("ttareungyi_http_rate_limited_total")
                                          .Help("Requests refused with 429 by the rate limits")
                                          .Register(*reg)
                                          .Add({});
  prometheus::Family<prometheus::Counter>& commits =
      prometheus::BuildCounter().Name("ttareungyi_commits_total").Help("Changesets committed or failed").Register(*reg);
  prometheus::Counter& commits_ok = commits.Add({{"outcome", "ok"}});
  prometheus::Counter& commits_failed = commits.Add({{"outcome", "failed"}});
  prometheus::Counter& groups =
      prometheus::BuildCounter().Name("ttareungyi_commit_groups_total").Help("Write batches of the group commit").Register(*reg).Add({});
  prometheus::Histogram& commit_duration = prometheus::BuildHistogram()
                                               .Name("ttareungyi_commit_duration_seconds")
                                               .Help("Time to write one group's batch, fsync included")
                                               .Register(*reg)
                                               .Add({}, prometheus::Histogram::BucketBoundaries{
                                                            0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                            0.05, 0.1, 0.25, 0.5, 1});
  prometheus::Histogram& group_size = prometheus::BuildHistogram()
                                          .Name("ttareungyi_commit_group_size")
                                          .Help("Changesets per write batch")
                                          .Register(*reg)
                                          .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024});
  prometheus::Counter& fsyncs =
      prometheus::BuildCounter().Name("ttareungyi_fsyncs_total").Help("Write batches fsync'd").Register(*reg).Add({});

  mutable std::shared_mutex routes_mutex;
  std::unordered_map<std::string, route_meters, text_hash, std::equal_to<>> routes;
  std::function<node_figures()> figures;

  // The meters of (method, route, status), made on first use.
  std::pair<prometheus::Histogram*, prometheus::Counter*> meters(std::size_t method, std::string_view route, int status) {
    {
      std::shared_lock read{routes_mutex};
      if (auto it = routes.find(route); it != routes.end()) {
        auto& r = it->second;
        auto answer = r.answers.find({method, status});
        if (r.duration[method] && answer != r.answers.end()) return {r.duration[method], answer->second};
      }
    }
    std::unique_lock write{routes_mutex};
    auto& r = routes.try_emplace(std::string{route}).first->second;
    const std::string m{methods[method]};
    if (!r.duration[method])
      r.duration[method] = &durations.Add({{"method", m}, {"route", std::string{route}}},
                                          prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                                  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    auto& counter = r.answers[{method, status}];
    if (!counter) counter = &requests.Add({{"method", m}, {"route", std::string{route}}, {"status", std::to_string(status)}});
    return {r.duration[method], counter};
  }
};

registry::registry(build about) : impl_(std::make_unique<impl>()) {
  impl_->about = std::move(about);
}

registry::~registry() = default;

void registry::read_at_scrape(std::function<node_figures()> figures) { impl_->figures = std::move(figures); }

void registry::answered(std::string_view method, std::string_view route, int status, std::chrono::nanoseconds took) noexcept {
  try {
    auto [duration, count] = impl_->meters(method_index(method), route, status);
    duration->Observe(seconds(took));
    count->Increment();
    if (status == 429) impl_->rate_limited.Increment();
  } catch (...) {
    // A meter that cannot be made (out of memory) loses this one count, never the answer.
  }
}

void registry::committed(std::size_t changesets, bool ok, bool synced, std::chrono::nanoseconds took) noexcept {
  (ok ? impl_->commits_ok : impl_->commits_failed).Increment(static_cast<double>(changesets));
  impl_->groups.Increment();
  impl_->commit_duration.Observe(seconds(took));
  impl_->group_size.Observe(static_cast<double>(changesets));
  if (ok && synced) impl_->fsyncs.Increment();
}

std::string registry::scrape() const {
  auto families = impl_->reg->Collect();
  std::vector<sample> roles;
  for (const auto& role : impl_->about.roles) roles.push_back({{{"role", role}}, 1});
  families.push_back(family("ttareungyi_build_info", "The build: version and wire protocol", MetricType::Gauge,
                            {{{{"version", impl_->about.version},
                               {"wire_protocol", std::to_string(impl_->about.wire_protocol)}},
                              1}}));
  families.push_back(family("ttareungyi_node_role", "The contexts this node runs", MetricType::Gauge, roles));
  if (impl_->figures) add_figures(families, impl_->figures());
  add_process(families);
  return prometheus::TextSerializer{}.Serialize(families);
}

}  // namespace ttareungyi::metrics
