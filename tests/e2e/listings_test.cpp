// Listings over HTTP: a client that follows `next` from the first page to the last gets every
// bicycle, station, ticket and notification exactly once; without parameters the answer is the
// first page; a cursor the server cannot read is 400 invalid_cursor.
#include "e2e_fixture.hpp"

#include <algorithm>
#include <set>

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

class Listings : public server_test {
 protected:
  struct walked {
    std::vector<std::string> keys;        // of every item, page after page
    std::vector<std::size_t> page_sizes;  // of every page
  };

  // GET `target` (with its query), then each page its `next` names, until a page has none;
  // each item named by its member `key`.
  walked walk(const std::string& target, const test::auth& auth, const std::string& key = "id") {
    walked out;
    std::optional<std::string> cursor;
    for (int guard = 0; guard < 1000; ++guard) {
      auto at = target + (cursor ? "&cursor=" + *cursor : "");
      auto r = http().get(at, auth);
      EXPECT_STATUS(r, 200) << at;
      if (r.status != 200) break;
      auto body = r.json();
      out.page_sizes.push_back(body.at("items").size());
      for (const auto& item : body["items"]) out.keys.push_back(item.at(key).dump());
      if (!body.contains("next")) break;
      EXPECT_TRUE(body["next"].is_string()) << body.dump();
      cursor = body["next"].get<std::string>();
    }
    return out;
  }

  // The keys as walk() names them (JSON texts).
  static std::vector<std::string> quoted(const std::set<std::string>& ids) {
    std::vector<std::string> out;
    for (const auto& id : ids) out.push_back(json(id).dump());
    return out;
  }
  static std::vector<std::string> sorted(std::vector<std::string> keys) {
    std::ranges::sort(keys);
    return keys;
  }
};

TEST_F(Listings, FollowingNextGivesEveryBicycleAndTicketExactlyOnce) {
  auto a = id_of(create_station(20));
  auto b = id_of(create_station(20));
  std::set<std::string> all, at_a;
  for (int i = 0; i < 7; ++i) at_a.insert(id_of(create_bicycle(a)));
  all = at_a;
  for (int i = 0; i < 4; ++i) all.insert(id_of(create_bicycle(b)));
  auto c = new_customer();
  std::set<std::string> tickets;
  for (int i = 0; i < 5; ++i) tickets.insert(id_of(buy_ticket(c)));
  // A rented bicycle: listed by status, at no station.
  auto rented = *at_a.begin();
  rent(c, rented, *tickets.begin());

  auto bicycles = walk("/v1/bicycles?limit=3", ops());
  EXPECT_EQ(bicycles.keys.size(), all.size()) << "a bicycle listed twice or missed";
  EXPECT_EQ(sorted(bicycles.keys), quoted(all));
  EXPECT_EQ(bicycles.page_sizes, (std::vector<std::size_t>{3, 3, 3, 2}));

  auto parked_at_a = walk("/v1/bicycles?stationId=" + url_encode(a) + "&status=available&limit=2", c.auth());
  auto available_at_a = at_a;
  available_at_a.erase(rented);
  EXPECT_EQ(parked_at_a.keys.size(), available_at_a.size());
  EXPECT_EQ(sorted(parked_at_a.keys), quoted(available_at_a));
  EXPECT_EQ(walk("/v1/bicycles?status=rented&limit=1", ops()).keys, quoted({rented}));

  auto mine = walk("/v1/tickets?limit=2", c.auth());
  EXPECT_EQ(mine.keys.size(), tickets.size()) << "a ticket listed twice or missed";
  EXPECT_EQ(sorted(mine.keys), quoted(tickets));
  EXPECT_EQ(mine.page_sizes, (std::vector<std::size_t>{2, 2, 1}));

  auto stations = walk("/v1/stations?limit=1", c.auth());
  EXPECT_EQ(sorted(stations.keys), quoted({a, b}));
  EXPECT_EQ(stations.page_sizes, (std::vector<std::size_t>{1, 1}));

  // Five ticket_paid and one bicycle_rented, newest first, page after page.
  auto inbox = walk("/v1/notifications?limit=4", c.auth(), "sequence");
  EXPECT_EQ(inbox.page_sizes, (std::vector<std::size_t>{4, 2}));
  EXPECT_TRUE(std::ranges::is_sorted(inbox.keys, std::ranges::greater{}, [](const std::string& k) { return std::stoull(k); }));
  EXPECT_EQ(std::set<std::string>(inbox.keys.begin(), inbox.keys.end()).size(), 6u);
}

TEST_F(Listings, WithoutParametersTheAnswerIsTheFirstPageWithANext) {
  auto st = id_of(create_station(200));
  for (int i = 0; i < 101; ++i) create_bicycle(st);
  auto first = http().get("/v1/bicycles", ops());
  ASSERT_STATUS(first, 200);
  auto page = first.json();
  EXPECT_EQ(page["items"].size(), 100u) << "100 by default";
  ASSERT_TRUE(page.contains("next") && page["next"].is_string()) << "a page follows";
  auto last = http().get("/v1/bicycles?cursor=" + page["next"].get<std::string>(), ops());
  ASSERT_STATUS(last, 200);
  EXPECT_EQ(last.json()["items"].size(), 1u);
  EXPECT_FALSE(last.json().contains("next"));
  EXPECT_EQ(by_id(list_bicycles()).size(), 101u);
}

TEST_F(Listings, ACursorTheServerCannotReadIs400InvalidCursor) {
  auto st = id_of(create_station(10));
  create_bicycle(st);
  create_bicycle(st);
  auto c = new_customer();
  buy_ticket(c);
  buy_ticket(c);
  auto bicycle_cursor = http().get("/v1/bicycles?limit=1", ops()).json().at("next").get<std::string>();
  auto ticket_cursor = http().get("/v1/tickets?limit=1", c.auth()).json().at("next").get<std::string>();
  for (const std::string& bad : {std::string{"garbage"}, std::string{"b.%21%21"}, ticket_cursor})
    EXPECT_PROBLEM(http().get("/v1/bicycles?cursor=" + bad, ops()), 400) << bad;
  EXPECT_PROBLEM(http().get("/v1/bicycles?cursor=garbage", ops()), 400, "invalid_cursor");
  EXPECT_PROBLEM(http().get("/v1/bicycles?cursor=" + ticket_cursor, ops()), 400, "invalid_cursor");
  EXPECT_PROBLEM(http().get("/v1/stations?cursor=" + bicycle_cursor, ops()), 400, "invalid_cursor");
  EXPECT_PROBLEM(http().get("/v1/tickets?cursor=" + bicycle_cursor, c.auth()), 400, "invalid_cursor");
  EXPECT_PROBLEM(http().get("/v1/notifications?cursor=" + ticket_cursor, c.auth()), 400, "invalid_cursor");
  EXPECT_PROBLEM(http().get("/v1/bicycles?limit=0", ops()), 400, "invalid_query");
  EXPECT_PROBLEM(http().get("/v1/tickets?cursor=a%2Fb", c.auth()), 400, "invalid_query");
  EXPECT_TRUE(server_is_alive());
  EXPECT_STATUS(http().get("/v1/bicycles?cursor=" + bicycle_cursor, ops()), 200);
}

}  // namespace
}  // namespace ttareungyi::e2e
