// The only RESTinio user: moves requests from RESTinio into api::handle and the answers back,
// from whatever thread delivers them.
//
// What RESTinio 0.6.16 guarantees and what this file relies on (read in /usr/include/restinio):
// * response_builder_t::done() may be called from any thread: it hands the write group to
//   connection_t::write_response_parts, which asio::dispatch-es it onto the connection's
//   executor (a strand with the default traits) together with a shared_ptr to the connection.
// * create_response() moves the connection handle out of the request: a request answers once.
// * A request handle keeps its connection (and so an asio socket) alive; it must therefore be
//   released before the io_context is destroyed. Answers owed by the facade therefore do not
//   hold the handle: they hold an id into `registry`, which stop() empties while the
//   io_context still exists. Replies arriving after that find nothing and are dropped.
// * incoming_http_msg_limits_t::max_body_size is checked against Content-Length as soon as the
//   headers are parsed and against the bytes received for chunked bodies; beyond it RESTinio
//   closes the connection without an answer. The hard limit is set above max_body_bytes so that
//   moderately oversized bodies get a 413 problem from api::handle, and nothing unbounded is
//   ever buffered.
// * Slow clients: read_next_http_message_timelimit is armed when a connection starts waiting
//   for a request and is not re-armed by the bytes that arrive, so it bounds the time for a
//   whole request (head and body), and the idle time of a kept-alive connection. Timeouts are
//   checked by a per-connection timer every timer_check_period(). A connection that timed
//   out is closed and releases everything it held.
// * The connection count limiter (traits::use_connection_count_limiter) stops accepting at
//   max_parallel_connections; further clients wait in the listen backlog, unanswered, until a
//   connection closes.
// * The acceptor_post_bind_hook sees the acceptor right after bind(): the real port for port 0.
// * Notification streams (Server-Sent Events) use response_builder_t<chunked_output_t>: flush()
//   hands what was appended so far to the connection (as one write group, with an after-write
//   notificator) and done() adds the last chunk. The builder itself is not thread-safe, and a
//   notificator runs on the connection's strand, or wherever a write group is destroyed (also
//   in destructors, when the connection dies). After an answer was accepted the connection
//   reads nothing more (max_pipelined_requests is 1), so a client that left is only noticed
//   when a write fails; every write (re)arms handle_request_timeout, hence the keep-alive
//   comments must come more often than that timeout.
#include "ttareungyi/http/server.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include <restinio/all.hpp>
#include <spdlog/spdlog.h>

#include "api.hpp"
#include "notifications.hpp"
#include "problem.hpp"

namespace ttareungyi::http {

namespace {

// RESTinio's log lines go to spdlog, one level lower than RESTinio's own: its warnings and errors
// are mostly about clients (closed sockets, unparsable requests).
class spdlog_logger {
 public:
  template <class Builder>
  void trace(Builder&& message) const {
    if (spdlog::should_log(spdlog::level::trace)) spdlog::trace("restinio: {}", message());
  }
  template <class Builder>
  void info(Builder&& message) const {
    if (spdlog::should_log(spdlog::level::debug)) spdlog::debug("restinio: {}", message());
  }
  template <class Builder>
  void warn(Builder&& message) const {
    if (spdlog::should_log(spdlog::level::debug)) spdlog::debug("restinio: {}", message());
  }
  template <class Builder>
  void error(Builder&& message) const {
    if (spdlog::should_log(spdlog::level::info)) spdlog::info("restinio: {}", message());
  }
};

struct traits : restinio::traits_t<restinio::asio_timer_manager_t, spdlog_logger> {
  static constexpr bool use_connection_count_limiter = true;  // server_options::max_connections
};
using http_server = restinio::http_server_t<traits>;

// Limits of the request head; the body limit comes from server_options.
constexpr std::size_t max_url_bytes = 8 * 1024;
constexpr std::size_t max_field_name_bytes = 256;
constexpr std::size_t max_field_value_bytes = 16 * 1024;
constexpr std::size_t max_field_count = 100;
// The facade answers quickly (payment answers "try later" at once); this only bounds bugs.
constexpr auto handle_request_timeout = std::chrono::seconds{30};
// Bounds of server_options::sse_keep_alive: every write re-arms handle_request_timeout, so a
// stream must write well within it.
constexpr std::chrono::milliseconds min_keep_alive{10};
constexpr std::chrono::milliseconds max_keep_alive{handle_request_timeout / 2};

// Timeouts are checked per connection this often; the shortest one sets it (tests use 200 ms).
constexpr std::chrono::milliseconds min_timeout{10};
std::chrono::steady_clock::duration timer_check_period(const server_options& o) {
  auto shortest = std::min({o.read_timeout, o.write_timeout, std::chrono::milliseconds{handle_request_timeout}});
  return std::clamp<std::chrono::milliseconds>(shortest / 4, min_timeout, std::chrono::milliseconds{1000});
}

std::uint64_t hard_body_limit(std::size_t max_body_bytes) {
  // Large enough that any plausible oversized JSON (a few MiB) still gets a 413 problem, small
  // enough that one I/O thread's worst-case buffering stays bounded.
  auto extra = std::max<std::uint64_t>(std::uint64_t{max_body_bytes} * 3, 8 * 1024 * 1024);
  return std::uint64_t{max_body_bytes} + extra;
}

// Requests owed an answer, and the count of those not yet completely written (for draining).
class registry : public std::enable_shared_from_this<registry> {
 public:
  struct entry {
    restinio::request_handle_t request;
    std::shared_ptr<void> in_flight;  // released once the answer is written (or dropped)
    std::string method;
    std::string path;
    std::chrono::steady_clock::time_point started;
  };

