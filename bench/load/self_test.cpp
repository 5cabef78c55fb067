#include "self_test.hpp"

#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "server_probe.hpp"
#include "setup.hpp"
#include "sse.hpp"

namespace ttareungyi::bench::load {

int self_test() {
  int failed = 0, checks = 0;
  auto expect_events = [&](const char* name, std::vector<std::string_view> pieces, std::vector<sse_event> wanted,
                           std::string resume = {}) {
    sse_parser p;
    if (!resume.empty()) p.resume_from(resume);
    std::vector<sse_event> got;
    for (auto piece : pieces) p.feed(piece, [&](const sse_event& e) { got.push_back(e); });
    bool same = got.size() == wanted.size();
    for (std::size_t i = 0; same && i < got.size(); ++i)
      same = got[i].id == wanted[i].id && got[i].type == wanted[i].type && got[i].data == wanted[i].data;
    ++checks;
    if (!same) {
      ++failed;
      std::fprintf(stderr, "self-test FAILED: %s: got %zu event(s)\n", name, got.size());
      for (const auto& e : got) std::fprintf(stderr, "  id=%s type=%s data=%s\n", e.id.c_str(), e.type.c_str(), e.data.c_str());
    }
  };
  const std::string_view server = ": keep-alive\n\nid: 7\nevent: bicycle_rented\ndata: {\"a\":1}\n\n: keep-alive\n\n"
                                   "id: 8\nevent: bicycle_returned\ndata: {\"b\":2}\n\n";
  const std::vector<sse_event> two{{"7", "bicycle_rented", R"({"a":1})"}, {"8", "bicycle_returned", R"({"b":2})"}};
  expect_events("whole", {server}, two);
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < server.size(); ++i) bytes.push_back(server.substr(i, 1));
  expect_events("byte by byte", bytes, two);
  expect_events("split mid-line", {server.substr(0, 20), server.substr(20, 31), server.substr(51)}, two);
  expect_events("CRLF split between pieces", {"id: 3\r", "\nevent: x\r\ndata: a\r", "\ndata: b\r\n\r", "\n"},
                {{"3", "x", "a\nb"}});
  expect_events("CR line ends", {"data: q\r\r"}, {{"", "message", "q"}});
  expect_events("no data: no event; the id stays", {"id: 9\nevent: y\n\ndata:z\n\n"}, {{"9", "message", "z"}});
  expect_events("resumed id", {"data: r\n\n"}, {{"41", "message", "r"}}, "41");
  expect_events("unfinished event waits", {"id: 5\ndata: s\n"}, {});
  std::fprintf(stderr, "sse parser self-test: %d of %d checks passed\n", checks - failed, checks);

  // The server probe's readings: the counters of a /metrics text, a /proc/PID/stat line.
  const int before = failed;
  auto expect = [&](const char* name, bool ok) {
    ++checks;
    if (!ok) {
      ++failed;
      std::fprintf(stderr, "self-test FAILED: %s\n", name);
    }
  };
  const auto counters = probe_counters(
      "# HELP ttareungyi_commits_total Changesets committed or failed\n# TYPE ttareungyi_commits_total counter\n"
      "ttareungyi_commits_total{outcome=\"failed\"} 3\nttareungyi_commits_total{outcome=\"ok\"} 1.5e+06\n"
      "ttareungyi_commit_groups_total 42\nttareungyi_fsyncs_total 41 1700000000000\n"
      "ttareungyi_commit_group_size_count 42\nprocess_cpu_seconds_total 12.34\n");
  auto has = [&](const char* key, double v) { return counters.contains(key) && counters.at(key) == v; };
  expect("commits: outcome ok only, exponent", has("commits", 1.5e6));
  expect("commit groups", has("commitGroups", 42));
  expect("fsyncs, with a timestamp", has("fsyncs", 41));
  expect("process CPU", has("processCpuSeconds", 12.34));
  expect("nothing else", counters.size() == 4);
  expect("absent metrics stay absent", probe_counters("ttareungyi_ready 1\n").empty());
  expect("stat: utime + stime", stat_cpu_ticks("4242 (ttareungyi) S 1 4242 4242 0 -1 4194560 100 0 0 0 731 269 0 0 20 0 9") == 1000);
  expect("stat: a command with spaces and parentheses",
         stat_cpu_ticks("7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1") == 11);
  bool threw = false;
  try {
    stat_cpu_ticks("7 (short) R 1 2");
  } catch (const std::exception&) {
    threw = true;
  }
  expect("stat: a short line is refused", threw);
  std::fprintf(stderr, "server probe self-test: %d of 9 checks passed\n", 9 - (failed - before));

  // The list scenario's cursor: the page's own "next", not a value "next" among its items.
  const int before_next = failed;
  expect("next: after the items", next_of(R"({"items":[{"id":"B-1","status":"available"}],"next":"b.QS0x"})") == "b.QS0x");
  expect("next: the last page has none", next_of(R"({"items":[{"id":"next","stationId":"next"}]})").empty());
  expect("next: a value \"next\" after the key", next_of(R"({"next" : "c-2","items":[{"id":"next"}]})") == "c-2");
  expect("next: null", next_of(R"({"items":[],"next":null})").empty());
  std::fprintf(stderr, "list cursor self-test: %d of 4 checks passed\n", 4 - (failed - before_next));
  return failed == 0 ? 0 : 1;
}

}  // namespace ttareungyi::bench::load
