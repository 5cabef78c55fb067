// GET /v1/notifications/stream over a real connection: Server-Sent Events from the fake
// notification service, resuming with Last-Event-ID, keep-alive comments, and the lifetime of
// the watch behind a stream (client gone, slow client, server stopping or destroyed while
// notifications keep arriving from other threads).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "fakes.hpp"
#include "http_client.hpp"
#include "notifications.hpp"
#include "sse_client.hpp"
#include "test_support.hpp"
#include "ttareungyi/http/server.hpp"

namespace ttareungyi::http {
namespace {

using namespace std::chrono_literals;
using headers = std::vector<std::pair<std::string, std::string>>;
using test::sse_client;

domain::notification notice(std::uint64_t sequence, domain::ids::customer_id customer = "c-1", std::string kind = "bicycle_rented",
                            std::size_t padding = 0) {
  domain::notification n;
  n.id = "n_e-" + std::to_string(sequence);
  n.sequence = sequence;
  n.customer_id = std::move(customer);
  n.kind = std::move(kind);
  n.message_ko = "자전거를 대여했습니다 " + std::to_string(sequence) + std::string(padding, '.');
  n.message_en = "You rented a bicycle " + std::to_string(sequence);
  n.correlation_id = "r-" + std::to_string(sequence);
  n.created_at = test::at(9, static_cast<int>(sequence % 60));
  return n;
}

server_options options(std::chrono::milliseconds keep_alive, std::chrono::milliseconds drain = 2000ms) {
  server_options o;
  o.bind = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.drain_timeout = drain;
  o.sse_keep_alive = keep_alive;
  return o;
}

class Sse : public ::testing::Test {
 protected:
  void SetUp() override { start(options(50ms)); }

  void start(server_options o) {
    srv.reset();
    srv = std::make_unique<server>(app.services(), fx.tokens, std::vector<security::operator_client>{}, o);
    auto port = srv->start();
    ASSERT_TRUE(port) << port.error();
    port_ = *port;
  }

  headers customer(std::string subject = "c-1") { return {{"Authorization", "Bearer " + fx.tokens.issue(subject, "customer")}}; }

  std::unique_ptr<sse_client> open(headers h = {}, std::string target = "/v1/notifications/stream") {
    if (h.empty()) h = customer();
    auto c = std::make_unique<sse_client>(port_, target, h);
    EXPECT_TRUE(c->read_head());
    EXPECT_EQ(c->status, 200);
    return c;
  }