  std::uint64_t add(restinio::request_handle_t request, std::string method, std::string path) {
    auto token = enter();
    std::lock_guard lock{mutex_};
    auto id = ++next_id_;
    pending_.emplace(id, entry{std::move(request), std::move(token), std::move(method), std::move(path),
                               std::chrono::steady_clock::now()});
    return id;
  }

  // Hands request `id` over to whoever answers it from now on (a stream); nullopt when it was
  // answered already or the server stopped. Called on an I/O thread.
  std::optional<entry> take(std::uint64_t id) {
    std::shared_lock io{io_mutex_};
    if (stopped_) return std::nullopt;
    std::lock_guard lock{mutex_};
    auto it = pending_.find(id);
    if (it == pending_.end()) return std::nullopt;
    entry e = std::move(it->second);
    pending_.erase(it);
    return e;
  }

  // Writes the answer of request `id`, from any thread; a no-op when it was answered already or
  // the server stopped.
  void complete(std::uint64_t id, response answer) {
    std::shared_lock io{io_mutex_};
    if (stopped_) return;
    entry e;
    {
      std::lock_guard lock{mutex_};
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      e = std::move(it->second);
      pending_.erase(it);
    }
    const int status = answer.status;
    try {
      auto builder = e.request->create_response(restinio::http_status_line_t{
          restinio::http_status_code_t{static_cast<std::uint16_t>(status)}, std::string{reason_phrase(status)}});
      for (auto& [name, value] : answer.headers) builder.append_header(std::move(name), std::move(value));
      if (draining_.load(std::memory_order_relaxed)) builder.connection_close();
      builder.set_body(std::move(answer.body));
      builder.done([token = std::move(e.in_flight)](const asio::error_code&) {});
    } catch (const std::exception& ex) {
      spdlog::warn("http: could not send the answer to {} {}: {}", e.method, e.path, ex.what());
    }
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - e.started).count();
    if (status == 500) {
      spdlog::warn("http: {} {} -> {} ({:.1f} ms)", e.method, e.path, status, ms);
    } else {
      spdlog::debug("http: {} {} -> {} ({:.1f} ms)", e.method, e.path, status, ms);
    }
  }

  // The facade dropped the reply of `id` without calling it: answer 500, unless already answered.
  void abandon(std::uint64_t id) noexcept {
    try {
      {
        std::shared_lock io{io_mutex_};
        if (stopped_) return;
        std::lock_guard lock{mutex_};
        if (!pending_.contains(id)) return;
      }
      spdlog::warn("http: the application dropped a reply without answering");
      complete(id, to_response(internal_problem()));
    } catch (...) {
      // Runs in a destructor: nothing may escape. The request is dropped at stop() at the latest.
    }
  }

  void set_draining() noexcept { draining_.store(true, std::memory_order_relaxed); }

  // Waits until every request is answered and written, or the deadline passes.
  bool wait_drained(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock{mutex_};
    return drained_.wait_until(lock, deadline, [&] { return in_flight_ == 0; });
  }

  // Drops whatever is still owed. Call with the I/O threads joined and the io_context alive.
  std::size_t shut_down() {
    std::unique_lock io{io_mutex_};
    stopped_ = true;
    std::unordered_map<std::uint64_t, entry> leftovers;
    {
      std::lock_guard lock{mutex_};
      leftovers.swap(pending_);
    }
    auto dropped = leftovers.size();
    leftovers.clear();  // releases the connections while their io_context still exists
    return dropped;
  }

