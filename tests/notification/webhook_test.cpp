// The webhook gateway against a small HTTP receiver on an ephemeral loopback port: what it
// sends, what counts as delivered, timeouts, refused connections, stopping; and URL parsing.
#include "ttareungyi/notification/webhook.hpp"

#include <gtest/gtest.h>

#include <asio.hpp>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "simulated_clock.hpp"


namespace ttareungyi::notification {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using tcp = asio::ip::tcp;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Accepts connections on 127.0.0.1, reads one request from each (head and Content-Length
// body) and answers `status`, except the first `silent` connections, which it keeps open
// without ever answering.
class receiver {
 public:
  struct received {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };

  explicit receiver(int status = 200, int silent = 0) : status_(status), silent_(silent) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread{[this] { io_.run(); }};
  }

  ~receiver() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string url(std::string_view path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + std::string{path}; }

  bool wait_requests(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    std::unique_lock lock{mutex_};
    return cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
  }

  std::vector<received> requests() {
    std::lock_guard lock{mutex_};
    return got_;
  }

 private:
  struct connection {
    explicit connection(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    asio::streambuf buffer;
    received request;
  };

  void accept() {
    auto c = std::make_shared<connection>(io_);
    acceptor_.async_accept(c->socket, [this, c](const asio::error_code& ec) {
      if (ec) return;
      serve(c);
      accept();
    });
  }

  void serve(const std::shared_ptr<connection>& c) {
    asio::async_read_until(c->socket, c->buffer, "\r\n\r\n", [this, c](const asio::error_code& ec, std::size_t head_size) {
      if (ec) return;
      std::string head{asio::buffers_begin(c->buffer.data()), asio::buffers_begin(c->buffer.data()) + static_cast<std::ptrdiff_t>(head_size)};
      c->buffer.consume(head_size);
      std::istringstream lines{head};
      std::string line;
      std::getline(lines, line);
      std::istringstream first{line};
      first >> c->request.method >> c->request.target;
      while (std::getline(lines, line) && line != "\r") {
        auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (!value.empty() && value.back() == '\r') value.pop_back();
        c->request.headers[lower(line.substr(0, colon))] = value;
      }
      std::size_t length = 0;
      if (auto it = c->request.headers.find("content-length"); it != c->request.headers.end()) length = std::stoul(it->second);
      auto missing = length > c->buffer.size() ? length - c->buffer.size() : 0;
      asio::async_read(c->socket, c->buffer, asio::transfer_exactly(missing), [this, c, length](const asio::error_code& ec, std::size_t) {
        if (ec) return;
        c->request.body.assign(asio::buffers_begin(c->buffer.data()), asio::buffers_begin(c->buffer.data()) + static_cast<std::ptrdiff_t>(length));
        bool answer = true;
        {
          std::lock_guard lock{mutex_};
          got_.push_back(c->request);
          if (silent_ > 0) {
            --silent_;
            answer = false;
            held_.push_back(c);  // open until the receiver goes
          }
        }
        cv_.notify_all();
        if (!answer) return;
        auto reply = std::make_shared<std::string>("HTTP/1.1 " + std::to_string(status_) +
                                                   " Whatever\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        asio::async_write(c->socket, asio::buffer(*reply), [c, reply](const asio::error_code&, std::size_t) {
          asio::error_code ignored;
          c->socket.shutdown(tcp::socket::shutdown_both, ignored);
        });
      });
    });
  }

  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::uint16_t port_ = 0;
  int status_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int silent_;
  std::vector<received> got_;
  std::vector<std::shared_ptr<connection>> held_;
};

domain::notification notice() {
  domain::notification n;
  n.id = "n_e-0000000042";
  n.sequence = 42;
  n.customer_id = "c-1";
  n.kind = "bicycle_returned";
  n.message_ko = "자전거를 반납했습니다. 초과 요금 400원";
  n.message_en = "You returned your bicycle. Overtime fee: 400 KRW";
  n.correlation_id = "r-7";
  n.created_at = test::at(10, 12);
  return n;
}

// One delivery's outcome and the thread its completion ran on.
struct outcome {
  bool delivered = false;
  std::thread::id thread;
};

std::future<outcome> deliver(webhook_gateway& g, const domain::notification& n = notice()) {
  auto p = std::make_shared<std::promise<outcome>>();
  auto f = p->get_future();
  g.deliver(n, [p](bool delivered) { p->set_value(outcome{delivered, std::this_thread::get_id()}); });
  return f;
}

std::unique_ptr<webhook_gateway> gateway(const std::string& url, std::chrono::milliseconds timeout = 2s) {
  auto g = webhook_gateway::create({url, timeout});
  EXPECT_TRUE(g) << (g ? "" : g.error());
  return g ? std::move(*g) : nullptr;
}

TEST(Webhook, PostsTheNotificationWithItsIdempotencyKey) {
  receiver r{200};
  auto g = gateway(r.url("/hooks/notify?src=ttareungyi"));
  ASSERT_TRUE(g);
  auto f = deliver(*g);
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  auto result = f.get();
  EXPECT_TRUE(result.delivered);
  EXPECT_NE(result.thread, std::this_thread::get_id());  // on the gateway's own thread

  auto got = r.requests();
  ASSERT_EQ(got.size(), 1u);
  const auto& req = got[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/hooks/notify?src=ttareungyi");
  EXPECT_EQ(req.headers.at("host"), "127.0.0.1:" + std::to_string(r.port()));
  EXPECT_EQ(req.headers.at("content-type"), "application/json");
  EXPECT_EQ(req.headers.at("idempotency-key"), "n_e-0000000042");
  EXPECT_EQ(json::parse(req.body), (json{{"id", "n_e-0000000042"},
                                         {"customerId", "c-1"},
                                         {"kind", "bicycle_returned"},
                                         {"message", "자전거를 반납했습니다. 초과 요금 400원"},
                                         {"messages",
                                          {{"ko", "자전거를 반납했습니다. 초과 요금 400원"},
                                           {"en", "You returned your bicycle. Overtime fee: 400 KRW"}}},
                                         {"correlationId", "r-7"},
                                         {"createdAt", "2024-05-01T10:12:00Z"}}));
}

TEST(Webhook, ResolvesHostNames) {
  receiver r{204};
  auto g = gateway("http://localhost:" + std::to_string(r.port()));
  ASSERT_TRUE(g);
  auto f = deliver(*g);
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(f.get().delivered);
  ASSERT_EQ(r.requests().size(), 1u);
  EXPECT_EQ(r.requests()[0].target, "/");
}

TEST(Webhook, OnlyA2xxAnswerCountsAsDelivered) {
  for (auto [status, expected] : {std::pair{500, false}, {503, false}, {404, false}, {302, false}, {202, true}, {299, true}}) {
    receiver r{status};
    auto g = gateway(r.url());
    ASSERT_TRUE(g);
    auto f = deliver(*g);
    ASSERT_EQ(f.wait_for(5s), std::future_status::ready) << status;
    EXPECT_EQ(f.get().delivered, expected) << status;
    EXPECT_EQ(r.requests().size(), 1u) << status;
  }
}

TEST(Webhook, ASilentReceiverTimesOutWithoutHoldingUpOtherDeliveries) {
  receiver r{200, 1};  // the first connection is never answered
  auto g = gateway(r.url(), 600ms);
  ASSERT_TRUE(g);
  auto started = std::chrono::steady_clock::now();
  auto slow = deliver(*g);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);  // deliver() only queues
  ASSERT_TRUE(r.wait_requests(1));

  auto fast = deliver(*g);
  ASSERT_EQ(fast.wait_for(500ms), std::future_status::ready) << "held up behind the silent one";
  EXPECT_TRUE(fast.get().delivered);
  EXPECT_EQ(slow.wait_for(0ms), std::future_status::timeout);  // still waiting for its answer

  ASSERT_EQ(slow.wait_for(3s), std::future_status::ready);
  EXPECT_FALSE(slow.get().delivered);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(took, 600ms);
  EXPECT_LT(took, 2s);
}

TEST(Webhook, ConnectionRefusedIsAFailure) {
  std::uint16_t port = 0;
  {
    asio::io_context io;
    tcp::acceptor a{io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
    port = a.local_endpoint().port();
  }  // closed: nobody listens there now
  auto g = gateway("http://127.0.0.1:" + std::to_string(port) + "/x");
  ASSERT_TRUE(g);
  auto f = deliver(*g);
  ASSERT_EQ(f.wait_for(2s), std::future_status::ready);
  EXPECT_FALSE(f.get().delivered);
}

TEST(Webhook, StopEndsDeliveriesInProgressAndRefusesLaterOnes) {
  receiver r{200, 100};  // never answers
  auto g = gateway(r.url(), 30s);
  ASSERT_TRUE(g);
  auto pending = deliver(*g);
  ASSERT_TRUE(r.wait_requests(1));
  auto started = std::chrono::steady_clock::now();
  g->stop();
  ASSERT_EQ(pending.wait_for(2s), std::future_status::ready);
  EXPECT_FALSE(pending.get().delivered);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);

  auto later = deliver(*g);
  ASSERT_EQ(later.wait_for(2s), std::future_status::ready);
  auto result = later.get();
  EXPECT_FALSE(result.delivered);
  EXPECT_NE(result.thread, std::this_thread::get_id());
  g->stop();  // idempotent
  EXPECT_EQ(r.requests().size(), 1u);
}

TEST(Webhook, DestructionAnswersEveryDeliveryExactlyOnce) {
  receiver r{200, 100};
  std::atomic<int> calls{0}, delivered{0};
  {
    auto g = gateway(r.url(), 30s);
    ASSERT_TRUE(g);
    for (int i = 0; i < 5; ++i) {
      g->deliver(notice(), [&](bool ok) {
        ++calls;
        delivered += ok;
      });
    }
    r.wait_requests(2, 1s);
  }
  EXPECT_EQ(calls.load(), 5);
  EXPECT_EQ(delivered.load(), 0);
}

TEST(WebhookUrl, Parses) {
  auto t = parse_webhook_url("http://127.0.0.1:8080/a/b?c=d#frag");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->host, "127.0.0.1");
  EXPECT_EQ(t->port, 8080);
  EXPECT_EQ(t->target, "/a/b?c=d");
  EXPECT_EQ(t->host_header, "127.0.0.1:8080");

