// The formats of the notification endpoints: language choice, the JSON item, SSE framing and
// the parameters.
#include "notifications.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace ttareungyi::http {
namespace {

domain::notification sample() {
  domain::notification n;
  n.id = "n_e-41";
  n.sequence = 41;
  n.customer_id = "c-1";
  n.kind = "bicycle_rented";
  n.message_ko = "SPB-31542 자전거를 대여했습니다.";
  n.message_en = "You rented bicycle SPB-31542.";
  n.correlation_id = "r-7";
  n.created_at = test::at(9, 5);
  return n;
}

TEST(PreferredLanguage, KoreanByDefault) {
  EXPECT_EQ(preferred_language(std::nullopt), language::ko);
  EXPECT_EQ(preferred_language(""), language::ko);
  EXPECT_EQ(preferred_language("*"), language::ko);
  EXPECT_EQ(preferred_language("ko"), language::ko);
  EXPECT_EQ(preferred_language("fr-CH, fr;q=0.9, de;q=0.8"), language::ko);
  EXPECT_EQ(preferred_language("garbage;;;,"), language::ko);
}

TEST(PreferredLanguage, EnglishWhenItWeighsMore) {
  EXPECT_EQ(preferred_language("en"), language::en);
  EXPECT_EQ(preferred_language("EN-us"), language::en);
  EXPECT_EQ(preferred_language("en-US,en;q=0.9,ko;q=0.8"), language::en);
  EXPECT_EQ(preferred_language("ko;q=0.5, en;q=0.8"), language::en);
  EXPECT_EQ(preferred_language("fr, en;q=0.1"), language::en);
  EXPECT_EQ(preferred_language("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"), language::ko);
  EXPECT_EQ(preferred_language("en;q=0.5, *;q=0.9"), language::ko);
  EXPECT_EQ(preferred_language("en;q=0, ko;q=0.1"), language::ko);  // q=0: not acceptable
  EXPECT_EQ(preferred_language("en;q=0"), language::ko);
}

TEST(PreferredLanguage, TiesGoToTheFirstListed) {
  EXPECT_EQ(preferred_language("en, ko"), language::en);
  EXPECT_EQ(preferred_language("ko, en"), language::ko);
  EXPECT_EQ(preferred_language("*, en"), language::ko);
  EXPECT_EQ(preferred_language("en;q=0.8, ko;q=0.8"), language::en);
}

TEST(PreferredLanguage, MalformedWeightsAreSkipped) {
  EXPECT_EQ(preferred_language("en;q=2, ko;q=0.1"), language::ko);
  EXPECT_EQ(preferred_language("en;q=abc"), language::ko);
  EXPECT_EQ(preferred_language("en;q=0.12345"), language::ko);
  EXPECT_EQ(preferred_language("ko;q=x, en;q=0.2"), language::en);
  EXPECT_EQ(preferred_language("en ; q=0.7 , ko ; q=0.6"), language::en);
}

TEST(NotificationJson, CarriesBothTextsAndTheChosenOne) {
  auto ko = to_json(sample(), language::ko);
  EXPECT_EQ(ko, (json{{"id", "n_e-41"},
                      {"kind", "bicycle_rented"},
                      {"message", "SPB-31542 자전거를 대여했습니다."},
                      {"messages", {{"ko", "SPB-31542 자전거를 대여했습니다."}, {"en", "You rented bicycle SPB-31542."}}},
                      {"correlationId", "r-7"},
                      {"createdAt", "2024-05-01T09:05:00Z"},
                      {"sequence", 41}}));
  EXPECT_EQ(to_json(sample(), language::en)["message"], "You rented bicycle SPB-31542.");
}

TEST(SseEvent, Framing) {
  auto n = sample();
  n.message_en = "two\nlines";  // escaped inside the JSON: the data stays one line
  auto text = sse_event(n, language::en);
  auto expected_data = dump(to_json(n, language::en));
  EXPECT_EQ(text, "id: 41\nevent: bicycle_rented\ndata: " + expected_data + "\n\n");
  EXPECT_EQ(expected_data.find('\n'), std::string::npos);
  EXPECT_EQ(json::parse(expected_data)["messages"]["en"], "two\nlines");

  n.kind = "evil\r\nid: 999";  // a kind can never break the framing
  auto framed = sse_event(n, language::ko);
  EXPECT_TRUE(framed.starts_with("id: 41\nevent: evil__id: 999\ndata: ")) << framed;
}

TEST(SseHead, IsAnEventStreamNotToBeCached) {
  auto head = sse_head(language::en);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(head.header("Cache-Control"), "no-cache");
  EXPECT_EQ(head.header("Content-Language"), "en");
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(sse_keep_alive, ": keep-alive\n\n");
}

TEST(NotificationLimit, DefaultsAndBounds) {
  EXPECT_EQ(parse_notification_limit(""), 50u);
  EXPECT_EQ(parse_notification_limit("other=1"), 50u);
  EXPECT_EQ(parse_notification_limit("limit=1"), 1u);
  EXPECT_EQ(parse_notification_limit("limit=200"), 200u);
  EXPECT_EQ(parse_notification_limit("limit=007"), 7u);
  for (auto bad : {"limit=0", "limit=201", "limit=", "limit=-3", "limit=+3", "limit=2e1", "limit=%", "limit=1&limit=1"}) {
    auto r = parse_notification_limit(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().status, 400) << bad;
  }
}

TEST(LastEventId, HeaderThenQueryThenZero) {
  EXPECT_EQ(parse_last_event_id(std::nullopt, ""), 0u);
  EXPECT_EQ(parse_last_event_id("17", ""), 17u);
  EXPECT_EQ(parse_last_event_id(" 17 ", ""), 17u);
  EXPECT_EQ(parse_last_event_id(std::nullopt, "lastEventId=23"), 23u);
  EXPECT_EQ(parse_last_event_id("17", "lastEventId=23"), 17u);
  EXPECT_EQ(parse_last_event_id("", "lastEventId=23"), 23u);
  EXPECT_EQ(parse_last_event_id(std::nullopt, "lastEventId="), 0u);
  EXPECT_EQ(parse_last_event_id("18446744073709551615", ""), 18446744073709551615ull);
  for (auto bad : {"x", "-1", "1.5", "18446744073709551616", "1 2"}) {
    EXPECT_FALSE(parse_last_event_id(bad, "")) << bad;
    EXPECT_FALSE(parse_last_event_id(std::nullopt, std::string{"lastEventId="} + bad)) << bad;
  }
}

}  // namespace
}  // namespace ttareungyi::http
