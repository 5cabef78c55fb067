// The read side through the storage port: consumer positions, the remaining-time and
// availability views and the notifications, committed atomically with everything else,
// dropped for a rebuild, kept across a restart, and found in a database older than them.
#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <algorithm>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "codec.hpp"
#include "layout.hpp"
#include "storage_test_support.hpp"

namespace ttareungyi::storage::test {
namespace {

std::vector<std::uint64_t> sequences(const std::vector<notification>& ns) {
  std::vector<std::uint64_t> out;
  for (const auto& n : ns) out.push_back(n.sequence);
  return out;
}

std::vector<std::string> customers(const std::vector<current_rental>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.customer_id.str());
  return out;
}

notification not_utf8(std::string customer_id, std::uint64_t sequence) {
  auto n = sample_notification(std::move(customer_id), sequence);
  n.message_en = std::string("\xff", 1);
  return n;
}

TEST(ViewStore, AFreshDatabaseHasEmptyViewsAndEveryConsumerAtZero) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  for (auto consumer : {"notifier", "rentals", "stations", "webhook", ""}) EXPECT_EQ(value_of(s->position(consumer)), 0u);
  EXPECT_FALSE(value_of(s->current_rental("cust-1")).has_value());
  EXPECT_TRUE(value_of(s->current_rentals()).empty());
  EXPECT_TRUE(value_of(s->station_counts()).empty());
  EXPECT_TRUE(value_of(s->notifications_of("cust-1", 0, 10)).empty());
  EXPECT_TRUE(value_of(s->notifications_after(0, 10)).empty());
}

TEST(ViewStore, PositionsRoundTripPerConsumer) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}
                    .save(ports::consumer_position{"rentals", 7})
                    .save(ports::consumer_position{"notifier", 300})
                    .save(ports::consumer_position{"webhook", UINT64_MAX}));
  EXPECT_EQ(value_of(s->position("rentals")), 7u);
  EXPECT_EQ(value_of(s->position("notifier")), 300u);
  EXPECT_EQ(value_of(s->position("webhook")), UINT64_MAX);
  EXPECT_EQ(value_of(s->position("stations")), 0u);
  EXPECT_EQ(value_of(s->position("rental")), 0u);  // exact names only
  commit_ok(*s, ports::changeset{}.save(ports::consumer_position{"rentals", 8}));
  EXPECT_EQ(value_of(s->position("rentals")), 8u);
}

TEST(ViewStore, CurrentRentalsArePutReadListedByCustomerAndEnded) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}
                    .save(sample_current_rental("cust-2", "rt-2"))
                    .save(sample_current_rental("cust-10", "rt-10"))
                    .save(sample_current_rental("cust-1", "rt-1")));
  EXPECT_EQ(value_of(s->current_rental("cust-1")), sample_current_rental("cust-1", "rt-1"));
  EXPECT_EQ(value_of(s->current_rental("cust-10")), sample_current_rental("cust-10", "rt-10"));
  EXPECT_FALSE(value_of(s->current_rental("cust-")).has_value());
  EXPECT_EQ(customers(value_of(s->current_rentals())), (std::vector<std::string>{"cust-1", "cust-10", "cust-2"}));
  EXPECT_EQ(value_of(s->current_rentals())[2], sample_current_rental("cust-2", "rt-2"));

  // A new rental replaces the customer's entry; a return drops it.
  commit_ok(*s, ports::changeset{}.save(sample_current_rental("cust-1", "rt-5")));
  EXPECT_EQ(value_of(s->current_rental("cust-1"))->rental_id, "rt-5");
  commit_ok(*s, ports::changeset{}.save(ports::ended_rental_view{"cust-1"}));
  EXPECT_FALSE(value_of(s->current_rental("cust-1")).has_value());
  EXPECT_EQ(customers(value_of(s->current_rentals())), (std::vector<std::string>{"cust-10", "cust-2"}));
  // Ending what is not there is harmless; started and ended in one changeset: ended.
  commit_ok(*s, ports::changeset{}.save(ports::ended_rental_view{"nobody"}));
  commit_ok(*s, ports::changeset{}.save(sample_current_rental("cust-3")).save(ports::ended_rental_view{"cust-3"}));
  EXPECT_FALSE(value_of(s->current_rental("cust-3")).has_value());
  EXPECT_EQ(value_of(s->current_rentals()).size(), 2u);
}

