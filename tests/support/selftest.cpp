// Self-test of the e2e support code: the HTTP client against scripted in-process socket
// servers, the process runner against /bin/sh children. Needs no ttareungyi binary.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http_client.hpp"
#include "rfc3339.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

namespace {

using namespace ttareungyi::test;
using namespace std::chrono_literals;

struct seen_request {
  std::string head;
  std::string body;
};

// A one-thread socket server: for each request it calls the script, which returns the raw
// bytes to answer and whether to close the connection afterwards. An empty answer means "say
// nothing" (close, or stay silent when `hang`).
class scripted_server {
 public:
  struct reply {
    std::string bytes;
    bool close = false;
    bool hang = false;       // keep the connection open, never answer
    bool skip_body = false;  // answer after the head, without reading the body
  };
  using script = std::function<reply(const seen_request&, int index)>;

  explicit scripted_server(script s) : script_(std::move(s)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0)
      throw std::runtime_error("bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  ~scripted_server() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    for (int c : hung_) ::close(c);
  }

  std::uint16_t port() const { return port_; }
  int accepted() const { return accepted_; }
  int closed() const { return closed_; }
  // Bounded wait until the server closed `n` connections.
  bool wait_closed(int n) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
    while (closed_ < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{1});
    return closed_ >= n;
  }
  std::vector<seen_request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void run() {
    int index = 0;
    while (!stop_) {
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) return;
      ++accepted_;
      std::string buf;
      bool open = true;
      while (open && !stop_) {
        // read a head
        std::size_t head_end;
        while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
          char tmp[65536];
          ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
          if (n <= 0) {
            open = false;
            break;
          }
          buf.append(tmp, static_cast<std::size_t>(n));
        }
        if (!open) break;
        seen_request req;
        req.head = buf.substr(0, head_end + 4);
        buf.erase(0, head_end + 4);
        std::size_t length = 0;
        auto lower = req.head;
        for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (auto p = lower.find("content-length:"); p != std::string::npos)
          length = std::stoul(lower.substr(p + 15));
        reply r = script_(req, index++);
        if (!r.skip_body) {
          while (buf.size() < length) {
            char tmp[65536];
            ssize_t n = ::recv(c, tmp, sizeof tmp, 0);
            if (n <= 0) break;
            buf.append(tmp, static_cast<std::size_t>(n));
          }
          req.body = buf.substr(0, std::min(length, buf.size()));
          buf.erase(0, std::min(length, buf.size()));
        }
        {
          std::lock_guard lock(mutex_);
          requests_.push_back(req);
        }
        if (r.hang) {
          hung_.push_back(c);
          c = -1;
          break;
        }
        if (!r.bytes.empty()) ::send(c, r.bytes.data(), r.bytes.size(), MSG_NOSIGNAL);
        if (r.close || r.bytes.empty()) open = false;
      }
      if (c >= 0) {
        ::close(c);
        ++closed_;
      }
    }
  }

  script script_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> closed_{0};
  std::mutex mutex_;
  std::vector<seen_request> requests_;
  std::vector<int> hung_;
};

http_client::options timeout_of(std::chrono::milliseconds t) {
  http_client::options o;
  o.timeout = t;
  return o;
}

std::string ok_json(std::string_view body, std::string_view extra_headers = "") {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra_headers) + "\r\n" + std::string(body);
}

