// The RocksDB storage through its port: records, indices, the journal, opening and failures.
#include <gtest/gtest.h>

#include <rocksdb/db.h>

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "layout.hpp"
#include "storage_test_support.hpp"

namespace ttareungyi::storage::test {
namespace {

std::vector<std::string> ids_of(const std::vector<ticket>& tickets) {
  std::vector<std::string> ids;
  for (const auto& t : tickets) ids.push_back(t.id.str());
  return ids;
}

TEST(RocksdbStorage, OpensAnEmptyDatabaseInANewFolder) {
  temp_dir tmp;
  auto dir = tmp.path() / "a" / "b";
  auto s = open_or_fail(dir);
  EXPECT_TRUE(std::filesystem::is_directory(dir));
  EXPECT_EQ(s->last_sequence(), 0u);
  EXPECT_TRUE(value_of(s->events_after(0, 10)).empty());
  EXPECT_FALSE(value_of(s->find_customer("nobody")).has_value());
  EXPECT_FALSE(value_of(s->find_customer_by_phone("01000000000")).has_value());
  EXPECT_FALSE(value_of(s->find_ticket("none")).has_value());
  EXPECT_FALSE(value_of(s->find_payment("none")).has_value());
  EXPECT_FALSE(value_of(s->find_station("none")).has_value());
  EXPECT_FALSE(value_of(s->find_bicycle("none")).has_value());
  EXPECT_FALSE(value_of(s->find_rental("none")).has_value());
  EXPECT_TRUE(value_of(s->stations()).empty());
  EXPECT_TRUE(value_of(all_tickets_of(*s, "nobody")).empty());
  EXPECT_TRUE(value_of(s->tickets_in_use()).empty());
}

TEST(RocksdbStorage, EveryAggregateRoundTripsAndSurvivesReopen) {
  temp_dir tmp;
  const payment pay{"tk-1-1", "tk-1", 2000, payment_status::refunded};
  const bicycle rented{"SPB-31542", bicycle_status::rented, std::nullopt, "rt-1"};
  auto check = [&](ports::storage& s) {
    EXPECT_EQ(value_of(s.find_customer("cust-1")), sample_customer());
    EXPECT_EQ(value_of(s.find_ticket("tk-1")), full_ticket());
    EXPECT_EQ(value_of(s.find_payment("tk-1-1")), pay);
    EXPECT_EQ(value_of(s.find_station("ST-1")), sample_station());
    EXPECT_EQ(value_of(s.find_bicycle("SPB-31542")), rented);
    EXPECT_EQ(value_of(s.find_rental("rt-1")), full_rental());
  };
  {
    auto s = open_or_fail(tmp.db());
    ports::changeset c;
    c.save(sample_customer()).save(full_ticket()).save(pay).save(sample_station()).save(rented).save(full_rental());
    commit_ok(*s, std::move(c));
    check(*s);
  }
  auto s = open_or_fail(tmp.db());
  check(*s);
}

TEST(RocksdbStorage, LaterSavesReplaceEarlierOnes) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  auto t = sample_ticket("tk-1", "cust-1", t0);
  ports::changeset c;
  c.save(t);
  t.status = ticket_status::paid;
  t.paid_at = t0 + 1s;
  c.save(t);  // twice in one changeset: the last wins
  commit_ok(*s, std::move(c));
  EXPECT_EQ(value_of(s->find_ticket("tk-1")), t);
  EXPECT_EQ(value_of(all_tickets_of(*s, "cust-1")).size(), 1u);
}

TEST(RocksdbStorage, PhoneLookupFindsTheCustomerAndFollowsAChange) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}.save(sample_customer("cust-1", "01011112222")).save(sample_customer("cust-2", "01033334444")));
  EXPECT_EQ(value_of(s->find_customer_by_phone("01011112222"))->id, "cust-1");
  EXPECT_EQ(value_of(s->find_customer_by_phone("01033334444"))->id, "cust-2");
  EXPECT_FALSE(value_of(s->find_customer_by_phone("0101111222")).has_value());

  commit_ok(*s, ports::changeset{}.save(sample_customer("cust-1", "01055556666")));
  EXPECT_FALSE(value_of(s->find_customer_by_phone("01011112222")).has_value());
  EXPECT_EQ(value_of(s->find_customer_by_phone("01055556666"))->id, "cust-1");
}

