#pragma once
// A Server-Sent Events reader for end-to-end tests: one GET on its own connection, the answer's
// head read at once, then events read one at a time, each with its own deadline. Plain POSIX
// sockets, loopback only, like http_client.
//
// * The body may be chunked (what a never-ending stream uses), Content-Length-delimited or
//   close-delimited; it is decoded as it arrives.
// * Events are parsed per the WHATWG "event stream interpretation": `id`, `event`, `data`
//   (several data lines join with "\n"), comment lines (": keep-alive") skipped, an event
//   dispatched at a blank line when it has data.
// * A non-200 answer is read completely (it is a problem document, not a stream): head().body
//   holds it and next() reports the end of the stream.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http_client.hpp"

namespace ttareungyi::test {

struct sse_event {
  std::string id;     // the `id` field ("" when the event had none)
  std::string event;  // the `event` field ("" when the event had none: type "message")
  std::string data;   // the data lines joined with "\n"

  // `data` parsed as JSON; throws http_error (with the data in the message) when it is not.
  nlohmann::json json() const;
  // One line for failure messages.
  std::string describe() const;
};

class sse_stream {
 public:
  // Connects to 127.0.0.1:port, sends `GET target` with `Accept: text/event-stream`, the
  // authorization and the extra headers, and reads the answer's head (throws http_error /
  // http_timeout when that fails or takes longer than `timeout`).
  sse_stream(std::uint16_t port, std::string_view target, const auth& a = {}, header_map headers = {},
             std::chrono::milliseconds timeout = std::chrono::milliseconds{10'000});
  sse_stream(const sse_stream&) = delete;
  sse_stream& operator=(const sse_stream&) = delete;
  ~sse_stream();

  // Status and headers of the answer; the body only for a non-200 answer.
  const response& head() const noexcept { return head_; }

  // The next event, waiting up to `timeout` for it; nullopt when none completed in time (what
  // arrived of a partial one is kept for the next call). Throws http_error when the stream has
  // ended (connection closed, last chunk) before an event completed.
  std::optional<sse_event> next(std::chrono::milliseconds timeout);

  // Whether the server ended the stream (connection closed or last chunk read).
  bool ended() const noexcept { return ended_; }
  // Comment lines seen so far (e.g. ": keep-alive"), without the colon.
  std::size_t comments() const noexcept { return comments_; }
  // The last `retry:` field (the reconnection time the server asks for, in ms), if any.
  std::optional<long> retry() const noexcept { return retry_; }
  // Closes the connection (the server sees the client gone). Idempotent.
  void close() noexcept;

 private:
  // Reads what the socket has (waiting until `deadline`); false when nothing came in time.
  // Sets ended_ at end of stream.
  bool receive(std::chrono::steady_clock::time_point deadline);
  // Moves decoded body bytes from raw_ to text_ as far as the framing allows.
  void decode();
  // Takes one complete event out of text_, if there is one.
  std::optional<sse_event> take_event();

  int fd_ = -1;
  response head_;
  std::string raw_;   // received, not yet decoded
  std::string text_;  // decoded body, not yet parsed into events
  enum class framing { chunked, length, until_close } framing_ = framing::until_close;
  std::size_t length_left_ = 0;  // framing::length: body bytes still to come
  std::size_t chunk_left_ = 0;   // framing::chunked: bytes left of the current chunk
  bool in_chunk_ = false;        // framing::chunked: inside a chunk's data (else at a size line)
  bool chunk_crlf_ = false;      // framing::chunked: the CRLF after a chunk's data is due
  bool ended_ = false;
  std::size_t comments_ = 0;
  std::optional<long> retry_;
  sse_event pending_;  // fields of the event being parsed
  bool pending_data_ = false;
};

}  // namespace ttareungyi::test
