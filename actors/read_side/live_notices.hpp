#pragma once
// The live part of the notification streams: the customers' watchers and what each still gets.
//
// A notification is a function of its event and the event's sequence (domain::notify), and an
// event is durable before anyone hears of it. So live notices need neither the notifier's commit
// nor an actor: `journaled` runs on the thread that committed (through the journal tap), reads
// the new events and hands domain::notify of each to the customer's watchers at once. The
// notifier's commits still feed the inbox and the webhook, and reach the watchers too, as the
// backstop: a new watcher replays what is stored, and notices pushed live before it came but not
// stored yet reach it with the notifier's push; its live notices are held until then, so every
// watcher sees each notice once and in sequence order.
//
// Thread-safe: the committing thread, the read side's supervisor and the journal hub's wake-ups
// all call in; one mutex keeps the watchers. A watcher's `deliver` runs under it and must not
// call back in (the streams post their writes to their own strand).
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ttareungyi/domain/views.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::actors {

struct watch_request {
  std::uint64_t id = 0;
  domain::ids::customer_id customer;
  std::uint64_t after = 0;  // replay stored notices with a greater sequence first
  std::function<void(domain::notification)> deliver;
};

class live_notices {
 public:
  // Live notices start after the journal's end as it is now.
  live_notices(const ports::journal& journal, const ports::notification_store& notifications);

  // The journal now ends at `up_to` (or later): pushes the notices of the events not pushed yet.
  void journaled(std::uint64_t up_to);

  void watch(watch_request request);
  void unwatch(std::uint64_t id);

  // The notifier started from `position`, all stored before it.
  void notifier_started(std::uint64_t position);
  // The notifier stored the notices of the journal's events (from, to].
  void notifier_published(std::uint64_t from, std::uint64_t to, const std::vector<domain::notification>& notices);

 private:
  struct watcher {
    domain::ids::customer_id customer;
    std::uint64_t last = 0;  // the sequence of the last notice it got
    bool stale = false;      // its replay could not be read: it gets nothing until a resync succeeds
    std::function<void(domain::notification)> deliver;
    // Live notices wait here while the notifier has not stored every notice before `live_from`.
    std::uint64_t live_from = 0;
    std::optional<std::vector<domain::notification>> held;

    void give(const domain::notification& n);
  };

  void resync(watcher& w);
  void resync_all();
  void release_held();

  const ports::journal& journal_;
  const ports::notification_store& notifications_;
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, watcher> watchers_;
  std::unordered_multimap<domain::ids::customer_id, std::uint64_t> watching_;  // customer -> watcher ids
  std::unordered_set<std::uint64_t> holding_;                      // watchers whose live notices are held
  std::uint64_t stored_ = 0;  // how far the notifier's commits are known to have been pushed
  std::uint64_t live_ = 0;    // how far the journal's notices have been pushed live
};

}  // namespace ttareungyi::actors
