#pragma once
// In-memory fakes of the application facade for the HTTP adapter's tests. Each reply goes
// through a reply_pump that delivers it inline, from another thread after a delay, or holds it
// until the test releases (or discards) it. `fail_next` makes the next call refuse with a
// given error; `calls` records what the adapter asked for.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "ttareungyi/app/services.hpp"
#include "simulated_clock.hpp"
#include "ttareungyi/domain/time.hpp"

namespace ttareungyi::http::test {

using namespace std::chrono_literals;

using ttareungyi::test::at;
using ttareungyi::test::simulated_clock;  // the server's clock, set by the test

class reply_pump {
 public:
  enum class mode { inline_, delayed, held };

  ~reply_pump() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock{mutex_};
      threads.swap(threads_);
      held_.clear();
    }
    for (auto& t : threads) t.join();
  }

  void set_mode(mode m, std::chrono::milliseconds delay = 0ms) {
    std::lock_guard lock{mutex_};
    mode_ = m;
    delay_ = delay;
  }

  void post(std::function<void()> reply) {
    std::unique_lock lock{mutex_};
    switch (mode_) {
      case mode::inline_:
        lock.unlock();
        reply();
        return;
      case mode::delayed:
        threads_.emplace_back([reply = std::move(reply), delay = delay_] {
          std::this_thread::sleep_for(delay);
          reply();
        });
        return;
      case mode::held:
        held_.push_back(std::move(reply));
        cv_.notify_all();
        return;
    }
  }

  std::size_t held() {
    std::lock_guard lock{mutex_};
    return held_.size();
  }

  // Waits until `count` replies are held (false on timeout).
  bool wait_held(std::size_t count, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock{mutex_};
    return cv_.wait_for(lock, timeout, [&] { return held_.size() >= count; });
  }

  // Runs the held replies on this thread.
  void release() {
    std::vector<std::function<void()>> replies;
    {
      std::lock_guard lock{mutex_};
      replies.swap(held_);
    }
    for (auto& r : replies) r();
  }

  // Runs the held replies on a new thread, after a delay.
  void release_later(std::chrono::milliseconds delay) {
    std::lock_guard lock{mutex_};
    threads_.emplace_back([replies = std::move(held_), delay]() mutable {
      std::this_thread::sleep_for(delay);
      for (auto& r : replies) r();
    });
    held_.clear();
  }

  // Drops the held replies without calling them.
  void discard() {
    std::vector<std::function<void()>> replies;
    {
      std::lock_guard lock{mutex_};
      replies.swap(held_);
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  mode mode_ = mode::inline_;
  std::chrono::milliseconds delay_{0};
  std::vector<std::function<void()>> held_;
  std::vector<std::thread> threads_;
};

// The shared state of all fakes.
struct fake_world {
  std::mutex mutex;
  reply_pump pump;
  std::optional<domain::error> fail_next;
  bool throw_next = false;  // the next call throws instead of replying
  std::vector<std::string> calls;  // "tickets.buy c-1 1h", ...
  std::vector<app::page_request> pages;  // what each listing was asked for, in order
  bool ready = true;

  std::map<std::string, app::customer_profile> customers;  // by phone
  std::map<std::string, std::string> passwords;            // by phone
  std::map<domain::ids::ticket_id, domain::ticket> tickets;
  std::map<domain::ids::rental_id, domain::rental> rentals;
  std::map<domain::ids::station_id, app::station_view> stations;
  std::map<domain::ids::bicycle_id, domain::bicycle> bicycles;
  std::map<domain::ids::customer_id, domain::current_rental> current_rentals;  // by customer
  std::vector<domain::alert> alerts;
  int next_id = 0;

  // Records the call and takes the injected failure, if any.
  std::optional<domain::error> begin(std::string call) {
    std::lock_guard lock{mutex};
    calls.push_back(std::move(call));
    if (std::exchange(throw_next, false)) throw std::runtime_error("facade exploded");
    auto failure = std::move(fail_next);
    fail_next.reset();
    return failure;
  }

  std::string new_id(std::string_view prefix) {
    std::lock_guard lock{mutex};
    return std::string{prefix} + std::to_string(++next_id);
  }

  std::vector<std::string> recorded() {
    std::lock_guard lock{mutex};
    return calls;
  }

  // Records the call of a listing with its page request, then as begin().
  std::optional<domain::error> begin_listing(std::string call, const app::page_request& page) {
    {
      std::lock_guard lock{mutex};
      pages.push_back(page);
    }
    return begin(std::move(call));
  }

  std::vector<app::page_request> page_requests() {
    std::lock_guard lock{mutex};
    return pages;
  }

  template <class T>
  void reply(app::reply<T> done, std::type_identity_t<domain::result<T>> result) {
    pump.post([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
  }
};

// The refusal of a cursor a listing cannot read, as the node's listings answer it.
inline domain::error invalid_cursor() {
  return {domain::error_kind::invalid, domain::error_code::invalid_cursor, "not a cursor of this listing"};
}

// A page of `all` (in listing order) the way the stores page: at most `limit` items after the
// one the cursor names, the cursor "f.<key of the last item>" of the next page unless none
// follows. A cursor naming no item of `all` is refused as invalid.
template <class T, class Key>
domain::result<app::page<T>> page_of(const std::vector<T>& all, const app::page_request& request, Key key) {
  std::size_t from = 0;
  if (request.cursor) {
    auto named = std::ranges::find_if(all, [&](const T& x) { return "f." + std::string{key(x)} == *request.cursor; });
    if (named == all.end()) return std::unexpected(invalid_cursor());
    from = static_cast<std::size_t>(named - all.begin()) + 1;
  }
  app::page<T> out;
  for (; from < all.size() && out.items.size() < std::max<std::size_t>(request.limit, 1); ++from)
    out.items.push_back(all[from]);
  if (from < all.size()) out.next = "f." + std::string{key(out.items.back())};
  return out;
}

class fake_identity final : public app::identity_service {
 public:
  explicit fake_identity(fake_world& w) : w_(w) {}

  void sign_up(domain::sign_up_request request, app::reply<app::customer_profile> done) override {
    if (auto e = w_.begin("identity.sign_up " + request.phone + " " + request.name)) return w_.reply(std::move(done), std::unexpected(*e));
    auto phone = domain::check_sign_up(request);
    if (!phone) return w_.reply(std::move(done), std::unexpected(phone.error()));
    std::unique_lock lock{w_.mutex};
    if (w_.customers.contains(*phone)) {
      lock.unlock();
      return w_.reply(std::move(done), std::unexpected(domain::conflict(domain::error_code::phone_taken, "phone number is already registered")));
    }
    app::customer_profile profile{domain::ids::customer_id{"c-" + std::to_string(++w_.next_id)}, request.phone, request.name};
    w_.customers[*phone] = profile;
    w_.passwords[*phone] = request.password;
    lock.unlock();
    w_.reply(std::move(done), domain::result<app::customer_profile>{profile});
  }

  void authenticate(std::string phone, std::string password, app::reply<app::customer_profile> done) override {
    if (auto e = w_.begin("identity.authenticate " + phone)) return w_.reply(std::move(done), std::unexpected(*e));
    auto normal = domain::normalize_phone(phone).value_or(phone);
    std::unique_lock lock{w_.mutex};
    auto it = w_.customers.find(normal);
    if (it == w_.customers.end() || w_.passwords[normal] != password) {
      lock.unlock();
      return w_.reply(std::move(done), std::unexpected(domain::error{domain::error_kind::invalid, domain::error_code::invalid_credentials,
                                                                     "wrong phone number or password"}));
    }
    auto profile = it->second;
    lock.unlock();
    w_.reply(std::move(done), domain::result<app::customer_profile>{profile});
  }

 private:
  fake_world& w_;
};

class fake_tickets final : public app::ticket_service {
 public:
  explicit fake_tickets(fake_world& w) : w_(w) {}

  void buy(domain::ids::customer_id customer_id, domain::ticket_type type, app::reply<domain::ticket> done) override {
    if (auto e = w_.begin("tickets.buy " + customer_id.str() + " " + std::string{domain::to_string(type)})) {
      return w_.reply(std::move(done), std::unexpected(*e));
    }
    domain::ticket t;
    t.id = domain::ids::ticket_id{w_.new_id("t-")};
    t.customer_id = customer_id;
    t.type = type;
    t.status = domain::ticket_status::paid;
    t.purchased_at = at(9);
    t.paid_at = at(9, 1);
    {
      std::lock_guard lock{w_.mutex};
      w_.tickets[t.id] = t;
    }
    w_.reply(std::move(done), domain::result<domain::ticket>{t});
  }

  void pay(domain::ids::customer_id customer_id, domain::ids::ticket_id ticket_id, app::reply<domain::ticket> done) override {
    change("tickets.pay", customer_id, ticket_id, std::move(done), [](domain::ticket& t) {
      t.status = domain::ticket_status::paid;
      t.paid_at = at(9, 2);
    });
  }

  void cancel(domain::ids::customer_id customer_id, domain::ids::ticket_id ticket_id, app::reply<domain::ticket> done) override {
    change("tickets.cancel", customer_id, ticket_id, std::move(done), [](domain::ticket& t) {
      t.refunded_amount = t.status == domain::ticket_status::paid ? t.terms().price : 0;
      t.status = domain::ticket_status::cancelled;
      t.cancelled_at = at(9, 10);
    });
  }

  void ticket(domain::ids::customer_id customer_id, domain::ids::ticket_id ticket_id, app::reply<domain::ticket> done) override {
    change("tickets.ticket", customer_id, ticket_id, std::move(done), [](domain::ticket&) {});
  }

  void tickets(domain::ids::customer_id customer_id, app::page_request request, app::reply<app::page<domain::ticket>> done) override {
    if (auto e = w_.begin_listing("tickets.tickets " + customer_id.str(), request))
      return w_.reply(std::move(done), std::unexpected(*e));
    std::vector<domain::ticket> own;
    {
      std::lock_guard lock{w_.mutex};
      for (const auto& [id, t] : w_.tickets) {
        if (t.customer_id == customer_id) own.push_back(t);
      }
    }
    w_.reply(std::move(done), page_of(own, request, [](const domain::ticket& t) { return t.id; }));
  }

 private:
  template <class Change>
  void change(std::string_view name, const domain::ids::customer_id& customer_id, const domain::ids::ticket_id& ticket_id,
              app::reply<domain::ticket> done, Change apply) {
    if (auto e = w_.begin(std::string{name} + " " + customer_id.str() + " " + ticket_id.str())) {
      return w_.reply(std::move(done), std::unexpected(*e));
    }
    std::unique_lock lock{w_.mutex};
    auto it = w_.tickets.find(ticket_id);
    if (it == w_.tickets.end() || it->second.customer_id != customer_id) {
      lock.unlock();
      return w_.reply(std::move(done), std::unexpected(domain::not_found(domain::error_code::ticket_not_found, "ticket " + ticket_id.str() + " does not exist")
                                                           .with("ticketId", ticket_id)));
    }
    apply(it->second);
    auto t = it->second;
    lock.unlock();
    w_.reply(std::move(done), domain::result<domain::ticket>{t});
  }

  fake_world& w_;
};

class fake_rentals final : public app::rental_service {
 public:
  explicit fake_rentals(fake_world& w) : w_(w) {}

  void rent(domain::ids::customer_id customer_id, domain::ids::bicycle_id bicycle_id, domain::ids::ticket_id ticket_id,
            app::reply<domain::rental> done) override {
    if (auto e = w_.begin("rentals.rent " + customer_id.str() + " " + bicycle_id.str() + " " + ticket_id.str())) {
      return w_.reply(std::move(done), std::unexpected(*e));
    }
    domain::rental r;
    r.id = domain::ids::rental_id{w_.new_id("r-")};
    r.bicycle_id = bicycle_id;
    r.ticket_id = ticket_id;
    r.customer_id = customer_id;
    r.from_station_id = "ST-101";
    r.rented_at = at(9, 5);
    r.due_at = at(10, 5);
    {
      std::lock_guard lock{w_.mutex};
      w_.rentals[r.id] = r;
    }
    w_.reply(std::move(done), domain::result<domain::rental>{r});
  }

  void give_back(domain::ids::customer_id customer_id, domain::ids::rental_id rental_id, domain::ids::station_id station_id,
                 app::reply<domain::rental> done) override {
    if (auto e = w_.begin("rentals.give_back " + customer_id.str() + " " + rental_id.str() + " " + station_id.str())) {
      return w_.reply(std::move(done), std::unexpected(*e));
    }
    std::unique_lock lock{w_.mutex};
    auto it = w_.rentals.find(rental_id);
    if (it == w_.rentals.end() || it->second.customer_id != customer_id) {
      lock.unlock();
      return w_.reply(std::move(done), std::unexpected(domain::not_found(domain::error_code::rental_not_found, "no such rental").with("rentalId", rental_id)));
    }
    auto& r = it->second;
    r.status = domain::rental_status::returned;
    r.returned_at = at(10, 12);
    r.to_station_id = station_id;
    r.overtime_minutes = 7;
    r.overtime_fee = 400;
    auto copy = r;
    lock.unlock();
    w_.reply(std::move(done), domain::result<domain::rental>{copy});
  }

 private:
  fake_world& w_;
};

class fake_fleet final : public app::fleet_service {
 public:
  explicit fake_fleet(fake_world& w) : w_(w) {}

  void stations(app::page_request request, app::reply<app::page<app::station_view>> done) override {
    if (auto e = w_.begin_listing("fleet.stations", request)) return w_.reply(std::move(done), std::unexpected(*e));
    std::vector<app::station_view> all;
    {
      std::lock_guard lock{w_.mutex};
      for (const auto& [id, s] : w_.stations) all.push_back(s);
    }
    w_.reply(std::move(done), page_of(all, request, [](const app::station_view& s) { return s.station.id; }));
  }

  void add_station(app::new_station request, app::reply<app::station_view> done) override {
    if (auto e = w_.begin("fleet.add_station " + (request.id ? request.id->str() : "-") + " " + request.name)) {
      return w_.reply(std::move(done), std::unexpected(*e));
    }
    auto id = request.id ? *request.id : domain::ids::station_id{w_.new_id("ST-")};
    app::station_view view{domain::station{id, request.name, request.lat, request.lon, request.capacity},
                           domain::availability{0, request.capacity}};
    {
      std::lock_guard lock{w_.mutex};
      w_.stations[id] = view;
    }
    w_.reply(std::move(done), domain::result<app::station_view>{view});
  }

  void bicycles(app::bicycle_query query, app::page_request request, app::reply<app::page<domain::bicycle>> done) override {
    auto status = query.status ? std::string{domain::to_string(*query.status)} : std::string{"-"};
    if (auto e = w_.begin_listing("fleet.bicycles " + (query.station_id ? query.station_id->str() : "-") + " " + status, request)) {
      return w_.reply(std::move(done), std::unexpected(*e));
    }
    std::vector<domain::bicycle> found;
    {
      std::lock_guard lock{w_.mutex};
      for (const auto& [id, b] : w_.bicycles) {
        if (query.station_id && b.station_id != query.station_id) continue;
        if (query.status && b.status != *query.status) continue;
        found.push_back(b);
      }
    }
    w_.reply(std::move(done), page_of(found, request, [](const domain::bicycle& b) { return b.id; }));
  }

  void add_bicycle(std::optional<domain::ids::bicycle_id> id, domain::ids::station_id station_id,
                   app::reply<domain::bicycle> done) override {
    if (auto e = w_.begin("fleet.add_bicycle " + (id ? id->str() : "-") + " " + station_id.str())) {
      return w_.reply(std::move(done), std::unexpected(*e));
    }
    domain::bicycle b{id ? *id : domain::ids::bicycle_id{w_.new_id("SPB-")}, domain::bicycle_status::available, station_id, {}};
    {
      std::lock_guard lock{w_.mutex};
      w_.bicycles[b.id] = b;
    }
    w_.reply(std::move(done), domain::result<domain::bicycle>{b});
  }

  void post_alert(domain::alert_request request, app::reply<domain::alert> done) override {
    if (auto e = w_.begin("fleet.post_alert " + request.summary)) return w_.reply(std::move(done), std::unexpected(*e));
    auto posted = domain::post_alert(domain::ids::alert_id{w_.new_id("al-")}, std::move(request), at(9));
    if (!posted) return w_.reply(std::move(done), std::unexpected(posted.error()));
    {
      std::lock_guard lock{w_.mutex};
      w_.alerts.push_back(posted->state);
    }
    w_.reply(std::move(done), domain::result<domain::alert>{posted->state});
  }

  void alerts(app::reply<std::vector<domain::alert>> done) override {
    if (auto e = w_.begin("fleet.alerts")) return w_.reply(std::move(done), std::unexpected(*e));
    std::vector<domain::alert> all;
    {
      std::lock_guard lock{w_.mutex};
      all = w_.alerts;
    }
    w_.reply(std::move(done), domain::result<std::vector<domain::alert>>{std::move(all)});
  }

  void remove_bicycle(domain::ids::bicycle_id id, app::reply<void> done) override {
    if (auto e = w_.begin("fleet.remove_bicycle " + id.str())) return w_.reply(std::move(done), std::unexpected(*e));
    std::unique_lock lock{w_.mutex};
    if (w_.bicycles.erase(id) == 0) {
      lock.unlock();
      return w_.reply(std::move(done),
                      std::unexpected(domain::not_found(domain::error_code::bicycle_not_found, "no such bicycle").with("bicycleId", id)));
    }
    lock.unlock();
    w_.reply(std::move(done), domain::result<void>{});
  }

 private:
  fake_world& w_;
};

class fake_ride_view final : public app::ride_view_service {
 public:
  explicit fake_ride_view(fake_world& w) : w_(w) {}

  void current_rental(domain::ids::customer_id customer_id, app::reply<domain::current_rental> done) override {
    if (auto e = w_.begin("ride_view.current_rental " + customer_id.str())) return w_.reply(std::move(done), std::unexpected(*e));
    std::unique_lock lock{w_.mutex};
    auto it = w_.current_rentals.find(customer_id);
    if (it == w_.current_rentals.end()) {
      lock.unlock();
      return w_.reply(std::move(done),
                      std::unexpected(domain::not_found(domain::error_code::no_active_rental, "the customer has no active rental")));
    }
    auto found = it->second;
    lock.unlock();
    w_.reply(std::move(done), domain::result<domain::current_rental>{std::move(found)});
  }

 private:
  fake_world& w_;
};

// Notifications kept in memory. Watches are served by a worker thread of their own (so
// `deliver` runs on a foreign thread, as with the real node): first the stored notifications
// after the given sequence, then each one published later, exactly once each, in order.
class fake_notifications final : public app::notification_service {
 public:
  explicit fake_notifications(fake_world& w) : w_(w), worker_([this] { run(); }) {}

  ~fake_notifications() override {
    {
      std::lock_guard lock{mutex_};
      stopping_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }

  void notifications(domain::ids::customer_id customer_id, app::page_request request,
                     app::reply<app::page<domain::notification>> done) override {
    if (auto e = w_.begin_listing("notifications.list " + customer_id.str() + " " + std::to_string(request.limit), request)) {
      return w_.reply(std::move(done), std::unexpected(*e));
    }
    std::vector<domain::notification> own;
    {
      std::lock_guard lock{mutex_};
      for (const auto& n : stored_) {
        if (n.customer_id == customer_id) own.push_back(n);
      }
    }
    std::ranges::sort(own, [](const auto& a, const auto& b) { return a.sequence > b.sequence; });
    w_.reply(std::move(done),
             page_of(own, request, [](const domain::notification& n) { return std::to_string(n.sequence); }));
  }

  std::unique_ptr<app::watch> watch_notifications(domain::ids::customer_id customer_id, std::uint64_t after,
                                                  std::function<void(domain::notification)> deliver) override {
    (void)w_.begin("notifications.watch " + customer_id.str() + " " + std::to_string(after));
    auto entry = std::make_shared<watch_entry>(watch_entry{customer_id, std::move(deliver)});
    {
      std::lock_guard lock{mutex_};
      std::vector<domain::notification> backlog;
      for (const auto& n : stored_) {
        if (n.customer_id == customer_id && n.sequence > after) backlog.push_back(n);
      }
      std::ranges::sort(backlog, [](const auto& a, const auto& b) { return a.sequence < b.sequence; });
      for (auto& n : backlog) queue_.emplace_back(entry, std::move(n));
      live_.push_back(entry);
    }
    cv_.notify_all();
    return std::make_unique<fake_watch>(*this, entry);
  }

  // Stores a notification and hands it to the customer's live watches.
  void publish(domain::notification n) {
    {
      std::lock_guard lock{mutex_};
      stored_.push_back(n);
      for (const auto& entry : live_) {
        if (entry->customer_id == n.customer_id) queue_.emplace_back(entry, n);
      }
    }
    cv_.notify_all();
  }

  std::size_t live_watches() {
    std::lock_guard lock{mutex_};
    return live_.size();
  }

  std::size_t cancelled_watches() {
    std::lock_guard lock{mutex_};
    return cancelled_;
  }

  // Waits until exactly `count` watches are live (false on timeout).
  bool wait_live_watches(std::size_t count, std::chrono::milliseconds timeout = 5000ms) {
    std::unique_lock lock{mutex_};
    return cv_.wait_for(lock, timeout, [&] { return live_.size() == count; });
  }

  // How many notifications were handed to `deliver` callbacks.
  std::size_t delivered() {
    std::lock_guard lock{mutex_};
    return delivered_;
  }

 private:
  struct watch_entry {
    domain::ids::customer_id customer_id;
    std::function<void(domain::notification)> deliver;
    bool cancelled = false;
  };

  class fake_watch final : public app::watch {
   public:
    fake_watch(fake_notifications& owner, std::shared_ptr<watch_entry> entry) : owner_(owner), entry_(std::move(entry)) {}
    ~fake_watch() override { cancel(); }
    void cancel() override { owner_.cancel(entry_); }

   private:
    fake_notifications& owner_;
    std::shared_ptr<watch_entry> entry_;
  };

  void cancel(const std::shared_ptr<watch_entry>& entry) {
    {
      std::lock_guard lock{mutex_};
      if (entry->cancelled) return;
      entry->cancelled = true;
      std::erase(live_, entry);
      ++cancelled_;
    }
    cv_.notify_all();
  }

  void run() {
    std::unique_lock lock{mutex_};
    for (;;) {
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      auto [entry, n] = std::move(queue_.front());
      queue_.pop_front();
      if (entry->cancelled) continue;
      ++delivered_;
      lock.unlock();
      entry->deliver(std::move(n));
      lock.lock();
    }
  }

  fake_world& w_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<domain::notification> stored_;
  std::vector<std::shared_ptr<watch_entry>> live_;
  std::deque<std::pair<std::shared_ptr<watch_entry>, domain::notification>> queue_;
  std::size_t cancelled_ = 0;
  std::size_t delivered_ = 0;
  bool stopping_ = false;
  std::thread worker_;
};

// The whole fake application.
struct fake_app {
  fake_world world;
  fake_identity identity{world};
  fake_tickets tickets{world};
  fake_rentals rentals{world};
  fake_fleet fleet{world};
  fake_ride_view ride_view{world};
  fake_notifications notifications{world};

  app::services services() {
    return app::services{identity, tickets, rentals, fleet, ride_view, notifications, [this] {
                           std::lock_guard lock{world.mutex};
                           return world.ready;
                         }};
  }

  void fail_next(domain::error e) {
    std::lock_guard lock{world.mutex};
    world.fail_next = std::move(e);
  }
};

}  // namespace ttareungyi::http::test
