#include "live_notices.hpp"

#include <algorithm>
#include <limits>

namespace ttareungyi::actors {

live_notices::live_notices(const ports::journal& journal, const ports::notification_store& notifications)
    : journal_(journal), notifications_(notifications), live_(journal.last_sequence()) {}

void live_notices::watcher::give(const domain::notification& n) {
  if (n.sequence <= last) return;
  last = n.sequence;
  deliver(n);
}

// Delivers to `w` every stored notice after its last one, oldest first. A customer's notices
// are read newest first with a limit, so the limit grows until the answer is complete.
void live_notices::resync(watcher& w) {
  std::size_t limit = 64;
  for (;;) {
    auto found = notifications_.notifications_of(w.customer, w.last, limit);
    if (!found) {
      w.stale = true;
      return;
    }
    if (found->size() >= limit && limit < std::numeric_limits<std::size_t>::max() / 4) {
      limit *= 4;
      continue;
    }
    w.stale = false;
    for (auto i = found->rbegin(); i != found->rend(); ++i) w.give(*i);
    return;
  }
}

void live_notices::resync_all() {
  for (auto& [id, w] : watchers_) resync(w);
}

// Watchers whose gap the notifier has now stored get their held notices and go live.
void live_notices::release_held() {
  for (auto i = holding_.begin(); i != holding_.end();) {
    auto& w = watchers_.at(*i);
    if (stored_ + 1 < w.live_from) {
      ++i;
      continue;
    }
    auto held = std::move(*w.held);
    w.held.reset();
    for (const auto& n : held) w.give(n);
    i = holding_.erase(i);
  }
}

// A read that fails leaves `live_` where it is; the next call, or the notifier's pushes, cover
// the gap.
void live_notices::journaled(std::uint64_t up_to) {
  std::lock_guard lock{mutex_};
  while (live_ < up_to) {
    auto batch = journal_.events_after(live_, 256);
    if (!batch || batch->empty()) return;
    for (const auto& r : *batch) {
      live_ = r.sequence;
      auto n = domain::notify(r.sequence, r.event());
      if (!n) continue;
      auto [first, last] = watching_.equal_range(n->customer_id);
      for (auto j = first; j != last; ++j) {
        auto& w = watchers_.at(j->second);
        if (w.held)
          w.held->push_back(*n);
        else if (!w.stale)
          w.give(*n);
      }
    }
  }
}

void live_notices::watch(watch_request request) {
  std::lock_guard lock{mutex_};
  if (watchers_.contains(request.id)) return;
  watcher w{std::move(request.customer), request.after, false, std::move(request.deliver), 0, std::nullopt};
  resync(w);
  // Notices pushed live before this watch came may not be stored yet: until the notifier has
  // stored them (and pushed them here), the watch's live notices wait.
  w.live_from = live_ + 1;
  if (stored_ < live_) {
    w.held.emplace();
    holding_.insert(request.id);
  }
  watching_.emplace(w.customer, request.id);
  watchers_.emplace(request.id, std::move(w));
}

void live_notices::unwatch(std::uint64_t id) {
  std::lock_guard lock{mutex_};
  auto i = watchers_.find(id);
  if (i == watchers_.end()) return;
  holding_.erase(id);
  auto [first, last] = watching_.equal_range(i->second.customer);
  for (auto j = first; j != last; ++j)
    if (j->second == id) {
      watching_.erase(j);
      break;
    }
  watchers_.erase(i);
}

void live_notices::notifier_started(std::uint64_t position) {
  std::lock_guard lock{mutex_};
  // Notices its predecessor committed but could not push are in storage: replay them.
  if (position > stored_) resync_all();
  stored_ = std::max(stored_, position);
  release_held();
}

void live_notices::notifier_published(std::uint64_t from, std::uint64_t to,
                                      const std::vector<domain::notification>& notices) {
  std::lock_guard lock{mutex_};
  if (from > stored_) resync_all();
  stored_ = std::max(stored_, to);
  for (const auto& n : notices) {
    auto [first, last] = watching_.equal_range(n.customer_id);
    for (auto j = first; j != last; ++j) {
      auto& w = watchers_.at(j->second);
      if (w.stale) resync(w);
      if (!w.stale) w.give(n);
    }
  }
  release_held();
}

}  // namespace ttareungyi::actors