  test::fake_app app;
  test::token_fixture fx;
  std::unique_ptr<server> srv;
  std::uint16_t port_ = 0;
};

TEST_F(Sse, StoredThenLiveNotifications) {
  app.notifications.publish(notice(1));
  app.notifications.publish(notice(2, "c-2"));
  auto c = open();
  EXPECT_EQ(c->header("Content-Type"), "text/event-stream");
  EXPECT_EQ(c->header("Cache-Control"), "no-cache");
  EXPECT_EQ(c->header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(c->next_event(), sse_event(notice(1), language::ko));
  ASSERT_TRUE(app.notifications.wait_live_watches(1));

  app.notifications.publish(notice(5, "c-1", "bicycle_returned"));
  auto live = c->next_event();
  EXPECT_EQ(live, sse_event(notice(5, "c-1", "bicycle_returned"), language::ko));
  ASSERT_TRUE(live);
  EXPECT_TRUE(live->starts_with("id: 5\nevent: bicycle_returned\ndata: {")) << *live;

  app.notifications.publish(notice(6, "c-2"));  // someone else's
  app.notifications.publish(notice(7));
  EXPECT_EQ(c->next_event(), sse_event(notice(7), language::ko));
}

TEST_F(Sse, EnglishWhenTheClientPrefersIt) {
  app.notifications.publish(notice(3));
  auto h = customer();
  h.emplace_back("Accept-Language", "en-GB,en;q=0.9");
  auto c = open(h);
  EXPECT_EQ(c->header("Content-Language"), "en");
  EXPECT_EQ(c->next_event(), sse_event(notice(3), language::en));
}

TEST_F(Sse, KeepAliveComments) {
  auto c = open();
  int comments = 0;
  auto until = std::chrono::steady_clock::now() + 2s;
  while (comments < 3 && std::chrono::steady_clock::now() < until) {
    auto block = c->next_block(1s);
    ASSERT_TRUE(block) << "no keep-alive within a second (every 50 ms expected)";
    EXPECT_EQ(*block, ": keep-alive\n\n");
    ++comments;
  }
  EXPECT_EQ(comments, 3);
}

TEST_F(Sse, ResumesAfterTheLastEventIdAndADisconnectEndsTheWatch) {
  app.notifications.publish(notice(1));
  app.notifications.publish(notice(5));
  {
    auto first = open();
    EXPECT_EQ(first->next_event(), sse_event(notice(1), language::ko));
    EXPECT_EQ(first->next_event(), sse_event(notice(5), language::ko));
    ASSERT_TRUE(app.notifications.wait_live_watches(1));
  }  // the client goes away
  // Noticed at the latest at the second keep-alive write after it left (50 ms apart here).
  ASSERT_TRUE(app.notifications.wait_live_watches(0, 3s)) << "the watch outlived its client";
  EXPECT_EQ(app.notifications.cancelled_watches(), 1u);

  app.notifications.publish(notice(7));
  app.notifications.publish(notice(9));
  auto h = customer();
  h.emplace_back("Last-Event-ID", "5");
  auto again = open(h);
  EXPECT_EQ(again->next_event(), sse_event(notice(7), language::ko));
  EXPECT_EQ(again->next_event(), sse_event(notice(9), language::ko));
  app.notifications.publish(notice(11));
  EXPECT_EQ(again->next_event(), sse_event(notice(11), language::ko));

  auto by_query = open({}, "/v1/notifications/stream?lastEventId=9");
  EXPECT_EQ(by_query->next_event(), sse_event(notice(11), language::ko));

  auto calls = app.world.recorded();
  EXPECT_EQ(calls, (std::vector<std::string>{"notifications.watch c-1 0", "notifications.watch c-1 5",
                                             "notifications.watch c-1 9"}));
}

TEST_F(Sse, RefusalsAreProblemDetails) {
  ttareungyi::test::http_client c{port_};
  auto none = c.get("/v1/notifications/stream");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.media_type(), "application/problem+json");
  auto op = c.get("/v1/notifications/stream", ttareungyi::test::bearer(fx.tokens.issue("ops-1", "operator")));
  EXPECT_EQ(op.status, 403);
  EXPECT_EQ(op.json()["code"], "forbidden");
  ttareungyi::test::request bad;
  bad.target = "/v1/notifications/stream";
  bad.authorization = ttareungyi::test::bearer(fx.tokens.issue("c-1", "customer"));
  bad.headers["Last-Event-ID"] = "yesterday";
  auto r = c.send(bad);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["code"], "invalid_request");
  EXPECT_EQ(app.notifications.live_watches(), 0u);
}

TEST_F(Sse, OtherRequestsAreServedWhileStreamsAreOpen) {
  std::vector<std::unique_ptr<sse_client>> streams;
  for (int i = 0; i < 4; ++i) streams.push_back(open(customer("c-" + std::to_string(i))));
  ASSERT_TRUE(app.notifications.wait_live_watches(4));
  ttareungyi::test::http_client c{port_};
  EXPECT_EQ(c.get("/health/live").status, 200);
  auto list = c.get("/v1/notifications", ttareungyi::test::bearer(fx.tokens.issue("c-1", "customer")));
  EXPECT_EQ(list.status, 200) << list.describe();
  app.notifications.publish(notice(3, "c-2"));
  EXPECT_EQ(streams[2]->next_event(), sse_event(notice(3, "c-2"), language::ko));
}

TEST_F(Sse, StopEndsOpenStreamsWithoutWaitingForTheDrainTimeout) {
  start(options(10s, 5s));
  app.notifications.publish(notice(1));
  auto a = open();
  auto b = open(customer("c-2"));
  EXPECT_EQ(a->next_event(), sse_event(notice(1), language::ko));
  EXPECT_EQ(a->header("Connection"), "close");
  ASSERT_TRUE(app.notifications.wait_live_watches(2));

  auto started = std::chrono::steady_clock::now();
  srv->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_TRUE(a->wait_end(2s));
  EXPECT_TRUE(a->ended_by_last_chunk());  // a complete response, not a cut connection
  EXPECT_TRUE(b->wait_end(2s));
  EXPECT_EQ(app.notifications.live_watches(), 0u);
  EXPECT_EQ(app.notifications.cancelled_watches(), 2u);
}

TEST_F(Sse, AClientThatDoesNotReadIsDropped) {
  auto idle = open();  // never reads
  ASSERT_TRUE(app.notifications.wait_live_watches(1));
  for (std::uint64_t i = 1; i <= 4000; ++i) app.notifications.publish(notice(i, "c-1", "bicycle_rented", 8 * 1024));
  EXPECT_TRUE(app.notifications.wait_live_watches(0, 20s)) << "a stream buffered without bound";
}

// A notification service that keeps every `deliver` it was given, also after its watch was
// cancelled: deliveries can arrive at any time, as from a node that is slow to let go.
class sticky_notifications final : public app::notification_service {
 public:
  void notifications(domain::ids::customer_id, app::page_request, app::reply<app::page<domain::notification>> done) override {
    done(app::page<domain::notification>{});
  }