  auto d = parse_webhook_url("HTTP://sms-gateway.internal");
  ASSERT_TRUE(d) << d.error();
  EXPECT_EQ(d->host, "sms-gateway.internal");
  EXPECT_EQ(d->port, 80);
  EXPECT_EQ(d->target, "/");
  EXPECT_EQ(d->host_header, "sms-gateway.internal");

  auto q = parse_webhook_url("http://hooks:9000?x=1");
  ASSERT_TRUE(q) << q.error();
  EXPECT_EQ(q->target, "/?x=1");

  auto v6 = parse_webhook_url("http://[::1]:9000/push");
  ASSERT_TRUE(v6) << v6.error();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(v6->host_header, "[::1]:9000");
}

TEST(WebhookUrl, RefusesWhatItCannotUse) {
  for (std::string bad : {"https://hooks.example/x", "ftp://hooks/", "hooks.example/x", "", "http://", "http:///path",
                          "http://:80/", "http://host:0/", "http://host:65536/", "http://host:/", "http://host:8o/",
                          "http://user:pw@host/", "http://[::1/", "http://[nothost]:80/", "http://ho st/",
                          "http://host/a b", "http://host/\r\nX: y"}) {
    auto t = parse_webhook_url(bad);
    EXPECT_FALSE(t) << bad;
    if (!t) {
      EXPECT_NE(t.error().find("invalid webhook URL"), std::string::npos) << t.error();
    }
  }
  EXPECT_NE(parse_webhook_url("https://x").error().find("https"), std::string::npos);
  auto g = webhook_gateway::create({"https://hooks.example/", 1s});
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().find("https"), std::string::npos);
  EXPECT_FALSE(webhook_gateway::create({"http://127.0.0.1/", 0ms}));
}

}  // namespace
}  // namespace ttareungyi::notification
