// One contract for every ports::storage: each port's reads after commits, run against the
// in-memory double of the actor tests and against RocksDB, so that the double cannot drift from
// the real store. Where they disagreed, the RocksDB adapter's behaviour was taken as the truth.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "memory_storage.hpp"
#include "storage_test_support.hpp"

namespace ttareungyi::storage::test {
namespace {

struct in_memory {
  std::unique_ptr<ports::storage> open() { return std::make_unique<actors::test::memory_storage>(); }
};

struct on_rocksdb {
  temp_dir dir;
  std::unique_ptr<ports::storage> open() { return open_or_fail(dir.db()); }
};

template <class Factory>
class StorageContract : public ::testing::Test {
 protected:
  Factory factory;
  std::unique_ptr<ports::storage> store = factory.open();
  ports::storage& s() { return *store; }
  void commit(ports::changeset c) { commit_ok(*store, std::move(c)); }
};

using stores = ::testing::Types<in_memory, on_rocksdb>;
class store_names {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, in_memory> ? "InMemory" : "RocksDB";
  }
};
TYPED_TEST_SUITE(StorageContract, stores, store_names);

template <class T>
std::vector<std::string> ids_of(const std::vector<T>& items) {
  std::vector<std::string> ids;
  for (const auto& x : items) ids.emplace_back(std::string_view{x.id});
  return ids;
}

bool url_safe(const std::string& cursor) {
  return cursor.size() <= 200 && std::ranges::all_of(cursor, [](unsigned char c) {
           return std::isalnum(c) || c == '_' || c == '.' || c == '~' || c == '-';
         });
}

// Every page of a listing from the start, `read(request)` giving one; checks each cursor.
template <class T, class Read>
std::vector<ports::page<T>> all_pages(Read read, std::size_t limit) {
  std::vector<ports::page<T>> pages;
  ports::page_request request{std::nullopt, limit};
  for (int guard = 0; guard < 1000; ++guard) {
    pages.push_back(value_of(read(request)));
    const auto& next = pages.back().next;
    if (!next) break;
    EXPECT_TRUE(url_safe(*next)) << *next;
    request.cursor = *next;
  }
  return pages;
}

template <class T>
std::vector<std::string> ids_in(const std::vector<ports::page<T>>& pages) {
  std::vector<std::string> ids;
  for (const auto& p : pages)
    for (const auto& x : p.items) ids.emplace_back(std::string_view{x.id});
  return ids;
}

// ---- identity ----

TYPED_TEST(StorageContract, CustomersAreFoundByIdAndByTheirCurrentPhone) {
  EXPECT_FALSE(value_of(this->s().find_customer("cust-1")).has_value());
  this->commit(ports::changeset{}.save(sample_customer("cust-1", "01011112222")));
  EXPECT_EQ(value_of(this->s().find_customer("cust-1")), sample_customer("cust-1", "01011112222"));
  EXPECT_EQ(value_of(this->s().find_customer_by_phone("01011112222"))->id, "cust-1");
  this->commit(ports::changeset{}.save(sample_customer("cust-1", "01033334444")));
  EXPECT_FALSE(value_of(this->s().find_customer_by_phone("01011112222")).has_value());
  EXPECT_EQ(value_of(this->s().find_customer_by_phone("01033334444"))->phone, "01033334444");
  EXPECT_FALSE(value_of(this->s().find_customer_by_phone("01099999999")).has_value());
}

// ---- tickets ----

TYPED_TEST(StorageContract, TicketsOfAreTheCustomersByPurchaseTimeThenId) {
  this->commit(ports::changeset{}
                   .save(sample_ticket("tk-b", "cust-1", t0 + 1s))
                   .save(sample_ticket("tk-c", "cust-1", t0))
                   .save(sample_ticket("tk-a", "cust-1", t0 + 1s))
                   .save(sample_ticket("tk-x", "cust-2", t0)));
  EXPECT_EQ(ids_of(value_of(all_tickets_of(this->s(), "cust-1"))), (std::vector<std::string>{"tk-c", "tk-a", "tk-b"}));
  EXPECT_EQ(value_of(this->s().find_ticket("tk-x"))->customer_id, "cust-2");
  EXPECT_FALSE(value_of(this->s().find_ticket("tk-none")).has_value());
  EXPECT_TRUE(value_of(all_tickets_of(this->s(), "cust-3")).empty());
}

TYPED_TEST(StorageContract, TicketsInUseFollowTheStatus) {
  this->commit(ports::changeset{}
                   .save(sample_ticket("tk-1", "cust-1", t0, ticket_status::in_use))
                   .save(sample_ticket("tk-2", "cust-1", t0, ticket_status::paid)));
  EXPECT_EQ(ids_of(value_of(this->s().tickets_in_use())), std::vector<std::string>{"tk-1"});
  this->commit(ports::changeset{}
                   .save(sample_ticket("tk-1", "cust-1", t0, ticket_status::used))
                   .save(sample_ticket("tk-2", "cust-1", t0, ticket_status::in_use)));
  EXPECT_EQ(ids_of(value_of(this->s().tickets_in_use())), std::vector<std::string>{"tk-2"});
}

TYPED_TEST(StorageContract, TicketsOfPageInTheSameOrderAndTheLastPageHasNoNext) {
  ports::changeset c;
  for (int i = 0; i < 5; ++i) c.save(sample_ticket(numbered("tk-", 9 - i), "cust-1", t0 + std::chrono::seconds{i}));
  c.save(sample_ticket("tk-other", "cust-2", t0));
  this->commit(std::move(c));
  auto read = [&](const ports::page_request& r) { return this->s().tickets_of("cust-1", r); };
  for (std::size_t limit : {1u, 2u, 5u, 6u}) {
    auto pages = all_pages<ticket>(read, limit);
    EXPECT_EQ(ids_in(pages), ids_of(value_of(all_tickets_of(this->s(), "cust-1")))) << "limit " << limit;
    EXPECT_EQ(pages.size(), (5 + limit - 1) / limit) << "limit " << limit;  // no empty last page
    for (const auto& p : pages) EXPECT_LE(p.items.size(), limit);
  }
  auto none = value_of(this->s().tickets_of("cust-3", ports::page_request{}));
  EXPECT_TRUE(none.items.empty());
  EXPECT_FALSE(none.next.has_value());
}

// ---- payments ----

TYPED_TEST(StorageContract, PaymentsAreFoundById) {
  this->commit(ports::changeset{}.save(payment{"tk-1-1", "tk-1", 2000, payment_status::approved}));
  EXPECT_EQ(value_of(this->s().find_payment("tk-1-1")), (payment{"tk-1-1", "tk-1", 2000, payment_status::approved}));
  EXPECT_FALSE(value_of(this->s().find_payment("tk-1-2")).has_value());
}

// ---- rental ----

TYPED_TEST(StorageContract, StationsBicyclesAndRentalsAreReadBackAndRemovedBicyclesAreGone) {
  this->commit(ports::changeset{}
                   .save(sample_station("ST-2"))
                   .save(sample_station("ST-1"))
                   .save(sample_bicycle("SPB-1"))
                   .save(sample_bicycle("SPB-2"))
                   .save(full_rental()));
  EXPECT_EQ(ids_of(value_of(this->s().stations())), (std::vector<std::string>{"ST-1", "ST-2"}));
  EXPECT_EQ(value_of(this->s().find_station("ST-2")), sample_station("ST-2"));
  EXPECT_EQ(value_of(this->s().find_rental("rt-1")), full_rental());
  this->commit(ports::changeset{}.save(ports::removed_bicycle{"SPB-1"}));
  EXPECT_FALSE(value_of(this->s().find_bicycle("SPB-1")).has_value());
  EXPECT_EQ(value_of(this->s().find_bicycle("SPB-2")), sample_bicycle("SPB-2"));
  EXPECT_EQ(ids_of(value_of(all_bicycles(this->s()))), std::vector<std::string>{"SPB-2"});
}

TYPED_TEST(StorageContract, AlertsAreKeptWholeInIdOrder) {
  const auto closure = sample_alert("al_2", "망원역 대여소 공사");
  alert open_ended{.id = "al_1", .type = alert_type::other, .start = t0, .summary = "요금 안내", .posted_at = t0};
  this->commit(ports::changeset{}.save(closure).save(open_ended));
  EXPECT_EQ(value_of(this->s().alerts()), (std::vector<alert>{open_ended, closure}));
  EXPECT_TRUE(value_of(this->s().stations()).empty()) << "alerts are not stations";
}

TYPED_TEST(StorageContract, StationsPageInIdOrderAndTheLastPageHasNoNext) {
  ports::changeset c;
  for (int i : {4, 0, 3, 1, 2}) c.save(sample_station(numbered("ST-", i)));
  this->commit(std::move(c));
  const std::vector<std::string> all{"ST-0", "ST-1", "ST-2", "ST-3", "ST-4"};
  auto read = [&](const ports::page_request& r) { return this->s().stations(r); };
  for (std::size_t limit : {1u, 2u, 5u, 6u}) {
    auto pages = all_pages<station>(read, limit);
    EXPECT_EQ(ids_in(pages), all) << "limit " << limit;
    EXPECT_EQ(pages.size(), (5 + limit - 1) / limit) << "limit " << limit;  // no empty last page
    for (const auto& p : pages) EXPECT_LE(p.items.size(), limit);
  }
  // The first page, then the next one through its cursor, then the last without a next.
  auto first = value_of(read({std::nullopt, 2}));
  EXPECT_EQ(ids_of(first.items), (std::vector<std::string>{"ST-0", "ST-1"}));
  ASSERT_TRUE(first.next.has_value());
  auto second = value_of(read({first.next, 2}));
  EXPECT_EQ(ids_of(second.items), (std::vector<std::string>{"ST-2", "ST-3"}));
  ASSERT_TRUE(second.next.has_value());
  auto last = value_of(read({second.next, 2}));
  EXPECT_EQ(ids_of(last.items), std::vector<std::string>{"ST-4"});
  EXPECT_FALSE(last.next.has_value());
  // A station added after the cursor's shows on a later page; the stations read whole agree.
  this->commit(ports::changeset{}.save(sample_station("ST-5")));
  EXPECT_EQ(ids_of(value_of(read({second.next, 2})).items), (std::vector<std::string>{"ST-4", "ST-5"}));
  EXPECT_EQ(ids_of(value_of(this->s().stations())), ids_of(value_of(read({std::nullopt, 10})).items));
}

TYPED_TEST(StorageContract, NoStationsIsOneEmptyPageWithoutNext) {
  auto none = value_of(this->s().stations(ports::page_request{}));
  EXPECT_TRUE(none.items.empty());
  EXPECT_FALSE(none.next.has_value());
}

class BicyclePages {
 public:
  // 12 bicycles SPB-00..SPB-11: the even ones at ST-1, the odd ones at ST-2; every third rented.
  static ports::changeset fleet() {
    ports::changeset c;
    for (int i = 0; i < 12; ++i) {
      auto b = sample_bicycle(std::string{"SPB-"} + char('0' + i / 10) + char('0' + i % 10), i % 2 ? "ST-2" : "ST-1");
      if (i % 3 == 0) b.status = bicycle_status::rented, b.station_id.reset(), b.rental_id = ids::rental_id{numbered("rt-", i)};
      c.save(std::move(b));
    }
    return c;
  }
};

TYPED_TEST(StorageContract, BicyclesPageInIdOrderThroughTheFilter) {
  this->commit(BicyclePages::fleet());
  auto everything = [&](const ports::bicycle_filter& f, std::size_t limit, std::size_t scan_limit) {
    return ids_in(all_pages<bicycle>([&](const ports::page_request& r) { return this->s().bicycles(f, r, scan_limit); },
                                     limit));
  };
  const std::vector<std::string> all{"SPB-00", "SPB-01", "SPB-02", "SPB-03", "SPB-04", "SPB-05",
                                     "SPB-06", "SPB-07", "SPB-08", "SPB-09", "SPB-10", "SPB-11"};
  EXPECT_EQ(everything({}, 5, 10000), all);
  EXPECT_EQ(everything({"ST-1", std::nullopt}, 2, 10000), (std::vector<std::string>{"SPB-02", "SPB-04", "SPB-08", "SPB-10"}));
  EXPECT_EQ(everything({std::nullopt, bicycle_status::rented}, 3, 10000),
            (std::vector<std::string>{"SPB-00", "SPB-03", "SPB-06", "SPB-09"}));
  EXPECT_EQ(everything({"ST-2", bicycle_status::available}, 100, 10000),
            (std::vector<std::string>{"SPB-01", "SPB-05", "SPB-07", "SPB-11"}));
  // A small scan limit: the same bicycles, over more (and shorter) pages.
  EXPECT_EQ(everything({"ST-1", std::nullopt}, 2, 3), (std::vector<std::string>{"SPB-02", "SPB-04", "SPB-08", "SPB-10"}));
  EXPECT_EQ(everything({}, 100, 1), all);
}

TYPED_TEST(StorageContract, ABicyclePageReadsAtMostTheScanLimitSoItMayBeShortOrEmptyAndStillHaveANext) {
  this->commit(BicyclePages::fleet());
  // SPB-00..SPB-02 read, of which only SPB-01 is available at ST-2.
  const ports::bicycle_filter st2{"ST-2", bicycle_status::available};
  auto first = value_of(this->s().bicycles(st2, {std::nullopt, 10}, 3));
  EXPECT_EQ(ids_of(first.items), std::vector<std::string>{"SPB-01"});
  ASSERT_TRUE(first.next.has_value());
  // SPB-03 is rented: a page that reads it alone is empty, and more follow.
  auto second = value_of(this->s().bicycles(st2, {first.next, 10}, 1));
  EXPECT_TRUE(second.items.empty());
  ASSERT_TRUE(second.next.has_value());
  auto third = value_of(this->s().bicycles(st2, {second.next, 10}, 2));
  EXPECT_EQ(ids_of(third.items), std::vector<std::string>{"SPB-05"});
  // A page that ends at the last bicycle has no next, even if the scan limit ended it.
  auto last = value_of(this->s().bicycles({}, {std::nullopt, 12}, 12));
  EXPECT_EQ(last.items.size(), 12u);
  EXPECT_FALSE(last.next.has_value());
  auto none = value_of(this->s().bicycles({"ST-9", std::nullopt}, {}, 10000));
  EXPECT_TRUE(none.items.empty());
  EXPECT_FALSE(none.next.has_value());
}

TYPED_TEST(StorageContract, ACursorIsOnlyReadByItsOwnListing) {
  this->commit(BicyclePages::fleet().save(sample_ticket("tk-1", "cust-1", t0)).save(sample_ticket("tk-2", "cust-1", t0))
                   .save(sample_notification("cust-1", 1)).save(sample_notification("cust-1", 2)));
  auto bicycle_cursor = value_of(this->s().bicycles({}, {std::nullopt, 1})).next;
  auto ticket_cursor = value_of(this->s().tickets_of("cust-1", {std::nullopt, 1})).next;
  auto notice_cursor = value_of(this->s().notifications_page("cust-1", {std::nullopt, 1})).next;
  ASSERT_TRUE(bicycle_cursor && ticket_cursor && notice_cursor);
  auto invalid = [](const auto& r) { return !r.has_value() && r.error().invalid_cursor; };
  using texts = std::vector<std::string>;
  for (const auto& bad : texts{"", "garbage!", "b", "zz.abc", "b.a b", std::string(300, 'x'), *ticket_cursor})
    EXPECT_TRUE(invalid(this->s().bicycles({}, {bad, 10}))) << bad;
  for (const auto& bad : texts{"", "garbage!", "t.", *bicycle_cursor, *notice_cursor})
    EXPECT_TRUE(invalid(this->s().tickets_of("cust-1", {bad, 10}))) << bad;
  for (const auto& bad : texts{"", "garbage!", "n.", *ticket_cursor})
    EXPECT_TRUE(invalid(this->s().notifications_page("cust-1", {bad, 10}))) << bad;
  // Other failures are not invalid cursors.
  EXPECT_FALSE(ports::storage_error{"disk on fire"}.invalid_cursor);
}

TYPED_TEST(StorageContract, AStationCursorIsOnlyReadByTheStationListing) {
  this->commit(BicyclePages::fleet().save(sample_station("ST-1")).save(sample_station("ST-2"))
                   .save(sample_ticket("tk-1", "cust-1", t0)).save(sample_ticket("tk-2", "cust-1", t0)));
  auto station_cursor = value_of(this->s().stations({std::nullopt, 1})).next;
  auto bicycle_cursor = value_of(this->s().bicycles({}, {std::nullopt, 1})).next;
  auto ticket_cursor = value_of(this->s().tickets_of("cust-1", {std::nullopt, 1})).next;
  ASSERT_TRUE(station_cursor && bicycle_cursor && ticket_cursor);
  auto invalid = [](const auto& r) { return !r.has_value() && r.error().invalid_cursor; };
  using texts = std::vector<std::string>;
  for (const auto& bad : texts{"", "garbage!", "s", "zz.abc", "s.a b", std::string(300, 'x'), *bicycle_cursor,
                               *ticket_cursor})
    EXPECT_TRUE(invalid(this->s().stations({bad, 10}))) << bad;
  EXPECT_TRUE(invalid(this->s().bicycles({}, {*station_cursor, 10})));
  EXPECT_TRUE(invalid(this->s().tickets_of("cust-1", {*station_cursor, 10})));
  EXPECT_TRUE(this->s().stations({station_cursor, 10}).has_value());
}

// ---- journal and positions ----

TYPED_TEST(StorageContract, TheJournalIsGapFreeAndPagesFromASequence) {
  EXPECT_EQ(this->s().last_sequence(), 0u);
  this->commit(ports::changeset{}.record(make_event(ticket_used{"t", "c", "r"}, "ev-1")));
  this->commit(ports::changeset{}
                   .record(make_event(ticket_used{"t", "c", "r"}, "ev-2"))
                   .record(make_event(ticket_used{"t", "c", "r"}, "ev-3")));
  this->commit(ports::changeset{}.save(sample_station()));  // no event, no sequence
  EXPECT_EQ(this->s().last_sequence(), 3u);
  auto all = value_of(this->s().events_after(0, 10));
  ASSERT_EQ(all.size(), 3u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].sequence, i + 1);
    EXPECT_EQ(all[i].event().id, numbered("ev-", static_cast<long long>(i + 1)));
  }
  auto later = value_of(this->s().events_after(1, 1));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].event().id, "ev-2");
  EXPECT_TRUE(value_of(this->s().events_after(3, 10)).empty());
  EXPECT_TRUE(value_of(this->s().events_after(0, 0)).empty());
}

