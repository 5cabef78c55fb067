#pragma once
// A small outbound HTTP/1.1 client for the calls the server makes to other services (the
// webhook gateway, the HTTP payment provider). Plain http:// to one origin; no framework type
// appears here.
//
// * One I/O thread per client; post() only queues, and `done` runs exactly once, on that thread.
// * A hard deadline per call, from post() on: waiting for a free connection, name resolution,
//   connecting, sending and reading the whole answer all count. Past it the call fails and its
//   connection is closed.
// * At most `max_connections` connections are open at once; further calls wait, in order.
// * With keep_alive, a connection whose answer allows it goes back to an idle pool and serves
//   a later call. A reused connection that the server closed meanwhile (no answer byte came
//   back) is retried once on a fresh connection, within the same deadline: use keep_alive for
//   idempotent calls only.
// * Any complete answer is a result, whatever its status; a refused, reset or timed-out
//   connection, an answer that is not HTTP/1.x or one larger than 1 MiB is an error (text).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ttareungyi::net {

// Where an http:// URL points.
struct http_target {
  std::string host;         // a name or an IP address (IPv6 without brackets)
  std::uint16_t port = 80;
  std::string target;       // origin-form: path and query, at least "/"
  std::string host_header;  // the Host header: host, bracketed for IPv6, and ":port" unless 80
};

// http://host[:port][/path][?query] (a #fragment is dropped). The error says what is wrong:
// https and other schemes, user information, an empty host, a bad port, spaces or control
// characters.
std::expected<http_target, std::string> parse_http_url(std::string_view url);

struct http_response {
  int status = 0;
  std::string body;
};

using http_headers = std::vector<std::pair<std::string, std::string>>;

struct http_client_options {
  http_target origin;                        // its target is ignored: each call names its own
  std::chrono::milliseconds timeout{5000};   // the deadline of each call
  std::size_t max_connections = 8;
  bool keep_alive = true;
  std::string name = "client";               // in logs and the User-Agent (ttareungyi-NAME)
};

class http_client {
 public:
  using on_answer = std::function<void(std::expected<http_response, std::string>)>;

  // Checks the options and starts the I/O thread.
  static std::expected<std::unique_ptr<http_client>, std::string> create(http_client_options options);

  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;
  // Stops, then joins the I/O thread (a name resolution in progress cannot be interrupted and
  // is waited for). No post() may run concurrently with it.
  ~http_client();

  // POSTs `body` to `target` (origin-form, e.g. "/payments") with `headers` besides Host,
  // User-Agent, Content-Type, Content-Length and Connection.
  void post(std::string target, std::string_view content_type, std::string body, http_headers headers, on_answer done);

  // Calls in progress or waiting end now with an error, and so do later ones (still on the
  // client's thread, which runs until destruction). Idempotent.
  void stop();

 private:
  struct impl;
  explicit http_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace ttareungyi::net
