// notify: each rider's notification stream, and the pairing of every rent's and return's HTTP
// answer with its notification (the delay between them, what is missing, duplicated or late).
#include <algorithm>

#include "worker.hpp"

namespace ttareungyi::bench::load {

using asio::use_awaitable;

bool worker::open_streams(std::string& error) {
  io_.restart();
  for (auto& c : conns_) {
    c->stream = std::make_unique<http_client>(io_, target_);
    asio::co_spawn(io_, listen(*c), asio::detached);
  }
  auto opening = [&] {
    return std::ranges::any_of(conns_, [](const auto& c) { return !c->stream_opened && c->stream_failure.empty(); });
  };
  auto deadline = steady::now() + std::chrono::milliseconds{ctx_.o.timeout_ms};
  while (opening() && io_.run_one_until(deadline) > 0) {
  }
  for (auto& c : conns_) {
    if (c->stream_opened) continue;
    error = c->stream_failure.empty() ? "a notification stream did not open within --timeout-ms" : c->stream_failure;
    close_streams();
    io_.run();  // lets the streams end
    return false;
  }
  return true;
}

// notify: one half of a pair (a rent's or return's HTTP answer, or its notification) was seen
// `at`. The second half records the delay from the answer to the notification: 0 when the
// notification came first.
void worker::pair(connection& c, notice_kind kind, const std::string& rental, bool answer, steady::time_point at,
                  bool measured) {
  auto [first, fresh] = c.unpaired.try_emplace(std::string{notice_names[kind]} + ' ' + rental,
                                               connection::sighting{at, answer, measured});
  if (fresh) return;
  if (first->second.answer == answer) {  // a second notification of the same rent or return
    if (measured) ++stats_.notices.duplicates;
    return;
  }
  const auto answered = answer ? at : first->second.at;
  const auto notified = answer ? first->second.at : at;
  if (answer ? measured : first->second.measured) {
    stats_.notices.delay[kind].record(ns_between(answered, notified));
    if (notified < answered) ++stats_.notices.before_answer;
  }
  c.unpaired.erase(first);
}

// notify: an event arrived on c's stream.
void worker::notified(connection& c, const sse_event& e) {
  const auto at = steady::now();
  const bool measured = at >= ctx_.when.measure_from;
  json item;
  try {
    item = json::parse(e.data);
  } catch (const std::exception&) {
    count_error(measured, "notification stream: data that is not JSON");
    return;
  }
  const auto kind = item.value("kind", e.type);
  std::size_t k = 0;
  while (k < nt_kinds && kind != notice_names[k]) ++k;
  if (k == nt_kinds) return;  // a ticket's notification
  if (!c.seen.insert(item.contains("id") ? item["id"].dump() : e.id).second) {
    if (measured) ++stats_.notices.duplicates;
    return;
  }
  pair(c, static_cast<notice_kind>(k), item.value("correlationId", ""), false, at, measured);
}

// notify: the rider's notification stream, from after the newest notification stored (so
// that earlier runs' rides are not replayed) until the run ends. A stream that breaks after
// it opened is counted as an error and resumed with Last-Event-ID.
asio::awaitable<void> worker::listen(connection& c) {
  const auto& who = ctx_.s.customers[c.rider];
  try {
    auto r = co_await c.stream->exchange(ctx_.rb.get("/v1/notifications?limit=1", who.token));
    if (r.status != 200) throw std::runtime_error(std::to_string(r.status) + " " + r.body.substr(0, 200));
    const auto items = json::parse(r.body).at("items");
    c.events.resume_from(items.empty() ? "0" : std::to_string(items.at(0).at("sequence").get<std::uint64_t>()));
  } catch (const std::exception& ex) {
    c.stream_failure = std::string{"GET /v1/notifications?limit=1: "} + ex.what();
    co_return;
  }
  while (!stopping_) {
    int status = 0;
    std::string failure;
    try {
      co_await c.stream->stream(
          ctx_.rb.get("/v1/notifications/stream", who.token,
                      "Accept: text/event-stream\r\nLast-Event-ID: " + c.events.last_id() + "\r\n"),
          [&](int s) {
            status = s;
            c.stream_opened = c.stream_opened || s == 200;
          },
          [&](std::string_view bytes) {
            if (status == 200)
              c.events.feed(bytes, [&](const sse_event& e) { notified(c, e); });
            else if (failure.size() < 200)
              failure.append(bytes.substr(0, 200));
          });
      failure = status == 200 ? "ended by the server" : "answered " + std::to_string(status) + " " + failure;
    } catch (const std::exception& ex) {
      failure = ex.what();
    }
    c.stream->close();
    if (stopping_) break;
    if (!c.stream_opened) {
      c.stream_failure = "GET /v1/notifications/stream: " + failure;
      co_return;
    }
    count_error(steady::now() >= ctx_.when.measure_from, "notification stream: " + failure + " (resumed)");
    asio::steady_timer pause{io_, std::chrono::milliseconds{10}};
    co_await pause.async_wait(use_awaitable);
  }
}

void worker::close_streams() {
  stopping_ = true;
  for (auto& c : conns_)
    if (c->stream) c->stream->close();
}

// notify, after the run: waits up to --notify-grace for the notifications still due, closes
// the streams, and counts what is left unpaired.
asio::awaitable<void> worker::settle() {
  auto due = [&] {
    for (auto& c : conns_)
      for (const auto& [key, half] : c->unpaired)
        if (half.answer) return true;
    return false;
  };
  asio::steady_timer timer{io_};
  const auto deadline = steady::now() + seconds_as_duration(ctx_.o.notify_grace);
  while (due() && steady::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds{5});
    co_await timer.async_wait(use_awaitable);
  }
  close_streams();
  for (auto& c : conns_) {
    for (const auto& [key, half] : c->unpaired) {
      if (!half.answer) ++stats_.notices.unmatched;
      else if (half.measured) ++stats_.notices.missing;
    }
  }
}

}  // namespace ttareungyi::bench::load