TEST(HttpClient, ParsesContentLengthAnswerAndSendsRequest) {
  scripted_server server([](const seen_request&, int) {
    return scripted_server::reply{ok_json(R"({"a":1})", "X-Thing: yes\r\nx-thing: again\r\n")};
  });
  http_client client(server.port());
  auto r = client.post_json("/v1/things?x=1", {{"name", "bike"}}, basic("ops", "secret"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["a"], 1);
  EXPECT_EQ(r.media_type(), "application/json");
  EXPECT_EQ(r.header("CONTENT-length").value_or(""), "7");
  EXPECT_EQ(r.header("x-THING").value_or(""), "yes, again");
  EXPECT_FALSE(r.header("missing").has_value());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_TRUE(reqs[0].head.starts_with("POST /v1/things?x=1 HTTP/1.1\r\n")) << reqs[0].head;
  EXPECT_NE(reqs[0].head.find("Authorization: Basic b3BzOnNlY3JldA==\r\n"), std::string::npos);
  EXPECT_NE(reqs[0].head.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_EQ(reqs[0].body, R"({"name":"bike"})");
}

TEST(HttpClient, ReusesKeptAliveConnection) {
  scripted_server server([](const seen_request&, int) { return scripted_server::reply{ok_json("{}")}; });
  http_client client(server.port());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(client.get("/x", bearer("tok")).status, 200);
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_NE(server.requests()[0].head.find("Authorization: Bearer tok\r\n"), std::string::npos);
}

TEST(HttpClient, ReconnectsWhenServerClosedKeptAliveConnection) {
  // The server closes after each answer without saying so: the next request finds the
  // kept-alive connection dead and is sent again on a new one.
  scripted_server server([](const seen_request&, int) {
    return scripted_server::reply{ok_json("{}"), /*close=*/true};
  });
  http_client client(server.port());
  EXPECT_EQ(client.get("/1").status, 200);
  ASSERT_TRUE(server.wait_closed(1));
  EXPECT_EQ(client.get("/2").status, 200);
  ASSERT_TRUE(server.wait_closed(2));
  EXPECT_EQ(client.get("/3").status, 200);
  EXPECT_EQ(server.accepted(), 3);
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(HttpClient, DoesNotRetryARequestTheServerDroppedWithoutAnswer) {
  // First request answered, second one read and then the connection dropped: the client must
  // report it, not send the request again on a new connection.
  scripted_server server([](const seen_request&, int i) {
    if (i == 0) return scripted_server::reply{ok_json("{}")};
    return scripted_server::reply{};  // close without answering
  });
  http_client client(server.port());
  EXPECT_EQ(client.get("/1").status, 200);
  EXPECT_THROW(client.post_json("/v1/rentals", {{"bicycleId", "b"}}), http_error);
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClient, HonoursConnectionClose) {
  scripted_server server([](const seen_request&, int) {
    return scripted_server::reply{ok_json("{}", "Connection: close\r\n"), true};
  });
  http_client client(server.port());
  EXPECT_EQ(client.get("/1").status, 200);
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(client.get("/2").status, 200);
}

TEST(HttpClient, DecodesChunkedAnswer) {
  scripted_server server([](const seen_request&, int) {
    return scripted_server::reply{
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        "4\r\n{\"id\r\n6;ext=1\r\n\":\"b1\"\r\n1\r\n}\r\n0\r\nTrailer: x\r\n\r\n"};
  });
  http_client client(server.port());
  auto r = client.get("/");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"id":"b1"})");
  EXPECT_EQ(r.json()["id"], "b1");
  EXPECT_EQ(client.get("/").status, 201);  // connection still usable
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClient, ReadsCloseDelimitedBodyAndNoBodyFor204) {
  scripted_server server([](const seen_request&, int i) {
    if (i == 0) return scripted_server::reply{"HTTP/1.1 204 No Content\r\n\r\n"};
    return scripted_server::reply{"HTTP/1.1 200 OK\r\n\r\nuntil the end", true};
  });
  http_client client(server.port());
  auto r = client.del("/v1/bicycles/x");
  EXPECT_EQ(r.status, 204);
  EXPECT_TRUE(r.body.empty());
  auto r2 = client.get("/");
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r2.body, "until the end");
}

TEST(HttpClient, SkipsInterimAnswers) {
  scripted_server server([](const seen_request&, int) {
    return scripted_server::reply{"HTTP/1.1 100 Continue\r\n\r\n" + ok_json("[]")};
  });
  http_client client(server.port());
  auto r = client.get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[]");
}

TEST(HttpClient, TimesOutOnSilentServer) {
  scripted_server server([](const seen_request&, int) {
    scripted_server::reply r;
    r.hang = true;
    return r;
  });
  http_client client(server.port(), timeout_of(300ms));
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(client.get("/"), http_timeout);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 3s);
}

