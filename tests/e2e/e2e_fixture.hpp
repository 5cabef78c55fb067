#pragma once
// Shared setup for the end-to-end tests: every test starts its own `ttareungyi serve` on an
// ephemeral port with a fresh data directory, and talks HTTP to it like a client would.
//
// Helpers that set the scene (sign-up, tokens, stations, tickets, ...) throw
// std::runtime_error with the server's answer when the server does not do what the contract
// says; GoogleTest reports that as a failure of the test. The checks a test is about are
// written with EXPECT/ASSERT in the test itself.
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http_client.hpp"
#include "rfc3339.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

namespace ttareungyi::e2e {

using namespace ttareungyi::test;
using namespace std::chrono_literals;

// Path of the server under test: $TTAREUNGYI_E2E_BINARY, else the build's ttareungyi.
std::filesystem::path server_binary();

inline constexpr std::string_view operator_client_id = "ops";
inline constexpr std::string_view operator_client_secret = "secret";

// How long a read model may take to reflect a write, and the poll interval meanwhile.
inline constexpr std::chrono::milliseconds eventual_timeout{5000};
inline constexpr std::chrono::milliseconds poll_interval{20};

struct customer {
  std::string id;
  std::string phone;
  std::string password;
  std::string name;
  std::string token;

  test::auth auth() const { return bearer(token); }
};

// Calls `fetch` until `done(value)` holds or the deadline passes; returns the last value
// (the caller asserts on it, so a timeout shows what was seen last).
template <class Fetch, class Done>
auto eventually(Fetch&& fetch, Done&& done, std::chrono::milliseconds timeout = eventual_timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto value = fetch();
  while (!done(value) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(poll_interval);
    value = fetch();
  }
  return value;
}

// The answer is `status` with an RFC 9457 problem body (type, title, status, detail) and,
// when given, that machine `code`.
::testing::AssertionResult is_problem(const response& r, int status, std::string_view code = {});
// The answer is `status` (the message shows the body otherwise).
::testing::AssertionResult has_status(const response& r, int status);
// An RFC 3339 date-time in UTC.
::testing::AssertionResult is_utc_time(const nlohmann::json& value);

// Items of a `{items:[...]}` list keyed by their `id`.
std::map<std::string, nlohmann::json> by_id(const nlohmann::json& list);
// Decodes base64url (no padding needed); throws on bad input.
std::string base64url_decode(std::string_view text);

// The `id` of a resource.
std::string id_of(const nlohmann::json& thing);

// ---- notifications (GET /v1/notifications items)
// The kinds a customer is notified of.
extern const std::set<std::string> notification_kinds;
// An item of GET /v1/notifications (or an event's data) has the documented shape.
::testing::AssertionResult is_notification(const nlohmann::json& n);
// How many items have this kind and correlation id.
int count_of(const nlohmann::json& items, std::string_view kind, std::string_view correlation);
// The item with this kind and correlation id (null when there is none).
nlohmann::json find_notice(const nlohmann::json& items, std::string_view kind, std::string_view correlation);

class server_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Flags added to the defaults (`serve --data-dir --port 0 --bind --operator-client
  // --rate-limit-rps 0`) when the fixture starts the server. Override in a derived fixture.
  virtual std::vector<std::string> extra_flags() const { return {}; }

  // Starts the server on data_dir() with the default flags plus `extra`, waits until
  // /health/ready answers 200 and points http() at it.
  void start_server(const std::vector<std::string>& extra);
  // SIGTERM, checks the exit status is 0, then starts again on the same data dir (with
  // `extra`, or the flags of the previous start when nullopt).
  void restart_server(std::optional<std::vector<std::string>> extra = std::nullopt);
  // SIGKILL, then starts again on the same data dir.
  void crash_and_restart(std::optional<std::vector<std::string>> extra = std::nullopt);

  server_process& server() { return *server_; }
  http_client& http() { return *http_; }
  http_client new_client() const;
  const std::filesystem::path& data_dir() const { return data_dir_; }