TEST(RocksdbStorage, TicketsOfListsOnlyTheCustomersTicketsByPurchaseTimeThenId) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  ports::changeset c;
  c.save(sample_ticket("tk-c", "cust-1", t0 + 2s))
      .save(sample_ticket("tk-b", "cust-1", t0))
      .save(sample_ticket("tk-a", "cust-1", t0))  // same time: by id
      .save(sample_ticket("tk-old", "cust-1", instant{} - 1h))  // before the epoch still sorts first
      .save(sample_ticket("tk-x", "cust-10", t0 - 1h))  // a customer id that extends "cust-1"
      .save(sample_ticket("tk-y", "cust-", t0 - 1h))
      .save(sample_ticket("tk-z", "cust-2", t0 + 1s));
  commit_ok(*s, std::move(c));
  commit_ok(*s, ports::changeset{}.save(sample_ticket("tk-d", "cust-1", t0 + 1s)));
  EXPECT_EQ(ids_of(value_of(all_tickets_of(*s, "cust-1"))),
            (std::vector<std::string>{"tk-old", "tk-a", "tk-b", "tk-d", "tk-c"}));
  EXPECT_EQ(ids_of(value_of(all_tickets_of(*s, "cust-10"))), std::vector<std::string>{"tk-x"});
  EXPECT_EQ(ids_of(value_of(all_tickets_of(*s, "cust-"))), std::vector<std::string>{"tk-y"});
  EXPECT_TRUE(value_of(all_tickets_of(*s, "cust")).empty());

  // Status changes keep one entry per ticket, with the stored state.
  auto paid = sample_ticket("tk-b", "cust-1", t0, ticket_status::paid);
  commit_ok(*s, ports::changeset{}.save(paid));
  auto mine = value_of(all_tickets_of(*s, "cust-1"));
  ASSERT_EQ(mine.size(), 5u);
  EXPECT_EQ(mine[2], paid);
}

TEST(RocksdbStorage, TicketsOfFollowsAChangedOwnerOrPurchaseTime) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}.save(sample_ticket("tk-1", "cust-1", t0)).save(sample_ticket("tk-2", "cust-1", t0 + 1s)));
  commit_ok(*s, ports::changeset{}.save(sample_ticket("tk-1", "cust-1", t0 + 2s)));
  EXPECT_EQ(ids_of(value_of(all_tickets_of(*s, "cust-1"))), (std::vector<std::string>{"tk-2", "tk-1"}));
  // Within one changeset too: the second save must see the first.
  commit_ok(*s, ports::changeset{}.save(sample_ticket("tk-2", "cust-2", t0)).save(sample_ticket("tk-2", "cust-3", t0)));
  EXPECT_EQ(ids_of(value_of(all_tickets_of(*s, "cust-1"))), std::vector<std::string>{"tk-1"});
  EXPECT_TRUE(value_of(all_tickets_of(*s, "cust-2")).empty());
  EXPECT_EQ(ids_of(value_of(all_tickets_of(*s, "cust-3"))), std::vector<std::string>{"tk-2"});
}

TEST(RocksdbStorage, TicketsInUseFollowTheStatus) {
  temp_dir tmp;
  {
    auto s = open_or_fail(tmp.db());
    commit_ok(*s, ports::changeset{}
                      .save(sample_ticket("tk-1", "cust-1", t0, ticket_status::paid))
                      .save(sample_ticket("tk-2", "cust-2", t0, ticket_status::in_use))
                      .save(sample_ticket("tk-3", "cust-3", t0, ticket_status::payment_pending)));
    EXPECT_EQ(ids_of(value_of(s->tickets_in_use())), std::vector<std::string>{"tk-2"});
    commit_ok(*s, ports::changeset{}.save(sample_ticket("tk-1", "cust-1", t0, ticket_status::in_use)));
    EXPECT_EQ(ids_of(value_of(s->tickets_in_use())), (std::vector<std::string>{"tk-1", "tk-2"}));
    commit_ok(*s, ports::changeset{}.save(sample_ticket("tk-2", "cust-2", t0, ticket_status::used)));
    EXPECT_EQ(ids_of(value_of(s->tickets_in_use())), std::vector<std::string>{"tk-1"});
    // In and out of use within one changeset.
    commit_ok(*s, ports::changeset{}
                      .save(sample_ticket("tk-3", "cust-3", t0, ticket_status::in_use))
                      .save(sample_ticket("tk-3", "cust-3", t0, ticket_status::paid))
                      .save(sample_ticket("tk-1", "cust-1", t0, ticket_status::paid))
                      .save(sample_ticket("tk-1", "cust-1", t0, ticket_status::in_use)));
  }
  auto s = open_or_fail(tmp.db());  // for recovery after a restart
  auto in_use = value_of(s->tickets_in_use());
  ASSERT_EQ(ids_of(in_use), std::vector<std::string>{"tk-1"});
  EXPECT_EQ(in_use[0].status, ticket_status::in_use);
}

