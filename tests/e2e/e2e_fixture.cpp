#include "e2e_fixture.hpp"

#include <cstdlib>
#include <iostream>
#include <stdexcept>

#ifndef TTAREUNGYI_BINARY
#error "TTAREUNGYI_BINARY must be defined to the path of the ttareungyi executable"
#endif

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

[[noreturn]] void unexpected(std::string_view what, const response& r) {
  throw std::runtime_error(std::string(what) + ": unexpected answer " + r.describe());
}

const response& expect(const response& r, int status, std::string_view what) {
  if (r.status != status) unexpected(std::string(what) + " (wanted " + std::to_string(status) + ")", r);
  return r;
}

}  // namespace

std::filesystem::path server_binary() {
  const char* env = std::getenv("TTAREUNGYI_E2E_BINARY");
  if (env && *env) return env;
  return TTAREUNGYI_BINARY;
}

::testing::AssertionResult has_status(const response& r, int status) {
  if (r.status == status) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "wanted HTTP " << status << ", got " << r.describe();
}

::testing::AssertionResult is_problem(const response& r, int status, std::string_view code) {
  if (r.status != status)
    return ::testing::AssertionFailure() << "wanted HTTP " << status << " problem, got " << r.describe();
  if (r.media_type() != "application/problem+json")
    return ::testing::AssertionFailure() << "wanted Content-Type application/problem+json, got " << r.describe();
  json body;
  try {
    body = r.json();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << e.what();
  }
  if (!body.is_object()) return ::testing::AssertionFailure() << "problem is not an object: " << r.describe();
  for (const char* field : {"type", "title", "detail"}) {
    if (!body.contains(field) || !body[field].is_string())
      return ::testing::AssertionFailure() << "problem lacks string '" << field << "': " << r.describe();
  }
  if (!body.contains("status") || !body["status"].is_number_integer() || body["status"].get<int>() != status)
    return ::testing::AssertionFailure() << "problem 'status' is not " << status << ": " << r.describe();
  if (!code.empty() && (!body.contains("code") || body["code"] != code))
    return ::testing::AssertionFailure() << "wanted problem code '" << code << "', got " << r.describe();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult is_utc_time(const json& value) {
  if (value.is_string() && is_rfc3339_utc(value.get<std::string>())) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << value.dump() << " is not an RFC 3339 UTC date-time";
}

std::map<std::string, json> by_id(const json& list) {
  std::map<std::string, json> out;
  if (!list.is_object() || !list.contains("items") || !list["items"].is_array())
    throw std::runtime_error("not a {items:[...]} list: " + list.dump());
  for (const auto& item : list["items"]) {
    if (!item.contains("id") || !item["id"].is_string()) throw std::runtime_error("item without string id: " + item.dump());
    auto [it, inserted] = out.emplace(item["id"].get<std::string>(), item);
    if (!inserted) throw std::runtime_error("id listed twice: " + item.dump());
  }
  return out;
}

std::string base64url_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) throw std::runtime_error("not base64url: " + std::string(text));
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string id_of(const json& thing) { return thing.at("id").get<std::string>(); }

const std::set<std::string> notification_kinds{"ticket_paid", "ticket_refunded", "bicycle_rented", "bicycle_returned"};

::testing::AssertionResult is_notification(const json& n) {
  auto fail = [&](std::string_view why) { return ::testing::AssertionFailure() << why << ": " << n.dump(); };
  if (!n.is_object()) return fail("not an object");
  if (!n.contains("id") || !n["id"].is_string() || !n["id"].get<std::string>().starts_with("n_"))
    return fail("id is not a string starting with n_");
  if (!n.contains("kind") || !n["kind"].is_string() || !notification_kinds.contains(n["kind"].get<std::string>()))
    return fail("unknown kind");
  if (!n.contains("message") || !n["message"].is_string() || n["message"].get<std::string>().empty())
    return fail("no message");
  if (!n.contains("messages") || !n["messages"].is_object()) return fail("no messages");
  for (const char* lang : {"ko", "en"}) {
    if (!n["messages"].contains(lang) || !n["messages"][lang].is_string() || n["messages"][lang].get<std::string>().empty())
      return fail(std::string("no messages.") + lang);
  }
  if (!n.contains("correlationId") || !n["correlationId"].is_string() || n["correlationId"].get<std::string>().empty())
    return fail("no correlationId");
  if (!n.contains("createdAt") || !is_utc_time(n["createdAt"])) return fail("createdAt is not an RFC 3339 UTC time");
  if (!n.contains("sequence") || !n["sequence"].is_number_unsigned() || n["sequence"].get<std::uint64_t>() < 1)
    return fail("sequence is not a positive integer");
  return ::testing::AssertionSuccess();
}

