// Concurrency: many customers racing for one bicycle, one ticket racing for many bicycles.
#include "e2e_fixture.hpp"

#include <latch>
#include <mutex>

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Race : public server_test {};

constexpr int racers = 16;

struct outcome {
  customer who;
  std::string ticket_id;
  std::optional<response> answer;
  std::string error;  // a transport failure or a setup failure
};

TEST_F(Race, SixteenCustomersOneBicycleExactlyOneWins) {
  auto st = create_station()["id"].get<std::string>();
  auto bike = create_bicycle(st)["id"].get<std::string>();
  std::vector<outcome> results(racers);
  for (auto& r : results) {
    r.who.phone = next_phone();
    r.who.password = "race-2024-pass";
    r.who.name = "racer";
  }

  // Each racer signs up, logs in and buys its ticket on its own connection (in parallel, as
  // password hashing may be slow), then all fire at once.
  std::latch ready(racers);
  std::vector<std::thread> threads;
  for (int i = 0; i < racers; ++i) {
    threads.emplace_back([&, i] {
      auto& me = results[i];
      bool armed = false;
      try {
        http_client conn(server().port());
        auto signed_up = conn.post_json(
            "/v1/customers", {{"phone", me.who.phone}, {"password", me.who.password}, {"name", me.who.name}});
        if (signed_up.status != 201) throw std::runtime_error("sign-up: " + signed_up.describe());
        auto token = conn.post_form(
            "/oauth2/token", {{"grant_type", "password"}, {"username", me.who.phone}, {"password", me.who.password}});
        if (token.status != 200) throw std::runtime_error("token: " + token.describe());
        me.who.token = token.json()["access_token"].get<std::string>();
        auto bought = conn.post_json("/v1/tickets", {{"type", "1h"}}, me.who.auth());
        if (bought.status != 201) throw std::runtime_error("buy: " + bought.describe());
        me.ticket_id = bought.json()["id"].get<std::string>();
        conn.connect();
        armed = true;
        ready.arrive_and_wait();
        me.answer = conn.post_json("/v1/rentals", {{"bicycleId", bike}, {"ticketId", me.ticket_id}}, me.who.auth());
      } catch (const std::exception& e) {
        me.error = e.what();
        if (!armed) ready.count_down();
      }
    });
  }
  for (auto& t : threads) t.join();

  int winners = 0;
  std::string winning_ticket;
  customer winner;
  for (const auto& r : results) {
    ASSERT_TRUE(r.error.empty()) << r.error;
    ASSERT_TRUE(r.answer.has_value());
    if (r.answer->status == 201) {
      ++winners;
      winning_ticket = r.ticket_id;
      winner = r.who;
      EXPECT_EQ(r.answer->json()["bicycleId"], bike);
      EXPECT_EQ(r.answer->json()["status"], "active");
    } else {
      EXPECT_PROBLEM(*r.answer, 409, "bicycle_unavailable");
    }
  }
  ASSERT_EQ(winners, 1) << "exactly one racer rents the bicycle";

  EXPECT_EQ((*bicycle(bike))["status"], "rented");
  EXPECT_EQ(ticket_when(winner, winning_ticket, "in_use")["status"], "in_use");
  for (const auto& r : results) {
    if (r.ticket_id == winning_ticket) continue;
    EXPECT_EQ(ticket(r.who, r.ticket_id)["status"], "paid") << "a loser's ticket stays usable";
  }

  // A loser can still ride: its ticket rents another bicycle.
  auto other_bike = create_bicycle(st)["id"].get<std::string>();
  const auto& loser = results[0].ticket_id == winning_ticket ? results[1] : results[0];
  EXPECT_EQ(rent(loser.who, other_bike, loser.ticket_id)["status"], "active");
}

TEST_F(Race, OneTicketOnEightBicyclesAtOnceStartsOneRental) {
  auto st = create_station(20)["id"].get<std::string>();
  constexpr int n = 8;
  std::vector<std::string> bikes;
  for (int i = 0; i < n; ++i) bikes.push_back(create_bicycle(st)["id"].get<std::string>());
  auto c = new_customer();
  auto t = buy_ticket(c)["id"].get<std::string>();

  std::vector<std::optional<response>> answers(n);
  std::vector<std::string> errors(n);
  std::latch ready(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      bool armed = false;
      try {
        http_client conn(server().port());
        conn.connect();
        armed = true;
        ready.arrive_and_wait();
        answers[i] = conn.post_json("/v1/rentals", {{"bicycleId", bikes[i]}, {"ticketId", t}}, c.auth());
      } catch (const std::exception& e) {
        errors[i] = e.what();
        if (!armed) ready.count_down();
      }
    });
  }
  for (auto& th : threads) th.join();

  int started = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(errors[i].empty()) << errors[i];
    ASSERT_TRUE(answers[i].has_value());
    if (answers[i]->status == 201) {
      ++started;
    } else {
      EXPECT_PROBLEM(*answers[i], 409, "ticket_not_usable");
    }
  }
  EXPECT_EQ(started, 1) << "one ticket serves one rental";
  EXPECT_EQ(by_id(list_bicycles("status=rented")).size(), 1u) << list_bicycles().dump();
  EXPECT_EQ(by_id(list_bicycles("status=available")).size(), static_cast<std::size_t>(n - 1));
  EXPECT_EQ(ticket_when(c, t, "in_use")["status"], "in_use");
}

}  // namespace
}  // namespace ttareungyi::e2e