TEST(RocksdbStorage, StationsAreListedInIdOrder) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}.save(sample_station("ST-2")).save(sample_station("ST-1")).save(sample_station("ST-10")));
  auto all = value_of(s->stations());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "ST-1");
  EXPECT_EQ(all[1].id, "ST-10");
  EXPECT_EQ(all[2].id, "ST-2");
  EXPECT_EQ(all[0], sample_station("ST-1"));
}

TEST(RocksdbStorage, RemovedBicycleIsGone) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}.save(sample_bicycle("SPB-1")).save(sample_bicycle("SPB-2")));
  commit_ok(*s, ports::changeset{}
                    .save(ports::removed_bicycle{"SPB-1"})
                    .record(make_event(bicycle_deleted{"SPB-1", "ST-1"})));
  EXPECT_FALSE(value_of(s->find_bicycle("SPB-1")).has_value());
  auto left = value_of(all_bicycles(*s));
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, "SPB-2");
  // Saved and removed in one changeset: removed.
  commit_ok(*s, ports::changeset{}.save(sample_bicycle("SPB-3")).save(ports::removed_bicycle{"SPB-3"}));
  EXPECT_FALSE(value_of(s->find_bicycle("SPB-3")).has_value());
}

TEST(RocksdbStorage, AChangesetsItemsAndEventsAppearTogether) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  auto t = sample_ticket("tk-1", "cust-1", t0, ticket_status::paid);
  payment p{"tk-1-1", "tk-1", 2000, payment_status::approved};
  commit_ok(*s, ports::changeset{}
                    .save(t)
                    .save(p)
                    .record(make_event(payment_approved{"tk-1-1", "tk-1", 2000}, "ev-1"))
                    .record(make_event(ticket_paid{"tk-1", "cust-1", "tk-1-1", 2000}, "ev-2")));
  EXPECT_EQ(value_of(s->find_ticket("tk-1")), t);
  EXPECT_EQ(value_of(s->find_payment("tk-1-1")), p);
  auto events = value_of(s->events_after(0, 10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].sequence, 1u);
  EXPECT_EQ(events[0].event().id, "ev-1");
  EXPECT_EQ(events[1].sequence, 2u);
  EXPECT_TRUE(std::holds_alternative<ticket_paid>(events[1].event().payload));
  EXPECT_EQ(s->last_sequence(), 2u);
}

TEST(RocksdbStorage, EveryEventTypeRoundTripsThroughTheJournal) {
  temp_dir tmp;
  const auto all = one_of_each_event();
  {
    auto s = open_or_fail(tmp.db());
    ports::changeset c;
    for (const auto& e : all) c.record(e);
    commit_ok(*s, std::move(c));
  }
  auto s = open_or_fail(tmp.db());
  auto stored = value_of(s->events_after(0, 100));
  ASSERT_EQ(stored.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(stored[i].sequence, i + 1);
    EXPECT_TRUE(same_event(stored[i].event(), all[i])) << i;
  }
}

TEST(RocksdbStorage, JournalSequencesAreGapFreeAndContinueAfterReopen) {
  temp_dir tmp;
  {
    auto s = open_or_fail(tmp.db());
    commit_ok(*s, ports::changeset{}.record(make_event(ticket_used{"a", "b", "c"}, "e1")));
    commit_ok(*s, ports::changeset{}.save(sample_station()));  // no events: no sequence
    commit_ok(*s, ports::changeset{}
                      .record(make_event(ticket_used{"a", "b", "c"}, "e2"))
                      .record(make_event(ticket_used{"a", "b", "c"}, "e3")));
    EXPECT_EQ(s->last_sequence(), 3u);
  }
  {
    auto s = open_or_fail(tmp.db());
    EXPECT_EQ(s->last_sequence(), 3u);
    commit_ok(*s, ports::changeset{}.record(make_event(ticket_used{"a", "b", "c"}, "e4")));
    EXPECT_EQ(s->last_sequence(), 4u);
  }
  auto s = open_or_fail(tmp.db());
  auto events = value_of(s->events_after(0, 100));
  ASSERT_EQ(events.size(), 4u);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence, i + 1);
    EXPECT_EQ(events[i].event().id, numbered("e", i + 1));
  }
}

