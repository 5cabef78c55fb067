// The wire format on its own: every type with a field list goes through CAF's binary
// serializer and back unchanged, alone and inside a message (which needs its registration),
// absent and present optionals alike; so do journal records, with every kind of fact.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/deep_to_string.hpp>
#include <caf/message.hpp>

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "interfaces.hpp"
#include "read_side/partitions.hpp"
#include "../support/every_fact.hpp"

namespace ttareungyi::actors::test {
namespace {

using namespace std::chrono_literals;
using namespace ttareungyi::domain;

const instant t0 = instant{std::chrono::sys_days{std::chrono::year{2026} / 11 / 24}} + 1h + 32min + 123ms;

// Equal member by member, through the same field lists, since not every message type has ==.
template <class T>
bool same(const T& a, const T& b);
bool same(const event& a, const event& b);
bool same(const ports::recorded_event& a, const ports::recorded_event& b);

template <class T>
bool same(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i])) return false;
  return true;
}

template <class T>
bool same(const T& a, const T& b) {
  if constexpr (described<T>) {
    return fields(a, [&b](const char*, auto... left) {
      return fields(b, [&left...](const char*, auto... right) { return (same(left.value, right.value) && ...); });
    });
  } else {
    return a == b;
  }
}

bool same(const event& a, const event& b) {
  return a.id == b.id && a.correlation_id == b.correlation_id && a.causation_id == b.causation_id && a.at == b.at &&
         a.version == b.version && a.payload.index() == b.payload.index() &&
         std::visit([&b](const auto& x) { return same(x, std::get<std::decay_t<decltype(x)>>(b.payload)); }, a.payload);
}

bool same(const ports::recorded_event& a, const ports::recorded_event& b) {
  return a.sequence == b.sequence && same(a.event(), b.event());
}

class Wire : public ::testing::Test {
 protected:
  static caf::actor_system_config& registered(caf::actor_system_config& cfg) {
    register_message_types(cfg);
    return cfg;
  }

  template <class T>
  void round_trips(T x) {
    std::vector<char> bytes;
    caf::binary_serializer sink{system, bytes};
    ASSERT_FALSE(sink(x)) << caf::deep_to_string(x);
    T back{};
    caf::binary_deserializer source{system, bytes};
    ASSERT_FALSE(source(back)) << caf::deep_to_string(x);
    EXPECT_TRUE(same(back, x)) << caf::deep_to_string(back) << " != " << caf::deep_to_string(x);

    // Inside a message, the receiving node finds the type by its registered name.
    std::vector<char> message_bytes;
    caf::binary_serializer message_sink{system, message_bytes};
    auto sent = caf::make_message(x);
    ASSERT_FALSE(message_sink(sent));
    caf::message received;
    caf::binary_deserializer message_source{system, message_bytes};
    ASSERT_FALSE(message_source(received)) << caf::deep_to_string(x);
    ASSERT_TRUE(received.match_elements<T>()) << caf::to_string(received);
    EXPECT_TRUE(same(received.get_as<T>(0), x)) << caf::to_string(received);
  }

  caf::actor_system_config config;
  caf::actor_system system{registered(config)};
};

ticket full_ticket() {
  return ticket{"tk-1", "cust-1", ticket_type::two_hours, ticket_status::cancelled, t0, t0 + 5s, t0 + 10min, 2000, 3,
                "rt-9"};
}

rental full_rental() {
  return rental{"rt-1", "SPB-1", "tk-1", "cust-1", "ST-1", t0, t0 + 1h, rental_status::returned, t0 + 67min, "ST-2",
                8, 400};
}

TEST_F(Wire, AggregatesRoundTrip) {
  round_trips(full_ticket());
  round_trips(ticket{"tk-2", "cust-1", ticket_type::one_hour, ticket_status::payment_pending, t0, {}, {}, {}, 1, std::nullopt});
  round_trips(std::vector<ticket>{full_ticket(), ticket{}});
  round_trips(payment{"tk-1-1", "tk-1", 2000, payment_status::refunded});
  round_trips(station{"ST-1", "여의나루역 1번출구 앞", 37.52, 126.93, 20});
  round_trips(std::vector<station>{station{"ST-1", "a", 1.5, -2.5, 3}, station{}});
  round_trips(bicycle{"SPB-31542", bicycle_status::rented, std::nullopt, "rt-1"});
  round_trips(std::vector<bicycle>{bicycle{"SPB-1", bicycle_status::available, "ST-1", std::nullopt}});
  round_trips(full_rental());
  auto active = full_rental();
  active.status = rental_status::active;
  active.returned_at.reset();
  round_trips(active);
}

