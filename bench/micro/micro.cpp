// ttareungyi-micro: Google Benchmark micro-benchmarks of the server's hot paths.
//   JSON      the HTTP layer's own mapping (http/json_mapping.hpp, linked from ttareungyi_http):
//             to_json + dump of the answers, parse_* of the request bodies
//   tokens    security::token_service: verify (with the cache) and verify_uncached (ES256)
//   domain    the decisions of purchase, rent, return and the overtime rule
// Run: ttareungyi-micro [--benchmark_filter=REGEX] [--benchmark_format=json]
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>
#include <vector>

#include "json_mapping.hpp"
#include "ttareungyi/domain/fleet.hpp"
#include "ttareungyi/domain/ticket.hpp"
#include "ttareungyi/security/tokens.hpp"

namespace {

using namespace ttareungyi;
using namespace std::chrono_literals;

domain::instant at(long long ms) { return domain::instant{std::chrono::milliseconds{ms}}; }

domain::ticket paid_ticket() {
  auto d = domain::purchase_ticket("t_7f3a9c2e41b8d605", "c_19ab45cd", domain::ticket_type::one_hour, at(1'790'000'000'000));
  return domain::record_payment_approved(d.state, at(1'790'000'000'250))->state;
}

domain::rental returned_rental() {
  domain::rental r;
  r.id = "r_5d2c8e1f90a7b364";
  r.bicycle_id = "SPB-31542";
  r.ticket_id = "t_7f3a9c2e41b8d605";
  r.customer_id = "c_19ab45cd";
  r.from_station_id = "ST-102";
  r.rented_at = at(1'790'000'100'000);
  r.due_at = r.rented_at + 60min;
  r.status = domain::rental_status::returned;
  r.returned_at = r.due_at + 7min;
  r.to_station_id = "ST-215";
  r.overtime_minutes = 7;
  r.overtime_fee = 400;
  return r;
}

// ---- JSON out

void json_encode_ticket(benchmark::State& state) {
  auto t = paid_ticket();
  for (auto _ : state) benchmark::DoNotOptimize(http::dump(http::to_json(t)));
}
BENCHMARK(json_encode_ticket);

void json_encode_rental(benchmark::State& state) {
  auto r = returned_rental();
  for (auto _ : state) benchmark::DoNotOptimize(http::dump(http::to_json(r)));
}
BENCHMARK(json_encode_rental);

void json_encode_ticket_list(benchmark::State& state) {
  app::page<domain::ticket> list{std::vector<domain::ticket>(static_cast<std::size_t>(state.range(0)), paid_ticket()),
                                 "t.next"};
  for (auto _ : state) benchmark::DoNotOptimize(http::dump(http::page_json(list)));
}
BENCHMARK(json_encode_ticket_list)->Arg(10)->Arg(100);

void json_encode_station_list(benchmark::State& state) {
  app::page<app::station_view> list;
  for (int i = 0; i < state.range(0); ++i)
    list.items.push_back({domain::station{domain::ids::station_id{"ST-" + std::to_string(100 + i)}, "망원역 1번출구", 37.5556, 126.9104, 10}, {6, 4}});
  for (auto _ : state) benchmark::DoNotOptimize(http::dump(http::page_json(list)));
}
BENCHMARK(json_encode_station_list)->Arg(10)->Arg(100);

// ---- JSON in

void json_decode_new_ticket(benchmark::State& state) {
  const std::string body = R"({"type":"1h"})";
  for (auto _ : state) benchmark::DoNotOptimize(http::parse_new_ticket(body));
}
BENCHMARK(json_decode_new_ticket);

void json_decode_new_rental(benchmark::State& state) {
  const std::string body = R"({"bicycleId":"SPB-31542","ticketId":"t_7f3a9c2e41b8d605"})";
  for (auto _ : state) benchmark::DoNotOptimize(http::parse_new_rental(body));
}
BENCHMARK(json_decode_new_rental);

void json_decode_return(benchmark::State& state) {
  const std::string body = R"({"stationId":"ST-215"})";
  for (auto _ : state) benchmark::DoNotOptimize(http::parse_return(body));
}
BENCHMARK(json_decode_return);

void json_decode_sign_up(benchmark::State& state) {
  const std::string body = R"({"phone":"010-1234-5678","password":"ride2work","name":"Kim Minji"})";
  for (auto _ : state) benchmark::DoNotOptimize(http::parse_sign_up(body));
}
BENCHMARK(json_decode_sign_up);

// ---- tokens

struct token_fixture {
  security::token_service tokens{security::signing_key::generate(), "ttareungyi", std::chrono::seconds{3600}};
  std::string token = tokens.issue("c_19ab45cd", "customer");
};

token_fixture& fixture() {
  static token_fixture f;
  return f;
}

void token_issue(benchmark::State& state) {
  auto& f = fixture();
  for (auto _ : state) benchmark::DoNotOptimize(f.tokens.issue("c_19ab45cd", "customer"));
}
BENCHMARK(token_issue);

void token_verify_cached(benchmark::State& state) {
  auto& f = fixture();
  if (!f.tokens.verify(f.token)) state.SkipWithError("token does not verify");
  for (auto _ : state) benchmark::DoNotOptimize(f.tokens.verify(f.token));
}
BENCHMARK(token_verify_cached)->ThreadRange(1, 2);

void token_verify_uncached(benchmark::State& state) {
  auto& f = fixture();
  if (!f.tokens.verify_uncached(f.token)) state.SkipWithError("token does not verify");
  for (auto _ : state) benchmark::DoNotOptimize(f.tokens.verify_uncached(f.token));
}
BENCHMARK(token_verify_uncached);

// ---- domain decisions

void domain_purchase(benchmark::State& state) {
  for (auto _ : state) {
    auto d = domain::purchase_ticket("t_7f3a9c2e41b8d605", "c_19ab45cd", domain::ticket_type::one_hour, at(1'790'000'000'000));
    benchmark::DoNotOptimize(domain::record_payment_approved(d.state, at(1'790'000'000'250)));
  }
}
BENCHMARK(domain_purchase);

void domain_rent(benchmark::State& state) {
  auto t = paid_ticket();
  domain::bicycle bike{"SPB-31542", domain::bicycle_status::available, "ST-102", std::nullopt};
  for (auto _ : state) {
    auto reserved = domain::put_in_use(t, "c_19ab45cd", "r_5d2c8e1f90a7b364");
    domain::rent_request req{"r_5d2c8e1f90a7b364", t.id, "c_19ab45cd", reserved->state.terms().ride_time};
    benchmark::DoNotOptimize(domain::rent_bicycle(bike, req, at(1'790'000'100'000)));
  }
}
BENCHMARK(domain_rent);

void domain_return(benchmark::State& state) {
  auto t = paid_ticket();
  domain::bicycle bike{"SPB-31542", domain::bicycle_status::available, "ST-102", std::nullopt};
  auto in_use = domain::put_in_use(t, "c_19ab45cd", "r_5d2c8e1f90a7b364")->state;
  domain::rent_request req{"r_5d2c8e1f90a7b364", t.id, "c_19ab45cd", in_use.terms().ride_time};
  auto ride = domain::rent_bicycle(bike, req, at(1'790'000'100'000))->state;
  for (auto _ : state) {
    benchmark::DoNotOptimize(domain::return_bicycle(ride.bike, ride.trip, "ST-215", at(1'790'003'800'000)));
    benchmark::DoNotOptimize(domain::finish_ticket(in_use, ride.trip.id));
  }
}
BENCHMARK(domain_return);

void domain_overtime(benchmark::State& state) {
  auto due = at(1'790'003'700'000);
  long long late = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(domain::overtime_between(due, due + std::chrono::milliseconds{late}));
    late = (late + 61'237) % 7'200'000;
  }
}
BENCHMARK(domain_overtime);

}  // namespace

BENCHMARK_MAIN();