TEST(RocksdbStorage, EventsAfterPages) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  for (int i = 1; i <= 25; ++i)
    commit_ok(*s, ports::changeset{}.record(make_event(bicycle_registered{ids::bicycle_id{numbered("SPB-", i)}, "ST-1"}, numbered("e", i))));
  std::vector<std::uint64_t> seen;
  std::uint64_t after = 0;
  for (;;) {
    auto page = value_of(s->events_after(after, 10));
    if (page.empty()) break;
    EXPECT_LE(page.size(), 10u);
    for (const auto& r : page) seen.push_back(r.sequence);
    after = page.back().sequence;
  }
  ASSERT_EQ(seen.size(), 25u);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);
  EXPECT_EQ(value_of(s->events_after(20, 100)).size(), 5u);
  EXPECT_EQ(value_of(s->events_after(24, 100))[0].event().id, "e25");
  EXPECT_TRUE(value_of(s->events_after(25, 100)).empty());
  EXPECT_TRUE(value_of(s->events_after(0, 0)).empty());
  EXPECT_TRUE(value_of(s->events_after(UINT64_MAX, 10)).empty());
}

TEST(RocksdbStorage, AnUnencodableChangesetFailsAloneAndConsumesNoSequence) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  commit_ok(*s, ports::changeset{}.record(make_event(ticket_used{"a", "b", "c"}, "e1")));
  auto bad = sample_customer("cust-bad", "01099998888");
  bad.name = std::string("\xff", 1);
  auto r = s->commit_and_wait(ports::changeset{}
                                  .save(sample_station("ST-9"))
                                  .record(make_event(ticket_used{"a", "b", "c"}, "lost"))
                                  .save(bad));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("cust-bad"), std::string::npos) << r.error().message;
  EXPECT_FALSE(value_of(s->find_station("ST-9")).has_value());  // nothing of it was written
  EXPECT_FALSE(value_of(s->find_customer_by_phone("01099998888")).has_value());
  EXPECT_EQ(s->last_sequence(), 1u);
  commit_ok(*s, ports::changeset{}.record(make_event(ticket_used{"a", "b", "c"}, "e2")));
  auto events = value_of(s->events_after(0, 10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].sequence, 2u);
  EXPECT_EQ(events[1].event().id, "e2");
}

TEST(RocksdbStorage, EmptyChangesetCommits) {
  temp_dir tmp;
  auto s = open_or_fail(tmp.db());
  EXPECT_TRUE(s->commit_and_wait(ports::changeset{}).has_value());
  EXPECT_EQ(s->last_sequence(), 0u);
}

TEST(RocksdbStorage, WorksWithoutSync) {
  temp_dir tmp;
  {
    auto s = open_or_fail(tmp.db(), false);
    commit_ok(*s, ports::changeset{}.save(sample_customer()).record(make_event(customer_registered{"cust-1", "01012345678", "n"})));
    EXPECT_EQ(value_of(s->find_customer("cust-1")), sample_customer());
  }
  auto s = open_or_fail(tmp.db(), false);
  EXPECT_EQ(value_of(s->find_customer("cust-1")), sample_customer());
  EXPECT_EQ(s->last_sequence(), 1u);
}

TEST(RocksdbStorage, OpeningAFileFails) {
  temp_dir tmp;
  auto file = tmp.path() / "not-a-folder";
  std::ofstream(file) << "hello";
  auto opened = open_rocksdb(storage_options{file});
  ASSERT_FALSE(opened.has_value());
  EXPECT_FALSE(opened.error().message.empty());
  EXPECT_FALSE(open_rocksdb(storage_options{file / "below"}).has_value());
  EXPECT_FALSE(open_rocksdb(storage_options{}).has_value());
}

TEST(RocksdbStorage, OpeningAnOpenDatabaseAgainFails) {
  temp_dir tmp;
  auto first = open_or_fail(tmp.db());
  auto second = open_rocksdb(storage_options{tmp.db()});
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().message.find("lock"), std::string::npos) << second.error().message;
}