 private:
  std::shared_ptr<void> enter() {
    {
      std::lock_guard lock{mutex_};
      ++in_flight_;
    }
    return std::shared_ptr<void>(nullptr, [self = shared_from_this()](void*) { self->leave(); });
  }

  void leave() {
    std::lock_guard lock{mutex_};
    if (--in_flight_ == 0) drained_.notify_all();
  }

  // Shared by answers being written, exclusive for shut_down(): once it returns no thread
  // touches a request handle any more.
  std::shared_mutex io_mutex_;
  bool stopped_ = false;

  std::mutex mutex_;
  std::condition_variable drained_;
  std::unordered_map<std::uint64_t, entry> pending_;
  std::uint64_t next_id_ = 0;
  std::size_t in_flight_ = 0;

  std::atomic<bool> draining_{false};
};

// ---------------------------------------------------------------- notification streams
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

using sse_response = restinio::response_builder_t<restinio::chunked_output_t>;
using io_strand = asio::strand<asio::io_context::executor_type>;

// An io_context whose services can be shut down (destroying the handlers still queued, and the
// connections they hold) while RESTinio's server object still exists: a connection's
// destructor reports to the server's connection-count limiter, which must be alive then.
class server_io : public asio::io_context {
 public:
  void abandon_handlers() { shutdown(); }
};

// A client that does not read its stream is dropped once this many writes are queued for it.
constexpr std::size_t max_unacknowledged_writes = 256;

class stream_hub;

class sse_session : public std::enable_shared_from_this<sse_session> {
 public:
  sse_session(asio::io_context& io, std::uint64_t id, sse_response builder, std::shared_ptr<void> in_flight,
              std::chrono::milliseconds keep_alive, std::weak_ptr<stream_hub> hub)
      : strand_(asio::make_strand(io)),
        timer_(strand_),
        id_(id),
        builder_(std::move(builder)),
        in_flight_(std::move(in_flight)),
        keep_alive_(keep_alive),
        hub_(std::move(hub)) {}

  const io_strand& strand() const noexcept { return strand_; }

  // Sends the head and starts the keep-alive comments.
  void start() {
    if (!builder_) return;
    send({});
    arm_keep_alive();
  }

  void push(std::string bytes) {
    if (builder_) send(restinio::writable_item_t{std::move(bytes)});
  }

  void attach(std::shared_ptr<void> resource) {
    if (builder_) resources_.push_back(std::move(resource));
    // else: ended already; `resource` is released on return
  }

  // Ends the response: what was written goes out, then the last chunk; the connection closes.
  void finish() {
    if (!builder_) return;
    try {
      builder_->done([token = std::move(in_flight_)](const asio::error_code&) {});
    } catch (const std::exception& ex) {
      spdlog::debug("http: could not end a notification stream: {}", ex.what());
    }
    end();
  }

  // With no I/O thread running (so no handler of the strand either): releases everything.
  void release_now() noexcept {
    builder_.reset();
    resources_.clear();
    in_flight_.reset();
    asio::error_code ignored;
    timer_.cancel(ignored);
  }

 private:
  void send(restinio::writable_item_t item);
  void written(const asio::error_code& ec);
  void end();

  void arm_keep_alive() {
    timer_.expires_after(keep_alive_);
    timer_.async_wait(asio::bind_executor(strand_, [weak = weak_from_this()](const asio::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock(); self && self->builder_) {
        self->send(restinio::const_buffer(sse_keep_alive.data(), sse_keep_alive.size()));
        self->arm_keep_alive();
      }
    }));
  }

  io_strand strand_;
  asio::steady_timer timer_;
  std::uint64_t id_;
  std::optional<sse_response> builder_;  // engaged while the stream is open
  std::shared_ptr<void> in_flight_;      // counts for the server's draining
  std::chrono::milliseconds keep_alive_;
  std::weak_ptr<stream_hub> hub_;
  std::vector<std::shared_ptr<void>> resources_;
  std::size_t unacknowledged_ = 0;
};

class stream_hub : public std::enable_shared_from_this<stream_hub> {
 public:
  stream_hub(asio::io_context& io, std::chrono::milliseconds keep_alive) : io_(io), keep_alive_(keep_alive) {}

