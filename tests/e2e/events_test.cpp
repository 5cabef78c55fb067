// The event-driven read side: the remaining-time view (GET /v1/rentals/current), the
// notification inbox and its Server-Sent Events stream, the station-availability view, the
// webhook, and how all of them survive a crash (SIGKILL mid-burst) and a --rebuild-views start.
//
// Notifications are made by a consumer after the commit: a test polls for them (bounded by
// notice_timeout) instead of assuming they are there when the write answers.
#include "e2e_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>

#include "http_receiver.hpp"
#include "sse_client.hpp"

namespace ttareungyi::e2e {
namespace {

using nlohmann::json;

// How long a notification (or a webhook delivery) may take to show up.
constexpr std::chrono::milliseconds notice_timeout{10'000};

std::chrono::nanoseconds distance(const json& a, const json& b) {
  auto x = parse_rfc3339(a.get<std::string>());
  auto y = parse_rfc3339(b.get<std::string>());
  if (!x || !y) throw std::runtime_error("not RFC 3339: " + a.dump() + " / " + b.dump());
  return *x > *y ? *x - *y : *y - *x;
}

class Events : public server_test {
 protected:
  // The inbox once `done(items)` holds (the last one seen otherwise).
  json inbox_when(const customer& c, const std::function<bool(const json&)>& done,
                  std::chrono::milliseconds timeout = notice_timeout) {
    return eventually([&] { return inbox(c); }, done, timeout);
  }

  // The inbox once it has a notice of this kind about `correlation`; returns that notice
  // (null when it never came).
  json notice_when(const customer& c, std::string_view kind, std::string_view correlation) {
    auto items = inbox_when(c, [&](const json& items) { return count_of(items, kind, correlation) > 0; });
    return find_notice(items, kind, correlation);
  }

  sse_stream open_stream(const customer& c, header_map headers = {}, std::string_view query = "") {
    std::string target = "/v1/notifications/stream";
    if (!query.empty()) target += "?" + std::string(query);
    return sse_stream(server().port(), target, c.auth(), std::move(headers));
  }

  // Checks the counts GET /v1/stations shows (waiting for the view to reflect the writes).
  void expect_counts(const std::string& station_id, int bicycles, int docks) {
    auto s = station_when(station_id, bicycles, docks);
    EXPECT_EQ(s.value("bicyclesAvailable", -1), bicycles) << "station " << station_id << ": " << s.dump();
    EXPECT_EQ(s.value("docksAvailable", -1), docks) << "station " << station_id << ": " << s.dump();
  }
};

// ------------------------------------------------------------------------------ the journey

TEST_F(Events, JourneyShowsCurrentRentalAndNotifiesEachFactNewestFirst) {
  auto a = id_of(create_station(10, std::nullopt, "A"));
  auto b = id_of(create_station(5, std::nullopt, "B"));
  auto bike = id_of(create_bicycle(a));
  auto c = new_customer("journey");
  auto stranger = new_customer("stranger");

  EXPECT_PROBLEM(get_current(c), 404, "no_active_rental");
  EXPECT_TRUE(inbox(c).empty()) << inbox(c).dump();

  // Buy: ticket_paid about the ticket.
  auto t = id_of(buy_ticket(c, "1h"));
  auto paid = notice_when(c, "ticket_paid", t);
  ASSERT_FALSE(paid.is_null()) << "no ticket_paid for " << t << ": " << inbox(c).dump();

  // Rent: the current rental is visible to the renter at once (read-your-writes).
  auto rental = rent(c, bike, t);
  auto rental_id = id_of(rental);
  auto cur = get_current(c);
  ASSERT_STATUS(cur, 200);
  EXPECT_EQ(cur.media_type(), "application/json");
  auto current = cur.json();
  EXPECT_EQ(current["rentalId"], rental_id) << current.dump();
  EXPECT_EQ(current["bicycleId"], bike) << current.dump();
  EXPECT_EQ(current["ticketId"], t) << current.dump();
  EXPECT_EQ(current["fromStationId"], a) << current.dump();
  EXPECT_EQ(current["rentedAt"], rental["rentedAt"]) << current.dump();
  EXPECT_EQ(current["dueAt"], rental["dueAt"]) << current.dump();
  ASSERT_TRUE(current["remainingSeconds"].is_number_integer()) << current.dump();
  EXPECT_GT(current["remainingSeconds"].get<std::int64_t>(), 0) << current.dump();
  EXPECT_LE(current["remainingSeconds"].get<std::int64_t>(), 3600) << current.dump();
  EXPECT_PROBLEM(get_current(stranger), 404, "no_active_rental");

  // Return: no current rental any more, at once.
  give_back(c, rental_id, b);
  EXPECT_PROBLEM(get_current(c), 404, "no_active_rental");

  // The inbox: three notices, newest first, about the right things.
  auto items = inbox_when(c, [&](const json& items) { return count_of(items, "bicycle_returned", rental_id) > 0; });
  ASSERT_EQ(items.size(), 3u) << items.dump(2);
  EXPECT_EQ(items[0]["kind"], "bicycle_returned") << items.dump(2);
  EXPECT_EQ(items[0]["correlationId"], rental_id) << items.dump(2);
  EXPECT_EQ(items[1]["kind"], "bicycle_rented") << items.dump(2);
  EXPECT_EQ(items[1]["correlationId"], rental_id) << items.dump(2);
  EXPECT_EQ(items[2]["kind"], "ticket_paid") << items.dump(2);
  EXPECT_EQ(items[2]["correlationId"], t) << items.dump(2);
  EXPECT_EQ(items[2], paid) << "a notice does not change once made";
  std::set<std::string> ids;
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_TRUE(is_notification(items[i]));
    EXPECT_TRUE(ids.insert(items[i].value("id", "")).second) << "id listed twice: " << items.dump(2);
    EXPECT_EQ(items[i]["message"], items[i]["messages"]["ko"]) << "Korean by default: " << items[i].dump();
    EXPECT_NE(items[i]["messages"]["ko"], items[i]["messages"]["en"]) << items[i].dump();
    if (i > 0) {
      EXPECT_LT(items[i]["sequence"].get<std::uint64_t>(), items[i - 1]["sequence"].get<std::uint64_t>()) << items.dump(2);
    }
  }
  // Ride notices name the bicycle and the station; createdAt is when the fact happened.
  for (int i : {0, 1}) {
    for (const char* lang : {"ko", "en"})
      EXPECT_NE(items[i]["messages"][lang].get<std::string>().find(bike), std::string::npos) << items[i].dump();
  }
  EXPECT_NE(items[1]["messages"]["en"].get<std::string>().find(a), std::string::npos) << items[1].dump();
  EXPECT_NE(items[0]["messages"]["en"].get<std::string>().find(b), std::string::npos) << items[0].dump();
  EXPECT_LE(distance(items[1]["createdAt"], rental["rentedAt"]), std::chrono::seconds{1}) << items[1].dump();

  // Korean answer is labelled; English when asked for, same items otherwise.
  auto ko = get_notifications(c);
  EXPECT_EQ(ko.header("Content-Language").value_or(""), "ko") << ko.describe();
  for (const auto& lang : {std::string("en"), std::string("en-US,ko;q=0.5"), std::string("ko;q=0.4, en;q=0.9")}) {
    SCOPED_TRACE("Accept-Language: " + lang);
    auto en = get_notifications(c, "limit=200", lang);
    ASSERT_STATUS(en, 200);
    EXPECT_EQ(en.header("Content-Language").value_or(""), "en") << en.describe();
    auto en_items = en.json()["items"];
    ASSERT_EQ(en_items.size(), items.size()) << en.describe();
    for (std::size_t i = 0; i < items.size(); ++i) {
      EXPECT_EQ(en_items[i]["id"], items[i]["id"]) << "ids are stable";
      EXPECT_EQ(en_items[i]["message"], items[i]["messages"]["en"]) << en_items[i].dump();
      EXPECT_EQ(en_items[i]["messages"], items[i]["messages"]) << en_items[i].dump();
    }
  }

  // limit: the newest ones.
  auto two = inbox(c, "limit=2");
  ASSERT_EQ(two.size(), 2u) << two.dump(2);
  EXPECT_EQ(two[0]["id"], items[0]["id"]);
  EXPECT_EQ(two[1]["id"], items[1]["id"]);

  // Cancel a paid ticket: ticket_refunded about that ticket, on top.
  auto t2 = id_of(buy_ticket(c, "2h"));
  ASSERT_FALSE(notice_when(c, "ticket_paid", t2).is_null()) << inbox(c).dump(2);
  ASSERT_STATUS(cancel(c, t2), 200);
  auto after = inbox_when(c, [&](const json& items) { return count_of(items, "ticket_refunded", t2) > 0; });
  ASSERT_EQ(after.size(), 5u) << after.dump(2);
  EXPECT_EQ(after[0]["kind"], "ticket_refunded") << after.dump(2);
  EXPECT_EQ(after[0]["correlationId"], t2) << after.dump(2);
  EXPECT_TRUE(is_notification(after[0]));
  EXPECT_EQ(after[1]["kind"], "ticket_paid") << after.dump(2);
  EXPECT_EQ(after[1]["correlationId"], t2) << after.dump(2);
  for (std::size_t i = 0; i < items.size(); ++i) EXPECT_EQ(after[i + 2], items[i]) << "older notices unchanged";

  // None of it reaches another customer.
  EXPECT_TRUE(inbox(stranger).empty()) << inbox(stranger).dump(2);
}

// ------------------------------------------------------------------------------ the stream

TEST_F(Events, StreamPushesLiveNoticesToItsCustomerOnlyAndResumesAfterLastEventId) {
  auto a = id_of(create_station(10, std::nullopt, "A"));
  auto b = id_of(create_station(10, std::nullopt, "B"));
  auto bike = id_of(create_bicycle(a));
  auto alice = new_customer("alice");
  auto bob = new_customer("bob");
  auto ta = id_of(buy_ticket(alice));
  auto tb = id_of(buy_ticket(bob));
  auto alice_paid = notice_when(alice, "ticket_paid", ta);
  auto bob_paid = notice_when(bob, "ticket_paid", tb);
  ASSERT_FALSE(alice_paid.is_null() || bob_paid.is_null()) << inbox(alice).dump() << inbox(bob).dump();

  auto alice_stream = open_stream(alice);
  ASSERT_EQ(alice_stream.head().status, 200) << alice_stream.head().describe();
  EXPECT_EQ(alice_stream.head().media_type(), "text/event-stream");
  EXPECT_EQ(alice_stream.head().header("Cache-Control").value_or(""), "no-cache");
  auto bob_stream = open_stream(bob);
  ASSERT_EQ(bob_stream.head().status, 200) << bob_stream.head().describe();

  // Without a resume point, the stored notices come first.
  auto replayed = alice_stream.next(notice_timeout);
  ASSERT_TRUE(replayed) << "no stored notice replayed";
  EXPECT_EQ(replayed->event, "ticket_paid") << replayed->describe();
  EXPECT_EQ(replayed->id, std::to_string(alice_paid["sequence"].get<std::uint64_t>())) << replayed->describe();
  EXPECT_EQ(replayed->json(), alice_paid);
  auto bob_replayed = bob_stream.next(notice_timeout);
  ASSERT_TRUE(bob_replayed);
  EXPECT_EQ(bob_replayed->json(), bob_paid);

  // A rent made after connecting is pushed, about that rental.
  auto rental_id = id_of(rent(alice, bike, ta));
  auto live = alice_stream.next(notice_timeout);
  ASSERT_TRUE(live) << "the bicycle_rented notice was not pushed within " << notice_timeout.count() << " ms";
  EXPECT_EQ(live->event, "bicycle_rented") << live->describe();
  auto rented = live->json();
  EXPECT_TRUE(is_notification(rented));
  EXPECT_EQ(rented["kind"], "bicycle_rented") << rented.dump();
  EXPECT_EQ(rented["correlationId"], rental_id) << rented.dump();
  EXPECT_EQ(live->id, std::to_string(rented.value("sequence", 0ULL))) << "the event id is the sequence";
  EXPECT_EQ(rented["message"], rented["messages"]["ko"]);
  EXPECT_EQ(notice_when(alice, "bicycle_rented", rental_id), rented) << "the same item as in the inbox";
  alice_stream.close();

  // Facts made while disconnected; a resumed stream (English this time) gets only those, in order.
  give_back(alice, rental_id, b);
  auto ta2 = id_of(buy_ticket(alice));
  auto resumed = open_stream(alice, {{"Last-Event-ID", live->id}, {"Accept-Language", "en"}});
  ASSERT_EQ(resumed.head().status, 200) << resumed.head().describe();
  auto first = resumed.next(notice_timeout);
  ASSERT_TRUE(first) << "nothing after Last-Event-ID " << live->id;
  EXPECT_EQ(first->event, "bicycle_returned") << first->describe();
  EXPECT_EQ(first->json()["correlationId"], rental_id) << first->describe();
  EXPECT_EQ(first->json()["message"], first->json()["messages"]["en"]) << first->describe();
  EXPECT_GT(first->json().value("sequence", 0ULL), rented.value("sequence", 0ULL));
  auto second = resumed.next(notice_timeout);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->event, "ticket_paid") << second->describe();
  EXPECT_EQ(second->json()["correlationId"], ta2) << second->describe();
  // Still live after the replay, and nothing sent twice: the next one is a new fact.
  ASSERT_STATUS(cancel(alice, ta2), 200);
  auto third = resumed.next(notice_timeout);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->event, "ticket_refunded") << third->describe();
  EXPECT_EQ(third->json()["correlationId"], ta2) << third->describe();

