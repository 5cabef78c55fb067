// A worker's connections and their requests: each request's service time, a failure counted
// by its kind and, on a transport failure, the connection closed for the next to reopen.
#include <exception>

#include "worker.hpp"

namespace ttareungyi::bench::load {

using asio::use_awaitable;

connection& worker::add() {
  conns_.push_back(std::make_unique<connection>());
  conns_.back()->http = std::make_unique<http_client>(io_, target_);
  return *conns_.back();
}

bool worker::connect_all(std::string& error) {
  bool ok = true;
  for (auto& c : conns_) {
    asio::co_spawn(io_, c->http->connect(), [&](std::exception_ptr e) {
      if (e && ok) {
        ok = false;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          error = ex.what();
        }
      }
    });
  }
  io_.restart();
  io_.run();
  return ok;
}

void worker::run() {
  running_ = conns_.size();
  for (auto& c : conns_) asio::co_spawn(io_, drive(*c), asio::detached);
  asio::co_spawn(io_, watchdog(), asio::detached);
  io_.restart();
  io_.run();
}

asio::awaitable<std::optional<http_response>> worker::send(connection& c, req_kind kind, const std::string& request,
                                                           bool measured) {
  auto sent = steady::now();
  c.deadline = sent + std::chrono::milliseconds{ctx_.o.timeout_ms};
  c.timed_out = false;
  std::optional<http_response> r;
  std::string failure;
  try {
    r = co_await c.http->exchange(request);
  } catch (const std::exception& ex) {
    failure = c.timed_out ? "timeout" : std::string{"transport: "} + ex.what();
  }
  c.deadline = steady::time_point::max();
  if (!r) {
    count_error(measured, std::move(failure));
    c.http->close();
    asio::steady_timer pause{io_, std::chrono::milliseconds{10}};
    co_await pause.async_wait(use_awaitable);
    co_return std::nullopt;
  }
  if (measured) stats_.requests[kind].record(ns_since(sent));
  co_return r;
}

bool worker::check(const std::optional<http_response>& r, int wanted, req_kind kind, bool measured) {
  if (!r) return false;
  if (r->status == wanted) return true;
  std::string key = std::to_string(r->status) + " " + req_names[kind];
  if (r->status >= 400) {
    try {
      auto code = json::parse(r->body).value("code", "");
      if (!code.empty()) key += " (" + code + ")";
    } catch (...) {
    }
  }
  count_error(measured, std::move(key));
  return false;
}

}  // namespace ttareungyi::bench::load