  // On the I/O thread handling request `id`: the request becomes a stream answered with `head`.
  std::shared_ptr<stream> open(std::uint64_t id, registry& requests, const response& head);

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

  // Refuses new streams and ends the open ones (asynchronously, on their strands).
  void close_all() {
    std::vector<std::shared_ptr<sse_session>> open;
    {
      std::lock_guard lock{mutex_};
      closing_ = true;
      open.reserve(sessions_.size());
      for (auto& [id, session] : sessions_) open.push_back(session);
    }
    for (auto& session : open) {
      auto strand = session->strand();
      asio::post(strand, [session = std::move(session)] { session->finish(); });
    }
  }

  // With the I/O threads joined and the io_context still alive: nothing reaches the io_context
  // through the hub any more, and every session lets go of its connection and watch.
  void shut_down() {
    std::unordered_map<std::uint64_t, std::shared_ptr<sse_session>> left;
    {
      std::unique_lock gate{gate_};
      stopped_ = true;
      std::lock_guard lock{mutex_};
      closing_ = true;
      left.swap(sessions_);
    }
    // Outside the locks: releasing a connection runs notificators, releasing a watch runs the
    // application's code.
    for (auto& [id, session] : left) session->release_now();
  }

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

class stream_front final : public stream {
 public:
  stream_front(std::shared_ptr<stream_hub> hub, std::weak_ptr<sse_session> session)
      : hub_(std::move(hub)), session_(std::move(session)) {}

  void write(std::string bytes) override {
    hub_->with_session(session_, [&](std::shared_ptr<sse_session> s) {
      auto strand = s->strand();
      asio::post(strand, [s = std::move(s), bytes = std::move(bytes)]() mutable { s->push(std::move(bytes)); });
    });
  }

  void bind(std::shared_ptr<void> resource) override {
    hub_->with_session(session_, [&](std::shared_ptr<sse_session> s) {
      auto strand = s->strand();
      asio::post(strand, [s = std::move(s), r = std::move(resource)]() mutable { s->attach(std::move(r)); });
    });
    // Not posted: `resource` is released here, outside the hub's gate.
  }

  void close() override {
    hub_->with_session(session_, [&](std::shared_ptr<sse_session> s) {
      auto strand = s->strand();
      asio::post(strand, [s = std::move(s)] { s->finish(); });
    });
  }

 private:
  std::shared_ptr<stream_hub> hub_;
  std::weak_ptr<sse_session> session_;
};

void sse_session::send(restinio::writable_item_t item) {
  if (unacknowledged_ >= max_unacknowledged_writes) {
    spdlog::debug("http: a notification stream's client does not read; ending it");
    return finish();
  }
  try {
    if (item.size() > 0) builder_->append_chunk(std::move(item));
    ++unacknowledged_;
    // The notificator may run anywhere (see the top of this file): it only posts, through the hub.
    builder_->flush([hub = hub_, weak = weak_from_this()](const asio::error_code& ec) {
      auto strong_hub = hub.lock();
      if (!strong_hub) return;
      strong_hub->with_session(weak, [&](std::shared_ptr<sse_session> s) {
        auto strand = s->strand();
        asio::post(strand, [s = std::move(s), ec] { s->written(ec); });
      });
    });
  } catch (const std::exception& ex) {
    spdlog::debug("http: could not write to a notification stream: {}", ex.what());
    builder_.reset();
    end();
  }
}

void sse_session::written(const asio::error_code& ec) {
  if (unacknowledged_ > 0) --unacknowledged_;
  if (!ec || !builder_) return;
  // The client went away (or the connection was closed for another reason): stop watching.
  spdlog::debug("http: notification stream closed: {}", ec.message());
  builder_.reset();
  end();
}

void sse_session::end() {
  builder_.reset();
  asio::error_code ignored;
  timer_.cancel(ignored);
  in_flight_.reset();
  auto resources = std::move(resources_);
  resources_.clear();
  resources.clear();  // the watch ends here
  if (auto hub = hub_.lock()) hub->forget(id_);
}

std::shared_ptr<stream> stream_hub::open(std::uint64_t id, registry& requests, const response& head) {
  std::shared_lock gate{gate_};
  if (stopped_) return nullptr;
  std::shared_ptr<sse_session> session;
  {
    std::lock_guard lock{mutex_};
    if (closing_) return nullptr;
    auto taken = requests.take(id);
    if (!taken) return nullptr;
    auto builder = taken->request->create_response<restinio::chunked_output_t>(restinio::http_status_line_t{
        restinio::http_status_code_t{static_cast<std::uint16_t>(head.status)}, std::string{reason_phrase(head.status)}});
    for (const auto& [name, value] : head.headers) builder.append_header(name, value);
    builder.connection_close();  // a stream is the connection's last answer
    auto session_id = ++next_id_;
    session = std::make_shared<sse_session>(io_, session_id, std::move(builder), std::move(taken->in_flight),
                                            keep_alive_, weak_from_this());
    sessions_.emplace(session_id, session);
  }
  auto front = std::make_shared<stream_front>(shared_from_this(), session);
  auto strand = session->strand();
  asio::post(strand, [session = std::move(session)] { session->start(); });
  return front;
}

// What the api's handler gets for the request being handled.
class request_streams final : public stream_opener {
 public:
  request_streams(stream_hub& hub, registry& requests, std::uint64_t id) : hub_(hub), requests_(requests), id_(id) {}
  std::shared_ptr<stream> open(response head) override { return hub_.open(id_, requests_, head); }

