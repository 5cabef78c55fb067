#include "paging.hpp"

#include <string>

#include <gtest/gtest.h>

namespace ttareungyi::http {
namespace {

// A refusal of parse_page_request: 400 invalid_query whose detail names `parameter`.
void expect_refused(std::string_view query, std::string_view parameter) {
  auto page = parse_page_request(query);
  ASSERT_FALSE(page) << query;
  EXPECT_EQ(page.error().status, 400) << query;
  EXPECT_EQ(page.error().code, "invalid_query") << query;
  EXPECT_NE(page.error().detail.find(parameter), std::string::npos) << query << ": " << page.error().detail;
}

TEST(PageRequest, DefaultsWhenAbsent) {
  for (auto query : {"", "other=1", "&&"}) {
    auto page = parse_page_request(query);
    ASSERT_TRUE(page) << query;
    EXPECT_EQ(page->limit, 100u);
    EXPECT_FALSE(page->cursor);
  }
}

TEST(PageRequest, ReadsLimitAndCursor) {
  auto page = parse_page_request("limit=25&cursor=Ab9_.~-z");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->limit, 25u);
  EXPECT_EQ(page->cursor, "Ab9_.~-z");

  EXPECT_EQ(parse_page_request("limit=1")->limit, 1u);
  EXPECT_EQ(parse_page_request("limit=1000")->limit, 1000u);
  EXPECT_EQ(parse_page_request("cursor=x")->limit, 100u);
  EXPECT_EQ(parse_page_request("cursor=" + std::string(200, 'c'))->cursor, std::string(200, 'c'));
}

TEST(PageRequest, RefusesAnIllFormedLimit) {
  for (auto query : {"limit=0", "limit=1001", "limit=", "limit=ten", "limit=-3", "limit=+3", "limit=2e1", "limit=1.5",
                     "limit=99999999999999999999999"}) {
    expect_refused(query, "limit");
  }
}

TEST(PageRequest, RefusesAnIllFormedCursor) {
  expect_refused("cursor=", "cursor");
  expect_refused("cursor=" + std::string(201, 'c'), "cursor");
  for (auto query : {"cursor=a/b", "cursor=a+b", "cursor=a%20b", "cursor=a=b", "cursor=%C3%A9", "cursor=a%2Fb"}) {
    expect_refused(query, "cursor");
  }
}

TEST(PageRequest, RefusesARepeatedParameter) {
  expect_refused("limit=10&limit=10", "limit");
  expect_refused("cursor=a&cursor=b", "cursor");
}

TEST(PageRequest, TheCursorAloneFollowsTheSameRule) {
  auto none = parse_cursor("limit=500");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value());
  auto given = parse_cursor("limit=500&cursor=n.AAAB");
  ASSERT_TRUE(given);
  EXPECT_EQ(*given, "n.AAAB");
  for (auto query : {"cursor=", "cursor=a%2Fb", "cursor=a&cursor=b"}) {
    auto cursor = parse_cursor(query);
    ASSERT_FALSE(cursor) << query;
    EXPECT_EQ(cursor.error().code, "invalid_query") << query;
  }
}

TEST(PageRequest, RefusesABrokenEscape) {
  auto page = parse_page_request("cursor=%zz");
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().status, 400);
  EXPECT_EQ(page.error().code, "invalid_query");
}

}  // namespace
}  // namespace ttareungyi::http
