// The report as text: a line of figures per operation and per request, the notifications'
// delays for notify, the errors, and warnings where a figure cannot be trusted.
#include <cstdio>

#include "report.hpp"

namespace ttareungyi::bench::load {

void print_text(const json& j) {
  auto line = [](const char* name, const json& l) {
    std::printf("  %-30s %9llu %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", name,
                static_cast<unsigned long long>(l["count"].get<std::uint64_t>()), l["min"].get<double>(),
                l["p50"].get<double>(), l["p90"].get<double>(), l["p99"].get<double>(), l["p999"].get<double>(),
                l["max"].get<double>());
  };
  std::printf("%s%s: %s model, %d connections, %d thread(s), %.1f s measured after %.1f s warm-up, target %s\n",
              j["label"].get<std::string>().empty() || j["label"] == j["scenario"] ? ""
                                                                                : (j["label"].get<std::string>() + ": ").c_str(),
              j["scenario"].get<std::string>().c_str(), j["model"].get<std::string>().c_str(),
              j["connections"].get<int>(), j["threads"].get<int>(), j["durationSeconds"].get<double>(),
              j["warmupSeconds"].get<double>(), j["target"].get<std::string>().c_str());
  if (j["rate"].get<double>() > 0) std::printf("  arrival rate %.0f ops/s\n", j["rate"].get<double>());
  if (j["elapsedSeconds"].get<double>() > 1.05 * j["durationSeconds"].get<double>())
    std::printf("  WARNING: behind schedule: the window's operations took %.1f s to finish; throughput is over that time\n",
                j["elapsedSeconds"].get<double>());
  std::printf("  throughput %.1f ops/s (%.1f requests/s), %llu operations, %llu failed\n", j["throughput"].get<double>(),
              j["requestsPerSecond"].get<double>(), static_cast<unsigned long long>(j["operations"].get<std::uint64_t>()),
              static_cast<unsigned long long>(j["failedOperations"].get<std::uint64_t>()));
  if (j.contains("server")) {
    const auto& s = j["server"];
    if (s.contains("error")) {
      std::printf("  server cost: not measured (%s)\n", s["error"].get<std::string>().c_str());
    } else {
      std::printf("  server cost over the window:");
      if (s.contains("cpuSeconds"))
        std::printf(" CPU %.1f µs per operation, %.1f µs per request (%.2f cores busy)%s",
                    s["cpuMicrosPerOperation"].get<double>(), s["cpuMicrosPerRequest"].get<double>(),
                    s["cpuCores"].get<double>(), s.contains("commits") ? ";" : "");
      if (s.contains("commits"))
        std::printf(" %.2f commits, %.2f commit groups, %.2f fsyncs per operation", s["commitsPerOperation"].get<double>(),
                    s.value("commitGroupsPerOperation", 0.0), s.value("fsyncsPerOperation", 0.0));
      std::printf("\n");
    }
  }
  if (j.contains("rideTickets")) {
    std::printf("  ride tickets: %s (pool %llu bought in setup, %llu bought inside cycles)\n",
                j["rideTickets"].get<std::string>() == "setup" ? "bought in setup, a cycle is rent + return"
                                                               : "bought in each cycle, a cycle is purchase + rent + return",
                static_cast<unsigned long long>(j["ridePool"].get<std::uint64_t>()),
                static_cast<unsigned long long>(j["inlinePurchases"].get<std::uint64_t>()));
    if (j.contains("firstOutOfTicketsAt"))
      std::printf("  WARNING: %llu connection(s) stopped without tickets, the first %.1f s into the measurement; use --ride-pool\n",
                  static_cast<unsigned long long>(j["connectionsOutOfTickets"].get<std::uint64_t>()),
                  j["firstOutOfTicketsAt"].get<double>());
  }
  if (j.contains("listing"))
    std::printf("  listing: pages of %d bicycles, %llu walk(s) through every page finished in the window\n",
                j["listing"]["pageSize"].get<int>(),
                static_cast<unsigned long long>(j["listing"]["walksCompleted"].get<std::uint64_t>()));
  std::printf("  latency (ms, %s)          count       min       p50       p90       p99     p99.9       max\n",
              j["latencyFrom"].get<std::string>() == "send time" ? "from send    " : "from schedule");
  line("operations", j["latencyMs"]);
  for (auto& [k, v] : j["byOperation"].items()) line(("  " + k).c_str(), v);
  std::printf("  service time per request (ms, from its own send)\n");
  for (auto& [k, v] : j["byRequest"].items()) line(("  " + k).c_str(), v);
  if (j.contains("notifications")) {
    const auto& n = j["notifications"];
    auto count = [&](const char* key) { return static_cast<unsigned long long>(n[key].get<std::uint64_t>()); };
    std::printf("  notification delay (ms, from the HTTP answer of the rent or return to its notification)\n");
    line("notifications", n["delayMs"]);
    for (auto& [k, v] : n["byKind"].items()) line(("  " + k).c_str(), v);
    std::printf("  notifications: %llu matched, %llu missing after a %.1f s grace, %llu duplicated, %llu before their answer"
                " (delay 0), %llu without an answer\n",
                count("matched"), count("missing"), n["graceSeconds"].get<double>(), count("duplicates"), count("beforeAnswer"),
                count("unmatched"));
  }
  if (j["errors"].empty() && j["warmupErrors"].empty()) {
    std::printf("  errors: none\n");
  } else {
    for (auto& [k, v] : j["errors"].items()) std::printf("  error %-50s %llu\n", k.c_str(), static_cast<unsigned long long>(v.get<std::uint64_t>()));
    for (auto& [k, v] : j["warmupErrors"].items())
      std::printf("  warm-up error %-42s %llu\n", k.c_str(), static_cast<unsigned long long>(v.get<std::uint64_t>()));
  }
  if (j["notSent"].get<std::uint64_t>() > 0)
    std::printf("  WARNING: %llu scheduled operations never sent (far behind schedule)\n",
                static_cast<unsigned long long>(j["notSent"].get<std::uint64_t>()));
}

}  // namespace ttareungyi::bench::load
