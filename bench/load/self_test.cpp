#include "self_test.hpp"

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

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
  return failed == 0 ? 0 : 1;
}

}  // namespace ttareungyi::bench::load
