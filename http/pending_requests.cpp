#include "pending_requests.hpp"

#include <exception>
#include <utility>

#include <spdlog/spdlog.h>

#include "problem.hpp"

namespace ttareungyi::http {

std::uint64_t pending_requests::add(restinio::request_handle_t request, std::string method, std::string path) {
  auto token = enter();
  std::lock_guard lock{mutex_};
  auto id = ++next_id_;
  pending_.emplace(id, entry{std::move(request), std::move(token), std::move(method), std::move(path),
                             std::chrono::steady_clock::now()});
  return id;
}

std::optional<pending_requests::entry> pending_requests::take(std::uint64_t id) {
  std::shared_lock io{io_mutex_};
  if (stopped_) return std::nullopt;
  std::lock_guard lock{mutex_};
  auto it = pending_.find(id);
  if (it == pending_.end()) return std::nullopt;
  entry e = std::move(it->second);
  pending_.erase(it);
  return e;
}

void pending_requests::complete(std::uint64_t id, response answer) {
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

void pending_requests::abandon(std::uint64_t id) noexcept {
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

bool pending_requests::wait_drained(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock{mutex_};
  return drained_.wait_until(lock, deadline, [&] { return in_flight_ == 0; });
}

std::size_t pending_requests::shut_down() {
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

std::shared_ptr<void> pending_requests::enter() {
  {
    std::lock_guard lock{mutex_};
    ++in_flight_;
  }
  return std::shared_ptr<void>(nullptr, [self = shared_from_this()](void*) { self->leave(); });
}

void pending_requests::leave() {
  std::lock_guard lock{mutex_};
  if (--in_flight_ == 0) drained_.notify_all();
}

}  // namespace ttareungyi::http
