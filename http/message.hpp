#pragma once
// The adapter's own view of an HTTP exchange, free of any server framework: what the request
// handlers read and what they answer. server.cpp translates to and from RESTinio.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ttareungyi::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method;  // upper case, e.g. "POST"
  std::string target;  // origin-form: path and optional query, e.g. "/v1/bicycles?status=available"
  header_list headers;
  std::string body;
  std::string peer{};  // the client's address (rate limits without a token); empty when unknown

  // The first header with this name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct response {
  int status = 200;
  header_list headers;  // Content-Type included when there is a body
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const;
};

// Answers a request exactly once, from any thread. Later calls are ignored by the server.
using responder = std::function<void(response)>;

// A response written over time (Server-Sent Events): its head goes out at once, then each
// write() as one piece, until the client goes away, the server stops or close() is called.
// Every member may be called from any thread, also after the stream ended (then they do
// nothing), and the object may outlive the server: it holds no connection itself.
class stream {
 public:
  virtual ~stream() = default;
  // Queues bytes for the client. Writes from one thread go out in the order they were made.
  virtual void write(std::string bytes) = 0;
  // Ties `resource` (e.g. a watch) to the stream: it is released when the stream ends, or at
  // once when it has ended already. Released on some thread of the server, never under a lock.
  virtual void bind(std::shared_ptr<void> resource) = 0;
  // Ends the response (what was written before still goes out).
  virtual void close() = 0;
};

// Turns the request being handled into a stream answered with `head` (status and headers; its
// body is ignored). Once it returned a stream, the request's responder does nothing. nullptr
// when the server takes no more streams (it is stopping): answer through the responder then.
// Only valid during the call of the handler it was given to.
class stream_opener {
 public:
  virtual std::shared_ptr<stream> open(response head) = 0;

 protected:
  ~stream_opener() = default;
};

bool iequals(std::string_view a, std::string_view b) noexcept;
// The reason phrase of a status code ("Not Found"), "Unknown" for codes it does not know.
std::string_view reason_phrase(int status) noexcept;

inline constexpr std::string_view json_media_type = "application/json";
inline constexpr std::string_view problem_media_type = "application/problem+json";
inline constexpr std::string_view form_media_type = "application/x-www-form-urlencoded";

// The media type of a Content-Type value, lower-cased, without parameters or whitespace.
std::string media_type_of(std::string_view content_type);
// application/json, with or without parameters (charset=utf-8 ...), case-insensitive.
bool is_json(std::optional<std::string_view> content_type);
bool is_form(std::optional<std::string_view> content_type);

// A JSON answer (application/json) with the given status.
response json_response(int status, std::string body);

struct split_target {
  std::string_view path;
  std::string_view query;  // without '?', empty when absent
};
split_target split(std::string_view target) noexcept;

}  // namespace ttareungyi::http