TEST_F(Wire, RequestsAndAnswersRoundTrip) {
  round_trips(rent_request{"rt-1", "tk-1", "cust-1", 120min});
  round_trips(sign_up_request{"01012345678", "secret", "홍길동"});
  round_trips(app::customer_profile{"cust-1", "01012345678", "홍길동"});
  round_trips(app::station_view{station{"ST-1", "a", 1.5, 2.5, 20}, availability{7, 13}});
  round_trips(std::vector<app::station_view>{app::station_view{station{"ST-2", "b", 0, 0, 1}, availability{0, 1}}});
  round_trips(ports::charge_request{"tk-1-1", 2000, "tk-1"});
  round_trips(ports::refund_request{"tk-1-1", 2000});
}

TEST_F(Wire, ReadSideRecordsRoundTrip) {
  round_trips(notification{"n_ev-42", 42, "cust-1", "bicycle_returned", "반납 완료", "returned", "rt-1", t0 + 42s});
  round_trips(std::vector<notification>{notification{}, notification{"n_ev-1", 1, "c", "k", "", "", "", t0}});
  round_trips(current_rental{"cust-1", "rt-1", "SPB-1", "tk-1", "ST-1", t0, t0 + 2h});
  round_trips(station_count{"ST-1", 20, 7});
  round_trips(std::vector<station_count>{station_count{"ST-1", 20, 7}, station_count{"ST-2", 1, 0}});
}

TEST_F(Wire, ListingsPagesAndTheirRequestsRoundTrip) {
  round_trips(app::page_request{});
  round_trips(app::page_request{.cursor = "b.U1BCLTE", .limit = 1000});
  round_trips(app::new_station{std::nullopt, "여의나루역", 37.52, 126.93, 20});
  round_trips(app::new_station{"ST-1", "a", 1.5, -2.5, 3});
  round_trips(app::new_bicycle{std::nullopt, "ST-1"});
  round_trips(app::new_bicycle{"SPB-1", "ST-1"});
  round_trips(app::bicycle_query{});
  round_trips(app::bicycle_query{"ST-1", bicycle_status::rented});
  round_trips(app::page<ticket>{{full_ticket(), ticket{}}, "t.next"});
  round_trips(app::page<station>{{station{"ST-1", "a", 1.5, -2.5, 3}}, std::nullopt});
  round_trips(app::page<app::station_view>{{app::station_view{station{"ST-2", "b", 0, 0, 1}, availability{0, 1}}}, "s.x"});
  round_trips(app::page<bicycle>{});
  round_trips(app::page<notification>{{notification{"n_ev-1", 1, "c", "k", "", "", "", t0}}, "n.y"});
}

TEST_F(Wire, IdsTravelAsTheirText) {
  round_trips(ids::customer_id{"c_19ab45cd"});
  round_trips(ids::ticket_id{"t_7f3e"});
  round_trips(ids::bicycle_id{"SPB-31542"});
  round_trips(ids::rental_id{"r_5d2c"});
  round_trips(ids::station_id{"ST-102"});
  round_trips(ids::station_id{});
  round_trips(ids::ticket_id{std::string("여의나루 \x01\xff", 15)});
}

TEST_F(Wire, AlertsRoundTrip) {
  alert a{.id = "al_1", .type = alert_type::station_move, .start = t0, .end = t0 + 1h, .station_ids = {"ST-1", "ST-2"},
          .summary = "이전", .description = "옆 블록으로", .posted_at = t0};
  round_trips(a);
  round_trips(std::vector<alert>{a, alert{}});
  round_trips(alert_request{.type = alert_type::other, .start = t0, .end = std::nullopt, .station_ids = {}, .summary = "s",
                            .description = ""});
}

// The journal as a notifier replica reads it: every kind of fact, in its envelope.
TEST_F(Wire, JournalRecordsOfEveryFactRoundTrip) {
  std::vector<ports::recorded_event> journal;
  for (auto& e : ttareungyi::test::one_of_each_event(t0)) journal.push_back({journal.size() + 1, std::move(e)});
  journal.push_back({journal.size() + 1, event{"e_x", "al_2", "req-1", t0, 1, alert_posted{"al_2", "other", t0, std::nullopt}}});
  round_trips(journal);
  round_trips(journal.front());
}

TEST_F(Wire, AFactOfAnUnknownKindIsRefused) {
  std::vector<char> bytes;
  caf::binary_serializer sink{system, bytes};
  ASSERT_FALSE(sink(std::uint8_t{200}));  // an index a newer build might send
  event_payload back;
  caf::binary_deserializer source{system, bytes};
  EXPECT_TRUE(source(back));
}

TEST_F(Wire, PartitionMessagesRoundTrip) {
  round_trips(partition_assignment{7, 12, {{0, 40}, {5, 41}}});
  round_trips(partition_assignment{});
  round_trips(partition_commit{3, 7, 40, 52, {notification{"n_ev-42", 42, "cust-1", "bicycle_rented", "대여", "rented", "rt-1", t0}}});
}

TEST_F(Wire, ATypeIsNamedByItsFieldList) {
  EXPECT_EQ(caf::deep_to_string(station_count{"ST-1", 20, 7}), R"(station_count("ST-1", 20, 7))");
}

}  // namespace
}  // namespace ttareungyi::actors::test