 private:
  stream_hub& hub_;
  registry& requests_;
  std::uint64_t id_;
};

// The client's address as text; IPv4 by hand (asio's to_string goes through sprintf), once per request.
std::string peer_of(const asio::ip::address& address) {
  if (!address.is_v4()) return address.to_string();
  const auto bytes = address.to_v4().to_bytes();
  char buf[16];
  char* p = buf;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) *p++ = '.';
    p = std::to_chars(p, buf + sizeof buf, bytes[i]).ptr;
  }
  return std::string(buf, p);
}

request to_model(const restinio::request_t& req) {
  request r;
  r.method = std::string{req.header().method().c_str()};
  r.target = std::string{req.header().request_target()};
  r.headers.reserve(req.header().fields_count());
  req.header().for_each_field([&](const restinio::http_header_field_t& f) { r.headers.emplace_back(f.name(), f.value()); });
  r.body = req.body();
  r.peer = peer_of(req.remote_endpoint().address());
  return r;
}

}  // namespace

struct server::impl {
  app::services services;
  const security::token_service& tokens;
  std::vector<security::operator_client> operators;
  server_options options;

  std::mutex lifecycle;  // start() and stop()
  bool running = false;
  std::uint16_t port = 0;
  std::unique_ptr<server_io> io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<http_server> http;
  std::vector<std::thread> threads;
  std::shared_ptr<registry> pending;
  std::shared_ptr<stream_hub> streams;
  std::shared_ptr<api> endpoints;

  impl(app::services s, const security::token_service& t, std::vector<security::operator_client> ops, server_options o)
      : services(std::move(s)), tokens(t), operators(std::move(ops)), options(std::move(o)) {}

  std::expected<std::uint16_t, std::string> start();
  void stop();
  void stop_threads();
  void tear_down();
};

