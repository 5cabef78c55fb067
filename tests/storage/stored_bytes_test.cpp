// The stored encoding, byte for byte: records written by earlier builds must read, and a
// record written today must be the same bytes as then. Changing one of these strings means
// a migration of stored data, never a refactoring.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "codec.hpp"
#include "storage_test_support.hpp"

namespace ttareungyi::storage::test {
namespace {

struct stored {
  std::string what;
  codec::outcome<std::string> encoded;
};

std::vector<stored> records() {
  bicycle rented{"SPB-31542", bicycle_status::rented, std::nullopt, "rt-1"};
  std::vector<stored> all{
      {"customer", codec::encode(sample_customer())},
      {"ticket", codec::encode(full_ticket())},
      {"pending ticket", codec::encode(sample_ticket("tk-2", "cust-1", t0))},
      {"payment", codec::encode(payment{"tk-1-1", "tk-1", 2000, payment_status::refunded})},
      {"station", codec::encode(sample_station())},
      {"bicycle", codec::encode(rented)},
      {"rental", codec::encode(full_rental())},
      {"notification", codec::encode(sample_notification("cust-1", 42))},
      {"current_rental", codec::encode(sample_current_rental())},
      {"station_count", codec::encode(station_count{"ST-1", 20, 7})},
  };
  for (const auto& e : one_of_each_event()) all.push_back({std::string{type_name(e.payload)}, codec::encode(e)});
  // Added with alerts (after the events, so the records above keep their places).
  all.push_back({"alert", codec::encode(sample_alert())});
  return all;
}

// What the build before the field lists (issue 11) wrote for the same records.
const std::vector<std::pair<std::string, std::string>>& written_before() {
  static const std::vector<std::pair<std::string, std::string>> bytes{
      {"customer", R"({"id":"cust-1","name":"홍길동","password_hash":"$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA","phone":"01012345678"})"},
      {"ticket", R"({"cancelled_at":1795484520123,"customer_id":"cust-1","id":"tk-1","paid_at":1795483925123,"payment_attempt":3,"purchased_at":1795483920123,"refunded_amount":2000,"rental_id":"rt-9","status":"cancelled","type":"2h"})"},
      {"pending ticket", R"({"cancelled_at":null,"customer_id":"cust-1","id":"tk-2","paid_at":null,"payment_attempt":1,"purchased_at":1795483920123,"refunded_amount":null,"rental_id":"","status":"payment_pending","type":"2h"})"},
      {"payment", R"({"amount":2000,"id":"tk-1-1","reference":"tk-1","status":"refunded"})"},
      {"station", R"({"capacity":20,"id":"ST-1","lat":37.52703857,"lon":126.93209839,"name":"여의나루역 1번출구 앞"})"},
      {"bicycle", R"({"id":"SPB-31542","rental_id":"rt-1","station_id":"","status":"rented"})"},
      {"rental", R"({"bicycle_id":"SPB-31542","customer_id":"cust-1","due_at":1795487520123,"from_station_id":"ST-1","id":"rt-1","overtime_fee":400,"overtime_minutes":8,"rented_at":1795483920123,"returned_at":1795487940124,"status":"returned","ticket_id":"tk-1","to_station_id":"ST-2"})"},
      {"notification", R"({"correlation_id":"rt-1","created_at":1795483962123,"customer_id":"cust-1","id":"n_ev-42","kind":"bicycle_returned","message_en":"Bicycle SPB-31542 returned at station ST-2. Overtime 10 min, fee 400 KRW.","message_ko":"자전거 SPB-31542 반납 완료 (대여소 ST-2). 초과 10분, 초과요금 400원","sequence":42})"},
      {"current_rental", R"({"bicycle_id":"SPB-31542","customer_id":"cust-1","due_at":1795491120123,"from_station_id":"ST-1","rental_id":"rt-1","rented_at":1795483920123,"ticket_id":"tk-1"})"},
      {"station_count", R"({"bicycles_available":7,"capacity":20,"station_id":"ST-1"})"},
      {"customer_registered", R"({"at":1795483920123,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-0","payload":{"customer_id":"cust-1","name":"홍길동","phone":"01012345678"},"type":"customer_registered","version":1})"},
      {"ticket_purchased", R"({"at":1795483920124,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-1","payload":{"customer_id":"cust-1","price":2000,"ticket_id":"tk-1","type":"2h"},"type":"ticket_purchased","version":2})"},
      {"ticket_paid", R"({"at":1795483920125,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-2","payload":{"amount":2000,"customer_id":"cust-1","payment_id":"tk-1-1","ticket_id":"tk-1"},"type":"ticket_paid","version":3})"},
      {"ticket_payment_failed", R"({"at":1795483920126,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-3","payload":{"customer_id":"cust-1","payment_id":"tk-1-2","ticket_id":"tk-1"},"type":"ticket_payment_failed","version":1})"},
      {"ticket_put_in_use", R"({"at":1795483920127,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-4","payload":{"customer_id":"cust-1","rental_id":"rt-1","ticket_id":"tk-1"},"type":"ticket_put_in_use","version":2})"},
      {"ticket_released", R"({"at":1795483920128,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-5","payload":{"customer_id":"cust-1","rental_id":"rt-1","ticket_id":"tk-1"},"type":"ticket_released","version":3})"},
      {"ticket_used", R"({"at":1795483920129,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-6","payload":{"customer_id":"cust-1","rental_id":"rt-1","ticket_id":"tk-1"},"type":"ticket_used","version":1})"},
      {"ticket_cancelled", R"({"at":1795483920130,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-7","payload":{"customer_id":"cust-1","refunded_amount":2000,"ticket_id":"tk-1"},"type":"ticket_cancelled","version":2})"},
      {"ticket_refunded", R"({"at":1795483920131,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-8","payload":{"amount":2000,"customer_id":"cust-1","payment_id":"tk-1-1","ticket_id":"tk-1"},"type":"ticket_refunded","version":3})"},
      {"station_registered", R"({"at":1795483920132,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-9","payload":{"capacity":20,"name":"여의나루역","station_id":"ST-1"},"type":"station_registered","version":1})"},
      {"bicycle_registered", R"({"at":1795483920133,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-10","payload":{"bicycle_id":"SPB-1","station_id":"ST-1"},"type":"bicycle_registered","version":2})"},
      {"bicycle_deleted", R"({"at":1795483920134,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-11","payload":{"bicycle_id":"SPB-1","station_id":"ST-1"},"type":"bicycle_deleted","version":3})"},
      {"bicycle_rented", R"({"at":1795483920135,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-12","payload":{"bicycle_id":"SPB-1","customer_id":"cust-1","due_at":1795487520123,"from_station_id":"ST-1","rental_id":"rt-1","rented_at":1795483920123,"ticket_id":"tk-1"},"type":"bicycle_rented","version":1})"},
      {"bicycle_returned", R"({"at":1795483920136,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-13","payload":{"bicycle_id":"SPB-1","customer_id":"cust-1","overtime_fee":400,"overtime_minutes":6,"rental_id":"rt-1","returned_at":1795487880123,"ticket_id":"tk-1","to_station_id":"ST-2"},"type":"bicycle_returned","version":2})"},
      {"payment_approved", R"({"at":1795483920137,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-14","payload":{"amount":2000,"payment_id":"tk-1-1","reference":"tk-1"},"type":"payment_approved","version":3})"},
      {"payment_declined", R"({"at":1795483920138,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-15","payload":{"amount":2000,"payment_id":"tk-1-2","reference":"tk-1"},"type":"payment_declined","version":1})"},
      {"payment_refunded", R"({"at":1795483920139,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-16","payload":{"amount":2000,"payment_id":"tk-1-1","reference":"tk-1"},"type":"payment_refunded","version":2})"},
      {"alert_posted", R"({"at":1795483920140,"causation_id":"req-1","correlation_id":"corr-1","id":"ev-17","payload":{"alert_id":"al_1","end":1795491120123,"start":1795483920123,"type":"station_closure"},"type":"alert_posted","version":3})"},  // added with alerts
      {"alert", R"({"description":"","end":1795491120123,"id":"al_1","posted_at":1795483920123,"start":1795483920123,"station_ids":["ST-1","ST-2"],"summary":"공사","type":"station_closure"})"},  // added with alerts
  };
  return bytes;
}

