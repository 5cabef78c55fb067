#include "run.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

#include "../common/clock.hpp"
#include "report.hpp"
#include "requests.hpp"
#include "ride_pool.hpp"
#include "server_probe.hpp"
#include "setup.hpp"
#include "worker.hpp"

namespace ttareungyi::bench::load {

int run(const options& o) {
  const auto target = loopback_endpoint(o.host, o.port);
  std::mt19937_64 rng{o.seed};
  request_builder rb{o};

  setup_data s;
  const bool needs_customers = o.scenario != "get" || o.setup_only || !o.save_setup.empty();
  {
    setup_runner runner{target, o.setup_connections};
    if (!o.load_setup.empty()) {
      std::ifstream in{o.load_setup};
      if (!in) throw setup_failure("cannot read " + o.load_setup);
      s = setup_from_json(json::parse(in));
      std::fprintf(stderr, "setup: loaded %zu customers, %zu bicycles, %zu stations from %s\n", s.customers.size(),
                   s.bicycles.size(), s.stations.size(), o.load_setup.c_str());
      sign_in(runner, rb, s);
    } else if (needs_customers) {
      s = create_setup(o, runner, rb, rng);
    }
    if (!o.save_setup.empty()) {
      std::ofstream out{o.save_setup};
      out << to_json(s).dump() << '\n';
      if (!out) throw setup_failure("cannot write " + o.save_setup);
    }
  }
  if (o.setup_only) return 0;
  if (needs_customers && s.customers.empty()) throw setup_failure("no customers");
  // Readers keep a rental (for rental reads); riders buy and ride.
  std::vector<std::size_t> everyone, readers, riders;
  for (std::size_t i = 0; i < s.customers.size(); ++i) {
    everyone.push_back(i);
    (s.customers[i].reader() ? readers : riders).push_back(i);
  }
  const auto connections = static_cast<std::size_t>(o.connections);
  const bool reads = o.scenario == "read" || (o.scenario == "mix" && o.mix[0] > 0);
  const bool rides = o.scenario == "ride" || o.scenario == "notify" || (o.scenario == "mix" && o.mix[2] > 0);
  const bool buys = rides || o.scenario == "purchase" || o.scenario == "mix";
  if (reads && o.read_target == "ticket")
    for (const auto& c : s.customers)
      if (c.tickets.empty()) throw setup_failure("customer " + c.phone + " has no ticket to read");
  if (reads && o.read_target == "current" && readers.empty())
    throw setup_failure("no customer keeps a rental to read: set up with --reading-customers above 0, or use --read-target ticket");
  if (buys && riders.empty())
    throw setup_failure("every customer keeps a rental for reads, none is left to buy or ride: --reading-customers below --customers");
  if (o.scenario == "notify" && riders.size() < connections)
    throw setup_failure("notify needs a rider per connection: " + std::to_string(riders.size()) + " customers without a kept rental for " +
                        std::to_string(connections) + " connections (more --customers)");
  if (rides && (s.bicycles.size() < connections || s.stations.empty()))
    throw setup_failure("ride needs at least one bicycle per connection (" + std::to_string(s.bicycles.size()) + " for " +
                        std::to_string(connections) + " connections)");

  schedule when;
  when.rate = o.rate;
  run_context ctx{o, s, rb, when, std::string(300, 'x')};

  // Connections, spread over the workers; customers, readers and bicycles dealt round-robin
  // (a connection gets one of a group too small to go round), a rider each (notify: its own).
  auto deal = [&](const std::vector<std::size_t>& group, std::size_t k) {
    std::vector<std::size_t> mine;
    for (std::size_t i = k; i < group.size(); i += connections) mine.push_back(group[i]);
    if (mine.empty() && !group.empty()) mine.push_back(group[k % group.size()]);
    return mine;
  };
  std::vector<std::size_t> bicycles(rides ? s.bicycles.size() : 0);
  std::iota(bicycles.begin(), bicycles.end(), std::size_t{0});
  std::vector<std::unique_ptr<worker>> workers;
  for (int t = 0; t < o.threads; ++t) workers.push_back(std::make_unique<worker>(ctx, target, rng()));
  std::vector<connection*> conns;
  std::vector<std::size_t> owners;  // each connection's rider
  for (std::size_t k = 0; k < connections; ++k) {
    auto& c = workers[k % workers.size()]->add();
    c.customers = deal(everyone, k);
    c.readers = deal(readers, k);
    c.rider = riders.empty() ? 0 : riders[k % riders.size()];
    c.bicycles = deal(bicycles, k);
    conns.push_back(&c);
    owners.push_back(c.rider);
  }

  // The ride pool: paid tickets bought now, each connection's for its rider.
  std::size_t pool_size = 0;
  if (rides && o.ride_tickets == "setup") {
    auto bought = buy_ride_pool(target, o, rb, s, owners);
    for (std::size_t k = 0; k < connections; ++k) {
      pool_size += bought[k].size();
      conns[k]->pool = std::move(bought[k]);
    }
  }

  for (auto& w : workers) {
    std::string error;
    if (!w->connect_all(error)) throw std::runtime_error("cannot connect to " + o.host + ":" + std::to_string(o.port) + ": " + error);
  }
  if (o.scenario == "notify") {
    auto started = steady::now();
    for (auto& w : workers) {
      std::string error;
      if (!w->open_streams(error)) throw setup_failure("notification stream: " + error);
    }
    std::fprintf(stderr, "setup: notification streams open: %zu in %.1f s\n", connections, seconds_since(started));
  }

  auto start = steady::now() + std::chrono::milliseconds{50};
  when.start = start;
  when.measure_from = start + seconds_as_duration(o.warmup);
  when.end = when.measure_from + seconds_as_duration(o.duration);
  when.hard_stop = when.end + std::chrono::seconds{5};
  std::fprintf(stderr, "run: %s for %.1f s (+%.1f s warm-up) on %d connections\n", o.scenario.c_str(), o.duration,
               o.warmup, o.connections);
  // The server's cost: sampled by a thread of its own at the window's start and end.
  server_probe probe{o};
  std::thread prober;
  if (probe.enabled())
    prober = std::thread([&] {
      std::this_thread::sleep_until(when.measure_from);
      probe.before();
      std::this_thread::sleep_until(when.end);
      probe.after();
    });
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads) t.join();
  if (prober.joinable()) prober.join();

