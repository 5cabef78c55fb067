#include "report.hpp"

namespace ttareungyi::bench::load {

namespace {

// A histogram's figures, in milliseconds.
json latency_json(const histogram& h) {
  return {{"count", h.count()},         {"min", ms(h.min())},           {"mean", h.mean() / 1e6},
          {"p50", ms(h.quantile(0.5))}, {"p90", ms(h.quantile(0.9))},   {"p99", ms(h.quantile(0.99))},
          {"p999", ms(h.quantile(0.999))}, {"max", ms(h.max())}};
}

}  // namespace

json report_json(const options& o, const stats& st, double measured_seconds, const std::string& ticket_source,
                 std::size_t pool_size) {
  json j;
  j["label"] = o.label;
  j["scenario"] = o.scenario;
  j["target"] = o.host + ":" + std::to_string(o.port);
  j["connections"] = o.connections;
  j["threads"] = o.threads;
  j["model"] = o.rate > 0 ? "open" : "closed";
  j["rate"] = o.rate;
  j["durationSeconds"] = o.duration;
  j["elapsedSeconds"] = measured_seconds;
  j["warmupSeconds"] = o.warmup;
  std::uint64_t ops = 0, failed = 0;
  histogram all;
  json by_op = json::object();
  for (std::size_t k = 0; k < op_kinds; ++k) {
    if (st.ops[k].count() == 0) continue;
    ops += st.ops[k].count();
    failed += st.failed_ops[k];
    all.merge(st.ops[k]);
    by_op[op_names[k]] = latency_json(st.ops[k]);
    by_op[op_names[k]]["perSecond"] = static_cast<double>(st.ops[k].count()) / measured_seconds;
    by_op[op_names[k]]["failed"] = st.failed_ops[k];
  }
  std::uint64_t requests = 0;
  json by_request = json::object();
  for (std::size_t k = 0; k < rq_kinds; ++k) {
    if (st.requests[k].count() == 0) continue;
    requests += st.requests[k].count();
    by_request[req_names[k]] = latency_json(st.requests[k]);
  }
  j["operations"] = ops;
  j["requests"] = requests;
  j["failedOperations"] = failed;
  j["throughput"] = static_cast<double>(ops - failed) / measured_seconds;  // successful ops/s
  j["operationsPerSecond"] = static_cast<double>(ops) / measured_seconds;
  j["requestsPerSecond"] = static_cast<double>(requests) / measured_seconds;
  j["latencyMs"] = latency_json(all);
  j["latencyFrom"] = o.rate > 0 ? "intended send time" : "send time";
  j["byOperation"] = by_op;
  j["byRequest"] = by_request;
  j["errors"] = st.errors;
  j["warmupErrors"] = st.warmup_errors;
  j["notSent"] = st.not_sent;
  if (o.scenario == "read" || o.scenario == "mix") j["readTarget"] = o.read_target;
  if (o.scenario == "notify") {
    const auto& n = st.notices;
    histogram all;
    json by_kind = json::object();
    for (std::size_t k = 0; k < nt_kinds; ++k) {
      all.merge(n.delay[k]);
      by_kind[notice_names[k]] = latency_json(n.delay[k]);
    }
    j["notifications"] = {{"delayMs", latency_json(all)},     {"delayFrom", "the HTTP answer of the rent or return"},
                          {"byKind", by_kind},                {"matched", all.count()},
                          {"missing", n.missing},             {"duplicates", n.duplicates},
                          {"beforeAnswer", n.before_answer},  {"unmatched", n.unmatched},
                          {"graceSeconds", o.notify_grace}};
  }
  if (o.scenario == "ride" || o.scenario == "mix" || o.scenario == "notify") {
    j["rideTickets"] = ticket_source;
    j["ridePool"] = pool_size;
    j["inlinePurchases"] = st.inline_purchases;
    j["connectionsOutOfTickets"] = st.pool_exhausted;
    if (st.first_exhausted_at >= 0) j["firstOutOfTicketsAt"] = st.first_exhausted_at;
  }
  if (o.scenario == "list") j["listing"] = {{"pageSize", o.page_size}, {"walksCompleted", st.walks}};
  if (o.scenario == "mix") j["mix"] = {{"read", o.mix[0]}, {"purchase", o.mix[1]}, {"ride", o.mix[2]}};
  return j;
}

}  // namespace ttareungyi::bench::load
