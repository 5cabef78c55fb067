#include "ttareungyi/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ttareungyi::metrics {
namespace {

using namespace std::chrono_literals;

// The sample line of `series` (name and labels as written), or "" when absent.
std::string line_of(const std::string& text, const std::string& series) {
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    auto line = text.substr(at, end - at);
    if (line.rfind(series + " ", 0) == 0) return line;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return {};
}

double value_of(const std::string& text, const std::string& series) {
  auto line = line_of(text, series);
  if (line.empty()) throw std::runtime_error("no series " + series + " in:\n" + text);
  return std::stod(line.substr(series.size() + 1));
}

TEST(Registry, CountsAnswersByMethodRouteTemplateAndStatus) {
  registry r{{"1.2.3", 3, {"http", "core"}}};
  r.answered("GET", "/v1/tickets/{id}", 200, 2ms);
  r.answered("GET", "/v1/tickets/{id}", 200, 4ms);
  r.answered("GET", "/v1/tickets/{id}", 404, 1ms);
  r.answered("POST", "/v1/tickets", 429, 1ms);
  auto text = r.scrape();
  EXPECT_EQ(value_of(text, R"(ttareungyi_http_requests_total{method="GET",route="/v1/tickets/{id}",status="200"})"), 2);
  EXPECT_EQ(value_of(text, R"(ttareungyi_http_requests_total{method="GET",route="/v1/tickets/{id}",status="404"})"), 1);
  EXPECT_EQ(value_of(text, "ttareungyi_http_rate_limited_total"), 1);
  EXPECT_EQ(value_of(text, R"(ttareungyi_http_request_duration_seconds_count{method="GET",route="/v1/tickets/{id}"})"), 3);
  EXPECT_NEAR(value_of(text, R"(ttareungyi_http_request_duration_seconds_sum{method="GET",route="/v1/tickets/{id}"})"), 0.007,
              1e-9);
  EXPECT_EQ(value_of(text, R"(ttareungyi_http_request_duration_seconds_bucket{method="GET",route="/v1/tickets/{id}",le="0.0025"})"),
            2);
  EXPECT_EQ(value_of(text, R"(ttareungyi_build_info{version="1.2.3",wire_protocol="3"})"), 1);
  EXPECT_EQ(value_of(text, R"(ttareungyi_node_role{role="core"})"), 1);
}

TEST(Registry, AMethodOutsideTheTableIsOther) {
  registry r{{}};
  r.answered("BREW", "unmatched", 405, 1ms);
  EXPECT_EQ(value_of(r.scrape(), R"(ttareungyi_http_requests_total{method="other",route="unmatched",status="405"})"), 1);
}

TEST(Registry, CountsCommitGroupsChangesetsAndFsyncs) {
  registry r{{}};
  r.committed(3, true, true, 2ms);
  r.committed(1, true, false, 1ms);  // --no-fsync
  r.committed(2, false, true, 5ms);  // failed: no fsync counted
  auto text = r.scrape();
  EXPECT_EQ(value_of(text, R"(ttareungyi_commits_total{outcome="ok"})"), 4);
  EXPECT_EQ(value_of(text, R"(ttareungyi_commits_total{outcome="failed"})"), 2);
  EXPECT_EQ(value_of(text, "ttareungyi_commit_groups_total"), 3);
  EXPECT_EQ(value_of(text, "ttareungyi_fsyncs_total"), 1);
  EXPECT_EQ(value_of(text, "ttareungyi_commit_group_size_sum"), 6);
  EXPECT_EQ(value_of(text, R"(ttareungyi_commit_group_size_bucket{le="2"})"), 2);
  EXPECT_NEAR(value_of(text, "ttareungyi_commit_duration_seconds_sum"), 0.008, 1e-9);
}

TEST(Registry, ReadsTheNodeAtEachScrape) {
  registry r{{}};
  node_figures f;
  f.ready = true;
  f.journal_head = 120;
  f.consumers = {{"rentals", 120}, {"notifier", 100}};
  f.live_tickets = 7;
  app::payment_health p;
  p.breaker = domain::breaker_state::open;
  p.transitions_to[static_cast<std::size_t>(domain::breaker_state::open)] = 2;
  p.charges.approved = 5;
  p.charges.rejected = 3;
  p.refunds.failed = 1;
  f.payment = p;
  f.peers = {{"payment", "10.0.0.2:4100", app::peer_state::refused, std::nullopt, "down"}};
  f.sse_watchers = 4;
  f.heartbeats = {{"scheduler", 0.5}, {"writer", 12}};
  f.live = false;
  f.data_dir = node_figures::disk{100, 1000};
  r.read_at_scrape([&f] { return f; });
  auto text = r.scrape();
  EXPECT_EQ(value_of(text, "ttareungyi_ready"), 1);
  EXPECT_EQ(value_of(text, "ttareungyi_live"), 0);
  EXPECT_EQ(value_of(text, "ttareungyi_journal_head_sequence"), 120);
  EXPECT_EQ(value_of(text, R"(ttareungyi_consumer_lag_events{consumer="notifier"})"), 20);
  EXPECT_EQ(value_of(text, R"(ttareungyi_consumer_lag_events{consumer="rentals"})"), 0);
  EXPECT_EQ(value_of(text, R"(ttareungyi_live_entities{kind="ticket"})"), 7);
  EXPECT_EQ(value_of(text, R"(ttareungyi_payment_breaker_state{state="open"})"), 1);
  EXPECT_EQ(value_of(text, R"(ttareungyi_payment_breaker_state{state="closed"})"), 0);
  EXPECT_EQ(value_of(text, R"(ttareungyi_payment_breaker_transitions_total{to="open"})"), 2);
  EXPECT_EQ(value_of(text, R"(ttareungyi_payment_calls_total{operation="charge",outcome="approved"})"), 5);
  EXPECT_EQ(value_of(text, R"(ttareungyi_payment_calls_total{operation="charge",outcome="rejected"})"), 3);
  EXPECT_EQ(value_of(text, R"(ttareungyi_payment_calls_total{operation="refund",outcome="failed"})"), 1);
  EXPECT_EQ(value_of(text, R"(ttareungyi_peer_up{context="payment",address="10.0.0.2:4100"})"), 0);
  EXPECT_EQ(value_of(text, "ttareungyi_sse_watchers"), 4);
  EXPECT_EQ(value_of(text, R"(ttareungyi_heartbeat_age_seconds{path="writer"})"), 12);
  EXPECT_EQ(value_of(text, "ttareungyi_data_dir_free_bytes"), 100);
  EXPECT_GT(value_of(text, "process_resident_memory_bytes"), 0);
  EXPECT_GT(value_of(text, "process_open_fds"), 0);
  EXPECT_NE(text.find("# TYPE ttareungyi_payment_calls_total counter"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
}

TEST(Registry, ANodeWithoutJournalOrPaymentShowsNeither) {
  registry r{{}};
  r.read_at_scrape([] { return node_figures{}; });
  auto text = r.scrape();
  EXPECT_EQ(text.find("ttareungyi_journal_head_sequence"), std::string::npos);
  EXPECT_EQ(text.find("ttareungyi_payment_breaker_state"), std::string::npos);
  EXPECT_EQ(text.find("ttareungyi_peer_up"), std::string::npos);
}

}  // namespace
}  // namespace ttareungyi::metrics
