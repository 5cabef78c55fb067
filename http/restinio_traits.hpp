#pragma once
// How the adapter configures RESTinio: its log lines go to spdlog, and the connection count is
// limited (server_options::max_connections). Only the files around the real server include it.
#include <restinio/all.hpp>
#include <spdlog/spdlog.h>

namespace ttareungyi::http {

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

// An io_context whose services can be shut down (destroying the handlers still queued, and the
// connections they hold) while RESTinio's server object still exists: a connection's
// destructor reports to the server's connection-count limiter, which must be alive then.
class server_io : public asio::io_context {
 public:
  void abandon_handlers() { shutdown(); }
};

}  // namespace ttareungyi::http
