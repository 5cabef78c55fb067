// The outbound HTTP client against a loopback receiver: what it sends, answers of any status,
// the hard timeout, refused connections, the bounded keep-alive pool, stopping.
#include "ttareungyi/net/http_client.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "closed_port.hpp"
#include "http_receiver.hpp"

namespace ttareungyi::net {
namespace {

using namespace std::chrono_literals;
using receiver = test::http_receiver;
using answer = std::expected<http_response, std::string>;

std::unique_ptr<http_client> client_for(const std::string& url, std::chrono::milliseconds timeout = 2s,
                                        std::size_t max_connections = 4, bool keep_alive = true) {
  auto origin = parse_http_url(url);
  if (!origin) throw std::runtime_error(origin.error());
  auto c = http_client::create({.origin = *origin, .timeout = timeout, .max_connections = max_connections,
                                .keep_alive = keep_alive, .name = "test"});
  if (!c) throw std::runtime_error(c.error());
  return std::move(*c);
}

std::future<answer> post(http_client& c, std::string target = "/x", std::string body = "{}") {
  auto p = std::make_shared<std::promise<answer>>();
  auto f = p->get_future();
  c.post(std::move(target), "application/json", std::move(body), {{"Idempotency-Key", "k-1"}},
         [p](answer a) { p->set_value(std::move(a)); });
  return f;
}

answer get(std::future<answer>& f, std::chrono::milliseconds within = 5s) {
  if (f.wait_for(within) != std::future_status::ready) throw std::runtime_error("no answer in time");
  return f.get();
}

receiver::replier replies(receiver::reply r) {
  return [r](const test::received_request&) -> std::optional<receiver::reply> { return r; };
}

TEST(HttpClient, PostsTheBodyAndReadsTheWholeAnswer) {
  receiver r;
  r.set_replier(replies({.status = 200, .body = R"({"status":"approved"})"}));
  auto c = client_for(r.url("/base"));
  auto f = post(*c, "/base/payments", R"({"a":1})");
  auto a = get(f);
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->body, R"({"status":"approved"})");
  auto got = r.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_EQ(got[0].target, "/base/payments");
  EXPECT_EQ(got[0].body, R"({"a":1})");
  EXPECT_EQ(got[0].header("Host"), "127.0.0.1:" + std::to_string(r.port()));
  EXPECT_EQ(got[0].header("Content-Type"), "application/json");
  EXPECT_EQ(got[0].header("Idempotency-Key"), "k-1");
  EXPECT_EQ(got[0].header("User-Agent"), "ttareungyi-test");
}

TEST(HttpClient, AnyCompleteAnswerIsAResult) {
  receiver r{receiver::answer(500)};
  auto c = client_for(r.url());
  auto f = post(*c);
  auto a = get(f);
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->status, 500);
  EXPECT_EQ(a->body, "");
}

TEST(HttpClient, ASlowAnswerFailsAtTheDeadline) {
  receiver r;
  r.set_replier(replies({.status = 200, .body = "{}", .delay = 3s}));
  auto c = client_for(r.url(), 300ms);
  auto started = std::chrono::steady_clock::now();
  auto f = post(*c);
  auto a = get(f);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error(), "timed out");
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2s);
}

TEST(HttpClient, RefusedConnectionFailsAtOnce) {
  auto c = client_for("http://127.0.0.1:" + std::to_string(test::closed_port()), 5s);
  auto started = std::chrono::steady_clock::now();
  auto f = post(*c);
  auto a = get(f);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().find("cannot connect"), std::string::npos) << a.error();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

TEST(HttpClient, KeepAliveReusesOneConnection) {
  receiver r;
  r.set_replier(replies({.status = 200, .body = "{}", .keep_alive = true}));
  auto c = client_for(r.url());
  for (int i = 0; i < 5; ++i) {
    auto f = post(*c);
    auto a = get(f);
    ASSERT_TRUE(a) << a.error();
  }
  EXPECT_EQ(r.requests().size(), 5u);
  EXPECT_EQ(r.connections(), 1u);
}

TEST(HttpClient, WithoutKeepAliveEachCallHasItsConnection) {
  receiver r;  // answers 204 and closes
  auto c = client_for(r.url(), 2s, 4, false);
  for (int i = 0; i < 3; ++i) {
    auto f = post(*c);
    ASSERT_TRUE(get(f));
  }
  auto got = r.requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].header("Connection"), "close");
  EXPECT_EQ(r.connections(), 3u);
}

TEST(HttpClient, ConnectionsAreBoundedAndCallsWaitForAFreeOne) {
  receiver r;
  r.set_replier(replies({.status = 200, .body = "{}", .delay = 150ms, .keep_alive = true}));
  auto c = client_for(r.url(), 5s, 2);
  std::vector<std::future<answer>> calls;
  for (int i = 0; i < 6; ++i) calls.push_back(post(*c));
  for (auto& f : calls) {
    auto a = get(f);
    ASSERT_TRUE(a) << a.error();
  }
  EXPECT_EQ(r.requests().size(), 6u);
  EXPECT_EQ(r.connections(), 2u);
}

TEST(HttpClient, WaitingForAConnectionCountsAgainstTheDeadline) {
  receiver r{receiver::hang()};
  auto c = client_for(r.url(), 400ms, 1);
  auto first = post(*c);
  auto second = post(*c);
  ASSERT_FALSE(get(first));
  // It waited for the only connection, which the hanging receiver held, and its own deadline
  // (not one counted from when a connection came free) ended it. Whether it was sent in the
  // instant between the first call's end and its own deadline is a race, so not asserted.
  ASSERT_FALSE(get(second, 1s));
}

TEST(HttpClient, AReusedConnectionTheServerClosedIsRetriedOnce) {
  std::optional<receiver> r{std::in_place};
  r->set_replier(replies({.status = 200, .body = "{}", .keep_alive = true}));
  auto c = client_for(r->url());
  auto f1 = post(*c);
  ASSERT_TRUE(get(f1));
  EXPECT_EQ(r->connections(), 1u);
  // The receiver goes away, closing the pooled connection, and comes back on the same port.
  auto port = r->port();
  r.reset();
  r.emplace(receiver::answer(200), port);
  auto f2 = post(*c);
  auto a = get(f2);
  ASSERT_TRUE(a) << a.error();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(r->requests().size(), 1u);
}

TEST(HttpClient, StopEndsCallsInProgressAndRefusesLaterOnes) {
  receiver r{receiver::hang()};
  auto c = client_for(r.url(), 30s);
  auto pending = post(*c);
  ASSERT_EQ(r.wait_for([](const auto& got) { return !got.empty(); }, 5s).size(), 1u);
  c->stop();
  auto a = get(pending, 2s);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error(), "the client stopped");
  auto later = post(*c);
  EXPECT_FALSE(get(later, 2s));
  c->stop();  // idempotent
}

TEST(HttpUrl, ParsesAndRefuses) {
  auto t = parse_http_url("http://127.0.0.1:8080/a/b?c=d#frag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 8080);
  EXPECT_EQ(t->target, "/a/b?c=d");
  EXPECT_EQ(t->host_header, "127.0.0.1:8080");
  EXPECT_EQ(parse_http_url("http://pg.internal")->target, "/");
  EXPECT_FALSE(parse_http_url("https://pg.internal"));
  EXPECT_FALSE(parse_http_url("http://:80/"));
  EXPECT_FALSE(parse_http_url("http://host:99999/"));
}

}  // namespace
}  // namespace ttareungyi::net
