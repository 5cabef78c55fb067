#pragma once
// A tiny HTTP/1.1 server for end-to-end tests that receives what the server under test sends
// out (webhooks): it listens on 127.0.0.1 with an ephemeral port, records every request and
// answers it as the test's handler says, on one background thread (plain POSIX sockets).
//
// * One request per connection by default: the answer carries `Connection: close` and the
//   connection is closed after it. Request bodies must have a Content-Length (or none).
// * The handler picks the answer's status, or nullopt to never answer: the connection is then
//   held open, unanswered, until the peer closes it or the receiver is destroyed, like a
//   receiver that hangs. A replier (set_replier) also picks a body, a delay (the answer goes
//   out that much later while other connections are served) and keep-alive.
// * Destruction stops the thread and closes every connection.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http_client.hpp"

namespace ttareungyi::test {

struct received_request {
  std::string method;
  std::string target;
  header_map headers;
  std::string body;
  std::chrono::steady_clock::time_point at;  // when it was complete
  std::optional<int> answered;               // the status sent back; nullopt when left hanging

  std::optional<std::string> header(std::string_view name) const;
  // The body parsed as JSON; throws http_error (with the body) when it is not.
  nlohmann::json json() const;
};

class http_receiver {
 public:
  // Decides the answer to a request: a status (sent with an empty body) or nullopt to hang.
  using handler = std::function<std::optional<int>(const received_request&)>;

  // Always the same status.
  static handler answer(int status);
  // Never answers.
  static handler hang();

  // On `port`, or on an ephemeral one when 0 (a fixed port lets a test bring a "down"
  // receiver back where the server under test expects it).
  explicit http_receiver(handler h = answer(204), std::uint16_t port = 0);
  http_receiver(const http_receiver&) = delete;
  http_receiver& operator=(const http_receiver&) = delete;
  ~http_receiver();

  std::uint16_t port() const noexcept { return port_; }
  // "http://127.0.0.1:PORT" + path.
  std::string url(std::string_view path = "/") const;

  // Replaces the handler for requests completed from now on.
  void set_handler(handler h);

  struct reply {
    int status = 200;
    std::string body{};                   // sent as application/json when not empty
    std::chrono::milliseconds delay{0};   // answer this much later
    bool keep_alive = false;              // keep the connection open for further requests
  };
  using replier = std::function<std::optional<reply>(const received_request&)>;
  // Like set_handler, with a reply that can carry more than a status.
  void set_replier(replier r);

  // Every request completed so far, in arrival order.
  std::vector<received_request> requests() const;
  // Connections accepted so far (a hanging receiver may see connections it never answers).
  std::size_t connections() const;
  // Waits until `done(requests())` holds or `timeout` passes; returns the last requests seen.
  std::vector<received_request> wait_for(const std::function<bool(const std::vector<received_request>&)>& done,
                                         std::chrono::milliseconds timeout) const;

 private:
  void run();

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::thread thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  replier replier_;
  std::vector<received_request> requests_;
  std::size_t connections_ = 0;
};

}  // namespace ttareungyi::test