TYPED_TEST(StorageContract, PositionsStartAtZeroAndCommitPerConsumer) {
  EXPECT_EQ(value_of(this->s().position("rentals")), 0u);
  this->commit(ports::changeset{}.save(ports::consumer_position{"rentals", 7}).mark_derived());
  EXPECT_EQ(value_of(this->s().position("rentals")), 7u);
  EXPECT_EQ(value_of(this->s().position("stations")), 0u);
}

// ---- views ----

TYPED_TEST(StorageContract, CurrentRentalsAreSavedEndedAndListedByCustomer) {
  this->commit(ports::changeset{}
                   .save(sample_current_rental("cust-2", "rt-2"))
                   .save(sample_current_rental("cust-1", "rt-1"))
                   .mark_derived());
  EXPECT_EQ(value_of(this->s().current_rental("cust-1")), sample_current_rental("cust-1", "rt-1"));
  auto listed = value_of(this->s().current_rentals());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].customer_id, "cust-1");
  this->commit(ports::changeset{}.save(ports::ended_rental_view{"cust-1"}).mark_derived());
  EXPECT_FALSE(value_of(this->s().current_rental("cust-1")).has_value());
  EXPECT_EQ(value_of(this->s().current_rentals()).size(), 1u);
}

TYPED_TEST(StorageContract, StationCountsAreListedByStationAndReplaced) {
  this->commit(ports::changeset{}.save(station_count{"ST-2", 20, 3}).save(station_count{"ST-1", 10, 1}));
  this->commit(ports::changeset{}.save(station_count{"ST-1", 10, 2}));
  EXPECT_EQ(value_of(this->s().station_counts()),
            (std::vector<station_count>{{"ST-1", 10, 2}, {"ST-2", 20, 3}}));
}

