#include "setup.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "../common/clock.hpp"

namespace ttareungyi::bench::load {

using asio::awaitable;

std::string expect(const http_response& r, int status, std::string_view what) {
  if (r.status != status)
    throw setup_failure(std::string{what} + ": expected " + std::to_string(status) + ", got " + std::to_string(r.status) +
                        " " + r.body.substr(0, 300));
  return r.body;
}

std::string id_of(const std::string& body) { return json::parse(body).at("id").get<std::string>(); }

std::string next_of(std::string_view body) {
  // The "next" followed by a colon is the page's own key; among the items the text "next" can
  // only be a value (followed by a comma or a bracket).
  constexpr std::string_view key = "\"next\"";
  constexpr auto npos = std::string_view::npos;
  auto skip_space = [](std::string_view s) { return s.substr(std::min(s.find_first_not_of(" \t\r\n"), s.size())); };
  for (auto at = body.rfind(key); at != npos; at = at > 0 ? body.rfind(key, at - 1) : npos) {
    auto rest = skip_space(body.substr(at + key.size()));
    if (!rest.starts_with(':')) continue;
    rest = skip_space(rest.substr(1));
    auto end = rest.find('"', 1);
    if (!rest.starts_with('"') || end == npos) return {};  // null: no next page
    return std::string{rest.substr(1, end - 1)};
  }
  return {};
}

setup_runner::setup_runner(asio::ip::tcp::endpoint target, int connections) {
  for (int i = 0; i < connections; ++i) clients_.push_back(std::make_unique<http_client>(io_, target));
}

void setup_runner::run(const std::string& what, std::vector<job> jobs) {
  if (jobs.empty()) return;
  auto started = steady::now();
  std::size_t next = 0;
  std::exception_ptr failure;
  for (auto& c : clients_) {
    asio::co_spawn(
        io_,
        [&, client = c.get()]() -> awaitable<void> {
          while (next < jobs.size() && !failure) {
            auto& j = jobs[next++];
            co_await j(*client);
          }
        },
        [&](std::exception_ptr e) {
          if (e && !failure) failure = e;
        });
  }
  io_.restart();
  io_.run();
  if (failure) std::rethrow_exception(failure);
  std::fprintf(stderr, "setup: %s: %zu in %.1f s\n", what.c_str(), jobs.size(), seconds_since(started));
}

namespace {

std::string random_tag(std::mt19937_64& rng) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string tag;
  for (int i = 0; i < 6; ++i) tag += hex[rng() % 16];
  return tag;
}

std::string operator_credentials(const options& o) {
  if (!o.operator_client.empty()) return o.operator_client;
  if (!o.operator_file.empty()) {
    std::ifstream in{o.operator_file};
    std::string line;
    if (!std::getline(in, line)) throw setup_failure("cannot read " + o.operator_file);
    return line;
  }
  throw setup_failure("creating stations and bicycles needs --operator ID:SECRET or --operator-file PATH");
}

}  // namespace

// Customers without a token sign in (password grant).
void sign_in(setup_runner& runner, const request_builder& rb, setup_data& s) {
  std::vector<setup_runner::job> jobs;
  for (auto& c : s.customers) {
    if (!c.token.empty()) continue;
    jobs.push_back([&rb, &c](http_client& http) -> awaitable<void> {
      auto form = "grant_type=password&username=" + c.phone + "&password=" + c.password;
      auto r = co_await http.exchange(rb.post("/oauth2/token", "", "application/x-www-form-urlencoded", form));
      c.token = json::parse(expect(r, 200, "sign-in of " + c.phone)).at("access_token").get<std::string>();
    });
  }
  runner.run("customers signed in", std::move(jobs));
}