TEST(RocksdbStorage, CorruptRecordsAreStorageErrors) {
  temp_dir tmp;
  {
    auto s = open_or_fail(tmp.db());
    commit_ok(*s, ports::changeset{}
                      .save(sample_customer())
                      .save(sample_ticket("tk-ok", "cust-1", t0, ticket_status::in_use))
                      .record(make_event(ticket_used{"a", "b", "c"})));
  }
  plant(tmp.db(), layout::cf_identity, "c:cust-1", "{\"id\":");
  plant(tmp.db(), layout::cf_ticket, "t:tk-ok", "[]");
  plant(tmp.db(), layout::cf_payment, "p:pay-1", "\xff\xff");
  plant(tmp.db(), layout::cf_rental, "b:SPB-1", R"({"id":"SPB-1","status":"flying","station_id":"","rental_id":""})");
  plant(tmp.db(), layout::cf_rental, "s:ST-1", "null");
  plant(tmp.db(), layout::cf_rental, "r:rt-1", "{}");
  plant(tmp.db(), layout::cf_journal, layout::journal_key(2), R"({"type":"nonsense"})");
  auto s = open_or_fail(tmp.db());
  EXPECT_EQ(s->last_sequence(), 2u);
  EXPECT_FALSE(s->find_customer("cust-1").has_value());
  auto by_phone = s->find_customer_by_phone("01012345678");
  ASSERT_FALSE(by_phone.has_value());
  EXPECT_NE(by_phone.error().message.find("c:cust-1"), std::string::npos) << by_phone.error().message;
  EXPECT_FALSE(s->find_ticket("tk-ok").has_value());
  EXPECT_FALSE(all_tickets_of(*s, "cust-1").has_value());
  EXPECT_FALSE(s->tickets_in_use().has_value());
  EXPECT_FALSE(s->find_payment("pay-1").has_value());
  EXPECT_FALSE(s->find_bicycle("SPB-1").has_value());
  EXPECT_FALSE(all_bicycles(*s).has_value());
  EXPECT_FALSE(s->find_station("ST-1").has_value());
  EXPECT_FALSE(s->stations().has_value());
  EXPECT_FALSE(s->find_rental("rt-1").has_value());
  EXPECT_FALSE(s->events_after(0, 10).has_value());
  EXPECT_TRUE(s->events_after(2, 10).has_value());

  // A good save repairs a corrupt ticket, index included.
  commit_ok(*s, ports::changeset{}.save(sample_ticket("tk-ok", "cust-1", t0, ticket_status::used)));
  EXPECT_TRUE(value_of(s->tickets_in_use()).empty());
  EXPECT_EQ(ids_of(value_of(all_tickets_of(*s, "cust-1"))), std::vector<std::string>{"tk-ok"});
}

TEST(RocksdbStorage, ABadJournalKeyFailsOpenCleanly) {
  temp_dir tmp;
  { open_or_fail(tmp.db()); }
  plant(tmp.db(), layout::cf_journal, std::string(9, '\xff'), "{}");
  auto opened = open_rocksdb(storage_options{tmp.db()});
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().message.find("journal"), std::string::npos) << opened.error().message;
}

TEST(RocksdbStorage, AnUnknownFormatIsRefused) {
  temp_dir tmp;
  { open_or_fail(tmp.db()); }
  plant(tmp.db(), layout::cf_default, std::string{layout::format_key}, "99");
  auto opened = open_rocksdb(storage_options{tmp.db()});
  ASSERT_FALSE(opened.has_value());
  EXPECT_NE(opened.error().message.find("format"), std::string::npos) << opened.error().message;
}

TEST(RocksdbStorage, OpensADatabaseWithAnUnknownFamily) {
  temp_dir tmp;
  {
    auto s = open_or_fail(tmp.db());
    commit_ok(*s, ports::changeset{}.save(sample_station()));
  }
  {
    rocksdb::DBOptions options;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (auto name : layout::families) families.emplace_back(std::string{name}, rocksdb::ColumnFamilyOptions{});
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, tmp.db().string(), families, &handles, &db).ok());
    rocksdb::ColumnFamilyHandle* extra = nullptr;
    ASSERT_TRUE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions{}, "future", &extra).ok());
    handles.push_back(extra);
    for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    EXPECT_TRUE(db->Close().ok());
    delete db;
  }
  auto s = open_or_fail(tmp.db());
  EXPECT_EQ(value_of(s->find_station("ST-1")), sample_station());
}

}  // namespace
}  // namespace ttareungyi::storage::test