TEST(StoredBytes, EveryRecordIsWrittenAsBefore) {
  auto now = records();
  const auto& before = written_before();
  ASSERT_EQ(now.size(), before.size());
  for (std::size_t i = 0; i < now.size(); ++i) {
    EXPECT_EQ(now[i].what, before[i].first);
    ASSERT_TRUE(now[i].encoded.has_value()) << now[i].what << ": " << now[i].encoded.error();
    EXPECT_EQ(*now[i].encoded, before[i].second) << now[i].what;
  }
}

TEST(StoredBytes, EveryRecordWrittenBeforeReads) {
  const auto& before = written_before();
  auto decodes_back = [](const auto& decoded, const std::string& bytes) {
    return decoded.has_value() && codec::encode(*decoded) == bytes;
  };
  EXPECT_TRUE(decodes_back(codec::decode<customer>(before[0].second), before[0].second));
  EXPECT_TRUE(decodes_back(codec::decode<ticket>(before[1].second), before[1].second));
  EXPECT_TRUE(decodes_back(codec::decode<ticket>(before[2].second), before[2].second));
  EXPECT_TRUE(decodes_back(codec::decode<payment>(before[3].second), before[3].second));
  EXPECT_TRUE(decodes_back(codec::decode<station>(before[4].second), before[4].second));
  EXPECT_TRUE(decodes_back(codec::decode<bicycle>(before[5].second), before[5].second));
  EXPECT_TRUE(decodes_back(codec::decode<rental>(before[6].second), before[6].second));
  EXPECT_TRUE(decodes_back(codec::decode<notification>(before[7].second), before[7].second));
  EXPECT_TRUE(decodes_back(codec::decode<current_rental>(before[8].second), before[8].second));
  EXPECT_TRUE(decodes_back(codec::decode<station_count>(before[9].second), before[9].second));
  for (std::size_t i = 10; i + 1 < before.size(); ++i)
    EXPECT_TRUE(decodes_back(codec::decode<event>(before[i].second), before[i].second)) << before[i].first;
  EXPECT_TRUE(decodes_back(codec::decode<alert>(before.back().second), before.back().second));
  EXPECT_EQ(codec::decode<ticket>(before[1].second), full_ticket());
  EXPECT_EQ(codec::decode<rental>(before[6].second), full_rental());
}

}  // namespace
}  // namespace ttareungyi::storage::test