int count_of(const json& items, std::string_view kind, std::string_view correlation) {
  int n = 0;
  for (const auto& item : items)
    if (item.value("kind", "") == kind && item.value("correlationId", "") == correlation) ++n;
  return n;
}

json find_notice(const json& items, std::string_view kind, std::string_view correlation) {
  for (const auto& item : items)
    if (item.value("kind", "") == kind && item.value("correlationId", "") == correlation) return item;
  return nullptr;
}

// ------------------------------------------------------------------------------- server

void server_test::SetUp() {
  data_dir_ = tmp_.sub("data");
  launch(extra_flags());
}

void server_test::TearDown() {
  if (HasFailure() && server_) {
    std::cerr << "==== server command:";
    std::cerr << " " << server_binary().string();
    for (const auto& a : server_->args()) std::cerr << " " << a;
    std::cerr << "\n";
    if (!earlier_logs_.empty()) std::cerr << "==== logs of earlier server runs in this test:\n" << earlier_logs_ << "\n";
    std::cerr << "==== logs of the current server:\n" << server_->logs_tail(16384) << std::endl;
  }
  http_.reset();
  if (server_) server_->kill9();
  server_.reset();
}

std::vector<std::string> server_test::flags_for(const std::vector<std::string>& extra) const {
  std::vector<std::string> flags{"serve",
                                 "--data-dir",
                                 data_dir_.string(),
                                 "--port",
                                 "0",
                                 "--bind",
                                 "127.0.0.1",
                                 "--operator-client",
                                 std::string(operator_client_id) + ":" + std::string(operator_client_secret),
                                 // A test sends many calls per subject quickly: no rate limit.
                                 "--rate-limit-rps",
                                 "0",
                                 // No load balancer to notice a drain: stop at once on SIGTERM.
                                 "--drain-ms",
                                 "0"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return flags;
}

void server_test::launch(const std::vector<std::string>& extra) {
  extra_ = extra;
  operator_token_.reset();
  server_ = std::make_unique<server_process>(server_binary(), flags_for(extra));
  http_ = std::make_unique<http_client>(server_->port());
  // Listening is not ready: wait (bounded) until storage and actors are up.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  std::string last;
  for (;;) {
    try {
      auto r = http_->get("/health/ready");
      if (r.status == 200) return;
      last = r.describe();
    } catch (const http_error& e) {
      last = e.what();
    }
    if (std::chrono::steady_clock::now() >= deadline || !server_->running())
      throw std::runtime_error("server never became ready (last: " + last + ")\n" + server_->logs_tail(16384));
    std::this_thread::sleep_for(poll_interval);
  }
}

void server_test::start_server(const std::vector<std::string>& extra) {
  if (server_) {
    http_.reset();
    server_->kill9();
    earlier_logs_ += server_->logs_tail(8192);
  }
  launch(extra);
}

void server_test::restart_server(std::optional<std::vector<std::string>> extra) {
  http_.reset();
  int status = server_->stop();
  earlier_logs_ += server_->logs_tail(8192);
  EXPECT_EQ(status, 0) << "SIGTERM should stop the server gracefully (exit status 0)";
  launch(extra.value_or(extra_));
}

void server_test::crash_and_restart(std::optional<std::vector<std::string>> extra) {
  http_.reset();
  server_->kill9();
  earlier_logs_ += server_->logs_tail(8192);
  launch(extra.value_or(extra_));
}

http_client server_test::new_client() const { return http_client(server_->port()); }

::testing::AssertionResult server_test::server_is_alive() {
  if (!server_->running())
    return ::testing::AssertionFailure() << "server exited with status " << server_->exit_status().value_or(-1);
  try {
    auto r = new_client().get("/health/live");
    if (r.status != 200) return ::testing::AssertionFailure() << "/health/live: " << r.describe();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "/health/live: " << e.what();
  }
  return ::testing::AssertionSuccess();
}

// ------------------------------------------------------------------------------- identity

std::string server_test::next_phone() {
  ++phone_counter_;
  char buf[32];
  std::snprintf(buf, sizeof buf, "010-%04d-%04d", 1000 + phone_counter_ / 10000, phone_counter_ % 10000);
  return buf;
}

response server_test::sign_up(const std::string& phone, const std::string& password, const std::string& name) {
  return http().post_json("/v1/customers", {{"phone", phone}, {"password", password}, {"name", name}});
}

response server_test::password_grant(const std::string& phone, const std::string& password) {
  return http().post_form("/oauth2/token", {{"grant_type", "password"}, {"username", phone}, {"password", password}});
}

response server_test::client_credentials(std::string_view id, std::string_view secret) {
  return http().post_form("/oauth2/token", {{"grant_type", "client_credentials"}}, basic(id, secret));
}

customer server_test::new_customer(const std::string& name) {
  customer c;
  c.phone = next_phone();
  c.password = "s3cret-pass";
  c.name = name;
  auto r = expect(sign_up(c.phone, c.password, c.name), 201, "sign-up");
  c.id = r.json().at("id").get<std::string>();
  log_in(c);
  return c;
}

void server_test::log_in(customer& c) {
  auto r = expect(password_grant(c.phone, c.password), 200, "password grant");
  c.token = r.json().at("access_token").get<std::string>();
}

const std::string& server_test::operator_token() {
  if (!operator_token_) {
    auto r = expect(client_credentials(operator_client_id, operator_client_secret), 200, "client credentials grant");
    operator_token_ = r.json().at("access_token").get<std::string>();
  }
  return *operator_token_;
}

// ------------------------------------------------------------------------------- listings

json server_test::all_pages(const std::string& target, const test::auth& auth) {
  json items = json::array();
  std::optional<std::string> cursor;
  for (int page = 0; page < 10000; ++page) {
    auto at = target;
    if (cursor) at += (target.find('?') == std::string::npos ? "?cursor=" : "&cursor=") + *cursor;
    auto r = expect(http().get(at, auth), 200, "list " + at);
    auto body = r.json();
    if (!body.is_object() || !body.contains("items") || !body["items"].is_array()) unexpected("list " + at, r);
    for (auto& item : body["items"]) items.push_back(std::move(item));
    if (!body.contains("next")) return json{{"items", std::move(items)}};
    if (!body["next"].is_string()) unexpected("list " + at + ": next is not a string", r);
    cursor = body["next"].get<std::string>();
  }
  throw std::runtime_error("list " + target + ": no last page after 10000 pages");
}

// ------------------------------------------------------------------------------- fleet

json server_test::create_station(int capacity, std::optional<std::string> id, const std::string& name) {
  json body{{"name", name}, {"lat", 37.52706}, {"lon", 126.93209}, {"capacity", capacity}};
  if (id) body["id"] = *id;
  auto r = expect(http().post_json("/v1/stations", body, ops()), 201, "create station");
  return r.json();
}

json server_test::create_bicycle(const std::string& station_id, std::optional<std::string> id) {
  json body{{"stationId", station_id}};
  if (id) body["id"] = *id;
  auto r = expect(http().post_json("/v1/bicycles", body, ops()), 201, "register bicycle");
  return r.json();
}

json server_test::list_stations() { return all_pages("/v1/stations", ops()); }

json server_test::station(const std::string& id) {
  auto list = list_stations();
  auto items = by_id(list);
  auto it = items.find(id);
  if (it == items.end()) throw std::runtime_error("station " + id + " not listed: " + list.dump());
  return it->second;
}

json server_test::station_when(const std::string& id, int bicycles_available, int docks_available) {
  return eventually([&] { return station(id); },
                    [&](const json& s) {
                      return s.value("bicyclesAvailable", -1) == bicycles_available &&
                             s.value("docksAvailable", -1) == docks_available;
                    });
}

json server_test::list_bicycles(std::string_view query) {
  std::string target = "/v1/bicycles";
  if (!query.empty()) target += "?" + std::string(query);
  return all_pages(target, ops());
}

std::optional<json> server_test::bicycle(const std::string& id) {
  auto items = by_id(list_bicycles());
  auto it = items.find(id);
  if (it == items.end()) return std::nullopt;
  return it->second;
}

// ------------------------------------------------------------------------------- tickets

response server_test::purchase(const customer& c, std::string_view type) {
  return http().post_json("/v1/tickets", {{"type", type}}, c.auth());
}

json server_test::buy_ticket(const customer& c, std::string_view type) {
  return expect(purchase(c, type), 201, "buy ticket").json();
}

response server_test::get_ticket(const customer& c, const std::string& id) {
  return http().get("/v1/tickets/" + url_encode(id), c.auth());
}

json server_test::ticket(const customer& c, const std::string& id) {
  return expect(get_ticket(c, id), 200, "get ticket").json();
}

json server_test::ticket_when(const customer& c, const std::string& id, std::string_view status) {
  return eventually([&] { return ticket(c, id); }, [&](const json& t) { return t.value("status", "") == status; });
}

json server_test::list_tickets(const customer& c) {
  return all_pages("/v1/tickets", c.auth());
}

response server_test::cancel(const customer& c, const std::string& ticket_id) {
  return http().post("/v1/tickets/" + url_encode(ticket_id) + "/cancel", "", "", c.auth());
}

response server_test::pay(const customer& c, const std::string& ticket_id) {
  return http().post("/v1/tickets/" + url_encode(ticket_id) + "/payment", "", "", c.auth());
}

// ------------------------------------------------------------------------------- rentals

response server_test::request_rental(const customer& c, const std::string& bicycle_id, const std::string& ticket_id) {
  return http().post_json("/v1/rentals", {{"bicycleId", bicycle_id}, {"ticketId", ticket_id}}, c.auth());
}

json server_test::rent(const customer& c, const std::string& bicycle_id, const std::string& ticket_id) {
  return expect(request_rental(c, bicycle_id, ticket_id), 201, "rent").json();
}

response server_test::request_return(const customer& c, const std::string& rental_id, const std::string& station_id) {
  return http().post_json("/v1/rentals/" + url_encode(rental_id) + "/return", {{"stationId", station_id}}, c.auth());
}

json server_test::give_back(const customer& c, const std::string& rental_id, const std::string& station_id) {
  return expect(request_return(c, rental_id, station_id), 200, "return").json();
}

// ------------------------------------------------------------------------------- read side

response server_test::get_current(const customer& c) { return http().get("/v1/rentals/current", c.auth()); }

response server_test::get_notifications(const customer& c, std::string_view query,
                                        std::optional<std::string> accept_language) {
  request req;
  req.target = "/v1/notifications";
  if (!query.empty()) req.target += "?" + std::string(query);
  req.authorization = c.auth();
  if (accept_language) req.headers.emplace("Accept-Language", *accept_language);
  return http().send(req);
}

json server_test::inbox(const customer& c, std::string_view query) {
  auto r = get_notifications(c, query);
  if (r.status != 200) throw std::runtime_error("GET /v1/notifications: unexpected answer " + r.describe());
  auto body = r.json();
  if (!body.is_object() || !body.contains("items") || !body["items"].is_array())
    throw std::runtime_error("GET /v1/notifications: not {items:[...]}: " + r.describe());
  return body["items"];
}

}  // namespace ttareungyi::e2e