  std::unique_ptr<app::watch> watch_notifications(domain::ids::customer_id, std::uint64_t,
                                                  std::function<void(domain::notification)> deliver) override {
    std::lock_guard lock{mutex};
    delivers.push_back(std::move(deliver));
    return std::make_unique<counting_watch>(cancelled);
  }

  std::vector<std::function<void(domain::notification)>> all() {
    std::lock_guard lock{mutex};
    return delivers;
  }

  std::mutex mutex;
  std::vector<std::function<void(domain::notification)>> delivers;
  std::atomic<int> cancelled{0};

 private:
  class counting_watch final : public app::watch {
   public:
    explicit counting_watch(std::atomic<int>& count) : count_(count) {}
    ~counting_watch() override { cancel(); }
    void cancel() override {
      if (!std::exchange(done_, true)) ++count_;
    }

   private:
    std::atomic<int>& count_;
    bool done_ = false;
  };
};

TEST(SseLifetime, DeliveriesRacingStopAndDestructionAreDropped) {
  test::fake_app app;
  test::token_fixture fx;
  sticky_notifications sticky;
  app::services services{app.identity, app.tickets, app.rentals, app.fleet, app.ride_view, sticky, [] { return true; }};
  auto srv = std::make_unique<server>(services, fx.tokens, std::vector<security::operator_client>{}, options(20ms, 1000ms));
  auto port = srv->start();
  ASSERT_TRUE(port) << port.error();

  headers auth{{"Authorization", "Bearer " + fx.tokens.issue("c-1", "customer")}};
  std::vector<std::unique_ptr<sse_client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<sse_client>(*port, "/v1/notifications/stream", auth));
    ASSERT_TRUE(clients.back()->read_head());
  }
  auto until = std::chrono::steady_clock::now() + 5s;
  while (sticky.all().size() < 4 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(5ms);
  auto delivers = sticky.all();
  ASSERT_EQ(delivers.size(), 4u);

  std::atomic<bool> stop{false};
  std::vector<std::thread> hammers;
  for (int t = 0; t < 2; ++t) {
    hammers.emplace_back([&, t] {
      std::uint64_t seq = static_cast<std::uint64_t>(t) * 1'000'000;
      while (!stop.load()) {
        for (auto& deliver : delivers) deliver(notice(++seq));
      }
    });
  }
  EXPECT_TRUE(clients[0]->next_event()) << "the deliveries should reach the clients while the server runs";
  std::this_thread::sleep_for(50ms);
  srv->stop();
  EXPECT_EQ(sticky.cancelled.load(), 4);  // every watch ended with its stream
  std::this_thread::sleep_for(30ms);
  srv.reset();
  std::this_thread::sleep_for(30ms);
  stop = true;
  for (auto& h : hammers) h.join();
  for (auto& deliver : delivers) deliver(notice(42));  // long after: still harmless
  for (auto& c : clients) EXPECT_TRUE(c->wait_end(2s));
}

}  // namespace
}  // namespace ttareungyi::http
