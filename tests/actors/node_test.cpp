// A whole node on real threads, over locked in-memory storage: the read side as adapters see
// it through app::services (remaining time, stations, inbox, live watch), the webhook, and the
// rebuild_views option.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "doubles.hpp"
#include "ttareungyi/actors/node.hpp"

namespace ttareungyi::actors::test {
namespace {

using namespace std::chrono_literals;

template <class T>
domain::result<T> wait(std::future<domain::result<T>>& f) {
  if (f.wait_for(10s) != std::future_status::ready) throw std::runtime_error("no answer within 10 s");
  return f.get();
}

// Calls a service and waits for its answer.
template <class T, class Call>
domain::result<T> sync(Call c) {
  auto p = std::make_shared<std::promise<domain::result<T>>>();
  auto f = p->get_future();
  c([p](domain::result<T> r) { p->set_value(std::move(r)); });
  return wait(f);
}

template <class T>
T value(domain::result<T> r) {
  if (!r) throw std::runtime_error("refused: " + r.error().detail);
  return std::move(*r);
}

// What a watch got, readable from the test's thread.
struct inbox_box {
  std::mutex m;
  std::condition_variable cv;
  std::vector<domain::notification> got;
  void add(domain::notification n) {
    std::lock_guard lock{m};
    got.push_back(std::move(n));
    cv.notify_all();
  }
  std::vector<domain::notification> until(std::size_t n) {
    std::unique_lock lock{m};
    if (!cv.wait_for(lock, 10s, [&] { return got.size() >= n; })) throw std::runtime_error("watch got too little");
    return got;
  }
};

class NodeTest : public ::testing::Test {
 protected:
  locked_storage storage;
  simulated_clock clock{suite_start()};
  scripted_provider provider;
  plain_hasher hasher;

  std::unique_ptr<node> make(node_options options = {}, ports::notification_gateway* webhook = nullptr) {
    options.scheduler_threads = 2;
    options.payment_timeout = 250ms;  // a node stops once its last request timeout is due
    auto n = std::make_unique<node>(storage, provider, hasher, clock, options, webhook);
    if (auto started = n->start(); !started) throw std::runtime_error(started.error());
    return n;
  }

  // Polls storage until `ready` (for what happens after an answer, e.g. webhook positions).
  template <class F>
  bool eventually(F ready) {
    for (int i = 0; i < 1000; ++i) {
      if (storage.locked(ready)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

// Acknowledges every delivery from its caller's thread; safe to read once the position moved.
class counting_gateway final : public ports::notification_gateway {
 public:
  void deliver(const domain::notification& n, std::function<void(bool)> done) override {
    {
      std::lock_guard lock{m};
      ids.push_back(n.id);
    }
    done(true);
  }
  std::vector<std::string> delivered() {
    std::lock_guard lock{m};
    return ids;
  }

 private:
  std::mutex m;
  std::vector<std::string> ids;
};

TEST_F(NodeTest, ServesTheReadSideThroughItsServices) {
  counting_gateway gateway;
  auto n = make({}, &gateway);
  auto app = n->services();
  ASSERT_TRUE(app.ready());

  value(sync<app::station_view>([&](auto done) { app.fleet.add_station({"st_a", "A", 37.5, 127.0, 4}, done); }));
  value(sync<domain::bicycle>([&](auto done) { app.fleet.add_bicycle("SPB-1", "st_a", done); }));
  auto listed = value(sync<app::page<app::station_view>>([&](auto done) { app.fleet.stations({}, done); })).items;
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].availability.bicycles_available, 1) << "read-your-writes through the node";

  auto t = value(sync<domain::ticket>([&](auto done) { app.tickets.buy("c_alice", domain::ticket_type::one_hour, done); }));
  EXPECT_EQ(sync<domain::current_rental>([&](auto done) { app.ride_view.current_rental("c_alice", done); }).error().code,
            domain::error_code::no_active_rental);
  auto r = value(sync<domain::rental>([&](auto done) { app.rentals.rent("c_alice", "SPB-1", t.id, done); }));
  auto mine = value(sync<domain::current_rental>([&](auto done) { app.ride_view.current_rental("c_alice", done); }));
  EXPECT_EQ(mine.rental_id, r.id);
  EXPECT_EQ(mine.due_at, r.due_at);
  listed = value(sync<app::page<app::station_view>>([&](auto done) { app.fleet.stations({}, done); })).items;
  EXPECT_EQ(listed[0].availability.bicycles_available, 0);

  auto notices = value(sync<app::page<domain::notification>>(
                           [&](auto done) { app.notifications.notifications("c_alice", {.limit = 10}, done); }))
                     .items;
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0].kind, "bicycle_rented");
  EXPECT_EQ(notices[1].kind, "ticket_paid");

  auto box = std::make_shared<inbox_box>();
  auto w = app.notifications.watch_notifications("c_alice", notices[1].sequence, [box](auto n) { box->add(n); });
  EXPECT_EQ(box->until(1)[0].id, notices[0].id);  // replay after the given sequence
  value(sync<domain::rental>([&](auto done) { app.rentals.give_back("c_alice", r.id, "st_a", done); }));
  auto got = box->until(2);
  EXPECT_EQ(got[1].kind, "bicycle_returned");  // live
  w->cancel();