TEST(ViewStore, StationCountsAreListedByIdAndReplaced) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}
                    .save(station_count{"ST-2", 10, 3})
                    .save(station_count{"ST-1", 20, 0})
                    .save(station_count{"ST-10", 5, 6}));
  EXPECT_EQ(value_of(s->station_counts()),
            (std::vector<station_count>{{"ST-1", 20, 0}, {"ST-10", 5, 6}, {"ST-2", 10, 3}}));
  commit_ok(*s, ports::changeset{}.save(station_count{"ST-10", 5, 5}));
  EXPECT_EQ(value_of(s->station_counts())[1], (station_count{"ST-10", 5, 5}));
  EXPECT_EQ(value_of(s->station_counts()).size(), 3u);
}

// cust-1 has 3, 5, 9, 12; cust-10 (whose id extends cust-1's) 4, 7; cust-2 6.
ports::changeset some_notifications() {
  ports::changeset c;
  for (auto [customer, sequence] : std::vector<std::pair<std::string, std::uint64_t>>{
           {"cust-1", 9}, {"cust-10", 4}, {"cust-1", 3}, {"cust-2", 6}, {"cust-1", 12}, {"cust-10", 7}, {"cust-1", 5}})
    c.save(sample_notification(customer, sequence));
  return c;
}

TEST(ViewStore, NotificationsRoundTripWithEveryField) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  auto n = sample_notification("cust-1", 42);
  n.kind = "ticket_paid";
  n.correlation_id = "tk-9";
  commit_ok(*s, ports::changeset{}.save(n));
  EXPECT_EQ(value_of(s->notifications_of("cust-1", 0, 10)), std::vector<notification>{n});
  EXPECT_EQ(value_of(s->notifications_after(0, 10)), std::vector<notification>{n});
}

TEST(ViewStore, NotificationsOfAreTheCustomersNewestFirstAfterASequenceAtMostMax) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, some_notifications());
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 0, 10))), (std::vector<std::uint64_t>{12, 9, 5, 3}));
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 0, 2))), (std::vector<std::uint64_t>{12, 9}));
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 5, 10))), (std::vector<std::uint64_t>{12, 9}));
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 4, 10))), (std::vector<std::uint64_t>{12, 9, 5}));
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 3, 1))), (std::vector<std::uint64_t>{12}));
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 11, 10))), (std::vector<std::uint64_t>{12}));
  EXPECT_TRUE(value_of(s->notifications_of("cust-1", 12, 10)).empty());
  EXPECT_TRUE(value_of(s->notifications_of("cust-1", UINT64_MAX, 10)).empty());
  EXPECT_TRUE(value_of(s->notifications_of("cust-1", 0, 0)).empty());
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-10", 0, 10))), (std::vector<std::uint64_t>{7, 4}));
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-2", 0, 10))), (std::vector<std::uint64_t>{6}));
  EXPECT_TRUE(value_of(s->notifications_of("cust-", 0, 10)).empty());
  EXPECT_TRUE(value_of(s->notifications_of("cust", 0, 10)).empty());
  for (const auto& n : value_of(s->notifications_of("cust-1", 0, 10))) EXPECT_EQ(n.customer_id, "cust-1");
}

TEST(ViewStore, NotificationsAfterAreEveryCustomersOldestFirstAndPage) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, some_notifications());
  EXPECT_EQ(sequences(value_of(s->notifications_after(0, 100))), (std::vector<std::uint64_t>{3, 4, 5, 6, 7, 9, 12}));
  EXPECT_EQ(sequences(value_of(s->notifications_after(5, 3))), (std::vector<std::uint64_t>{6, 7, 9}));
  EXPECT_EQ(sequences(value_of(s->notifications_after(8, 100))), (std::vector<std::uint64_t>{9, 12}));
  EXPECT_TRUE(value_of(s->notifications_after(12, 100)).empty());
  EXPECT_TRUE(value_of(s->notifications_after(UINT64_MAX, 100)).empty());
  EXPECT_TRUE(value_of(s->notifications_after(0, 0)).empty());
  std::vector<std::uint64_t> paged;
  std::uint64_t after = 0;
  for (;;) {
    auto page = value_of(s->notifications_after(after, 2));
    if (page.empty()) break;
    EXPECT_LE(page.size(), 2u);
    for (const auto& n : page) paged.push_back(n.sequence);
    after = page.back().sequence;
  }
  EXPECT_EQ(paged, (std::vector<std::uint64_t>{3, 4, 5, 6, 7, 9, 12}));
  // Big sequences sort as numbers, not as text.
  commit_ok(*s, ports::changeset{}.save(sample_notification("cust-1", 256)).save(sample_notification("cust-1", 1000000)));
  EXPECT_EQ(sequences(value_of(s->notifications_after(12, 100))), (std::vector<std::uint64_t>{256, 1000000}));
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 0, 3))), (std::vector<std::uint64_t>{1000000, 256, 12}));
}

