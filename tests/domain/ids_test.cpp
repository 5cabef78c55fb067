// Ids as types of their own: what compiles and what does not, and how ids compare.
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_set>

#include "ttareungyi/domain/ids.hpp"

namespace ttareungyi::domain {
namespace {

// One kind of id is never another, nor made from text by accident.
static_assert(!std::is_convertible_v<ids::ticket_id, ids::customer_id>);
static_assert(!std::is_constructible_v<ids::rental_id, ids::ticket_id>);
static_assert(!std::is_convertible_v<std::string, ids::bicycle_id>);
static_assert(std::is_constructible_v<ids::bicycle_id, std::string>);
// A literal is an id where one is wanted; "" is not (none is an empty std::optional).
static_assert(std::is_convertible_v<const char (&)[8], ids::station_id>);
static_assert(!std::is_constructible_v<ids::station_id, const char (&)[1]>);
static_assert(!std::is_convertible_v<const char (&)[1], std::optional<ids::station_id>>);
// Read as text wherever text is wanted.
static_assert(std::is_convertible_v<ids::customer_id, std::string_view>);

TEST(Ids, CompareAndOrderByTheirText) {
  EXPECT_EQ(ids::ticket_id{std::string{"t_1"}}, "t_1");
  EXPECT_NE(ids::ticket_id{"t_1"}, ids::ticket_id{"t_2"});
  EXPECT_LT(ids::station_id{"ST-1"}, ids::station_id{"ST-2"});
  std::map<ids::station_id, int> by_station{{"ST-2", 2}, {"ST-1", 1}};
  EXPECT_EQ(by_station.begin()->first, "ST-1");
  std::unordered_set<ids::customer_id> seen{"c_1", "c_1", "c_2"};
  EXPECT_EQ(seen.size(), 2u);
}

TEST(Ids, ReadAsText) {
  const ids::bicycle_id plate{"SPB-31542"};
  EXPECT_EQ(std::string_view{plate}, "SPB-31542");
  EXPECT_EQ(plate.str() + "/1", "SPB-31542/1");
  EXPECT_FALSE(plate.empty());
  EXPECT_TRUE(ids::bicycle_id{}.empty());
}

}  // namespace
}  // namespace ttareungyi::domain