TEST(HttpClient, RefusedConnectionThrows) {
  std::uint16_t port;
  {
    scripted_server server([](const seen_request&, int) { return scripted_server::reply{}; });
    port = server.port();
  }
  http_client client(port, timeout_of(1s));
  EXPECT_THROW(client.get("/"), http_error);
}

TEST(HttpClient, ReadsEarlyAnswerToOversizedBody) {
  scripted_server server([](const seen_request&, int) {
    scripted_server::reply r;
    r.bytes = "HTTP/1.1 413 Content Too Large\r\nContent-Type: application/problem+json\r\n"
              "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
    r.close = true;
    r.skip_body = true;
    return r;
  });
  http_client client(server.port());
  auto r = client.post("/v1/customers", std::string(8 << 20, 'x'), "application/json");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.media_type(), "application/problem+json");
}

TEST(HttpClient, NonHttpAnswerThrows) {
  scripted_server server([](const seen_request&, int) { return scripted_server::reply{"SSH-2.0-nope\r\n", true}; });
  http_client client(server.port());
  EXPECT_THROW(client.get("/"), http_error);
}

TEST(HttpClient, JsonOfNonJsonBodyThrows) {
  scripted_server server([](const seen_request&, int) {
    return scripted_server::reply{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"};
  });
  http_client client(server.port());
  auto r = client.get("/");
  EXPECT_THROW(r.json(), http_error);
}

TEST(HttpClient, SendRaw) {
  scripted_server server([](const seen_request& req, int) {
    if (req.head.starts_with("BREW")) return scripted_server::reply{};  // hang up silently
    return scripted_server::reply{"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"};
  });
  http_client client(server.port());
  auto r = client.send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
  EXPECT_FALSE(client.send_raw("BREW /pot HTTP/1.1\r\n\r\n").has_value());
}

TEST(HttpClient, Encoders) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("ops:secret"), "b3BzOnNlY3JldA==");
  EXPECT_EQ(form_encode({{"grant_type", "password"}, {"username", "010-1234-5678"}, {"password", "a b&c=d+"}}),
            "grant_type=password&username=010-1234-5678&password=a%20b%26c%3Dd%2B");
}

TEST(Rfc3339, Parses) {
  using namespace std::chrono;
  auto a = parse_rfc3339("2024-05-01T09:05:00Z");
  auto b = parse_rfc3339("2024-05-01T10:05:00.000Z");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*b - *a, minutes{60});
  auto c = parse_rfc3339("2024-05-01T18:05:00.5+09:00");
  ASSERT_TRUE(c);
  EXPECT_EQ(*c - *a, milliseconds{500});
  EXPECT_TRUE(is_rfc3339_utc("2024-05-01T09:05:00.123456789Z"));
  EXPECT_TRUE(is_rfc3339_utc("2024-05-01T09:05:00+00:00"));
  EXPECT_FALSE(is_rfc3339_utc("2024-05-01T09:05:00+09:00"));
  EXPECT_FALSE(parse_rfc3339("2024-05-01 09:05:00"));
  EXPECT_FALSE(parse_rfc3339("2024-02-30T09:05:00Z"));
  EXPECT_FALSE(parse_rfc3339("1714554300"));
  EXPECT_FALSE(parse_rfc3339("2024-05-01T09:05:00Zjunk"));
}

TEST(TempDir, CreatesAndRemoves) {
  std::filesystem::path p;
  {
    temp_dir dir("support-selftest");
    p = dir.path();
    EXPECT_TRUE(std::filesystem::is_directory(p));
    auto sub = dir.sub("data");
    std::ofstream(sub / "f") << "x";
    EXPECT_TRUE(std::filesystem::exists(sub / "f"));
  }
  if (!std::getenv("TTAREUNGYI_E2E_KEEP_TMP")) {
    EXPECT_FALSE(std::filesystem::exists(p));
  }
}

server_process::options quick(std::chrono::milliseconds start_timeout = 5s) {
  server_process::options o;
  o.start_timeout = start_timeout;
  return o;
}

