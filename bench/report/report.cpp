// ttareungyi-bench-report: reads the JSON files bench/run.sh wrote into a results folder,
// prints each product figure beside its limit as a ratio, checks the targets of the bench
// issue, and writes summary.json there.
//
//   ttareungyi-bench-report RESULTS_DIR
//
// Files it understands (any may be missing): fsync.json (ttareungyi-fsync-limit), bare.json
// (ttareungyi-load get against ttareungyi-bare), read.json and read-open.json (current rental),
// read-ticket.json, feed.json (GBFS station_status polls), purchase.json, ride.json, mix.json, notify.json (ttareungyi-load against the
// product), purchase-split.json and ride-split.json (the product with payment on its own node),
// ride-replicas.json (its notifications made by two notifier replicas), read-gateway.json and
// ride-gateway.json (through a gateway node), and for --large: large-10k.json and large-1m.json (start-up time and RSS written by
// run.sh), read-10k.json and read-1m.json, and per size ride-SIZE.json, ride-SIZE-listing.json
// (the same rides while list-SIZE.json walked the bicycle listing) and list-SIZE.json, for SIZE
// 10k, 1m (closed-model rides), 10k-open and 1m-open (rides at the notify rate).
//
// Then the server's cost per operation of every ttareungyi-load run that measured it (the
// "server" object that --server-pid and --metrics-port add): the server's CPU per operation,
// its CPU per HTTP request as a multiple of the bare endpoint's, commits and fsyncs per
// operation; as a table in docs/benchmarks.md's format, also written to cost.md.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

std::optional<json> load(const fs::path& dir, const char* name) {
  std::ifstream in{dir / name};
  if (!in) return std::nullopt;
  try {
    return json::parse(in);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "ttareungyi-bench-report: %s: %s\n", name, ex.what());
    return std::nullopt;
  }
}

double num(const json& j, const json::json_pointer& p) { return j.contains(p) ? j.at(p).get<double>() : 0; }

struct row_printer {
  json rows = json::array();

  // A product figure against its limit, with the ratio's target (0: none).
  void ratio(const std::string& name, double product, const std::string& limit_name, double limit, double target) {
    if (limit <= 0) {  // the limit was not measured in this run
      std::printf("  %-44s %12.1f   %-26s %12s   %6s\n", name.c_str(), product, limit_name.c_str(), "-", "-");
      rows.push_back({{"figure", name}, {"product", product}, {"limit", limit_name}});
      return;
    }
    double r = product / limit;
    bool met = target <= 0 || r >= target;
    std::printf("  %-44s %12.1f   %-26s %12.1f   %6.3f   %s\n", name.c_str(), product, limit_name.c_str(), limit, r,
                target > 0 ? (std::string(met ? "met" : "MISSED") + " (>= " + fmt(target) + ")").c_str() : "");
    json row{{"figure", name}, {"product", product}, {"limit", limit_name}, {"limitValue", limit}, {"ratio", r}};
    if (target > 0) row["target"] = ">= " + fmt(target), row["met"] = met;
    rows.push_back(row);
  }
  // A figure against an absolute bound: at most `bound`; missed anyway when `spoiled` says why.
  void at_most(const std::string& name, double value, const std::string& unit, double bound, const std::string& spoiled = {}) {
    bool met = value <= bound && spoiled.empty();
    std::printf("  %-44s %12.3f %-5s %45s   %s (<= %s %s)%s\n", name.c_str(), value, unit.c_str(), "", met ? "met" : "MISSED",
                fmt(bound).c_str(), unit.c_str(), spoiled.empty() ? "" : ("; " + spoiled).c_str());
    json row{{"figure", name}, {"value", value}, {"unit", unit}, {"target", "<= " + fmt(bound) + " " + unit}, {"met", met}};
    if (!spoiled.empty()) row["spoiled"] = spoiled;
    rows.push_back(row);
  }
  void plain(const std::string& name, double value, const std::string& unit) {
    std::printf("  %-44s %12.3f %s\n", name.c_str(), value, unit.c_str());
    rows.push_back({{"figure", name}, {"value", value}, {"unit", unit}});
  }
  void count(const std::string& name, std::uint64_t n) {
    std::printf("  %-44s %12llu\n", name.c_str(), static_cast<unsigned long long>(n));
    rows.push_back({{"figure", name}, {"count", n}});
  }
  static std::string fmt(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
  }
};

