#pragma once
// Notification streams (Server-Sent Events) over RESTinio: the sessions that own the streamed
// responses, the hub that owns the sessions, and what the api is given to open a stream.
//
// What RESTinio 0.6.16 does here (read in /usr/include/restinio): streams use
// response_builder_t<chunked_output_t>: flush() hands what was appended so far to the
// connection (as one write group, with an after-write notificator) and done() adds the last
// chunk. The builder itself is not thread-safe, and a notificator runs on the connection's
// strand, or wherever a write group is destroyed (also in destructors, when the connection
// dies). After an answer was accepted the connection reads nothing more (max_pipelined_requests
// is 1), so a client that left is only noticed when a write fails; every write (re)arms
// handle_request_timeout, hence the keep-alive comments must come more often than that timeout.
//
// Who holds what:
// * stream_hub (one per start()) owns the open sessions (strongly, by id) and the gate that
//   says whether the io_context may still be used. It never holds a connection itself.
// * sse_session owns the RESTinio builder (and so the connection), its strand, its keep-alive
//   timer and what was bound to it (the watch). Everything but its construction and
//   release_now() runs on its strand, so the builder is only ever used by one thread.
// * stream_front is what api and the application's `deliver` see: a shared_ptr to the hub and a
//   weak_ptr to the session, nothing of asio. It may live anywhere and for any time.
// * A write from a foreign thread takes the gate (shared), and only while the server is not
//   stopped locks the session and posts to its strand; the strong reference goes into the
//   posted handler, so no session (with its asio objects) is ever released on a foreign thread
//   or after the io_context. Notificators hold only weak references (no cycle through the
//   connection) and go through the same gate, since RESTinio also runs them from destructors.
// * A session ends (on its strand) when a write fails (client gone: the watch is released at
//   once), when the api closes it, or when stop() finishes it (last chunk, connection closed).
//   Ending drops it from the hub; handlers still queued hold it until they ran.
// * stop(): close_all() first (new streams are refused, open ones get their last chunk; their
//   in-flight token is released once it is written, so draining waits at most for that), and
//   once the I/O threads are joined shut_down() closes the gate and releases what is left while
//   the io_context still exists.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <utility>

#include <restinio/all.hpp>

#include "message.hpp"
#include "pending_requests.hpp"

namespace ttareungyi::http {

using sse_response = restinio::response_builder_t<restinio::chunked_output_t>;
using io_strand = asio::strand<asio::io_context::executor_type>;

class sse_session;

class stream_hub : public std::enable_shared_from_this<stream_hub> {
 public:
  stream_hub(asio::io_context& io, std::chrono::milliseconds keep_alive) : io_(io), keep_alive_(keep_alive) {}

  // On the I/O thread handling request `id`: the request becomes a stream answered with `head`.
  std::shared_ptr<stream> open(std::uint64_t id, pending_requests& requests, const response& head);

  // Runs `post` with the session, if the server still runs and the session still exists. `post`
  // must move the reference into a handler posted to the session's strand.
  template <class Post>
  bool with_session(const std::weak_ptr<sse_session>& weak, Post&& post) {
    std::shared_lock gate{gate_};
    if (stopped_) return false;
    auto session = weak.lock();
    if (!session) return false;
    std::forward<Post>(post)(std::move(session));
    return true;
  }

  // A session ended (on its strand).
  void forget(std::uint64_t id) {
    std::lock_guard lock{mutex_};
    sessions_.erase(id);
  }

  // Refuses new streams and ends the open ones (asynchronously, on their strands), each with a
  // `retry:` field that tells the client how long to wait before it reconnects (to a node that
  // still serves, behind the load balancer).
  void close_all(std::chrono::milliseconds reconnect_after);

  // Streams open now.
  std::size_t open_count() {
    std::lock_guard lock{mutex_};
    return sessions_.size();
  }

  // With the I/O threads joined and the io_context still alive: nothing reaches the io_context
  // through the hub any more, and every session lets go of its connection and watch.
  void shut_down();

 private:
  asio::io_context& io_;
  std::chrono::milliseconds keep_alive_;

  std::shared_mutex gate_;  // shared: posting to the io_context; exclusive: shut_down()
  bool stopped_ = false;

  std::mutex mutex_;
  bool closing_ = false;
  std::unordered_map<std::uint64_t, std::shared_ptr<sse_session>> sessions_;
  std::uint64_t next_id_ = 0;
};

// What the api's handler gets for the request being handled.
class request_streams final : public stream_opener {
 public:
  request_streams(stream_hub& hub, pending_requests& requests, std::uint64_t id)
      : hub_(hub), requests_(requests), id_(id) {}
  std::shared_ptr<stream> open(response head) override { return hub_.open(id_, requests_, head); }

 private:
  stream_hub& hub_;
  pending_requests& requests_;
  std::uint64_t id_;
};

}  // namespace ttareungyi::http