TEST(ServerProcess, FindsPortAndStopsWithSigterm) {
  server_process p("/bin/sh",
                   {"-c", "echo starting; echo 'log line' >&2; echo 'listening on 127.0.0.1:4242'; exec sleep 30"},
                   quick());
  EXPECT_EQ(p.port(), 4242);
  EXPECT_EQ(p.host(), "127.0.0.1");
  EXPECT_TRUE(p.running());
  EXPECT_EQ(p.stop(), 128 + SIGTERM);
  EXPECT_FALSE(p.running());
  EXPECT_NE(p.stdout_text().find("starting"), std::string::npos);
  EXPECT_NE(p.stderr_text().find("log line"), std::string::npos);
  EXPECT_EQ(p.stop(), 128 + SIGTERM);  // idempotent
}

TEST(ServerProcess, GracefulExitCode) {
  server_process p("/bin/sh",
                   {"-c", "trap 'echo bye; exit 0' TERM; echo 'listening on 127.0.0.1:5000'; "
                          "while :; do sleep 0.05; done"},
                   quick());
  EXPECT_EQ(p.stop(), 0);
  EXPECT_NE(p.stdout_text().find("bye"), std::string::npos);
}

TEST(ServerProcess, Kill9) {
  server_process p("/bin/sh", {"-c", "echo 'listening on 127.0.0.1:5001'; exec sleep 30"}, quick());
  EXPECT_EQ(p.kill9(), 128 + SIGKILL);
  EXPECT_FALSE(p.running());
}

TEST(ServerProcess, ChattyChildDoesNotBlock) {
  // 2 MiB on stderr before listening would fill a pipe nobody drains.
  server_process p("/bin/sh",
                   {"-c", "head -c 2097152 /dev/zero | tr '\\0' 'x' >&2; echo; "
                          "echo 'listening on 127.0.0.1:5002'; exec sleep 30"},
                   quick(10s));
  EXPECT_EQ(p.port(), 5002);
  p.kill9();  // the reader drains the pipes to their end
  EXPECT_GE(p.stderr_text().size(), 2097152u);
}

TEST(ServerProcess, ExitBeforeListeningReportsStderr) {
  try {
    server_process p("/bin/sh", {"-c", "echo 'fatal: cannot open data dir' >&2; exit 3"}, quick());
    FAIL() << "expected server_start_error";
  } catch (const server_start_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("exited with status 3"), std::string::npos) << what;
    EXPECT_NE(what.find("fatal: cannot open data dir"), std::string::npos) << what;
  }
}

TEST(ServerProcess, StartTimeout) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(server_process("/bin/sh", {"-c", "exec sleep 30"}, quick(300ms)), server_start_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(ServerProcess, MissingBinary) {
  try {
    server_process p("/nonexistent/ttareungyi", {"serve"}, quick());
    FAIL() << "expected server_start_error";
  } catch (const server_start_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot execute"), std::string::npos) << e.what();
  }
}

TEST(ServerProcess, ServesHttpEndToEnd) {
  // A real child speaking HTTP: python's http.server on an ephemeral port, announced by a
  // wrapper in the format the server uses.
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no python3";
  temp_dir dir("support-selftest");
  std::ofstream(dir.path() / "hello.json") << R"({"hello":"world"})";
  const char* script = R"PY(
import http.server, socketserver, sys, os
os.chdir(sys.argv[1])
class H(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): sys.stderr.write("req\n")
s = socketserver.TCPServer(("127.0.0.1", 0), H)
print("listening on 127.0.0.1:%d" % s.server_address[1], flush=True)
s.serve_forever()
)PY";
  server_process p("/usr/bin/python3", {"-c", script, dir.path().string()}, quick(15s));
  http_client client(p.port());
  auto r = client.get("/hello.json");
  EXPECT_EQ(r.status, 200) << r.describe();
  EXPECT_EQ(r.json()["hello"], "world");
  EXPECT_EQ(client.get("/missing").status, 404);
  EXPECT_EQ(client.get("/hello.json").status, 200);
  p.kill9();
}

}  // namespace
