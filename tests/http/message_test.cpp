#include "message.hpp"

#include <gtest/gtest.h>

namespace ttareungyi::http {
namespace {

TEST(Message, HeadersAreFoundCaseInsensitively) {
  request r{"GET", "/", {{"content-TYPE", "application/json"}, {"X-A", "1"}, {"x-a", "2"}}, {}};
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("X-A"), "1");  // the first one
  EXPECT_FALSE(r.header("Authorization"));
}

TEST(Message, MediaTypeDropsParametersAndCase) {
  EXPECT_EQ(media_type_of("Application/JSON; charset=UTF-8"), "application/json");
  EXPECT_EQ(media_type_of("  application/json  "), "application/json");
  EXPECT_EQ(media_type_of(""), "");
}

TEST(Message, JsonAndFormMediaTypes) {
  EXPECT_TRUE(is_json("application/json"));
  EXPECT_TRUE(is_json("application/json;charset=utf-8"));
  EXPECT_TRUE(is_json("APPLICATION/JSON ; charset=\"utf-8\""));
  EXPECT_FALSE(is_json("text/plain"));
  EXPECT_FALSE(is_json("application/jsonx"));
  EXPECT_FALSE(is_json("application/problem+json"));
  EXPECT_FALSE(is_json(std::nullopt));
  EXPECT_TRUE(is_form("application/x-www-form-urlencoded"));
  EXPECT_TRUE(is_form("application/x-www-form-urlencoded; charset=utf-8"));
  EXPECT_FALSE(is_form("multipart/form-data"));
  EXPECT_FALSE(is_form(std::nullopt));
}

TEST(Message, SplitTarget) {
  auto a = split("/v1/bicycles?status=available&stationId=ST-1");
  EXPECT_EQ(a.path, "/v1/bicycles");
  EXPECT_EQ(a.query, "status=available&stationId=ST-1");
  auto b = split("/v1/stations");
  EXPECT_EQ(b.path, "/v1/stations");
  EXPECT_EQ(b.query, "");
  auto c = split("/x?a=1#frag");
  EXPECT_EQ(c.path, "/x");
  EXPECT_EQ(c.query, "a=1");
}

TEST(Message, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(201), "Created");
  EXPECT_EQ(reason_phrase(204), "No Content");
  EXPECT_EQ(reason_phrase(402), "Payment Required");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(415), "Unsupported Media Type");
  EXPECT_EQ(reason_phrase(503), "Service Unavailable");
  EXPECT_EQ(reason_phrase(299), "Unknown");
}

TEST(Message, JsonResponse) {
  auto r = json_response(201, "{}");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body, "{}");
}

}  // namespace
}  // namespace ttareungyi::http