  // The query parameter resumes too.
  auto by_query = open_stream(alice, {}, "lastEventId=" + first->id);
  ASSERT_EQ(by_query.head().status, 200) << by_query.head().describe();
  auto q1 = by_query.next(notice_timeout);
  ASSERT_TRUE(q1);
  EXPECT_EQ(q1->id, second->id) << q1->describe();

  // Bob's stream: his own new notice arrives, and nothing of Alice's came before it (the
  // stream is in sequence order and her facts are older).
  ASSERT_STATUS(cancel(bob, tb), 200);
  for (;;) {
    auto e = bob_stream.next(notice_timeout);
    ASSERT_TRUE(e) << "bob's ticket_refunded was not pushed";
    auto data = e->json();
    EXPECT_EQ(data["correlationId"], tb) << "bob's stream shows someone else's notice: " << e->describe();
    EXPECT_NE(data["correlationId"], rental_id) << e->describe();
    if (e->event == "ticket_refunded") break;
  }
}

TEST_F(Events, StreamOpenedDuringBurstMissesNothingAndRepeatsNothing) {
  constexpr int cycles = 15;  // 45 notices: ticket_paid, bicycle_rented, bicycle_returned each
  auto a = id_of(create_station(10, std::nullopt, "A"));
  auto b = id_of(create_station(10, std::nullopt, "B"));
  auto bike = id_of(create_bicycle(a));
  auto c = new_customer();

  std::atomic<int> done_cycles{0};
  std::string error;
  std::thread rider([&] {
    try {
      http_client conn(server().port());
      for (int i = 0; i < cycles; ++i) {
        auto bought = conn.post_json("/v1/tickets", {{"type", "1h"}}, c.auth());
        if (bought.status != 201) throw std::runtime_error("buy: " + bought.describe());
        auto rented = conn.post_json("/v1/rentals", {{"bicycleId", bike}, {"ticketId", id_of(bought.json())}}, c.auth());
        if (rented.status != 201) throw std::runtime_error("rent: " + rented.describe());
        auto back = conn.post_json("/v1/rentals/" + url_encode(id_of(rented.json())) + "/return",
                                   {{"stationId", i % 2 ? a : b}}, c.auth());
        if (back.status != 200) throw std::runtime_error("return: " + back.describe());
        ++done_cycles;
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  struct joiner {
    std::thread& t;
    ~joiner() {
      if (t.joinable()) t.join();
    }
  } join_rider{rider};

  // Connect while the rider is busy (replay and live push overlap), read some, drop the
  // connection, resume with Last-Event-ID, and read the rest.
  eventually([&] { return done_cycles.load(); }, [](int n) { return n >= 2; });
  std::vector<sse_event> seen;
  {
    auto first = open_stream(c);
    ASSERT_EQ(first.head().status, 200) << first.head().describe();
    while (seen.size() < 12) {
      auto e = first.next(notice_timeout);
      ASSERT_TRUE(e) << "the stream stalled after " << seen.size() << " events";
      seen.push_back(*e);
    }
  }
  {
    auto resumed = open_stream(c, {{"Last-Event-ID", seen.back().id}});
    ASSERT_EQ(resumed.head().status, 200) << resumed.head().describe();
    while (seen.size() < 3 * cycles) {
      auto e = resumed.next(notice_timeout);
      ASSERT_TRUE(e) << "the stream stalled after " << seen.size() << " events";
      seen.push_back(*e);
    }
  }
  rider.join();
  ASSERT_TRUE(error.empty()) << error;

  auto items = inbox_when(c, [&](const json& items) { return items.size() >= 3 * cycles; });
  ASSERT_EQ(items.size(), 3u * cycles);
  std::map<std::uint64_t, json> by_sequence;
  for (const auto& item : items) by_sequence[item["sequence"].get<std::uint64_t>()] = item;
  std::uint64_t last = 0;
  for (const auto& e : seen) {
    auto data = e.json();
    auto sequence = data.value("sequence", std::uint64_t{0});
    EXPECT_GT(sequence, last) << "out of order or sent twice: " << e.describe();
    last = std::max(last, sequence);
    EXPECT_EQ(e.id, std::to_string(sequence)) << e.describe();
    auto it = by_sequence.find(sequence);
    ASSERT_NE(it, by_sequence.end()) << "an event that is not in the inbox: " << e.describe();
    EXPECT_EQ(data, it->second);
    EXPECT_EQ(e.event, it->second["kind"]);
  }
}

TEST_F(Events, ReadSideRefusesBadCalls) {
  auto anonymous = sse_stream(server().port(), "/v1/notifications/stream");
  EXPECT_PROBLEM(anonymous.head(), 401);
  auto as_operator = sse_stream(server().port(), "/v1/notifications/stream", ops());
  EXPECT_PROBLEM(as_operator.head(), 403);
  auto c = new_customer();
  auto bad_resume = open_stream(c, {{"Last-Event-ID", "not-a-number"}});
  EXPECT_PROBLEM(bad_resume.head(), 400);

  EXPECT_PROBLEM(http().get("/v1/notifications"), 401);
  EXPECT_PROBLEM(http().get("/v1/notifications", ops()), 403);
  EXPECT_PROBLEM(http().get("/v1/rentals/current"), 401);
  EXPECT_PROBLEM(http().get("/v1/rentals/current", ops()), 403);
  for (const char* query : {"limit=0", "limit=201", "limit=", "limit=abc", "limit=-1"}) {
    EXPECT_PROBLEM(get_notifications(c, query), 400) << query;
  }
  EXPECT_STATUS(get_notifications(c, "limit=200"), 200);
  EXPECT_STATUS(get_notifications(c, ""), 200);
}

TEST_F(Events, StreamEndsWhenServerStopsAndResumesAcrossRestart) {
  auto a = id_of(create_station(10, std::nullopt, "A"));
  auto bike = id_of(create_bicycle(a));
  auto c = new_customer();
  auto t = id_of(buy_ticket(c));
  auto stream = open_stream(c);
  ASSERT_EQ(stream.head().status, 200) << stream.head().describe();
  auto paid = stream.next(notice_timeout);
  ASSERT_TRUE(paid);
  EXPECT_EQ(paid->event, "ticket_paid") << paid->describe();

  // A graceful stop ends the open stream (and is not held up by it: exit status 0).
  restart_server();
  bool ended = false;
  try {
    auto more = stream.next(notice_timeout);
    ADD_FAILURE() << "an event after the server stopped: " << (more ? more->describe() : "none (timed out)");
  } catch (const http_error&) {
    ended = true;
  }
  EXPECT_TRUE(ended && stream.ended()) << "the stream did not end when the server stopped";

  // Resuming on the restarted server: only what came after.
  log_in(c);
  auto rental_id = id_of(rent(c, bike, t));
  auto resumed = open_stream(c, {{"Last-Event-ID", paid->id}});
  ASSERT_EQ(resumed.head().status, 200) << resumed.head().describe();
  auto next = resumed.next(notice_timeout);
  ASSERT_TRUE(next) << "nothing after " << paid->id << " once restarted";
  EXPECT_EQ(next->event, "bicycle_rented") << next->describe();
  EXPECT_EQ(next->json()["correlationId"], rental_id) << next->describe();
}

// ------------------------------------------------------------------------------ stations view

TEST_F(Events, StationCountsFollowRegisterRentReturnDelete) {
  auto a = id_of(create_station(4, std::nullopt, "A"));
  auto b = id_of(create_station(3, std::nullopt, "B"));
  expect_counts(a, 0, 4);
  expect_counts(b, 0, 3);

  auto bike1 = id_of(create_bicycle(a));
  auto bike2 = id_of(create_bicycle(a));
  auto bike3 = id_of(create_bicycle(b));
  expect_counts(a, 2, 2);
  expect_counts(b, 1, 2);

  auto c = new_customer();
  auto rental = rent(c, bike1, id_of(buy_ticket(c)));
  expect_counts(a, 1, 3);
  expect_counts(b, 1, 2);

  // A refused delete changes nothing.
  EXPECT_PROBLEM(http().del("/v1/bicycles/" + url_encode(bike1), ops()), 409, "bicycle_rented");
  expect_counts(a, 1, 3);

  give_back(c, id_of(rental), b);
  expect_counts(b, 2, 1);
  expect_counts(a, 1, 3);

  ASSERT_STATUS(http().del("/v1/bicycles/" + url_encode(bike2), ops()), 204);
  expect_counts(a, 0, 4);
  ASSERT_STATUS(http().del("/v1/bicycles/" + url_encode(bike1), ops()), 204);
  expect_counts(b, 1, 2);

  // A customer sees the same counts as an operator.
  auto seen_by_customer = http().get("/v1/stations", c.auth());
  ASSERT_STATUS(seen_by_customer, 200);
  EXPECT_EQ(by_id(seen_by_customer.json()), by_id(list_stations()));
  EXPECT_EQ((*bicycle(bike3))["stationId"], b);
}

// ------------------------------------------------------------------------------ kill -9 mid-burst

TEST_F(Events, KillDuringRideBurstLosesNoNoticeAndDuplicatesNone) {
  constexpr int riders = 8;
  constexpr int max_cycles = 60;  // per rider: at most 180 notices (+1 in flight), within the inbox limit of 200
  auto a = id_of(create_station(30, std::nullopt, "A"));
  auto b = id_of(create_station(30, std::nullopt, "B"));
  const std::map<std::string, int> capacity{{a, 30}, {b, 30}};
  std::vector<customer> who;
  std::vector<std::string> bikes;
  for (int i = 0; i < riders; ++i) {
    who.push_back(new_customer("rider" + std::to_string(i)));
    bikes.push_back(id_of(create_bicycle(a)));
  }

  struct fact {
    std::string kind, correlation;
  };
  struct rider_log {
    std::vector<fact> acked;
    std::string active;                 // acknowledged rent without an acknowledged return
    std::vector<std::string> returned;  // acknowledged returns
    std::string in_flight;              // the kind of notice the unanswered call would make
    std::string in_flight_rental;       // for a return in flight: its rental
    std::string error;                  // anything but the transport failing after the kill
    int cycles = 0;
  };
  std::vector<rider_log> logs(riders);
  std::atomic<bool> killed{false};
  std::mutex mutex;
  std::condition_variable progress;
  int acks = 0;
  auto acked = [&](rider_log& log, std::string kind, std::string correlation) {
    log.acked.push_back({std::move(kind), std::move(correlation)});
    log.in_flight.clear();
    std::lock_guard lock{mutex};
    ++acks;
    progress.notify_all();
  };

  std::vector<std::thread> threads;
  for (int i = 0; i < riders; ++i) {
    threads.emplace_back([&, i] {
      auto& log = logs[i];
      const auto& me = who[i];
      http_client conn(server().port());
      try {
        while (log.cycles < max_cycles) {
          log.in_flight = "ticket_paid";
          auto bought = conn.post_json("/v1/tickets", {{"type", "1h"}}, me.auth());
          if (bought.status != 201) throw std::runtime_error("buy: " + bought.describe());
          auto ticket_id = id_of(bought.json());
          acked(log, "ticket_paid", ticket_id);

          log.in_flight = "bicycle_rented";
          auto rented = conn.post_json("/v1/rentals", {{"bicycleId", bikes[i]}, {"ticketId", ticket_id}}, me.auth());
          if (rented.status != 201) throw std::runtime_error("rent: " + rented.describe());
          log.active = id_of(rented.json());
          acked(log, "bicycle_rented", log.active);

          log.in_flight = "bicycle_returned";
          log.in_flight_rental = log.active;
          auto to = log.cycles % 2 ? a : b;
          auto back = conn.post_json("/v1/rentals/" + url_encode(log.active) + "/return", {{"stationId", to}}, me.auth());
          if (back.status != 200) throw std::runtime_error("return: " + back.describe());
          log.returned.push_back(log.active);
          acked(log, "bicycle_returned", log.active);
          log.active.clear();
          log.in_flight_rental.clear();
          ++log.cycles;
        }
      } catch (const http_error& e) {
        if (!killed) log.error = std::string("transport failed before the kill: ") + e.what();
      } catch (const std::exception& e) {
        log.error = e.what();
      }
    });
  }

  // Let the burst run, then SIGKILL the server while the riders are busy: at half of the work
  // or after 2 s, whichever comes first.
  {
    std::unique_lock lock{mutex};
    progress.wait_for(lock, 2s, [&] { return acks >= riders * max_cycles * 3 / 2; });
  }
  killed = true;
  server().kill9();
  for (auto& t : threads) t.join();
  int in_flight = 0, total = 0;
  for (const auto& log : logs) {
    ASSERT_TRUE(log.error.empty()) << log.error;
    if (!log.in_flight.empty()) ++in_flight;
    total += static_cast<int>(log.acked.size());
  }
  ASSERT_GT(total, riders) << "the burst did not get going";
  RecordProperty("acknowledged", total);
  RecordProperty("in_flight_at_kill", in_flight);

  crash_and_restart();

  for (auto& me : who) log_in(me);
  // The notifier catches up: every acknowledged fact gets its notice (one deadline for all).
  auto has_all = [&](int i, const json& items) {
    for (const auto& f : logs[i].acked)
      if (count_of(items, f.kind, f.correlation) == 0) return false;
    return true;
  };
  auto inboxes = eventually(
      [&] {
        std::vector<json> all;
        for (const auto& me : who) all.push_back(inbox(me));
        return all;
      },
      [&](const std::vector<json>& all) {
        for (int i = 0; i < riders; ++i)
          if (!has_all(i, all[i])) return false;
        return true;
      },
      notice_timeout);
  // The remaining-time view: an acknowledged active rental is there, acknowledged returns are not.
  auto current_ok = [&](int i, const response& r) {
    const auto& log = logs[i];
    std::set<std::string> finished(log.returned.begin(), log.returned.end());
    if (!log.active.empty()) {
      bool may_be_returned = log.in_flight == "bicycle_returned" && log.in_flight_rental == log.active;
      if (r.status == 200) return r.json().value("rentalId", "") == log.active;
      return may_be_returned && is_problem(r, 404, "no_active_rental");
    }
    if (r.status == 200) {  // only a rent whose answer the kill swallowed may show
      return log.in_flight == "bicycle_rented" && !finished.contains(r.json().value("rentalId", ""));
    }
    return static_cast<bool>(is_problem(r, 404, "no_active_rental"));
  };
  auto currents = eventually(
      [&] {
        std::vector<response> all;
        for (const auto& me : who) all.push_back(get_current(me));
        return all;
      },
      [&](const std::vector<response>& all) {
        for (int i = 0; i < riders; ++i)
          if (!current_ok(i, all[i])) return false;
        return true;
      },
      notice_timeout);

  for (int i = 0; i < riders; ++i) {
    const auto& log = logs[i];
    const auto& items = inboxes[i];
    SCOPED_TRACE("rider " + std::to_string(i) + " (" + std::to_string(log.acked.size()) + " acknowledged, in flight: '" +
                 log.in_flight + "')");
    std::set<std::string> ids;
    for (const auto& item : items) {
      EXPECT_TRUE(is_notification(item));
      EXPECT_TRUE(ids.insert(item.value("id", "")).second) << "notification id listed twice: " << item.dump();
    }
    std::string wrong;  // acknowledged facts without exactly one notice
    for (const auto& f : log.acked) {
      if (int n = count_of(items, f.kind, f.correlation); n != 1)
        wrong += "  " + std::to_string(n) + " notices of " + f.kind + " " + f.correlation + "\n";
    }
    EXPECT_TRUE(wrong.empty()) << "every acknowledged fact has exactly one notice:\n" << wrong << "inbox: " << items.dump();
    // Beyond the acknowledged facts, at most the one whose answer the kill swallowed.
    int unexplained = 0;
    for (const auto& item : items) {
      bool known = std::any_of(log.acked.begin(), log.acked.end(), [&](const fact& f) {
        return item.value("kind", "") == f.kind && item.value("correlationId", "") == f.correlation;
      });
      if (known) continue;
      ++unexplained;
      EXPECT_EQ(item.value("kind", ""), log.in_flight) << "a notice of no fact the rider made: " << item.dump();
      if (log.in_flight == "bicycle_returned") {
        EXPECT_EQ(item["correlationId"], log.in_flight_rental) << item.dump();
      }
    }
    EXPECT_LE(unexplained, 1) << items.dump(2);
    EXPECT_TRUE(current_ok(i, currents[i])) << "active: '" << log.active << "', last returned: '"
                                            << (log.returned.empty() ? "" : log.returned.back())
                                            << "'; GET /v1/rentals/current: " << currents[i].describe();
  }

  // Station counts agree with where the bicycles are.
  auto expected_counts = [&] {
    std::map<std::string, int> parked{{a, 0}, {b, 0}};
    for (const auto& [id, bike] : by_id(list_bicycles()))
      if (bike.value("status", "") == "available") ++parked[bike.value("stationId", "")];
    return parked;
  };
  auto counts_agree = [&](const json& stations) {
    auto parked = expected_counts();
    for (const auto& [id, s] : by_id(stations)) {
      if (s.value("bicyclesAvailable", -1) != parked[id] || s.value("docksAvailable", -1) != capacity.at(id) - parked[id])
        return false;
    }
    return true;
  };
  auto stations = eventually([&] { return list_stations(); }, counts_agree, notice_timeout);
  EXPECT_TRUE(counts_agree(stations)) << "stations: " << stations.dump(2) << "\nbicycles: " << list_bicycles().dump(2);
}

// ------------------------------------------------------------------------------ --rebuild-views

TEST_F(Events, RebuildViewsReplaysCurrentRentalsAndStationCounts) {
  auto a = id_of(create_station(5, std::nullopt, "A"));
  auto b = id_of(create_station(5, std::nullopt, "B"));
  auto b1 = id_of(create_bicycle(a));
  auto b2 = id_of(create_bicycle(a));
  auto b3 = id_of(create_bicycle(a));
  auto b4 = id_of(create_bicycle(a));
  auto b5 = id_of(create_bicycle(b));
  ASSERT_STATUS(http().del("/v1/bicycles/" + url_encode(b4), ops()), 204);

  std::vector<customer> people{new_customer("alice"), new_customer("bob"), new_customer("carol"), new_customer("dave")};
  auto& alice = people[0];
  auto& bob = people[1];
  auto& carol = people[2];
  // alice: one ride done, one going on; bob: riding; carol: one ride done; dave: never rode.
  give_back(alice, id_of(rent(alice, b1, id_of(buy_ticket(alice)))), b);
  auto alice_ride = id_of(rent(alice, b2, id_of(buy_ticket(alice, "2h"))));
  rent(bob, b3, id_of(buy_ticket(bob)));
  give_back(carol, id_of(rent(carol, b5, id_of(buy_ticket(carol)))), a);

  // Before: A holds b5, B holds b1.
  expect_counts(a, 1, 4);
  expect_counts(b, 1, 4);
  auto stations_before = by_id(list_stations());
  const std::vector<std::size_t> notices{5, 2, 3, 0};  // paid, rented, returned, ... of each
  std::vector<response> current_before;
  std::vector<json> inbox_before;
  for (std::size_t i = 0; i < people.size(); ++i) {
    current_before.push_back(get_current(people[i]));
    inbox_before.push_back(inbox_when(people[i], [&](const json& items) { return items.size() >= notices[i]; }));
    ASSERT_EQ(inbox_before[i].size(), notices[i]) << people[i].name << ": " << inbox_before[i].dump(2);
  }
  ASSERT_STATUS(current_before[0], 200);
  ASSERT_STATUS(current_before[1], 200);
  ASSERT_PROBLEM(current_before[2], 404, "no_active_rental");
  ASSERT_PROBLEM(current_before[3], 404, "no_active_rental");
  EXPECT_EQ(current_before[0].json()["rentalId"], alice_ride);

  restart_server(std::vector<std::string>{"--rebuild-views"});
  for (auto& c : people) log_in(c);

  // Served right away, and right, while (or after) the views are rebuilt.
  for (std::size_t i = 0; i < people.size(); ++i) {
    SCOPED_TRACE("customer " + people[i].name);
    auto now = get_current(people[i]);
    ASSERT_EQ(now.status, current_before[i].status) << now.describe();
    if (now.status != 200) {
      EXPECT_PROBLEM(now, 404, "no_active_rental");
      continue;
    }
    auto was = current_before[i].json();
    auto is = now.json();
    EXPECT_LE(is["remainingSeconds"].get<std::int64_t>(), was["remainingSeconds"].get<std::int64_t>());
    EXPECT_GT(is["remainingSeconds"].get<std::int64_t>(), 0);
    was.erase("remainingSeconds");
    is.erase("remainingSeconds");
    EXPECT_EQ(is, was);
  }
  EXPECT_EQ(by_id(list_stations()), stations_before);

  // Notices are not made again by the replay: the next one comes straight after the old ones.
  give_back(alice, alice_ride, a);
  EXPECT_PROBLEM(get_current(alice), 404, "no_active_rental");
  auto alice_now = inbox_when(alice, [&](const json& items) { return count_of(items, "bicycle_returned", alice_ride) > 0; });
  ASSERT_EQ(alice_now.size(), inbox_before[0].size() + 1) << alice_now.dump(2);
  for (std::size_t i = 0; i < inbox_before[0].size(); ++i) EXPECT_EQ(alice_now[i + 1], inbox_before[0][i]);
  for (std::size_t i = 1; i < people.size(); ++i) EXPECT_EQ(inbox(people[i]), inbox_before[i]) << people[i].name;
  expect_counts(a, 2, 3);
  expect_counts(b, 1, 4);
}

// ------------------------------------------------------------------------------ webhook

// The Idempotency-Keys of the deliveries the receiver answered 2xx.
std::set<std::string> delivered(const std::vector<received_request>& requests) {
  std::set<std::string> keys;
  for (const auto& r : requests)
    if (r.answered && *r.answered >= 200 && *r.answered <= 299) keys.insert(r.header("Idempotency-Key").value_or(""));
  return keys;
}

class Webhook : public Events {
 protected:
  static constexpr std::string_view hook_path = "/hooks/ttareungyi?source=e2e";

  std::vector<std::string> extra_flags() const override {
    return {"--webhook-url", receiver_.url(hook_path), "--webhook-timeout-ms", "2000"};
  }

  // Buy, rent, return, buy and cancel: five notices. Returns the customer's inbox once it
  // holds them (newest first).
  json journey(const customer& c, const std::string& bike, const std::string& to) {
    auto t1 = id_of(buy_ticket(c));
    auto rental = id_of(rent(c, bike, t1));
    give_back(c, rental, to);
    auto t2 = id_of(buy_ticket(c, "2h"));
    if (cancel(c, t2).status != 200) throw std::runtime_error("cancel failed");
    return inbox_when(c, [&](const json& items) { return count_of(items, "ticket_refunded", t2) > 0 && items.size() >= 5; });
  }

  // Waits until every one of `ids` was delivered (answered 2xx); returns every request seen.
  std::vector<received_request> deliveries_of(const std::set<std::string>& ids,
                                              std::chrono::milliseconds timeout = notice_timeout) {
    return receiver_.wait_for(
        [&](const std::vector<received_request>& requests) {
          auto done = delivered(requests);
          return std::includes(done.begin(), done.end(), ids.begin(), ids.end());
        },
        timeout);
  }

  static std::set<std::string> ids_of(const json& items) {
    std::set<std::string> ids;
    for (const auto& item : items) ids.insert(item.value("id", ""));
    return ids;
  }

  static std::string describe(const std::vector<received_request>& requests) {
    std::string out;
    for (const auto& r : requests)
      out += r.method + " " + r.target + " key=" + r.header("Idempotency-Key").value_or("<none>") + " -> " +
             (r.answered ? std::to_string(*r.answered) : std::string("hung")) + " " + r.body.substr(0, 300) + "\n";
    return out;
  }

  http_receiver receiver_{http_receiver::answer(200)};
};

TEST_F(Webhook, EveryNotificationArrivesWithItsIdAsIdempotencyKey) {
  auto a = id_of(create_station(10, std::nullopt, "A"));
  auto b = id_of(create_station(10, std::nullopt, "B"));
  auto bike = id_of(create_bicycle(a));
  auto rider = new_customer("rider");
  auto buyer = new_customer("buyer");
  auto rider_items = journey(rider, bike, b);
  ASSERT_EQ(rider_items.size(), 5u) << rider_items.dump(2);
  auto t = id_of(buy_ticket(buyer));
  auto buyer_items = inbox_when(buyer, [&](const json& items) { return count_of(items, "ticket_paid", t) > 0; });
  ASSERT_EQ(buyer_items.size(), 1u) << buyer_items.dump(2);

  std::map<std::string, std::pair<json, std::string>> expected;  // id -> (inbox item, customer)
  for (const auto& item : rider_items) expected[item.value("id", "")] = {item, rider.id};
  for (const auto& item : buyer_items) expected[item.value("id", "")] = {item, buyer.id};
  std::set<std::string> ids;
  for (const auto& [id, _] : expected) ids.insert(id);

  auto requests = deliveries_of(ids);
  auto done = delivered(requests);
  ASSERT_TRUE(std::includes(done.begin(), done.end(), ids.begin(), ids.end())) << describe(requests);

  std::vector<std::uint64_t> first_delivery_order;
  std::set<std::string> seen;
  for (const auto& r : requests) {
    SCOPED_TRACE(r.method + " " + r.target + " " + r.body);
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, hook_path);
    EXPECT_TRUE(r.header("Content-Type").value_or("").starts_with("application/json"));
    auto key = r.header("Idempotency-Key");
    ASSERT_TRUE(key.has_value()) << "no Idempotency-Key";
    auto body = r.json();
    EXPECT_EQ(body.value("id", ""), *key) << "the Idempotency-Key is the notification id";
    auto it = expected.find(*key);
    ASSERT_NE(it, expected.end()) << "a delivery of no notification in the inboxes";
    const auto& [item, customer_id] = it->second;
    EXPECT_EQ(body["customerId"], customer_id);
    EXPECT_EQ(body["kind"], item["kind"]);
    EXPECT_EQ(body["correlationId"], item["correlationId"]);
    EXPECT_EQ(body["createdAt"], item["createdAt"]);
    EXPECT_EQ(body["messages"], item["messages"]);
    EXPECT_EQ(body["message"], item["messages"]["ko"]);
    if (seen.insert(*key).second) first_delivery_order.push_back(item["sequence"].get<std::uint64_t>());
  }
  EXPECT_TRUE(std::is_sorted(first_delivery_order.begin(), first_delivery_order.end()))
      << "delivered in journal order:\n" << describe(requests);
}

TEST_F(Webhook, RefusedDeliveriesAreRetriedWithTheSameId) {
  // The first attempt of every notification is answered 500, the next ones 200.
  auto attempts = std::make_shared<std::map<std::string, int>>();  // touched by the receiver's thread only
  receiver_.set_handler([attempts](const received_request& r) -> std::optional<int> {
    return (*attempts)[r.header("Idempotency-Key").value_or("")]++ == 0 ? 500 : 200;
  });
  auto a = id_of(create_station(10, std::nullopt, "A"));
  auto bike = id_of(create_bicycle(a));
  auto c = new_customer();
  auto items = journey(c, bike, a);
  ASSERT_EQ(items.size(), 5u) << items.dump(2);
  auto ids = ids_of(items);

  auto requests = deliveries_of(ids, 2 * notice_timeout);
  auto done = delivered(requests);
  ASSERT_TRUE(std::includes(done.begin(), done.end(), ids.begin(), ids.end()))
      << "not every notification was delivered after a refusal:\n" << describe(requests);
  std::map<std::string, std::vector<const received_request*>> by_key;
  for (const auto& r : requests) by_key[r.header("Idempotency-Key").value_or("")].push_back(&r);
  for (const auto& [key, tries] : by_key) {
    SCOPED_TRACE("Idempotency-Key " + key);
    EXPECT_TRUE(ids.contains(key)) << "a delivery of no notification of the customer:\n" << describe(requests);
    ASSERT_GE(tries.size(), 2u) << describe(requests);
    EXPECT_EQ(tries.front()->answered, 500);
    for (const auto* t : tries) {
      EXPECT_EQ(t->json().value("id", ""), key) << "a retry (or duplicate) carries the same id";
      EXPECT_EQ(t->json(), tries.front()->json()) << "a retry sends the same notification";
    }
  }
}

TEST_F(Webhook, HangingReceiverNeverSlowsRides) {
  receiver_.set_handler(http_receiver::hang());
  auto a = id_of(create_station(10, std::nullopt, "A"));
  auto b = id_of(create_station(10, std::nullopt, "B"));
  auto bike = id_of(create_bicycle(a));
  auto c = new_customer();
  auto first = id_of(buy_ticket(c));
  // The webhook is stuck on a receiver that accepted the call and never answers.
  auto hung = receiver_.wait_for([](const std::vector<received_request>& r) { return !r.empty(); }, notice_timeout);
  ASSERT_FALSE(hung.empty()) << "the webhook never called the receiver";

  constexpr int rides = 3;
  std::chrono::milliseconds slowest{0};
  std::string ticket = first;
  std::vector<std::string> rentals;
  for (int i = 0; i < rides; ++i) {
    if (i > 0) ticket = id_of(buy_ticket(c));
    auto t0 = std::chrono::steady_clock::now();
    auto r = request_rental(c, bike, ticket);
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_STATUS(r, 201);
    rentals.push_back(id_of(r.json()));
    auto back = request_return(c, rentals.back(), i % 2 ? a : b);
    auto t2 = std::chrono::steady_clock::now();
    ASSERT_STATUS(back, 200);
    auto rent_took = std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0);
    auto return_took = std::chrono::duration_cast<std::chrono::milliseconds>(t2 - t1);
    EXPECT_LT(rent_took, 1s) << "rent " << i << " waited on the webhook";
    EXPECT_LT(return_took, 1s) << "return " << i << " waited on the webhook";
    slowest = std::max({slowest, rent_took, return_took});
  }
  RecordProperty("slowest_ride_call_ms", static_cast<int>(slowest.count()));
  // The inbox does not wait for the webhook either.
  auto items = inbox_when(c, [&](const json& items) { return count_of(items, "bicycle_returned", rentals.back()) > 0; });
  ASSERT_EQ(items.size(), 3u * rides) << items.dump(2);  // per ride: ticket_paid, bicycle_rented, bicycle_returned
  for (const auto& r : receiver_.requests()) EXPECT_FALSE(r.answered.has_value()) << "the receiver answered nothing yet";

  // The outage ends: every notification is delivered, in spite of the timed-out attempts.
  receiver_.set_handler(http_receiver::answer(200));
  auto ids = ids_of(items);
  auto requests = deliveries_of(ids, 2 * notice_timeout);
  auto done = delivered(requests);
  EXPECT_TRUE(std::includes(done.begin(), done.end(), ids.begin(), ids.end()))
      << "not delivered after the receiver recovered:\n" << describe(requests);
  for (const auto& r : requests)
    EXPECT_EQ(r.json().value("id", ""), r.header("Idempotency-Key").value_or("<none>")) << describe(requests);
}

TEST_F(Webhook, DeliversEveryNotificationAtLeastOnceAcrossACrash) {
  constexpr int riders = 4;
  constexpr int max_cycles = 40;
  auto a = id_of(create_station(20, std::nullopt, "A"));
  std::vector<customer> who;
  std::vector<std::string> bikes;
  for (int i = 0; i < riders; ++i) {
    who.push_back(new_customer("rider" + std::to_string(i)));
    bikes.push_back(id_of(create_bicycle(a)));
  }
  std::atomic<bool> killed{false};
  std::atomic<int> acks{0};
  std::vector<std::vector<std::pair<std::string, std::string>>> acked(riders);  // (kind, correlation)
  std::vector<std::string> errors(riders);
  std::vector<std::thread> threads;
  for (int i = 0; i < riders; ++i) {
    threads.emplace_back([&, i] {
      http_client conn(server().port());
      try {
        for (int cycle = 0; cycle < max_cycles; ++cycle) {
          auto bought = conn.post_json("/v1/tickets", {{"type", "1h"}}, who[i].auth());
          if (bought.status != 201) throw std::runtime_error("buy: " + bought.describe());
          acked[i].emplace_back("ticket_paid", id_of(bought.json()));
          ++acks;
          auto rented = conn.post_json("/v1/rentals", {{"bicycleId", bikes[i]}, {"ticketId", acked[i].back().second}},
                                       who[i].auth());
          if (rented.status != 201) throw std::runtime_error("rent: " + rented.describe());
          auto rental = id_of(rented.json());
          acked[i].emplace_back("bicycle_rented", rental);
          ++acks;
          auto back = conn.post_json("/v1/rentals/" + url_encode(rental) + "/return", {{"stationId", a}}, who[i].auth());
          if (back.status != 200) throw std::runtime_error("return: " + back.describe());
          acked[i].emplace_back("bicycle_returned", rental);
          ++acks;
        }
      } catch (const http_error& e) {
        if (!killed) errors[i] = std::string("transport failed before the kill: ") + e.what();
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  // SIGKILL while rides and deliveries are under way.
  eventually([&] { return acks.load(); }, [&](int n) { return n >= riders * max_cycles * 3 / 2; }, 2000ms);
  killed = true;
  server().kill9();
  for (auto& t : threads) t.join();
  for (const auto& e : errors) ASSERT_TRUE(e.empty()) << e;
  auto before_restart = receiver_.requests().size();
  crash_and_restart();

  // Every stored notification (the acknowledged facts' at least) reaches the receiver.
  std::set<std::string> ids;
  for (int i = 0; i < riders; ++i) {
    log_in(who[i]);
    auto items = inbox_when(who[i], [&](const json& items) {
      for (const auto& [kind, correlation] : acked[i])
        if (count_of(items, kind, correlation) == 0) return false;
      return true;
    });
    for (const auto& [kind, correlation] : acked[i])
      ASSERT_EQ(count_of(items, kind, correlation), 1) << kind << " " << correlation << " in " << items.dump();
    auto mine = ids_of(items);
    ids.insert(mine.begin(), mine.end());
  }
  auto requests = deliveries_of(ids, 2 * notice_timeout);
  auto done = delivered(requests);
  std::vector<std::string> missing;
  std::set_difference(ids.begin(), ids.end(), done.begin(), done.end(), std::back_inserter(missing));
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << ids.size() << " notifications never delivered, e.g. "
                               << missing.front();
  std::map<std::string, json> first_body;
  int duplicates = 0;
  for (const auto& r : requests) {
    auto key = r.header("Idempotency-Key").value_or("<none>");
    auto body = r.json();
    EXPECT_EQ(body.value("id", ""), key);
    EXPECT_TRUE(ids.contains(key)) << "a delivery of no stored notification: " << r.body;
    auto [it, first] = first_body.emplace(key, body);
    if (!first) {
      ++duplicates;
      EXPECT_EQ(body, it->second) << "a redelivery differs from the first delivery";
    }
  }
  RecordProperty("notifications", static_cast<int>(ids.size()));
  RecordProperty("delivered_before_kill", static_cast<int>(before_restart));
  RecordProperty("duplicates", duplicates);
}

}  // namespace
}  // namespace ttareungyi::e2e
