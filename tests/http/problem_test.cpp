#include "problem.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <string_view>

namespace ttareungyi::http {
namespace {

using json = nlohmann::json;

domain::error make(domain::error_kind kind, std::optional<domain::error_code> code, std::string detail) {
  return domain::error{kind, code, std::move(detail)};
}

TEST(Problem, StatusOfEveryKind) {
  EXPECT_EQ(status_of(domain::error_kind::invalid), 400);
  EXPECT_EQ(status_of(domain::error_kind::not_found), 404);
  EXPECT_EQ(status_of(domain::error_kind::conflict), 409);
  EXPECT_EQ(status_of(domain::error_kind::declined), 402);
  EXPECT_EQ(status_of(domain::error_kind::unavailable), 503);
  EXPECT_EQ(status_of(domain::error_kind::internal), 500);
}

TEST(Problem, InvalidIs400WithItsCodeAndDetail) {
  auto r = to_response(from_error(domain::invalid("phone must be a Korean mobile number")));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Content-Type"), "application/problem+json");
  auto doc = json::parse(r.body);
  EXPECT_EQ(doc, (json{{"type", "about:blank"},
                       {"title", "Bad Request"},
                       {"status", 400},
                       {"detail", "phone must be a Korean mobile number"},
                       {"code", "invalid_request"}}));
}

TEST(Problem, NotFoundCarriesIdsAsTopLevelMembers) {
  auto r = to_response(from_error(domain::not_found(domain::error_code::ticket_not_found, "no such ticket").with("ticketId", "t-9")));
  EXPECT_EQ(r.status, 404);
  auto doc = json::parse(r.body);
  EXPECT_EQ(doc["title"], "Not Found");
  EXPECT_EQ(doc["code"], "ticket_not_found");
  EXPECT_EQ(doc["ticketId"], "t-9");
  EXPECT_FALSE(r.header("Retry-After"));
}

TEST(Problem, ConflictIs409) {
  auto p = from_error(domain::conflict(domain::error_code::phone_taken, "phone number is already registered"));
  EXPECT_EQ(p.status, 409);
  EXPECT_EQ(p.code, "phone_taken");
  auto c = from_error(domain::conflict(domain::error_code::bicycle_unavailable, "taken").with("bicycleId", "SPB-1"));
  EXPECT_EQ(c.status, 409);
  EXPECT_EQ(c.ids.at("bicycleId"), "SPB-1");
}

TEST(Problem, DeclinedIs402) {
  auto p = from_error(make(domain::error_kind::declined, domain::error_code::payment_declined, "declined").with("ticketId", "t-1"));
  auto r = to_response(p);
  EXPECT_EQ(r.status, 402);
  auto doc = json::parse(r.body);
  EXPECT_EQ(doc["title"], "Payment Required");
  EXPECT_EQ(doc["code"], "payment_declined");
  EXPECT_EQ(doc["ticketId"], "t-1");
}

TEST(Problem, UnavailableIs503WithRetryAfter) {
  auto e = make(domain::error_kind::unavailable, domain::error_code::payment_unavailable, "try later").with("ticketId", "t-2");
  e.retry_after_seconds = 7;
  auto r = to_response(from_error(e));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.header("Retry-After"), "7");
  auto doc = json::parse(r.body);
  EXPECT_EQ(doc["code"], "payment_unavailable");
  EXPECT_EQ(doc["ticketId"], "t-2");
  EXPECT_EQ(doc["title"], "Service Unavailable");
}

TEST(Problem, UnavailableWithoutAHintRetriesAfterOneSecond) {
  auto r = to_response(from_error(make(domain::error_kind::unavailable, domain::error_code::payment_unavailable, "down")));
  EXPECT_EQ(r.header("Retry-After"), "1");
  auto negative = make(domain::error_kind::unavailable, std::nullopt, "y");
  negative.retry_after_seconds = -3;
  EXPECT_EQ(to_response(from_error(negative)).header("Retry-After"), "1");
}

TEST(Problem, InternalIs500AndDoesNotLeak) {
  auto r = to_response(from_error(domain::internal("rocksdb: IO error /var/lib/secret.sst").with("ticketId", "t-3")));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("rocksdb"), std::string::npos);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  auto doc = json::parse(r.body);
  EXPECT_EQ(doc["code"], "internal_error");
  EXPECT_EQ(doc["title"], "Internal Server Error");
  EXPECT_FALSE(doc.contains("ticketId"));
}

