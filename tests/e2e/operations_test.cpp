// Operations: draining on SIGTERM (ready turns 503 at once, requests routed meanwhile and in
// flight are answered, streams end with a retry: hint, exit 0), and liveness (an injected
// stall of the scheduler or the writer turns /health/live 503 while /metrics still answers).
#include "e2e_fixture.hpp"

#include <signal.h>

#include <atomic>
#include <future>
#include <thread>

#include "sse_client.hpp"

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Drain : public server_test {
 protected:
  // A purchase takes 800 ms at the sandbox provider: one sent near the drain's end is still in
  // flight when the node stops accepting.
  std::vector<std::string> extra_flags() const override {
    return {"--drain-ms", "1500", "--shutdown-timeout-ms", "5000", "--sandbox-latency-ms", "800"};
  }
};

TEST_F(Drain, ReadyTurnsUnavailableAtOnceAndNothingInFlightFails) {
  auto rider = new_customer();
  create_station();
  test::sse_stream stream{server().port(), "/v1/notifications/stream", rider.auth()};
  ASSERT_EQ(stream.head().status, 200);

  // Clients that send reads until a load balancer would have taken the node out.
  std::atomic<bool> taken_out{false};
  std::atomic<int> answered{0};
  std::vector<std::future<std::vector<int>>> clients;
  for (int i = 0; i < 3; ++i)
    clients.push_back(std::async(std::launch::async, [&, port = server().port()] {
      std::vector<int> refused;
      http_client client{port};
      while (!taken_out) {
        auto r = client.get("/v1/stations", rider.auth());
        if (r.status != 200) refused.push_back(r.status);
        ++answered;
      }
      return refused;
    }));
  eventually([&] { return answered.load(); }, [](int n) { return n >= 30; });

  const auto signalled = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(server().pid(), SIGTERM), 0);
  http_client probe{server().port()};
  auto ready = eventually([&] { return probe.get("/health/ready"); }, [](const response& r) { return r.status == 503; });
  EXPECT_TRUE(has_status(ready, 503));
  EXPECT_EQ(ready.json()["status"], "draining");
  EXPECT_LT(std::chrono::steady_clock::now() - signalled, std::chrono::milliseconds{500}) << "not ready at once";
  EXPECT_TRUE(has_status(probe.get("/health/live"), 200)) << "draining is not dead";
  EXPECT_NE(probe.get("/metrics").body.find("ttareungyi_draining 1"), std::string::npos);

  // Still serving what is routed to it during the drain, and a purchase that outlasts it.
  EXPECT_TRUE(has_status(probe.get("/v1/stations", rider.auth()), 200));
  std::this_thread::sleep_for(std::chrono::milliseconds{1100});  // the drain ends ~400 ms from now
  auto purchase = std::async(std::launch::async, [&, port = server().port()] {
    http_client buyer{port};
    buyer.set_timeout(std::chrono::milliseconds{10'000});
    return buyer.post_json("/v1/tickets", json{{"type", "1h"}}, rider.auth());
  });
  taken_out = true;
  for (auto& c : clients) EXPECT_EQ(c.get(), std::vector<int>{}) << "a read routed to the node during the drain failed";
  auto bought = purchase.get();
  EXPECT_TRUE(has_status(bought, 201)) << "the purchase in flight when it stopped accepting";
  EXPECT_EQ(bought.json()["status"], "paid");

  // The stream ended with a hint to reconnect (elsewhere) a second later.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
  while (!stream.ended() && std::chrono::steady_clock::now() < deadline) {
    try {
      stream.next(std::chrono::milliseconds{100});
    } catch (const std::exception&) {
      break;  // ended
    }
  }
  EXPECT_TRUE(stream.ended());
  EXPECT_EQ(stream.retry(), std::optional<long>{1000});

  auto exited = eventually([&] { return server().running(); }, [](bool running) { return !running; },
                           std::chrono::milliseconds{10'000});
  EXPECT_FALSE(exited);
  EXPECT_EQ(server().exit_status(), std::optional<int>{0});
  EXPECT_GE(std::chrono::steady_clock::now() - signalled, std::chrono::milliseconds{1500}) << "served for the whole drain";
}

// A node wedged on purpose: /health/live turns 503 after the threshold; /metrics still answers.
void expect_stall_detected(const std::string& what) {
  temp_dir tmp("ttareungyi-e2e");
  server_process node(server_binary(), {"serve", "--data-dir", tmp.sub("data").string(), "--port", "0", "--bind",
                                        "127.0.0.1", "--drain-ms", "0", "--liveness-threshold-ms", "1000",
                                        "--inject-stall", what + ":1500"});
  http_client client{node.port()};
  auto before = eventually([&] { return client.get("/health/live"); }, [](const response& r) { return r.status == 200; });
  ASSERT_TRUE(has_status(before, 200)) << node.logs_tail();
  auto stalled = eventually([&] { return client.get("/health/live"); }, [](const response& r) { return r.status == 503; },
                            std::chrono::milliseconds{8000});
  ASSERT_TRUE(has_status(stalled, 503)) << what << "\n" << node.logs_tail();
  EXPECT_EQ(stalled.json()["status"], "stalled");
  EXPECT_GT(stalled.json()["heartbeatAgeMs"][what].get<long>(), 1000);
  auto metrics = client.get("/metrics");
  EXPECT_TRUE(has_status(metrics, 200));
  EXPECT_NE(metrics.body.find("ttareungyi_live 0"), std::string::npos);
  node.kill9();  // what an orchestrator does with a node that is not live
}

TEST(Liveness, AWedgedSchedulerTurnsLiveUnavailable) { expect_stall_detected("scheduler"); }

TEST(Liveness, AWriterThatCannotCommitTurnsLiveUnavailable) { expect_stall_detected("writer"); }

}  // namespace
}  // namespace ttareungyi::e2e