TEST(ViewStore, SavingTheSameNotificationAgainKeepsOne) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}.save(sample_notification("cust-1", 5)));
  commit_ok(*s, ports::changeset{}.save(sample_notification("cust-1", 5)));  // a replayed event
  EXPECT_EQ(value_of(s->notifications_of("cust-1", 0, 10)).size(), 1u);
  EXPECT_EQ(value_of(s->notifications_after(0, 10)).size(), 1u);
}

// Every view, positions for every consumer, and write-side records under the same prefixes.
void fill_everything(ports::storage& s) {
  auto c = some_notifications();
  c.save(sample_current_rental("cust-1"))
      .save(sample_current_rental("cust-2", "rt-2"))
      .save(station_count{"ST-1", 20, 4})
      .save(station_count{"ST-2", 10, 1})
      .save(ports::consumer_position{"rentals", 11})
      .save(ports::consumer_position{"stations", 12})
      .save(ports::consumer_position{"notifier", 13})
      .save(ports::consumer_position{"webhook", 14})
      .save(full_rental())            // rental family, "r:" like view_rental
      .save(sample_station("ST-1"))   // rental family, "s:" like view_station
      .save(sample_customer("cust-1"));  // identity family, "c:" like the notification index
  commit_ok(s, std::move(c));
}

struct everything {
  std::size_t rentals, stations, notifications, inbox;
  std::uint64_t rentals_at, stations_at, notifier_at, webhook_at;
  bool write_side_intact;
};

everything look(ports::storage& s) {
  return {value_of(s.current_rentals()).size(),
          value_of(s.station_counts()).size(),
          value_of(s.notifications_after(0, 100)).size(),
          value_of(s.notifications_of("cust-1", 0, 100)).size(),
          value_of(s.position("rentals")),
          value_of(s.position("stations")),
          value_of(s.position("notifier")),
          value_of(s.position("webhook")),
          value_of(s.find_rental("rt-1")).has_value() && value_of(s.find_station("ST-1")).has_value() &&
              value_of(s.find_customer("cust-1")).has_value()};
}

TEST(ViewStore, DroppingAViewEmptiesItAndRewindsItsConsumerOnly) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  fill_everything(*s);
  auto all = look(*s);
  EXPECT_EQ(all.rentals, 2u);
  EXPECT_EQ(all.stations, 2u);
  EXPECT_EQ(all.notifications, 7u);
  EXPECT_EQ(all.inbox, 4u);
  EXPECT_TRUE(all.write_side_intact);

  commit_ok(*s, ports::changeset{}.save(ports::dropped_view{ports::view::rentals}));
  auto a = look(*s);
  EXPECT_EQ(a.rentals, 0u);
  EXPECT_FALSE(value_of(s->current_rental("cust-1")).has_value());
  EXPECT_EQ(a.rentals_at, 0u);
  EXPECT_EQ(a.stations, 2u);
  EXPECT_EQ(a.stations_at, 12u);
  EXPECT_EQ(a.notifications, 7u);
  EXPECT_EQ(a.inbox, 4u);
  EXPECT_EQ(a.notifier_at, 13u);
  EXPECT_EQ(a.webhook_at, 14u);
  EXPECT_TRUE(a.write_side_intact);

  commit_ok(*s, ports::changeset{}.save(ports::dropped_view{ports::view::stations}));
  auto b = look(*s);
  EXPECT_EQ(b.stations, 0u);
  EXPECT_EQ(b.stations_at, 0u);
  EXPECT_EQ(b.notifications, 7u);
  EXPECT_EQ(b.notifier_at, 13u);
  EXPECT_EQ(b.webhook_at, 14u);
  EXPECT_TRUE(b.write_side_intact);

  commit_ok(*s, ports::changeset{}.save(ports::dropped_view{ports::view::notifications}));
  auto c = look(*s);
  EXPECT_EQ(c.notifications, 0u);
  EXPECT_EQ(c.inbox, 0u);
  EXPECT_TRUE(value_of(s->notifications_of("cust-10", 0, 100)).empty());
  EXPECT_EQ(c.notifier_at, 0u);
  EXPECT_EQ(c.webhook_at, 14u);  // another consumer of the notifications keeps its place
  EXPECT_TRUE(c.write_side_intact);
  EXPECT_EQ(value_of(s->find_rental("rt-1")), full_rental());
}

