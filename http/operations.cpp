// The operations endpoints: liveness, and readiness for load balancers (with details about the
// payment provider that never decide it).
#include <exception>

#include "answers.hpp"
#include "handlers.hpp"
#include "json_mapping.hpp"

namespace ttareungyi::http::handlers {

// Live while the heartbeat goes through the scheduler and the writer: 503 tells an
// orchestrator to restart the node. The ages are there for a person reading it.
checked<work> health_live(const call& c) {
  return [&c](responder respond) {
    app::liveness_report report;
    if (c.services.app.live) report = c.services.app.live();
    json body{{"status", report.live ? "live" : "stalled"}};
    for (const auto& beat : report.heartbeats) body["heartbeatAgeMs"][beat.path] = beat.age.count();
    auto r = json_response(report.live ? 200 : 503, dump(body));
    r.headers.emplace_back("Cache-Control", "no-store");
    respond(std::move(r));
  };
}

// The Prometheus text format, for a scraper; 404 on a server built without metrics.
checked<work> metrics(const call& c) {
  if (!c.services.metrics) return std::unexpected(not_found_problem("this server exports no metrics"));
  return [&c](responder respond) {
    response r{200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}, {"Cache-Control", "no-store"}},
               c.services.metrics()};
    respond(std::move(r));
  };
}

checked<work> health_ready(const call& c) {
  return [&c](responder respond) {
    const auto& services = c.services;
    const bool draining = services.draining.load(std::memory_order_relaxed);
    const bool up = !draining && (!services.app.ready || services.app.ready());
    json body{{"status", draining ? "draining" : up ? "ready" : "starting"}};
    // Details never decide readiness: an open payment breaker leaves rides working.
    if (services.app.health) {
      try {
        auto report = services.app.health();
        if (report.payment) body["payment"] = to_json(*report.payment);
        if (!report.roles.empty()) body["roles"] = report.roles;
        if (!report.peers.empty()) {
          body["peers"] = json::array();
          for (const auto& peer : report.peers) body["peers"].push_back(to_json(peer));
        }
        if (report.notifier) body["notifier"] = to_json(*report.notifier);
      } catch (const std::exception& ex) {
        spdlog::warn("http: health details failed: {}", ex.what());
      }
    }
    auto r = json_response(up ? 200 : 503, dump(body));
    r.headers.emplace_back("Cache-Control", "no-store");
    respond(std::move(r));
  };
}

}  // namespace ttareungyi::http::handlers