setup_data create_setup(const options& o, setup_runner& runner, const request_builder& rb, std::mt19937_64& rng) {
  setup_data s;
  s.run_tag = random_tag(rng);
  const bool reads_rentals = (o.scenario == "read" || o.scenario == "mix") && o.read_target == "current";
  const bool needs_fleet = reads_rentals || o.scenario == "ride" || o.scenario == "mix" || o.scenario == "notify" ||
                           o.setup_only || !o.save_setup.empty();
  const int readers = !needs_fleet ? 0 : o.reading_customers >= 0 ? o.reading_customers : o.customers / 2;
  const int ride_bicycles = o.bicycles > 0 ? o.bicycles : std::max(20, 2 * o.connections);
  const int bicycles = ride_bicycles + readers;
  std::string op_token;

  if (needs_fleet) {
    auto credentials = operator_credentials(o);
    std::vector<setup_runner::job> one;
    one.push_back([&](http_client& http) -> awaitable<void> {
      auto r = co_await http.exchange(rb.post("/oauth2/token", "", "application/x-www-form-urlencoded",
                                              "grant_type=client_credentials",
                                              "Authorization: Basic " + base64(credentials) + "\r\n"));
      op_token = json::parse(expect(r, 200, "operator token")).at("access_token").get<std::string>();
    });
    runner.run("operator token", std::move(one));

    s.stations.resize(o.stations);
    std::vector<setup_runner::job> jobs;
    for (int i = 0; i < o.stations; ++i) {
      jobs.push_back([&, i](http_client& http) -> awaitable<void> {
        json body{{"id", "bench-" + s.run_tag + "-s" + std::to_string(i)},
                  {"name", "bench station " + std::to_string(i)},
                  {"lat", 37.55 + 0.001 * i},
                  {"lon", 126.91 + 0.001 * i},
                  {"capacity", std::max(50, 2 * (bicycles / o.stations + 1))}};
        auto r = co_await http.exchange(rb.post_json("/v1/stations", op_token, body.dump()));
        s.stations[i] = id_of(expect(r, 201, "station"));
      });
    }
    runner.run("stations", std::move(jobs));

    s.bicycles.resize(bicycles);
    jobs.clear();
    for (int i = 0; i < bicycles; ++i) {
      jobs.push_back([&, i](http_client& http) -> awaitable<void> {
        json body{{"id", "bench-" + s.run_tag + "-b" + std::to_string(i)}, {"stationId", s.stations[i % s.stations.size()]}};
        auto r = co_await http.exchange(rb.post_json("/v1/bicycles", op_token, body.dump()));
        s.bicycles[i] = id_of(expect(r, 201, "bicycle"));
      });
    }
    runner.run("bicycles", std::move(jobs));
  }

  // Customers: phone numbers 010-XXXX-XXXX from a random base, so that a reused server does not
  // refuse them as taken.
  s.customers.resize(o.customers);
  const std::uint64_t base = rng() % 90'000'000 + 5'000'000;
  std::vector<setup_runner::job> jobs;
  for (int i = 0; i < o.customers; ++i) {
    jobs.push_back([&, i](http_client& http) -> awaitable<void> {
      auto& c = s.customers[i];
      char phone[16];
      std::snprintf(phone, sizeof phone, "010%08llu", static_cast<unsigned long long>((base + i) % 100'000'000));
      c.phone = phone;
      c.password = "bench-pass-" + s.run_tag + "1";
      json body{{"phone", c.phone}, {"password", c.password}, {"name", "Bench " + std::to_string(i)}};
      auto r = co_await http.exchange(rb.post_json("/v1/customers", "", body.dump()));
      c.id = id_of(expect(r, 201, "sign-up of " + c.phone));
    });
  }
  runner.run("customers signed up", std::move(jobs));
  sign_in(runner, rb, s);

  jobs.clear();
  for (auto& c : s.customers) {
    for (int k = 0; k < o.tickets_per_customer; ++k) {
      jobs.push_back([&rb, &c](http_client& http) -> awaitable<void> {
        auto r = co_await http.exchange(rb.post_json("/v1/tickets", c.token, R"({"type":"1h"})"));
        c.tickets.push_back(id_of(expect(r, 201, "ticket")));
      });
    }
  }
  runner.run("paid tickets for reads", std::move(jobs));

  // The readers: each rents one of the bicycles beyond the ride fleet, on a ticket of its own,
  // and keeps it.
  jobs.clear();
  for (int i = 0; i < readers; ++i) {
    jobs.push_back([&rb, &c = s.customers[i], bike = s.bicycles[ride_bicycles + i]](http_client& http) -> awaitable<void> {
      auto t = co_await http.exchange(rb.post_json("/v1/tickets", c.token, R"({"type":"1h"})"));
      json body{{"bicycleId", bike}, {"ticketId", id_of(expect(t, 201, "a reader's ticket"))}};
      auto r = co_await http.exchange(rb.post_json("/v1/rentals", c.token, body.dump()));
      c.rental = id_of(expect(r, 201, "a reader's rental"));
      c.rental_bicycle = bike;
    });
  }
  runner.run("readers' rentals", std::move(jobs));
  if (needs_fleet) s.bicycles.resize(ride_bicycles);
  return s;
}

}  // namespace ttareungyi::bench::load