TEST(ViewStore, ARebuildMayStartInTheChangesetThatDropsTheView) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  fill_everything(*s);
  commit_ok(*s, ports::changeset{}
                    .save(ports::dropped_view{ports::view::notifications})
                    .save(sample_notification("cust-1", 3))
                    .save(ports::consumer_position{"notifier", 3})
                    .save(ports::dropped_view{ports::view::rentals})
                    .save(sample_current_rental("cust-7", "rt-7"))
                    .save(ports::consumer_position{"rentals", 5}));
  EXPECT_EQ(sequences(value_of(s->notifications_after(0, 100))), std::vector<std::uint64_t>{3});
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 0, 100))), std::vector<std::uint64_t>{3});
  EXPECT_EQ(value_of(s->position("notifier")), 3u);
  EXPECT_EQ(customers(value_of(s->current_rentals())), std::vector<std::string>{"cust-7"});
  EXPECT_EQ(value_of(s->position("rentals")), 5u);
  // A later changeset builds on, the drop stays in the past.
  commit_ok(*s, ports::changeset{}.save(sample_notification("cust-1", 4)).save(ports::consumer_position{"notifier", 4}));
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 0, 100))), (std::vector<std::uint64_t>{4, 3}));
}

TEST(ViewStore, AViewChangeAndItsPositionCommitTogetherWithJournalEvents) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  std::promise<bool> seen_in_done;
  s->commit(ports::changeset{}
                .record(make_event(bicycle_rented{"rt-1", "SPB-31542", "tk-1", "cust-1", "ST-1", t0, t0 + 2h}, "ev-1"))
                .save(sample_current_rental("cust-1"))
                .save(station_count{"ST-1", 20, 3})
                .save(sample_notification("cust-1", 1, "n_ev-1"))
                .save(ports::consumer_position{"rentals", 1}),
            [&](ports::stored<void> r) {
              // Once durable, all of it is readable at once.
              auto rental = s->current_rental("cust-1");
              auto at = s->position("rentals");
              auto inbox = s->notifications_of("cust-1", 0, 10);
              seen_in_done.set_value(r.has_value() && rental && rental->has_value() && at && *at == 1 && inbox &&
                                     inbox->size() == 1 && s->last_sequence() == 1);
            });
  EXPECT_TRUE(seen_in_done.get_future().get());
  EXPECT_EQ(value_of(s->station_counts()), (std::vector<station_count>{{"ST-1", 20, 3}}));
  EXPECT_EQ(value_of(s->events_after(0, 10)).size(), 1u);
}

TEST(ViewStore, ARefusedChangesetLeavesNeitherTheViewNorThePositionNorTheEvent) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}
                    .record(make_event(ticket_used{"a", "b", "c"}, "e1"))
                    .save(sample_current_rental("cust-1"))
                    .save(ports::consumer_position{"rentals", 1})
                    .save(ports::consumer_position{"notifier", 1}));
  // Everything before the unencodable notification is already in the batch when it fails.
  auto r = s->commit_and_wait(ports::changeset{}
                                  .record(make_event(ticket_used{"a", "b", "c"}, "lost"))
                                  .save(ports::dropped_view{ports::view::rentals})
                                  .save(sample_current_rental("cust-2", "rt-2"))
                                  .save(station_count{"ST-1", 20, 3})
                                  .save(ports::consumer_position{"rentals", 2})
                                  .save(sample_notification("cust-1", 2))
                                  .save(ports::consumer_position{"notifier", 2})
                                  .save(not_utf8("cust-1", 3)));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("notification"), std::string::npos) << r.error().message;
  EXPECT_EQ(customers(value_of(s->current_rentals())), std::vector<std::string>{"cust-1"});  // not dropped either
  EXPECT_TRUE(value_of(s->station_counts()).empty());
  EXPECT_EQ(value_of(s->position("rentals")), 1u);
  EXPECT_EQ(value_of(s->position("notifier")), 1u);
  EXPECT_TRUE(value_of(s->notifications_after(0, 10)).empty());
  EXPECT_EQ(s->last_sequence(), 1u);
  EXPECT_EQ(value_of(s->events_after(0, 10)).size(), 1u);
  // An unencodable view record is refused just the same.
  auto bad_rental = sample_current_rental("cust-3");
  bad_rental.from_station_id = ids::station_id{std::string("\xc3", 1)};
  EXPECT_FALSE(s->commit_and_wait(ports::changeset{}.save(ports::consumer_position{"rentals", 9}).save(bad_rental)).has_value());
  EXPECT_EQ(value_of(s->position("rentals")), 1u);
}

