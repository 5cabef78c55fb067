#pragma once
// The requests owed an answer, and the count of those not yet completely written (for
// draining). Answers owed by the facade do not hold RESTinio's request handle: they hold an id
// into this table, which shut_down() empties while the io_context still exists.
//
// What RESTinio 0.6.16 guarantees and what this relies on (read in /usr/include/restinio):
// * response_builder_t::done() may be called from any thread: it hands the write group to
//   connection_t::write_response_parts, which asio::dispatch-es it onto the connection's
//   executor (a strand with the default traits) together with a shared_ptr to the connection.
// * create_response() moves the connection handle out of the request: a request answers once.
// * A request handle keeps its connection (and so an asio socket) alive; it must therefore be
//   released before the io_context is destroyed. Replies arriving after shut_down() find
//   nothing and are dropped.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <restinio/all.hpp>

#include "message.hpp"

namespace ttareungyi::http {

class pending_requests : public std::enable_shared_from_this<pending_requests> {
 public:
  struct entry {
    restinio::request_handle_t request;
    std::shared_ptr<void> in_flight;  // released once the answer is written (or dropped)
    std::string method;
    std::string path;
    std::chrono::steady_clock::time_point started;
  };

  std::uint64_t add(restinio::request_handle_t request, std::string method, std::string path);

  // Hands request `id` over to whoever answers it from now on (a stream); nullopt when it was
  // answered already or the server stopped. Called on an I/O thread.
  std::optional<entry> take(std::uint64_t id);

  // Writes the answer of request `id`, from any thread; a no-op when it was answered already or
  // the server stopped.
  void complete(std::uint64_t id, response answer);

  // The facade dropped the reply of `id` without calling it: answer 500, unless already answered.
  void abandon(std::uint64_t id) noexcept;

  void set_draining() noexcept { draining_.store(true, std::memory_order_relaxed); }

  // Waits until every request is answered and written, or the deadline passes.
  bool wait_drained(std::chrono::steady_clock::time_point deadline);

  // Drops whatever is still owed. Call with the I/O threads joined and the io_context alive.
  std::size_t shut_down();

 private:
  std::shared_ptr<void> enter();
  void leave();

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

}  // namespace ttareungyi::http
