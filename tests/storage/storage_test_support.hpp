#pragma once
// Helpers shared by the storage tests: a temporary folder, sample aggregates, one event of every
// type, and field-by-field comparison of events (the domain defines no == for them).
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/views.hpp"
#include "ttareungyi/ports/storage.hpp"
#include "ttareungyi/storage/rocksdb_storage.hpp"

#include "../support/every_fact.hpp"
#include "../support/every_page.hpp"
#include "../support/temp_dir.hpp"
#include "layout.hpp"

namespace ttareungyi::storage::test {

using namespace std::chrono_literals;
using namespace ttareungyi::domain;
using ttareungyi::test::all_bicycles;
using ttareungyi::test::all_tickets_of;

// A fresh folder, removed with everything in it at the end; the database goes in db().
class temp_dir : public ttareungyi::test::temp_dir {
 public:
  temp_dir() : ttareungyi::test::temp_dir("ttareungyi-storage") {}
  std::filesystem::path db() const { return path() / "db"; }
};

// prefix followed by n in decimal. (Not `"x" + std::to_string(n)`: GCC 12 gives a false
// -Wrestrict for that at -O3.)
inline std::string numbered(std::string_view prefix, long long n) {
  std::string s{prefix};
  s += std::to_string(n);
  return s;
}

inline std::unique_ptr<ports::storage> open_or_fail(const std::filesystem::path& dir, bool sync = true) {
  auto opened = open_rocksdb(storage_options{dir, sync});
  if (!opened) throw std::runtime_error("open failed: " + opened.error().message);
  return std::move(*opened);
}

// 2026-11-24T01:32:00.123Z
inline const instant t0 = instant{std::chrono::sys_days{std::chrono::year{2026} / 11 / 24}} + 1h + 32min + 123ms;

inline customer sample_customer(std::string id = "cust-1", std::string phone = "01012345678") {
  return customer{ids::customer_id{std::move(id)}, std::move(phone), "홍길동", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"};
}

inline ticket sample_ticket(std::string id, std::string customer_id, instant purchased_at,
                            ticket_status status = ticket_status::payment_pending) {
  ticket t;
  t.id = ids::ticket_id{std::move(id)};
  t.customer_id = ids::customer_id{std::move(customer_id)};
  t.type = ticket_type::two_hours;
  t.status = status;
  t.purchased_at = purchased_at;
  return t;
}

inline ticket full_ticket() {
  ticket t = sample_ticket("tk-1", "cust-1", t0, ticket_status::cancelled);
  t.paid_at = t0 + 5s;
  t.cancelled_at = t0 + 10min;
  t.refunded_amount = 2000;
  t.payment_attempt = 3;
  t.rental_id = "rt-9";
  return t;
}

inline station sample_station(std::string id = "ST-1") {
  return station{ids::station_id{std::move(id)}, "여의나루역 1번출구 앞", 37.52703857, 126.93209839, 20};
}

inline bicycle sample_bicycle(std::string id, std::string station_id = "ST-1") {
  return bicycle{ids::bicycle_id{std::move(id)}, bicycle_status::available, ids::station_id{std::move(station_id)}, std::nullopt};
}

inline rental full_rental() {
  rental r;
  r.id = "rt-1";
  r.bicycle_id = "SPB-31542";
  r.ticket_id = "tk-1";
  r.customer_id = "cust-1";
  r.from_station_id = "ST-1";
  r.rented_at = t0;
  r.due_at = t0 + 1h;
  r.status = rental_status::returned;
  r.returned_at = t0 + 1h + 7min + 1ms;
  r.to_station_id = "ST-2";
  r.overtime_minutes = 8;
  r.overtime_fee = 400;
  return r;
}

// A closure of two stations for two hours from t0.
inline alert sample_alert(std::string id = "al_1", std::string summary = "공사") {
  return alert{.id = ids::alert_id{std::move(id)},
               .type = alert_type::station_closure,
               .start = t0,
               .end = t0 + 2h,
               .station_ids = {"ST-1", "ST-2"},
               .summary = std::move(summary),
               .description = "",
               .posted_at = t0};
}

// The read side's records.
inline notification sample_notification(std::string customer_id, std::uint64_t sequence, std::string id = "") {
  if (id.empty()) id = numbered("n_ev-", static_cast<long long>(sequence));
  notification n;
  n.id = std::move(id);
  n.sequence = sequence;
  n.customer_id = ids::customer_id{std::move(customer_id)};
  n.kind = "bicycle_returned";
  n.message_ko = "자전거 SPB-31542 반납 완료 (대여소 ST-2). 초과 10분, 초과요금 400원";
  n.message_en = "Bicycle SPB-31542 returned at station ST-2. Overtime 10 min, fee 400 KRW.";
  n.correlation_id = "rt-1";
  n.created_at = t0 + std::chrono::seconds{static_cast<long long>(sequence)};
  return n;
}

inline current_rental sample_current_rental(std::string customer_id = "cust-1", std::string rental_id = "rt-1") {
  return current_rental{.customer_id = ids::customer_id{std::move(customer_id)},
                        .rental_id = ids::rental_id{std::move(rental_id)},
                        .bicycle_id = "SPB-31542",
                        .ticket_id = "tk-1",
                        .from_station_id = "ST-1",
                        .rented_at = t0,
                        .due_at = t0 + 2h};
}

inline event make_event(event_payload payload, std::string id = "ev-1") {
  return event{std::move(id), "corr-1", "req-1", t0, 1, std::move(payload)};
}

// One event of every payload type, in variant order (tests/support/every_fact.hpp).
inline std::vector<event> one_of_each_event() { return ttareungyi::test::one_of_each_event(t0); }

inline auto fields_of(const customer_registered& e) { return std::tie(e.customer_id, e.phone, e.name); }
inline auto fields_of(const ticket_purchased& e) { return std::tie(e.ticket_id, e.customer_id, e.type, e.price); }
inline auto fields_of(const ticket_paid& e) { return std::tie(e.ticket_id, e.customer_id, e.payment_id, e.amount); }
inline auto fields_of(const ticket_payment_failed& e) { return std::tie(e.ticket_id, e.customer_id, e.payment_id); }
inline auto fields_of(const ticket_put_in_use& e) { return std::tie(e.ticket_id, e.customer_id, e.rental_id); }
inline auto fields_of(const ticket_released& e) { return std::tie(e.ticket_id, e.customer_id, e.rental_id); }
inline auto fields_of(const ticket_used& e) { return std::tie(e.ticket_id, e.customer_id, e.rental_id); }
inline auto fields_of(const ticket_cancelled& e) { return std::tie(e.ticket_id, e.customer_id, e.refunded_amount); }
inline auto fields_of(const ticket_refunded& e) { return std::tie(e.ticket_id, e.customer_id, e.payment_id, e.amount); }
inline auto fields_of(const station_registered& e) { return std::tie(e.station_id, e.name, e.capacity); }
inline auto fields_of(const bicycle_registered& e) { return std::tie(e.bicycle_id, e.station_id); }
inline auto fields_of(const bicycle_deleted& e) { return std::tie(e.bicycle_id, e.station_id); }
inline auto fields_of(const bicycle_rented& e) {
  return std::tie(e.rental_id, e.bicycle_id, e.ticket_id, e.customer_id, e.from_station_id, e.rented_at, e.due_at);
}
inline auto fields_of(const bicycle_returned& e) {
  return std::tie(e.rental_id, e.bicycle_id, e.ticket_id, e.customer_id, e.to_station_id, e.returned_at,
                  e.overtime_minutes, e.overtime_fee);
}
inline auto fields_of(const payment_approved& e) { return std::tie(e.payment_id, e.reference, e.amount); }
inline auto fields_of(const payment_declined& e) { return std::tie(e.payment_id, e.reference, e.amount); }
inline auto fields_of(const payment_refunded& e) { return std::tie(e.payment_id, e.reference, e.amount); }
inline auto fields_of(const alert_posted& e) { return std::tie(e.alert_id, e.type, e.start, e.end); }

// EXPECT_TRUE(same_event(a, b)): envelope, alternative and every payload field equal.
inline ::testing::AssertionResult same_event(const event& a, const event& b) {
  if (a.id != b.id || a.correlation_id != b.correlation_id || a.causation_id != b.causation_id || a.at != b.at ||
      a.version != b.version)
    return ::testing::AssertionFailure() << "envelopes differ: " << a.id << " vs " << b.id;
  if (a.payload.index() != b.payload.index())
    return ::testing::AssertionFailure() << "alternatives differ: " << type_name(a.payload) << " vs "
                                         << type_name(b.payload);
  bool equal = std::visit(
      [&](const auto& x) {
        const auto& y = std::get<std::decay_t<decltype(x)>>(b.payload);
        return fields_of(x) == fields_of(y);
      },
      a.payload);
  if (!equal) return ::testing::AssertionFailure() << "payload fields of " << type_name(a.payload) << " differ";
  return ::testing::AssertionSuccess();
}

// Commits and fails the test on a storage error.
inline void commit_ok(ports::storage& s, ports::changeset c) {
  auto r = s.commit_and_wait(std::move(c));
  ASSERT_TRUE(r.has_value()) << r.error().message;
}

// The value of a read; a storage error throws (the test fails with its message).
template <class T>
T value_of(ports::stored<T> r) {
  if (!r) throw std::runtime_error("storage error: " + r.error().message);
  return std::move(*r);
}

// Plants raw bytes with RocksDB directly, as a damaged or foreign database would have them.
inline void plant(const std::filesystem::path& dir, std::string_view family, std::string key, std::string value) {
  rocksdb::DBOptions options;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (auto name : layout::families) families.emplace_back(std::string{name}, rocksdb::ColumnFamilyOptions{});
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir.string(), families, &handles, &db).ok());
  for (std::size_t i = 0; i < families.size(); ++i)
    if (families[i].name == family) {
      EXPECT_TRUE(db->Put(rocksdb::WriteOptions{}, handles[i], key, value).ok());
    }
  for (auto* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  EXPECT_TRUE(db->Close().ok());
  delete db;
}

}  // namespace ttareungyi::storage::test