TEST(ViewStore, ARefusedChangesetInAGroupLeavesTheOthersViewsIntact) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}.save(sample_current_rental("cust-1")).save(ports::consumer_position{"rentals", 1}));
  // Hold the writer inside a `done` so that the next commits queue up and form one group.
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<void> holding;
  s->commit(ports::changeset{}, [&](ports::stored<void>) {
    holding.set_value();
    released.wait();
  });
  holding.get_future().wait();
  std::vector<std::future<ports::stored<void>>> outcomes;
  auto submit = [&](ports::changeset c) {
    auto p = std::make_shared<std::promise<ports::stored<void>>>();
    outcomes.push_back(p->get_future());
    s->commit(std::move(c), [p](ports::stored<void> r) { p->set_value(std::move(r)); });
  };
  submit(ports::changeset{}.save(sample_notification("cust-1", 2)).save(ports::consumer_position{"notifier", 2}));
  submit(ports::changeset{}  // drops a view, then fails: the range delete must go with the rest
             .save(ports::dropped_view{ports::view::rentals})
             .save(ports::dropped_view{ports::view::notifications})
             .save(ports::consumer_position{"notifier", 3})
             .save(not_utf8("cust-1", 3)));
  submit(ports::changeset{}.save(sample_current_rental("cust-2", "rt-2")).save(ports::consumer_position{"rentals", 4}));
  release.set_value();
  EXPECT_TRUE(outcomes[0].get().has_value());
  EXPECT_FALSE(outcomes[1].get().has_value());
  EXPECT_TRUE(outcomes[2].get().has_value());
  EXPECT_EQ(customers(value_of(s->current_rentals())), (std::vector<std::string>{"cust-1", "cust-2"}));
  EXPECT_EQ(sequences(value_of(s->notifications_of("cust-1", 0, 10))), std::vector<std::uint64_t>{2});
  EXPECT_EQ(value_of(s->position("notifier")), 2u);
  EXPECT_EQ(value_of(s->position("rentals")), 4u);
}

TEST(ViewStore, EverythingSurvivesReopenIncludingADrop) {
  temp_dir tmp;
  {
    auto s = open_or_fail(tmp.db());
    fill_everything(*s);
    commit_ok(*s, ports::changeset{}.save(ports::dropped_view{ports::view::stations}));
  }
  {
    auto s = open_or_fail(tmp.db());
    EXPECT_EQ(value_of(s->current_rental("cust-1")), sample_current_rental("cust-1"));
    EXPECT_EQ(customers(value_of(s->current_rentals())), (std::vector<std::string>{"cust-1", "cust-2"}));
    EXPECT_TRUE(value_of(s->station_counts()).empty());
    EXPECT_EQ(value_of(s->position("stations")), 0u);
    EXPECT_EQ(value_of(s->position("rentals")), 11u);
    EXPECT_EQ(value_of(s->position("notifier")), 13u);
    EXPECT_EQ(value_of(s->notifications_of("cust-1", 0, 1)), std::vector<notification>{sample_notification("cust-1", 12)});
    EXPECT_EQ(sequences(value_of(s->notifications_after(0, 100))), (std::vector<std::uint64_t>{3, 4, 5, 6, 7, 9, 12}));
    commit_ok(*s, ports::changeset{}.save(station_count{"ST-3", 8, 8}).save(ports::consumer_position{"stations", 40}));
  }
  auto s = open_or_fail(tmp.db(), false);
  EXPECT_EQ(value_of(s->station_counts()), (std::vector<station_count>{{"ST-3", 8, 8}}));
  EXPECT_EQ(value_of(s->position("stations")), 40u);
}