// "1,953": a rate as docs/benchmarks.md writes it.
std::string thousands(double v) {
  auto digits = std::to_string(static_cast<long long>(v + 0.5));
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return digits;
}

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The server's cost per operation of each run that measured it (ttareungyi-load --server-pid,
// --metrics-port), beside the bare endpoint's CPU per request: printed and written to cost.md
// as a docs/benchmarks.md table, returned as rows for summary.json.
json cost_table(const fs::path& dir) {
  static constexpr const char* runs[] = {
      "bare",        "read",         "read-ticket",   "read-open",     "feed",         "purchase",
      "ride",        "mix",          "notify",        "purchase-split", "ride-split",  "ride-replicas",
      "read-gateway", "ride-gateway", "read-10k",     "read-10k-open", "read-10k-spread", "ride-10k",
      "ride-10k-listing", "ride-10k-open", "ride-10k-open-listing", "read-1m", "read-1m-open", "read-1m-spread",
      "ride-1m", "ride-1m-listing", "ride-1m-open", "ride-1m-open-listing"};
  const auto per_request = json::json_pointer{"/server/cpuMicrosPerRequest"};
  double bare_us = 0;
  if (auto bare = load(dir, "bare.json")) bare_us = num(*bare, per_request);
  json rows = json::array();
  std::string table =
      "| scenario | ops/s | requests/op | server CPU µs/op | × bare | commits/op | fsyncs/op | server cores |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  const std::string none = "—";
  for (const char* name : runs) {
    auto run = load(dir, (std::string{name} + ".json").c_str());
    if (!run || !run->contains("server")) continue;
    const auto& s = (*run)["server"];
    if (s.contains("error")) {
      std::printf("  %s: the server's cost was not measured: %s\n", name, s["error"].get<std::string>().c_str());
      continue;
    }
    const double ops = s.value("operations", 0.0), requests = s.value("requests", 0.0);
    json row{{"scenario", name}, {"operationsPerSecond", num(*run, json::json_pointer{"/throughput"})}};
    if (ops > 0) row["requestsPerOperation"] = requests / ops;
    for (const char* key : {"cpuMicrosPerOperation", "cpuMicrosPerRequest", "cpuCores", "commitsPerOperation",
                            "commitGroupsPerOperation", "fsyncsPerOperation"})
      if (s.contains(key)) row[key] = s[key];
    if (s.contains("cpuMicrosPerRequest") && bare_us > 0) row["cpuPerRequestToBare"] = s["cpuMicrosPerRequest"].get<double>() / bare_us;
    auto cell = [&](const char* key, int decimals) {
      return row.contains(key) ? fixed(row[key].get<double>(), decimals) : none;
    };
    table += std::string{"| "} + name + " | " + thousands(row["operationsPerSecond"].get<double>()) + " | " +
             cell("requestsPerOperation", 2) + " | " + cell("cpuMicrosPerOperation", 1) + " | " +
             cell("cpuPerRequestToBare", 2) + " | " + cell("commitsPerOperation", 2) + " | " +
             cell("fsyncsPerOperation", 2) + " | " + cell("cpuCores", 2) + " |\n";
    rows.push_back(row);
  }
  if (rows.empty()) return rows;
  std::printf("\n== the server's cost per operation, over each run's measured window (table for docs/benchmarks.md)\n"
              "   × bare: the server's CPU per HTTP request / the bare endpoint's (%s µs); a ride cycle is 2 requests\n%s",
              bare_us > 0 ? fixed(bare_us, 1).c_str() : "not measured", table.c_str());
  std::ofstream{dir / "cost.md"} << table;
  return rows;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ttareungyi-bench-report RESULTS_DIR\n";
    return 2;
  }
  fs::path dir{argv[1]};
  row_printer out;
  json summary;
  const auto throughput = json::json_pointer{"/throughput"};
  const auto p99 = json::json_pointer{"/latencyMs/p99"};
  std::printf("  %-44s %12s   %-26s %12s   %6s\n", "product figure", "value", "limit", "value", "ratio");

  auto fsync = load(dir, "fsync.json");
  auto bare = load(dir, "bare.json");
  double fsync_rate = fsync ? num(*fsync, json::json_pointer{"/writesPerSecond"}) : 0;
  double bare_rate = bare ? num(*bare, throughput) : 0;
  // What a read run read: results written before --read-target existed read tickets.
  auto read_name = [](const json& j) { return std::string{j.value("readTarget", "ticket") == "current" ? "read (current rental)" : "read (ticket)"}; };
  auto kept_up = [&](const json& j, const char* what) {
    auto rate = j["rate"].get<double>();
    if (j["notSent"].get<double>() > 0 || num(j, throughput) < 0.95 * rate)
      std::printf("  WARNING: the %s did not keep up with its rate (%.0f/s of %.0f/s)\n", what, num(j, throughput), rate);
  };
  if (auto read = load(dir, "read.json")) {
    // run.sh --rounds N: bare.K.json and read.K.json for rounds 2..N, run alternately; the
    // round with the median ratio stands for the run, and the p99 is the rounds' median.
    struct round {
      double read, bare, p99;
    };
    std::vector<round> rounds{{num(*read, throughput), bare_rate, num(*read, p99)}};
    for (int k = 2;; ++k) {
      auto b = load(dir, ("bare." + std::to_string(k) + ".json").c_str());
      auto r = load(dir, ("read." + std::to_string(k) + ".json").c_str());
      if (!b || !r) break;
      rounds.push_back({num(*r, throughput), num(*b, throughput), num(*r, p99)});
    }
    auto conns = std::to_string((*read)["connections"].get<int>());
    std::string of_rounds;
    if (rounds.size() > 1) {
      of_rounds = " (median of " + std::to_string(rounds.size()) + ")";
      for (std::size_t k = 0; k < rounds.size(); ++k)
        out.ratio("  round " + std::to_string(k + 1) + ": read ops/s, p99 " + row_printer::fmt(rounds[k].p99) + " ms",
                  rounds[k].read, "bare RESTinio req/s", rounds[k].bare, 0);
    }
    auto by_ratio = rounds;
    std::sort(by_ratio.begin(), by_ratio.end(), [](const round& a, const round& b) {
      return a.read * b.bare < b.read * a.bare;  // a.read / a.bare < b.read / b.bare
    });
    const auto& middle = by_ratio[by_ratio.size() / 2];
    std::vector<double> p99s;
    for (const auto& r : rounds) p99s.push_back(r.p99);
    std::sort(p99s.begin(), p99s.end());
    out.ratio(read_name(*read) + " ops/s, " + conns + " conn" + of_rounds, middle.read, "bare RESTinio req/s", middle.bare, 0.6);
    out.at_most(read_name(*read) + " p99, closed, " + conns + " conn" + of_rounds, p99s[p99s.size() / 2], "ms", 3);
  }
  // Through a gateway node: its own copy of the view, the same target as the bare endpoint's.
  if (auto gateway = load(dir, "read-gateway.json")) {
    out.ratio(read_name(*gateway) + " ops/s through a gateway", num(*gateway, throughput), "bare RESTinio req/s", bare_rate,
              0.6);
    out.plain(read_name(*gateway) + " p99 through a gateway", num(*gateway, p99), "ms");
  }
  if (auto open = load(dir, "read-open.json")) {
    auto conns = std::to_string((*open)["connections"].get<int>());
    out.at_most(read_name(*open) + " p99, " + row_printer::fmt((*open)["rate"].get<double>()) + "/s, " + conns + " conn",
                num(*open, p99), "ms", 3);
    kept_up(*open, "open-model read");
  }
  if (auto ticket = load(dir, "read-ticket.json")) {
    out.ratio(read_name(*ticket) + " ops/s", num(*ticket, throughput), "bare RESTinio req/s", bare_rate, 0);
    out.plain(read_name(*ticket) + " p99", num(*ticket, p99), "ms");
  }
  if (auto feed = load(dir, "feed.json")) {  // trip planners polling GBFS station_status, no token
    out.ratio("GBFS station_status polls/s", num(*feed, throughput), "bare RESTinio req/s", bare_rate, 0);
    out.plain("GBFS station_status p99", num(*feed, p99), "ms");
  }
  // Decisions against the durable-write limit: the rate as a ratio of fsync'd puts, and the p99.
  auto durable = [&](const char* file, const char* rate, const char* p99_label, double target) {
    if (auto run = load(dir, file)) {
      out.ratio(rate, num(*run, throughput), "fsync'd puts/s", fsync_rate, target);
      out.plain(p99_label, num(*run, p99), "ms");
    }
  };
  durable("ride.json", "ride cycles/s (rent+return)", "ride cycle p99", 0.5);
  durable("purchase.json", "purchase/s", "purchase p99", 0.4);
  // The payment context on a payment node (docs/nodes.md): purchases cross CAF's remote hop.
  durable("purchase-split.json", "purchase/s, payment on its own node", "purchase p99, payment on its own node", 0);
  durable("ride-split.json", "ride cycles/s, payment on its own node", "ride cycle p99, payment on its own node", 0);
  // The notifications made by two notifier replicas on their own nodes.
  durable("ride-replicas.json", "ride cycles/s, two notifier replicas", "ride cycle p99, two notifier replicas", 0);
  durable("ride-gateway.json", "ride cycles/s through a gateway", "ride cycle p99 through a gateway", 0);
  if (auto mix = load(dir, "mix.json")) {
    out.ratio("mix ops/s", num(*mix, throughput), "bare RESTinio req/s", bare_rate, 0);
    out.plain("mix p99", num(*mix, p99), "ms");
  }
  if (auto notify = load(dir, "notify.json")) {
    // Delay from a rent's (return's) HTTP answer to its notification on the customer's stream.
    const auto& n = (*notify)["notifications"];
    auto count = [&](const char* key) { return n[key].get<std::uint64_t>(); };
    std::string spoiled;
    if (count("matched") == 0) spoiled = "no notification arrived";
    if (count("missing") > 0 || count("duplicates") > 0)
      spoiled = std::to_string(count("missing")) + " missing, " + std::to_string(count("duplicates")) + " duplicated";
    // The target is the rent's (its answer is the one a notice can trail; a return's notice is
    // raised one commit before the answer); the return's and both together are shown beside it.
    const auto rate = row_printer::fmt((*notify)["rate"].get<double>()) + " rides/s";
    out.at_most("notification delay p99 after a rent, " + rate,
                num(n, json::json_pointer{"/byKind/bicycle_rented/p99"}), "ms", 5, spoiled);
    out.plain("notification delay p99 after a return", num(n, json::json_pointer{"/byKind/bicycle_returned/p99"}), "ms");
    out.plain("notification delay p99, rents and returns", num(n, json::json_pointer{"/delayMs/p99"}), "ms");
    out.count("notifications matched", count("matched"));
    out.count("notifications missing", count("missing"));
    out.count("notifications duplicated", count("duplicates"));
    kept_up(*notify, "notify run");
  }
  if (bare) out.plain("bare RESTinio p99", num(*bare, p99), "ms");
  if (auto product = load(dir, "product.json")) out.plain("product RSS after the runs", num(*product, json::json_pointer{"/rssKiB"}) / 1024, "MiB");
  if (fsync) out.plain("fsync'd put p99", num(*fsync, p99), "ms");

  auto small = load(dir, "large-10k.json");
  auto large = load(dir, "large-1m.json");
  auto read_small = load(dir, "read-10k.json");
  auto read_large = load(dir, "read-1m.json");
  if (large) {
    out.at_most("1M+1M: RSS after reads of 10k tickets", (*large)["rssAfterKiB"].get<double>() / 1024, "MiB", 512);
    out.plain("1M+1M: server peak RSS (VmHWM)", (*large)["hwmAfterKiB"].get<double>() / 1024, "MiB");
    if (large->contains("rssAfterSpreadKiB")) {
      auto spread = load(dir, "read-1m-spread.json");
      out.at_most("1M+1M: RSS after reads over all", (*large)["rssAfterSpreadKiB"].get<double>() / 1024, "MiB", 512);
      if (spread)
        std::printf("  (%.0f reads spread over 1M tickets in %.0f s, at %.0f/s)\n", num(*spread, json::json_pointer{"/operations"}),
                    num(*spread, json::json_pointer{"/durationSeconds"}), num(*spread, throughput));
    }
    out.at_most("1M+1M: start-up until listening", (*large)["startupSeconds"].get<double>(), "s", 3);
    if (large->contains("firstStartupSeconds"))
      out.plain("1M+1M: first start after the load", (*large)["firstStartupSeconds"].get<double>(), "s");
  }
  if (small) out.plain("10k+10k: start-up until listening", (*small)["startupSeconds"].get<double>(), "s");
  if (read_small && read_large) {
    double a = num(*read_small, p99), b = num(*read_large, p99);
    out.plain("10k+10k: read p99", a, "ms");
    out.plain("1M+1M: read p99", b, "ms");
    out.at_most("1M+1M read p99 / 10k+10k read p99", a > 0 ? b / a : 0, "x", 1.2);
    out.plain("10k+10k: read ops/s", num(*read_small, throughput), "ops/s");
    out.plain("1M+1M: read ops/s", num(*read_large, throughput), "ops/s");
  }
  for (const char* open : {"read-10k-open.json", "read-1m-open.json"}) {
    if (auto r = load(dir, open)) out.plain(std::string{open}.substr(0, std::string{open}.size() - 5) + " p99", num(*r, p99), "ms");
  }
  // A walk through the bicycle listing during rides: the rides' p99 beside the same rides' p99
  // alone (no target figure is set: the issue asks that the listing not raise it).
  // Closed-model rides (the listing's CPU is taken from them) and open-model ones ("-open", at
  // a rate the machine keeps up with: only waiting behind the listing would raise their p99).
  for (const std::string size : {"10k", "1m", "10k-open", "1m-open"}) {
    auto alone = load(dir, ("ride-" + size + ".json").c_str());
    auto listing = load(dir, ("ride-" + size + "-listing.json").c_str());
    auto list = load(dir, ("list-" + size + ".json").c_str());
    std::string label = size.starts_with("1m") ? "1M+1M" : "10k+10k";
    if (size.ends_with("-open")) label += " open";
    if (alone && listing) {
      double a = num(*alone, p99), b = num(*listing, p99);
      double rate_a = num(*alone, throughput), rate_b = num(*listing, throughput);
      out.plain(label + ": ride cycle p99 alone", a, "ms");
      out.plain(label + ": ride cycle p99 during listing", b, "ms");
      out.plain(label + ": ride p99 during listing / alone", a > 0 ? b / a : 0, "x");
      out.plain(label + ": ride rate during listing / alone", rate_a > 0 ? rate_b / rate_a : 0, "x");
    }
    if (list) {
      auto shape = fixed(num(*list, json::json_pointer{"/listing/pageSize"}), 0) + "/page, " +
                   std::to_string((*list)["connections"].get<int>()) + " conn";
      out.plain(label + ": listing page p99 (" + shape + ")", num(*list, p99), "ms");
      out.plain(label + ": listing pages/s during rides", num(*list, throughput), "pages/s");
    }
  }

  summary["figures"] = out.rows;
  summary["serverCost"] = cost_table(dir);
  for (const char* name : {"fsync.json", "bare.json", "read.json", "read-ticket.json", "read-open.json", "feed.json", "purchase.json", "product.json",
                           "ride.json", "mix.json", "notify.json", "purchase-split.json", "ride-split.json", "ride-replicas.json", "read-gateway.json", "ride-gateway.json", "large-10k.json",
                           "large-1m.json", "read-10k.json", "read-1m.json", "read-10k-open.json", "read-1m-open.json",
                           "read-10k-spread.json", "read-1m-spread.json", "ride-10k.json", "ride-10k-listing.json",
                           "list-10k.json", "ride-1m.json", "ride-1m-listing.json", "list-1m.json", "ride-10k-open.json",
                           "ride-10k-open-listing.json", "list-10k-open.json", "ride-1m-open.json",
                           "ride-1m-open-listing.json", "list-1m-open.json", "machine.json"}) {
    if (auto j = load(dir, name)) summary["runs"][std::string{name}.substr(0, std::string{name}.size() - 5)] = *j;
  }
  std::ofstream file{dir / "summary.json"};
  file << summary.dump(2) << '\n';
  std::printf("  (summary: %s)\n", (dir / "summary.json").c_str());
  return 0;
}