  stats total;
  for (auto& w : workers) total.merge(w->result());
  // Operations scheduled in the window divided by the time until the last of them finished
  // (the window, or longer when the server fell behind an open-model schedule).
  double elapsed = std::max(o.duration, std::chrono::duration<double>(total.last_done - when.measure_from).count());
  auto report = report_json(o, total, elapsed, o.ride_tickets, pool_size);
  if (probe.enabled()) {
    report["server"] = probe.report(report["operations"].get<std::uint64_t>(), report["requests"].get<std::uint64_t>());
    if (report["server"].contains("error"))
      std::fprintf(stderr, "ttareungyi-load: the server's cost was not measured: %s\n",
                   report["server"]["error"].get<std::string>().c_str());
  }
  if (o.json_output)
    std::cout << report.dump(2) << '\n';
  else
    print_text(report);
  if (!o.json_file.empty()) {
    std::ofstream out{o.json_file};
    out << report.dump(2) << '\n';
  }
  // Exit status for scripts: 3 when nothing succeeded or the transport failed; 4 when notify
  // missed or duplicated a notification, or matched none.
  bool transport = false;
  for (const auto& [k, v] : total.errors)
    if (k == "timeout" || k.starts_with("transport")) transport = true;
  if (report["throughput"].get<double>() <= 0 || transport) return 3;
  if (report.contains("notifications")) {
    const auto& n = report["notifications"];
    if (n["matched"] == 0 || n["missing"] != 0 || n["duplicates"] != 0) return 4;
  }
  return 0;
}

}  // namespace ttareungyi::bench::load
