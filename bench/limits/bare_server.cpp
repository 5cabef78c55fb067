// ttareungyi-bare: the HTTP limit of this machine as the product sees it. A RESTinio 0.6 server
// set up like the product's (http/server.cpp: asio timer manager, the same message limits and
// request timeout, an external io_context run by --threads I/O threads, one by default) that
// answers every request at once, on the I/O thread, with a fixed ~100-byte JSON document. No
// routing, no token check, no actor hop, no storage: what is left is RESTinio, asio and the
// kernel's loopback.
//
//   ttareungyi-bare [--port 0] [--bind 127.0.0.1] [--threads 1]
// prints "listening on ADDR:PORT" and serves until SIGINT or SIGTERM.
#include <restinio/all.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "../common/command_line.hpp"

namespace {

// The product logs through spdlog at info level, where RESTinio's messages are all dropped;
// RESTinio's null logger is the same minus the level check.
using traits = restinio::traits_t<restinio::asio_timer_manager_t, restinio::null_logger_t>;
using http_server = restinio::http_server_t<traits>;

// As in http/server.cpp.
constexpr std::size_t max_url_bytes = 8 * 1024;
constexpr std::size_t max_field_name_bytes = 256;
constexpr std::size_t max_field_value_bytes = 16 * 1024;
constexpr std::size_t max_field_count = 100;
constexpr std::size_t max_body_bytes = 64 * 1024 + 256 * 1024;  // hard_body_limit(64 KiB)
constexpr auto handle_request_timeout = std::chrono::seconds{30};

// 100 bytes, shaped like a ticket.
constexpr std::string_view body =
    R"({"id":"t_0123456789abcdef","type":"1h","minutes":60,"price":1000,"currency":"KRW","status":"paid"})";

}  // namespace

int main(int argc, char** argv) {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::string bind = "127.0.0.1";
  long port = 0, threads = 1;
  ttareungyi::bench::command_line args{"ttareungyi-bare", argc, argv};
  while (args.next()) {
    if (args.flag() == "--port") port = args.number(0L, 65535L);
    else if (args.flag() == "--bind") bind = args.value();
    else if (args.flag() == "--threads") threads = args.number(1L, 64L);
    else {
      std::cerr << "usage: ttareungyi-bare [--port 0] [--bind 127.0.0.1] [--threads 1]\n";
      return 2;
    }
  }

  asio::io_context io;
  std::atomic<std::uint16_t> bound{0};
  auto settings = restinio::server_settings_t<traits>{}
                      .address(asio::ip::make_address(bind))
                      .port(static_cast<std::uint16_t>(port))
                      .incoming_http_msg_limits(restinio::incoming_http_msg_limits_t{}
                                                    .max_url_size(max_url_bytes)
                                                    .max_field_name_size(max_field_name_bytes)
                                                    .max_field_value_size(max_field_value_bytes)
                                                    .max_field_count(max_field_count)
                                                    .max_body_size(max_body_bytes))
                      .handle_request_timeout(handle_request_timeout)
                      .acceptor_post_bind_hook([&bound](asio::ip::tcp::acceptor& a) { bound = a.local_endpoint().port(); })
                      .request_handler([](const restinio::request_handle_t& req) {
                        return req->create_response()
                            .append_header(restinio::http_field::content_type, "application/json")
                            .set_body(std::string{body})
                            .done();
                      });
  http_server server{restinio::external_io_context(io), std::move(settings)};
  auto work = asio::make_work_guard(io);
  std::vector<std::thread> pool;
  for (long i = 0; i < threads; ++i) pool.emplace_back([&io] { io.run(); });

  std::promise<void> opened;
  server.open_async([&opened] { opened.set_value(); }, [&opened](std::exception_ptr e) { opened.set_exception(e); });
  try {
    opened.get_future().get();
  } catch (const std::exception& ex) {
    std::cerr << "ttareungyi-bare: cannot listen: " << ex.what() << "\n";
    work.reset();
    io.stop();
    for (auto& t : pool) t.join();
    return 1;
  }
  std::cout << "listening on " << bind << ':' << bound.load() << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::promise<void> closed;
  server.close_async([&closed] { closed.set_value(); }, [&closed](std::exception_ptr) { closed.set_value(); });
  closed.get_future().wait();
  work.reset();
  io.stop();
  for (auto& t : pool) t.join();
  return 0;
}
