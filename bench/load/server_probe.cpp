// The server's CPU time from /proc/PID/stat and its commit counters from GET /metrics, at the
// measured window's start and end (server_probe.hpp).
#include "server_probe.hpp"

#include <unistd.h>

#include <asio.hpp>

#include <charconv>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "http_client.hpp"
#include "requests.hpp"

namespace ttareungyi::bench::load {

std::uint64_t stat_cpu_ticks(const std::string& stat_line) {
  // "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses, so the fields are counted
  // from after the last ')'. utime and stime are fields 14 and 15, the 12th and 13th after it.
  auto paren = stat_line.rfind(')');
  if (paren == std::string::npos) throw std::runtime_error("not a /proc/PID/stat line");
  std::istringstream fields{stat_line.substr(paren + 1)};
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int k = 3; k <= 15; ++k) {
    if (!(fields >> field)) throw std::runtime_error("a /proc/PID/stat line with fewer than 15 fields");
    if (k == 14 || k == 15) {
      std::uint64_t v = 0;
      auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
      if (ec != std::errc{} || end != field.data() + field.size())
        throw std::runtime_error("a /proc/PID/stat line whose utime or stime is not a number");
      (k == 14 ? utime : stime) = v;
    }
  }
  return utime + stime;
}

std::map<std::string, double> probe_counters(const std::string& exposition) {
  std::map<std::string, double> found;
  std::istringstream in{exposition};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::string_view l{line};
    auto name_end = l.find_first_of("{ ");
    if (name_end == std::string_view::npos) continue;
    auto name = l.substr(0, name_end);
    std::string_view labels;
    auto rest = l.substr(name_end);
    if (rest.front() == '{') {
      auto close = rest.find('}');
      if (close == std::string_view::npos) continue;
      labels = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
    }
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    std::string value_text{rest.substr(0, rest.find(' '))};  // a timestamp may follow
    char* end = nullptr;
    double value = std::strtod(value_text.c_str(), &end);
    if (value_text.empty() || end != value_text.c_str() + value_text.size()) continue;
    const char* key = nullptr;
    if (name == "ttareungyi_commits_total" && labels.find(R"(outcome="ok")") != std::string_view::npos) key = "commits";
    else if (name == "ttareungyi_commit_groups_total") key = "commitGroups";
    else if (name == "ttareungyi_fsyncs_total") key = "fsyncs";
    else if (name == "process_cpu_seconds_total") key = "processCpuSeconds";
    if (key) found[key] += value;
  }
  return found;
}

server_probe::server_probe(const options& o) : o_(o) {}

void server_probe::read_cpu(sample& s) {
  static const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::uint64_t ticks = 0;
  for (int pid : o_.server_pids) {
    std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
    std::string line;
    if (!in || !std::getline(in, line)) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
    ticks += stat_cpu_ticks(line);
  }
  s.cpu_seconds = static_cast<double>(ticks) / ticks_per_second;
  s.cpu_at = steady::now();
}

void server_probe::scrape(sample& s) {
  s.counters.clear();
  for (auto port : o_.metrics_ports) {
    asio::io_context io;
    http_client client{io, loopback_endpoint(o_.host, port)};
    const bool v6 = o_.host.find(':') != std::string::npos;
    const std::string request = "GET /metrics HTTP/1.1\r\nHost: " + (v6 ? "[" + o_.host + "]" : o_.host) + ":" +
                                std::to_string(port) + "\r\nConnection: close\r\n\r\n";
    http_response r;
    std::exception_ptr failure;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> { r = co_await client.exchange(request); },
                   [&](std::exception_ptr e) { failure = e; });
    io.run_for(std::chrono::milliseconds{o_.timeout_ms});
    if (!io.stopped()) throw std::runtime_error("GET /metrics on port " + std::to_string(port) + ": no answer within --timeout-ms");
    if (failure) std::rethrow_exception(failure);
    if (r.status != 200) throw std::runtime_error("GET /metrics on port " + std::to_string(port) + " answered " + std::to_string(r.status));
    for (const auto& [k, v] : probe_counters(r.body)) s.counters[k] += v;
  }
}

void server_probe::before() {
  try {
    scrape(before_);
    if (!o_.server_pids.empty()) read_cpu(before_);
    else before_.cpu_at = steady::now();
  } catch (const std::exception& ex) {
    error_ = std::string{"at the window's start: "} + ex.what();
  }
}

void server_probe::after() {
  if (!error_.empty()) return;
  try {
    if (!o_.server_pids.empty()) read_cpu(after_);
    else after_.cpu_at = steady::now();
    scrape(after_);
  } catch (const std::exception& ex) {
    error_ = std::string{"at the window's end: "} + ex.what();
  }
}

json server_probe::report(std::uint64_t operations, std::uint64_t requests) const {
  json j;
  j["pids"] = o_.server_pids;
  j["metricsPorts"] = o_.metrics_ports;
  if (!error_.empty()) {
    j["error"] = error_;
    return j;
  }
  auto per = [](double v, std::uint64_t n) { return n == 0 ? 0.0 : v / static_cast<double>(n); };
  auto delta = [&](const char* key) -> std::optional<double> {
    auto a = before_.counters.find(key), b = after_.counters.find(key);
    if (a == before_.counters.end() || b == after_.counters.end()) return std::nullopt;
    return b->second - a->second;
  };
  const double window = std::chrono::duration<double>(after_.cpu_at - before_.cpu_at).count();
  j["windowSeconds"] = window;
  j["operations"] = operations;
  j["requests"] = requests;
  std::optional<double> cpu;
  if (!o_.server_pids.empty()) {
    cpu = after_.cpu_seconds - before_.cpu_seconds;
    j["cpuFrom"] = "utime + stime of /proc/PID/stat";
  } else if (auto from_metrics = delta("processCpuSeconds")) {
    cpu = *from_metrics;  // includes a share of the two scrapes
    j["cpuFrom"] = "process_cpu_seconds_total of GET /metrics";
  }
  if (cpu) {
    j["cpuSeconds"] = *cpu;
    j["cpuCores"] = window > 0 ? *cpu / window : 0.0;
    j["cpuMicrosPerOperation"] = per(*cpu * 1e6, operations);
    j["cpuMicrosPerRequest"] = per(*cpu * 1e6, requests);
  }
  for (const char* key : {"commits", "commitGroups", "fsyncs"}) {
    if (auto d = delta(key)) {
      j[key] = *d;
      j[std::string{key} + "PerOperation"] = per(*d, operations);
    }
  }
  return j;
}

}  // namespace ttareungyi::bench::load