// The families of the first release, before the read side.
constexpr std::string_view first_release_families[] = {"default", "identity", "ticket", "payment", "rental", "journal"};

TEST(ViewStore, ADatabaseFromBeforeTheViewsOpensAndGainsThem) {
  temp_dir tmp;
  {
    rocksdb::DBOptions options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (auto name : first_release_families) families.emplace_back(std::string{name}, rocksdb::ColumnFamilyOptions{});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, tmp.db().string(), families, &handles, &db).ok());
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions{}, handles[0], layout::format_key, layout::format_version).ok());
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions{}, handles[4], layout::key(layout::station_prefix, "ST-1"),
                        *codec::encode(sample_station()))
                    .ok());
    EXPECT_TRUE(db->Put(rocksdb::WriteOptions{}, handles[5], layout::journal_key(1),
                        *codec::encode(make_event(station_registered{"ST-1", "x", 20})))
                    .ok());
    for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    EXPECT_TRUE(db->Close().ok());
    delete db;
  }
  {
    auto s = open_or_fail(tmp.db());
    EXPECT_EQ(value_of(s->find_station("ST-1")), sample_station());
    EXPECT_EQ(s->last_sequence(), 1u);
    EXPECT_EQ(value_of(s->position("stations")), 0u);
    EXPECT_TRUE(value_of(s->station_counts()).empty());
    EXPECT_TRUE(value_of(s->notifications_after(0, 10)).empty());
    commit_ok(*s, ports::changeset{}.save(station_count{"ST-1", 20, 0}).save(ports::consumer_position{"stations", 1}));
  }
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions{}, tmp.db().string(), &names).ok());
  for (auto family : layout::families)
    EXPECT_NE(std::ranges::find(names, std::string{family}), names.end()) << family;
  auto s = open_or_fail(tmp.db());
  EXPECT_EQ(value_of(s->station_counts()), (std::vector<station_count>{{"ST-1", 20, 0}}));
  EXPECT_EQ(value_of(s->position("stations")), 1u);
}

TEST(ViewStore, CorruptViewRecordsAreStorageErrors) {
  temp_dir tmp;
  { open_or_fail(tmp.db()); }
  plant(tmp.db(), layout::cf_position, "rentals", "\x01\x02\x03");
  plant(tmp.db(), layout::cf_view_rental, layout::key(layout::rental_view_prefix, "cust-1"), "{}");
  plant(tmp.db(), layout::cf_view_station, layout::key(layout::station_view_prefix, "ST-1"), "[1]");
  plant(tmp.db(), layout::cf_notification, layout::notification_key(5, "n_x"), "null");
  plant(tmp.db(), layout::cf_notification, layout::customer_notice_key("cust-1", 5, "n_x"), "{\"id\":");
  auto s = open_or_fail(tmp.db());
  auto at = s->position("rentals");
  ASSERT_FALSE(at.has_value());
  EXPECT_NE(at.error().message.find("position/rentals"), std::string::npos) << at.error().message;
  EXPECT_EQ(value_of(s->position("stations")), 0u);
  EXPECT_FALSE(s->current_rental("cust-1").has_value());
  EXPECT_FALSE(s->current_rentals().has_value());
  EXPECT_FALSE(s->station_counts().has_value());
  EXPECT_FALSE(s->notifications_after(0, 10).has_value());
  EXPECT_TRUE(s->notifications_after(5, 10).has_value());
  EXPECT_FALSE(s->notifications_of("cust-1", 0, 10).has_value());
  EXPECT_TRUE(s->notifications_of("cust-1", 5, 10).has_value());
  EXPECT_TRUE(s->notifications_of("cust-2", 0, 10).has_value());
  // Dropping the views clears the damage.
  commit_ok(*s, ports::changeset{}
                    .save(ports::dropped_view{ports::view::rentals})
                    .save(ports::dropped_view{ports::view::stations})
                    .save(ports::dropped_view{ports::view::notifications}));
  EXPECT_EQ(value_of(s->position("rentals")), 0u);
  EXPECT_TRUE(value_of(s->current_rentals()).empty());
  EXPECT_TRUE(value_of(s->station_counts()).empty());
  EXPECT_TRUE(value_of(s->notifications_of("cust-1", 0, 10)).empty());
}

}  // namespace
}  // namespace ttareungyi::storage::test
