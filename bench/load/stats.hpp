#pragma once
// What a run measures: latency histograms per operation and per request, the errors by kind,
// and for notify how each rent's and return's notification followed its answer. Each worker
// thread keeps its own; they are merged after the run.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "../common/clock.hpp"
#include "../common/histogram.hpp"

namespace ttareungyi::bench::load {

// The operations a scenario is made of, and the requests an operation is made of.
enum op_kind : std::size_t { op_read, op_purchase, op_ride, op_list, op_get, op_kinds };
constexpr std::array<const char*, op_kinds> op_names{"read", "purchase", "ride", "list", "get"};
enum req_kind : std::size_t { rq_read_ticket, rq_read_rental, rq_purchase, rq_rent, rq_return, rq_list, rq_get, rq_kinds };
constexpr std::array<const char*, rq_kinds> req_names{"GET /v1/tickets/{id}", "GET /v1/rentals/current",
                                                      "POST /v1/tickets",     "POST /v1/rentals",
                                                      "POST /v1/rentals/{id}/return", "GET /v1/bicycles",
                                                      "GET path"};
// notify: the notifications awaited, one per rent and one per return, by the rental's id.
enum notice_kind : std::size_t { nt_rented, nt_returned, nt_kinds };
constexpr std::array<const char*, nt_kinds> notice_names{"bicycle_rented", "bicycle_returned"};

struct notify_stats {
  std::array<histogram, nt_kinds> delay;  // from the rent's (return's) HTTP answer to its notification
  std::uint64_t missing = 0;        // answered in the window, still not notified after the grace
  std::uint64_t duplicates = 0;     // a notification id seen twice, or a rent (return) notified twice
  std::uint64_t before_answer = 0;  // notified before the HTTP answer arrived (recorded as 0)
  std::uint64_t unmatched = 0;      // notified, but no HTTP answer seen (e.g. it timed out)

  void merge(const notify_stats& o) {
    for (std::size_t i = 0; i < nt_kinds; ++i) delay[i].merge(o.delay[i]);
    missing += o.missing;
    duplicates += o.duplicates;
    before_answer += o.before_answer;
    unmatched += o.unmatched;
  }
};

struct stats {
  std::array<histogram, op_kinds> ops;       // from the intended (open) or actual (closed) start
  std::array<histogram, rq_kinds> requests;  // service time: from the request's own send
  std::array<std::uint64_t, op_kinds> failed_ops{};
  std::map<std::string, std::uint64_t> errors;         // in the measured window
  std::map<std::string, std::uint64_t> warmup_errors;  // before it
  std::uint64_t inline_purchases = 0;                  // ride cycles that bought their ticket
  std::uint64_t not_sent = 0;                          // open model: scheduled, never sent
  std::uint64_t pool_exhausted = 0;                    // connections stopped: no tickets left
  std::uint64_t walks = 0;                             // list: walks that reached the last page
  double first_exhausted_at = -1;                      // seconds into the measured window
  steady::time_point last_done{};                      // the last measured operation's end
  notify_stats notices;

  void merge(const stats& o) {
    for (std::size_t i = 0; i < op_kinds; ++i) {
      ops[i].merge(o.ops[i]);
      failed_ops[i] += o.failed_ops[i];
    }
    for (std::size_t i = 0; i < rq_kinds; ++i) requests[i].merge(o.requests[i]);
    for (const auto& [k, v] : o.errors) errors[k] += v;
    for (const auto& [k, v] : o.warmup_errors) warmup_errors[k] += v;
    inline_purchases += o.inline_purchases;
    not_sent += o.not_sent;
    pool_exhausted += o.pool_exhausted;
    walks += o.walks;
    if (o.first_exhausted_at >= 0 && (first_exhausted_at < 0 || o.first_exhausted_at < first_exhausted_at))
      first_exhausted_at = o.first_exhausted_at;
    last_done = std::max(last_done, o.last_done);
    notices.merge(o.notices);
  }
};

}  // namespace ttareungyi::bench::load
