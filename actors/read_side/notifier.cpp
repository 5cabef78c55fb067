// The notifier: one notification per notifiable fact (domain::notify), stored with the
// consumer's position; after each commit it hands the batch's notices to the read side's
// supervisor, which pushes them to live watchers and wakes the webhook deliverer.
#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>

#include "listings.hpp"
#include "read_side.hpp"

namespace ttareungyi::actors {
namespace {

struct notifier_view {
  static constexpr const char* actor_name = "notifier";
  static constexpr const char* consumer = "notifier";

  const ports::notification_store* store = nullptr;
  caf::actor supervisor;
  std::vector<domain::notification> fresh;  // the batch being committed

  ports::stored<void> load() { return {}; }

  // Tells the supervisor where the notifier starts: notices up to here are all stored.
  void started(consumer_self<notifier_view> self, std::uint64_t position) {
    self->send(supervisor, started_atom::value, position);
  }

  ports::changeset project(const std::vector<ports::recorded_event>& batch) {
    ports::changeset changes;
    fresh.clear();
    for (const auto& r : batch)
      if (auto n = domain::notify(r.sequence, r.event())) {
        changes.save(*n);
        fresh.push_back(std::move(*n));
      }
    return changes;
  }

  // Every batch is reported, empty or not, so the supervisor sees the positions follow on.
  void committed(consumer_self<notifier_view> self, std::uint64_t from, std::uint64_t to) {
    self->send(supervisor, published_atom::value, from, to, std::move(fresh));
    fresh.clear();
  }

  caf::message_handler queries(consumer_self<notifier_view> self) {
    return {
        [self](notice_atom, list_atom, const domain::ids::customer_id& customer, const app::page_request& page, std::uint64_t min) {
          auto& s = self->state;
          auto to = std::make_shared<owed_answer>(self->make_response_promise(), "the notification inbox");
          s.gate.when(s.position, min, to, [self, customer, page](const owed& to) {
            answer_inbox(to, *self->state.view.store, customer, page);
          });
        },
    };
  }
};

}  // namespace

void answer_inbox(const owed& to, const ports::notification_store& store, const domain::ids::customer_id& customer,
                  const app::page_request& page) {
  auto found = store.notifications_page(customer, page);
  if (!found)
    to->deliver(to_caf(listing_refusal(found.error(), "notifications")));
  else
    to->deliver(std::move(*found));
}

caf::actor spawn_notifier(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                          const ports::notification_store& notifications, const caf::actor& hub,
                          consumer_settings settings) {
  notifier_view view;
  view.store = &notifications;
  view.supervisor = caf::actor_cast<caf::actor>(parent);
  return spawn_consumer(parent, env, reader, hub, settings, std::move(view));
}

}  // namespace ttareungyi::actors
