#pragma once
// A small blocking HTTP/1.1 client for end-to-end tests: plain POSIX sockets, loopback only.
//
// * Bodies are sent with Content-Length; answers may use Content-Length, chunked transfer
//   coding, or close-delimited bodies.
// * The connection is kept alive and reused between requests. Before a request goes out on an
//   idle connection, a connection the server closed meanwhile is replaced by a new one; a
//   request is never sent twice (a dropped answer is an error, not a retry).
// * Every exchange has a deadline (options::timeout): a server that does not answer makes
//   the call throw http_error instead of hanging the test.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace ttareungyi::test {

using json = nlohmann::json;

// Raised when the transport fails: connect refused, timeout, connection closed mid-answer,
// unparsable answer. A well-formed HTTP error status is not an http_error.
class http_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The deadline of an exchange passed: the server did not answer (or not completely) in time.
class http_timeout : public http_error {
 public:
  using http_error::http_error;
};

struct case_insensitive_less {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};

// Header names compare case-insensitively; a header that appears several times is joined
// with ", " (RFC 9110 §5.3).
using header_map = std::map<std::string, std::string, case_insensitive_less>;

struct response {
  int status = 0;
  std::string reason;
  header_map headers;
  std::string body;

  // The header's value, or nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
  // The media type of Content-Type, lower-cased and without parameters ("" when absent).
  std::string media_type() const;
  // The body parsed as JSON; throws http_error (with the body in the message) when it is not.
  nlohmann::json json() const;
  // One line for failure messages: "HTTP 409 {...body...}", the body cut at ~2 KiB.
  std::string describe() const;
};

// Value of an Authorization header; empty means none.
struct auth {
  std::string header_value;

  bool empty() const noexcept { return header_value.empty(); }
};
auth no_auth();
auth bearer(std::string_view token);
auth basic(std::string_view user, std::string_view password);

std::string base64_encode(std::string_view bytes);
// application/x-www-form-urlencoded, in the given order.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);
// Percent-encodes a query or path component (unreserved characters stay).
std::string url_encode(std::string_view text);

struct request {
  std::string method = "GET";
  std::string target = "/";
  header_map headers;  // extra headers; Host, Content-Length and Connection are added
  std::string body;
  std::optional<std::string> content_type;  // sets Content-Type when present
  auth authorization;
};

class http_client {
 public:
  struct options {
    std::string host = "127.0.0.1";
    std::chrono::milliseconds timeout{10'000};  // per exchange: connect, send, answer
    bool keep_alive = true;
  };

  explicit http_client(std::uint16_t port);
  http_client(std::uint16_t port, options opts);
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;
  http_client(http_client&& other) noexcept;
  http_client& operator=(http_client&& other) noexcept;
  ~http_client();

  std::uint16_t port() const noexcept { return port_; }
  const options& settings() const noexcept { return opts_; }
  void set_timeout(std::chrono::milliseconds timeout) noexcept { opts_.timeout = timeout; }

  // Opens the connection now (it is opened lazily otherwise).
  void connect();
  void close() noexcept;
  bool connected() const noexcept { return fd_ >= 0; }

  response send(const request& req);

  response get(std::string_view target, const auth& a = {});
  response del(std::string_view target, const auth& a = {});
  response post_json(std::string_view target, const json& body, const auth& a = {});
  // POST with an arbitrary body and content type (malformed JSON, oversized bodies, ...).
  response post(std::string_view target, std::string body, std::string_view content_type,
                const auth& a = {});
  response post_form(std::string_view target, std::string_view form_body, const auth& a = {});
  response post_form(std::string_view target,
                     const std::vector<std::pair<std::string, std::string>>& fields,
                     const auth& a = {});

  // Sends bytes verbatim on a fresh connection (not the kept-alive one) and reads one answer.
  // nullopt when the server closed (or reset) the connection without answering anything.
  // Throws http_timeout on timeout, http_error on an answer that is not HTTP.
  std::optional<response> send_raw(std::string_view bytes);

 private:
  response exchange(const request& req);

  std::uint16_t port_;
  options opts_;
  int fd_ = -1;
  bool reused_ = false;  // the open connection already carried an exchange
};

}  // namespace ttareungyi::test
