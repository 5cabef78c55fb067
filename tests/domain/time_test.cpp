// RFC 3339 instants in UTC: formatting, parsing, round trips and refusals.
#include "ttareungyi/domain/time.hpp"

#include <gtest/gtest.h>

#include "domain_test_support.hpp"

namespace ttareungyi::domain {
namespace {

using namespace std::chrono_literals;
using test::t0;
using test::utc;

TEST(Rfc3339, FormatsSecondsWithoutFraction) {
  EXPECT_EQ(to_rfc3339(t0), "2026-11-24T01:32:00Z");
  EXPECT_EQ(to_rfc3339(instant{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(to_rfc3339(utc(2024, 2, 29, 23, 59, 59)), "2024-02-29T23:59:59Z");
  EXPECT_EQ(to_rfc3339(utc(1969, 12, 31, 23, 59, 59)), "1969-12-31T23:59:59Z");
}

TEST(Rfc3339, FormatsMillisecondsWhenNonZero) {
  EXPECT_EQ(to_rfc3339(t0 + 5ms), "2026-11-24T01:32:00.005Z");
  EXPECT_EQ(to_rfc3339(t0 + 120ms), "2026-11-24T01:32:00.120Z");
  EXPECT_EQ(to_rfc3339(utc(2024, 2, 29, 23, 59, 59, 999)), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(to_rfc3339(instant{} - 1ms), "1969-12-31T23:59:59.999Z");
}

TEST(Rfc3339, ParsesUtcWithAndWithoutMilliseconds) {
  EXPECT_EQ(parse_rfc3339("2026-11-24T01:32:00Z"), t0);
  EXPECT_EQ(parse_rfc3339("2026-11-24T01:32:00.005Z"), t0 + 5ms);
  EXPECT_EQ(parse_rfc3339("2026-11-24T01:32:00.5Z"), t0 + 500ms);
  EXPECT_EQ(parse_rfc3339("2026-11-24T01:32:00.12Z"), t0 + 120ms);
  EXPECT_EQ(parse_rfc3339("2026-11-24T01:32:00.000Z"), t0);
  EXPECT_EQ(parse_rfc3339("2026-11-24T01:32:00.123456789Z"), t0 + 123ms);  // beyond ms is dropped
  EXPECT_EQ(parse_rfc3339("2026-11-24t01:32:00z"), t0);
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), instant{});
  EXPECT_EQ(parse_rfc3339("2024-02-29T23:59:59.999Z"), utc(2024, 2, 29, 23, 59, 59, 999));
}

TEST(Rfc3339, RoundTrips) {
  for (instant t : {t0, t0 + 1ms, t0 + 999ms, t0 + 59s + 10ms, instant{}, utc(2000, 1, 1), utc(2024, 2, 29, 12, 0, 0, 1),
                    utc(2099, 12, 31, 23, 59, 59, 999), utc(1969, 7, 20, 20, 17, 40)}) {
    const std::string text = to_rfc3339(t);
    EXPECT_EQ(parse_rfc3339(text), t) << text;
  }
  for (std::string_view text : {"2026-11-24T01:32:00Z", "2026-11-24T01:32:00.001Z", "2000-01-01T00:00:00Z",
                                "2026-01-31T23:59:59.999Z"}) {
    const auto t = parse_rfc3339(text);
    ASSERT_TRUE(t.has_value()) << text;
    EXPECT_EQ(to_rfc3339(*t), text);
  }
}

TEST(Rfc3339, RefusesBadInput) {
  for (std::string_view bad : {
           "",
           "2026-11-24",
           "2026-11-24T01:32Z",
           "2026-11-24T01:32:00",          // no zone
           "2026-11-24T01:32:00+09:00",    // UTC only
           "2026-11-24T01:32:00 Z",
           "2026-11-24 01:32:00Z",
           "2026/11/24T01:32:00Z",
           "2026-11-24T01-32-00Z",
           "2026-11-24T01:32:00ZZ",
           "2026-11-24T01:32:00.Z",
           "2026-11-24T01:32:00.12aZ",
           " 2026-11-24T01:32:00Z",
           "2026-1a-24T01:32:00Z",
           "20261124T013200Z",
           "2026-13-01T00:00:00Z",
           "2026-00-10T00:00:00Z",
           "2026-02-29T00:00:00Z",         // not a leap year
           "2026-04-31T00:00:00Z",
           "2026-11-00T00:00:00Z",
           "2026-11-24T24:00:00Z",
           "2026-11-24T01:60:00Z",
           "2026-11-24T01:32:60Z",
           "2026-11-24T-1:32:00Z",         // signs are not digits
           "2026-11-24T01:-1:00Z",
           "2026-11-24T01:32:-1Z",
           "2026-11--4T01:32:00Z",
           "-026-11-24T01:32:00Z",
           "+026-11-24T01:32:00Z",
       })
    EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << "'" << bad << "'";
}

}  // namespace
}  // namespace ttareungyi::domain