TYPED_TEST(StorageContract, DroppingAViewEmptiesItRewindsItsConsumerAndKeepsWhatFollowsInTheChangeset) {
  this->commit(ports::changeset{}
                   .save(sample_current_rental("cust-1"))
                   .save(station_count{"ST-1", 10, 2})
                   .save(sample_notification("cust-1", 1))
                   .save(ports::consumer_position{"rentals", 4})
                   .save(ports::consumer_position{"stations", 4})
                   .save(ports::consumer_position{"notifier", 4})
                   .mark_derived());
  this->commit(ports::changeset{}
                   .save(ports::dropped_view{ports::view::rentals})
                   .save(sample_current_rental("cust-2"))
                   .mark_derived());
  this->commit(ports::changeset{}.save(ports::dropped_view{ports::view::notifications}).mark_derived());
  EXPECT_FALSE(value_of(this->s().current_rental("cust-1")).has_value());
  EXPECT_TRUE(value_of(this->s().current_rental("cust-2")).has_value());
  EXPECT_EQ(value_of(this->s().position("rentals")), 0u);
  EXPECT_EQ(value_of(this->s().position("notifier")), 0u);
  EXPECT_EQ(value_of(this->s().position("stations")), 4u);
  EXPECT_EQ(value_of(this->s().station_counts()).size(), 1u);
  EXPECT_TRUE(value_of(this->s().notifications_after(0, 10)).empty());
  EXPECT_TRUE(value_of(this->s().notifications_of("cust-1", 0, 10)).empty());
}