  // ---- identity
  std::string next_phone();
  response sign_up(const std::string& phone, const std::string& password, const std::string& name);
  response password_grant(const std::string& phone, const std::string& password);
  response client_credentials(std::string_view id, std::string_view secret);
  // Signs a customer up and logs them in.
  customer new_customer(const std::string& name = "김따릉");
  // A fresh token for an existing customer (e.g. after a restart).
  void log_in(customer& c);
  // An operator token (cached until the server restarts).
  const std::string& operator_token();
  test::auth ops() { return bearer(operator_token()); }

  // ---- listings
  // Every page of a list endpoint, `target` with its query if any, read along `next` from the
  // first page to the last: {items: [...all of them]}. Throws unless each page is 200 {items}.
  nlohmann::json all_pages(const std::string& target, const test::auth& auth);

  // ---- stations and bicycles (operator)
  nlohmann::json create_station(int capacity = 10, std::optional<std::string> id = std::nullopt,
                                const std::string& name = "여의나루역 1번출구 앞");
  nlohmann::json create_bicycle(const std::string& station_id, std::optional<std::string> id = std::nullopt);
  nlohmann::json list_stations();  // all pages (all_pages)
  // The station as GET /v1/stations shows it (throws when it is not listed).
  nlohmann::json station(const std::string& id);
  // The station once GET /v1/stations shows these counts (the last seen one otherwise).
  nlohmann::json station_when(const std::string& id, int bicycles_available, int docks_available);
  nlohmann::json list_bicycles(std::string_view query = "");  // all pages
  // The bicycle as GET /v1/bicycles shows it, nullopt when absent.
  std::optional<nlohmann::json> bicycle(const std::string& id);

  // ---- tickets and rentals (customer)
  response purchase(const customer& c, std::string_view type);
  nlohmann::json buy_ticket(const customer& c, std::string_view type = "1h");
  response get_ticket(const customer& c, const std::string& id);
  nlohmann::json ticket(const customer& c, const std::string& id);
  // The ticket once it has `status` (the last seen one otherwise).
  nlohmann::json ticket_when(const customer& c, const std::string& id, std::string_view status);
  nlohmann::json list_tickets(const customer& c);  // all pages
  response cancel(const customer& c, const std::string& ticket_id);
  response pay(const customer& c, const std::string& ticket_id);
  response request_rental(const customer& c, const std::string& bicycle_id, const std::string& ticket_id);
  nlohmann::json rent(const customer& c, const std::string& bicycle_id, const std::string& ticket_id);
  response request_return(const customer& c, const std::string& rental_id, const std::string& station_id);
  nlohmann::json give_back(const customer& c, const std::string& rental_id, const std::string& station_id);

  // ---- read side (customer)
  response get_current(const customer& c);  // GET /v1/rentals/current
  response get_notifications(const customer& c, std::string_view query = "limit=200",
                             std::optional<std::string> accept_language = std::nullopt);
  // The items of the customer's inbox (throws unless the answer is 200 {items:[...]}).
  nlohmann::json inbox(const customer& c, std::string_view query = "limit=200");

  // The server still answers (after abuse): it runs and /health/live says 200.
  ::testing::AssertionResult server_is_alive();

 private:
  std::vector<std::string> flags_for(const std::vector<std::string>& extra) const;
  void launch(const std::vector<std::string>& extra);

  temp_dir tmp_{"ttareungyi-e2e"};
  std::filesystem::path data_dir_;
  std::vector<std::string> extra_;
  std::unique_ptr<server_process> server_;
  std::unique_ptr<http_client> http_;
  std::optional<std::string> operator_token_;
  std::string earlier_logs_;  // logs of servers this test already stopped
  int phone_counter_ = 0;
};

}  // namespace ttareungyi::e2e

// ASSERT/EXPECT that an answer has a status, showing the answer otherwise.
#define EXPECT_STATUS(resp, code) EXPECT_TRUE(::ttareungyi::e2e::has_status((resp), (code)))
#define ASSERT_STATUS(resp, code) ASSERT_TRUE(::ttareungyi::e2e::has_status((resp), (code)))
#define EXPECT_PROBLEM(resp, ...) EXPECT_TRUE(::ttareungyi::e2e::is_problem((resp), __VA_ARGS__))
#define ASSERT_PROBLEM(resp, ...) ASSERT_TRUE(::ttareungyi::e2e::is_problem((resp), __VA_ARGS__))