  EXPECT_EQ(sync<domain::current_rental>([&](auto done) { app.ride_view.current_rental("c_alice", done); }).error().code,
            domain::error_code::no_active_rental);
  // All three stored (the return's may still be on its way), and the webhook past the last.
  ASSERT_TRUE(eventually([](const memory_storage& s) {
    return s.views.notifications.size() == 3 && s.position_of("webhook") == s.views.notifications.rbegin()->first.first;
  }));
  EXPECT_EQ(gateway.delivered().size(), 3u);
  // A watch outliving its node cancels into nothing.
  auto late = app.notifications.watch_notifications("c_alice", 0, [](auto) {});
  n.reset();
  late.reset();
}

// Every page of a listing from the first on, along `next`, `ask(request, done)` asking for one.
template <class T, class Ask>
std::vector<T> all_pages(Ask ask, std::size_t limit) {
  std::vector<T> out;
  app::page_request request{.limit = limit};
  for (int guard = 0; guard < 100; ++guard) {
    auto page = value(sync<app::page<T>>([&](auto done) { ask(request, done); }));
    out.insert(out.end(), page.items.begin(), page.items.end());
    if (!page.next) break;
    request.cursor = page.next;
  }
  return out;
}

TEST_F(NodeTest, ListingsPageThroughItsServicesAlongTheirNextCursors) {
  auto n = make();
  auto app = n->services();
  value(sync<app::station_view>([&](auto done) { app.fleet.add_station({"st_a", "A", 37.5, 127.0, 9}, done); }));
  value(sync<app::station_view>([&](auto done) { app.fleet.add_station({"st_b", "B", 37.5, 127.0, 9}, done); }));
  for (auto id : {"SPB-1", "SPB-2", "SPB-3", "SPB-4", "SPB-5"})
    value(sync<domain::bicycle>([&](auto done) { app.fleet.add_bicycle(domain::ids::bicycle_id{id}, "st_a", done); }));
  std::set<domain::ids::ticket_id> bought;
  for (int i = 0; i < 3; ++i)
    bought.insert(
        value(sync<domain::ticket>([&](auto done) { app.tickets.buy("c_alice", domain::ticket_type::one_hour, done); })).id);

  std::vector<std::string> bicycles;
  for (const auto& b : all_pages<domain::bicycle>([&](const auto& r, auto done) { app.fleet.bicycles({}, r, done); }, 2))
    bicycles.push_back(b.id.str());
  EXPECT_EQ(bicycles, (std::vector<std::string>{"SPB-1", "SPB-2", "SPB-3", "SPB-4", "SPB-5"}));
  auto stations = all_pages<app::station_view>([&](const auto& r, auto done) { app.fleet.stations(r, done); }, 1);
  ASSERT_EQ(stations.size(), 2u);
  EXPECT_EQ(stations[0].station.id, "st_a");
  EXPECT_EQ(stations[0].availability.bicycles_available, 5) << "with the view's counts, read-your-writes";
  EXPECT_EQ(stations[1].station.id, "st_b");
  std::set<domain::ids::ticket_id> listed;
  for (const auto& t :
       all_pages<domain::ticket>([&](const auto& r, auto done) { app.tickets.tickets("c_alice", r, done); }, 2))
    EXPECT_TRUE(listed.insert(t.id).second) << t.id << " listed twice";
  EXPECT_EQ(listed, bought);

  auto refused = sync<app::page<domain::bicycle>>(
      [&](auto done) { app.fleet.bicycles({}, {.cursor = "t.not-a-bicycle", .limit = 2}, done); });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, domain::error_code::invalid_cursor);
  EXPECT_EQ(refused.error().kind, domain::error_kind::invalid);
}

TEST_F(NodeTest, RebuildViewsReplaysTheJournalIntoTheViews) {
  {
    auto n = make();
    auto app = n->services();
    value(sync<app::station_view>([&](auto done) { app.fleet.add_station({"st_a", "A", 37.5, 127.0, 4}, done); }));
    value(sync<domain::bicycle>([&](auto done) { app.fleet.add_bicycle("SPB-1", "st_a", done); }));
    value(sync<domain::bicycle>([&](auto done) { app.fleet.add_bicycle("SPB-2", "st_a", done); }));
    auto t = value(sync<domain::ticket>([&](auto done) { app.tickets.buy("c_alice", domain::ticket_type::one_hour, done); }));
    value(sync<domain::rental>([&](auto done) { app.rentals.rent("c_alice", "SPB-1", t.id, done); }));
    // Both views have applied everything once these answer (read-your-writes).
    value(sync<app::page<app::station_view>>([&](auto done) { app.fleet.stations({}, done); }));
    value(sync<domain::current_rental>([&](auto done) { app.ride_view.current_rental("c_alice", done); }));
  }
  // A view left wrong (a bug, a bad manual repair).
  storage.locked([](memory_storage& s) {
    s.views.stations["st_a"].bicycles_available = 9;
    s.views.rentals.erase("c_alice");
    return 0;
  });
  auto available = [](node& n) {
    auto all = value(sync<app::page<app::station_view>>([&](auto done) { n.services().fleet.stations({}, done); })).items;
    return all.at(0).availability.bicycles_available;
  };
  {
    auto n = make();
    EXPECT_EQ(available(*n), 9) << "without the option the stored view is trusted";
  }
  node_options rebuild;
  rebuild.rebuild_views = true;
  auto n = make(rebuild);
  EXPECT_EQ(available(*n), 1);
  auto mine = sync<domain::current_rental>([&](auto done) { n->services().ride_view.current_rental("c_alice", done); });
  ASSERT_TRUE(mine.has_value());
  EXPECT_EQ(mine->bicycle_id, "SPB-1");
}

}  // namespace
}  // namespace ttareungyi::actors::test