TEST(Problem, EveryErrorCodeHasItsOwnName) {
  std::set<std::string_view> names;
  for (int n = 0; n <= static_cast<int>(domain::last_error_code); ++n) {
    const auto name = to_string(static_cast<domain::error_code>(n));
    EXPECT_FALSE(name.empty()) << n;
    EXPECT_TRUE(names.insert(name).second) << n << " repeats " << name;
  }
  EXPECT_EQ(to_string(domain::error_code::ticket_not_found), "ticket_not_found");
  EXPECT_EQ(from_error(domain::not_found(domain::error_code::ticket_not_found, "gone")).code, "ticket_not_found");
}

TEST(Problem, MissingCodeAndDetailGetDefaults) {
  auto p = from_error(domain::error{domain::error_kind::not_found, std::nullopt, ""});
  EXPECT_EQ(p.code, "not_found");
  EXPECT_EQ(p.detail, "Not Found");
  EXPECT_EQ(from_error(domain::error{domain::error_kind::declined, std::nullopt, "x"}).code, "payment_declined");
  EXPECT_EQ(from_error(domain::error{domain::error_kind::conflict, std::nullopt, "x"}).code, "conflict");
}

TEST(Problem, IdsNeverOverwriteStandardMembers) {
  auto e = domain::conflict(domain::error_code::rental_not_active, "d").with("status", "hacked").with("type", "x").with("rentalId", "r-1");
  auto doc = json::parse(render(from_error(e)));
  EXPECT_EQ(doc["status"], 409);
  EXPECT_EQ(doc["type"], "about:blank");
  EXPECT_EQ(doc["rentalId"], "r-1");
}

TEST(Problem, Helpers) {
  auto a = to_response(method_not_allowed("GET, POST"));
  EXPECT_EQ(a.status, 405);
  EXPECT_EQ(a.header("Allow"), "GET, POST");
  EXPECT_EQ(json::parse(a.body)["code"], "method_not_allowed");

  auto b = to_response(payload_too_large(100));
  EXPECT_EQ(b.status, 413);
  EXPECT_EQ(json::parse(b.body)["code"], "payload_too_large");

  auto c = to_response(unsupported_media_type("Content-Type must be application/json"));
  EXPECT_EQ(c.status, 415);
  EXPECT_EQ(json::parse(c.body)["code"], "unsupported_media_type");

  auto d = to_response(unauthorized("need a token", "Bearer realm=\"x\""));
  EXPECT_EQ(d.status, 401);
  EXPECT_EQ(d.header("WWW-Authenticate"), "Bearer realm=\"x\"");
  EXPECT_EQ(json::parse(d.body)["code"], "unauthorized");

  auto e = to_response(forbidden("scope operator is required", ""));
  EXPECT_EQ(e.status, 403);
  EXPECT_FALSE(e.header("WWW-Authenticate"));
  EXPECT_EQ(json::parse(e.body)["code"], "forbidden");

  auto f = to_response(not_found_problem("nothing here"));
  EXPECT_EQ(f.status, 404);
  EXPECT_EQ(json::parse(f.body)["code"], "not_found");

  auto g = to_response(bad_request("field x"));
  EXPECT_EQ(g.status, 400);
  EXPECT_EQ(json::parse(g.body)["detail"], "field x");

  auto h = to_response(service_unavailable("starting", 0));
  EXPECT_EQ(h.status, 503);
  EXPECT_EQ(h.header("Retry-After"), "1");
}

TEST(Problem, InvalidUtf8InADetailIsReplacedNotThrown) {
  auto body = render(bad_request(std::string{"bad \xff byte"}));
  EXPECT_TRUE(json::accept(body));
}

}  // namespace
}  // namespace ttareungyi::http