// ---- notifications ----

TYPED_TEST(StorageContract, NotificationsAreACustomersNewestFirstOrEveryonesOldestFirst) {
  ports::changeset c;
  for (std::uint64_t seq = 1; seq <= 6; ++seq) c.save(sample_notification(seq % 2 ? "cust-1" : "cust-10", seq));
  this->commit(std::move(c).mark_derived());
  auto mine = value_of(this->s().notifications_of("cust-1", 0, 10));
  EXPECT_EQ(ids_of(mine), (std::vector<std::string>{"n_ev-5", "n_ev-3", "n_ev-1"}));
  EXPECT_EQ(ids_of(value_of(this->s().notifications_of("cust-1", 1, 1))), std::vector<std::string>{"n_ev-5"});
  EXPECT_EQ(ids_of(value_of(this->s().notifications_of("cust-1", 5, 10))), std::vector<std::string>{});
  EXPECT_EQ(ids_of(value_of(this->s().notifications_after(2, 3))),
            (std::vector<std::string>{"n_ev-3", "n_ev-4", "n_ev-5"}));
}

TYPED_TEST(StorageContract, NotificationPagesAreNewestFirstAndTheNextHoldsOlderOnes) {
  ports::changeset c;
  for (std::uint64_t seq = 1; seq <= 7; ++seq) c.save(sample_notification(seq == 4 ? "cust-10" : "cust-1", seq));
  c.save(sample_notification("cust-1", 7, "n_ev-7b"));  // two at one sequence: by id
  this->commit(std::move(c).mark_derived());
  const std::vector<std::string> newest_first{"n_ev-7b", "n_ev-7", "n_ev-6", "n_ev-5", "n_ev-3", "n_ev-2", "n_ev-1"};
  auto read = [&](const ports::page_request& r) { return this->s().notifications_page("cust-1", r); };
  for (std::size_t limit : {1u, 2u, 3u, 7u, 8u}) {
    auto pages = all_pages<notification>(read, limit);
    EXPECT_EQ(ids_in(pages), newest_first) << "limit " << limit;
    EXPECT_EQ(pages.size(), (7 + limit - 1) / limit) << "limit " << limit;
  }
  // A newer notification does not move an older page.
  auto first = value_of(read({std::nullopt, 2}));
  this->commit(ports::changeset{}.save(sample_notification("cust-1", 9)).mark_derived());
  EXPECT_EQ(ids_of(value_of(read({first.next, 2})).items), (std::vector<std::string>{"n_ev-6", "n_ev-5"}));
}

// ---- commits ----

TYPED_TEST(StorageContract, ADerivedChangesetThatRecordsAnEventIsRefusedWhole) {
  auto r = this->s().commit_and_wait(ports::changeset{}
                                         .save(ports::consumer_position{"rentals", 1})
                                         .record(make_event(ticket_used{"t", "c", "r"}))
                                         .mark_derived());
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(r.error().invalid_cursor);
  EXPECT_EQ(value_of(this->s().position("rentals")), 0u);
  EXPECT_EQ(this->s().last_sequence(), 0u);
}

}  // namespace
}  // namespace ttareungyi::storage::test