std::expected<std::uint16_t, std::string> server::impl::start() {
  std::lock_guard guard{lifecycle};
  if (running) return port;

  asio::error_code ec;
  auto address = asio::ip::make_address(options.bind, ec);
  if (ec) return std::unexpected("invalid bind address " + options.bind + ": " + ec.message());

  io = std::make_unique<server_io>();
  pending = std::make_shared<registry>();
  streams = std::make_shared<stream_hub>(*io, std::clamp<std::chrono::milliseconds>(options.sse_keep_alive, min_keep_alive,
                                                                                      max_keep_alive));
  endpoints = std::make_shared<api>(
      services, tokens, operators, options.max_body_bytes, options.clock,
      protections{.limit = {options.rate_limit_rps, options.rate_limit_burst}, .answers = options.idempotency});
  auto bound_port = std::make_shared<std::atomic<std::uint16_t>>(0);

  auto handler = [endpoints = endpoints, pending = pending, streams = streams](const restinio::request_handle_t& req) {
    request model;
    std::uint64_t id = 0;
    try {
      model = to_model(*req);
      id = pending->add(req, model.method, std::string{split(model.target).path});
    } catch (const std::exception& ex) {
      spdlog::warn("http: could not take a request: {}", ex.what());
      return restinio::request_rejected();
    }
    // If the facade drops the reply without calling it, the client still gets an answer.
    auto abandoned = std::shared_ptr<void>(nullptr, [pending, id](void*) { pending->abandon(id); });
    responder respond = [pending, id, abandoned](response answer) { pending->complete(id, std::move(answer)); };
    request_streams opener{*streams, *pending, id};
    endpoints->handle(model, respond, &opener);
    return restinio::request_accepted();
  };

  auto settings = restinio::server_settings_t<traits>{}
                      .address(address)
                      .port(options.port)
                      .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                                    .max_url_size(max_url_bytes)
                                                    .max_field_name_size(max_field_name_bytes)
                                                    .max_field_value_size(max_field_value_bytes)
                                                    .max_field_count(max_field_count)
                                                    .max_body_size(hard_body_limit(options.max_body_bytes)))
                      .handle_request_timeout(handle_request_timeout)
                      .read_next_http_message_timelimit(std::max(options.read_timeout, min_timeout))
                      .write_http_response_timelimit(std::max(options.write_timeout, min_timeout))
                      .timer_manager(timer_check_period(options))
                      .max_parallel_connections(std::max<std::size_t>(options.max_connections, 1))
                      .acceptor_post_bind_hook([bound_port](asio::ip::tcp::acceptor& acceptor) {
                        bound_port->store(acceptor.local_endpoint().port());
                      })
                      .request_handler(std::move(handler));

  try {
    http = std::make_unique<http_server>(restinio::external_io_context(*io), std::move(settings));
  } catch (const std::exception& ex) {
    tear_down();
    return std::unexpected(std::string{"cannot create the HTTP server: "} + ex.what());
  }

  work.emplace(asio::make_work_guard(*io));
  auto count = std::max<std::size_t>(options.threads, 1);
  for (std::size_t i = 0; i < count; ++i) {
    threads.emplace_back([io = io.get()] {
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& ex) {
          spdlog::warn("http: I/O thread caught: {}", ex.what());
        }
      }
    });
  }

  auto opened = std::make_shared<std::promise<void>>();
  auto result = opened->get_future();
  http->open_async([opened] { opened->set_value(); },
                   [opened](std::exception_ptr ex) { opened->set_exception(std::move(ex)); });
  try {
    result.get();
  } catch (const std::exception& ex) {
    stop_threads();
    tear_down();
    return std::unexpected("cannot listen on " + options.bind + ":" + std::to_string(options.port) + ": " + ex.what());
  }

  running = true;
  port = bound_port->load();
  spdlog::info("http: listening on {}:{}", options.bind, port);
  return port;
}

void server::impl::stop() {
  std::lock_guard guard{lifecycle};
  if (!running) return;
  running = false;
  auto deadline = std::chrono::steady_clock::now() + options.drain_timeout;

  // 1. No new connections, and /health/ready says so. Notification streams end now: they
  // would never finish by themselves.
  endpoints->set_draining(true);
  pending->set_draining();
  streams->close_all();
  auto closed = std::make_shared<std::promise<void>>();
  auto closing = closed->get_future();
  http->close_async([closed] { closed->set_value(); },
                    [closed](std::exception_ptr ex) { closed->set_exception(std::move(ex)); });
  try {
    if (closing.wait_until(deadline) == std::future_status::ready) closing.get();
  } catch (const std::exception& ex) {
    spdlog::warn("http: closing the listener failed: {}", ex.what());
  }

  // 2. Let answers in progress be delivered and written.
  if (!pending->wait_drained(deadline)) spdlog::warn("http: stopping with requests still unanswered");

  // 3. Stop the I/O, then drop what is left while the io_context still exists.
  stop_threads();
  if (auto dropped = pending->shut_down(); dropped > 0) spdlog::warn("http: dropped {} unanswered requests", dropped);
  streams->shut_down();
  endpoints->close();
  tear_down();
  spdlog::info("http: stopped");
}

void server::impl::stop_threads() {
  work.reset();
  if (io) io->stop();
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
  threads.clear();
}

void server::impl::tear_down() {
  if (pending) pending->shut_down();
  if (streams) streams->shut_down();
  if (endpoints) endpoints->close();
  if (io) io->abandon_handlers();  // the connections queued handlers hold go, the limiter still there
  http.reset();  // its acceptor and timers go before the io_context
  io.reset();
  pending.reset();
  streams.reset();
  endpoints.reset();
}

server::server(app::services services, const security::token_service& tokens,
               std::vector<security::operator_client> operators, server_options options)
    : impl_(std::make_unique<impl>(std::move(services), tokens, std::move(operators), std::move(options))) {}

server::~server() { stop(); }

std::expected<std::uint16_t, std::string> server::start() { return impl_->start(); }

void server::stop() { impl_->stop(); }

}  // namespace ttareungyi::http
