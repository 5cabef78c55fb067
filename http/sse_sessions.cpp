#include "sse_sessions.hpp"

#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "notifications.hpp"

namespace ttareungyi::http {

namespace {

// A client that does not read its stream is dropped once this many writes are queued for it.
constexpr std::size_t max_unacknowledged_writes = 256;

}  // namespace

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

std::shared_ptr<stream> stream_hub::open(std::uint64_t id, pending_requests& requests, const response& head) {
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

void stream_hub::close_all(std::chrono::milliseconds reconnect_after) {
  std::vector<std::shared_ptr<sse_session>> open;
  {
    std::lock_guard lock{mutex_};
    closing_ = true;
    open.reserve(sessions_.size());
    for (auto& [id, session] : sessions_) open.push_back(session);
  }
  auto hint = "retry: " + std::to_string(reconnect_after.count()) + "\n\n";
  for (auto& session : open) {
    auto strand = session->strand();
    asio::post(strand, [session = std::move(session), hint] {
      session->push(hint);
      session->finish();
    });
  }
}

void stream_hub::shut_down() {
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

}  // namespace ttareungyi::http
