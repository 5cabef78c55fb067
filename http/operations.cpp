// The operations endpoints: liveness, and readiness for load balancers (with details about the
// payment provider that never decide it).
#include <exception>

#include "answers.hpp"
#include "handlers.hpp"
#include "json_mapping.hpp"

namespace ttareungyi::http::handlers {

checked<work> health_live(const call&) {
  return [](responder respond) { respond(ok(json{{"status", "live"}})); };
}

checked<work> health_ready(const call& c) {
  return [&c](responder respond) {
    const auto& services = c.services;
    bool up = !services.draining.load(std::memory_order_relaxed) && (!services.app.ready || services.app.ready());
    json body{{"status", up ? "ready" : "starting"}};
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
