#pragma once
// Helpers for the read side's tests: rides that raise notifiable facts, what the journal says
// the notifications must be, and watchers that record what they get.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fixture.hpp"

namespace ttareungyi::actors::test {

// What one watch received, in order.
struct recorder {
  std::vector<domain::notification> got;
  std::vector<std::uint64_t> sequences() const {
    std::vector<std::uint64_t> out;
    for (const auto& n : got) out.push_back(n.sequence);
    return out;
  }
};

class read_side_test : public actor_test {
 protected:
  // A paid ticket, a rent and a return: three notifications for the customer.
  domain::rental ride(const domain::ids::customer_id& customer, const domain::ids::bicycle_id& bicycle, const domain::ids::station_id& to_station) {
    auto t = paid_ticket(customer);
    auto r = ok(rent(customer, bicycle, t.id));
    return ok(give_back(customer, r.id, to_station));
  }

  // The notifications the journal calls for (domain::notify of every event), in order.
  std::vector<domain::notification> expected_notices(const std::optional<domain::ids::customer_id>& customer = std::nullopt) const {
    std::vector<domain::notification> out;
    for (const auto& r : storage.journal_rows)
      if (auto n = domain::notify(r.sequence, r.event()); n && (!customer || n->customer_id == *customer))
        out.push_back(*n);
    return out;
  }

  // The stored notifications, in sequence order.
  std::vector<domain::notification> stored_notices(const std::optional<domain::ids::customer_id>& customer = std::nullopt) const {
    std::vector<domain::notification> out;
    for (const auto& [key, n] : storage.views.notifications)
      if (!customer || n.customer_id == *customer) out.push_back(n);
    return out;
  }

  std::shared_ptr<recorder> watch(std::uint64_t id, const domain::ids::customer_id& customer, std::uint64_t after = 0) {
    auto r = std::make_shared<recorder>();
    caf::anon_send(read_side, watch_atom::value,
                   watch_request{id, customer, after, [r](domain::notification n) { r->got.push_back(std::move(n)); }});
    drain();
    return r;
  }

  slot<domain::current_rental> current(const domain::ids::customer_id& customer) {
    return call<domain::current_rental>(read_side, current_atom::value, customer, storage.last_sequence());
  }

  // The first page of the customer's inbox.
  slot<std::vector<domain::notification>> inbox(const domain::ids::customer_id& customer, std::uint64_t limit) {
    return call_items<domain::notification>(read_side, notice_atom::value, list_atom::value, customer,
                                            app::page_request{.limit = limit}, storage.last_sequence());
  }

  // Stops a child for good measure of a crash (kill: no clean-up of its own).
  void kill(const std::string& name) {
    auto c = child(name);
    if (!c) throw std::runtime_error(name + " is not running");
    caf::anon_send_exit(c, caf::exit_reason::kill);
    drain();
  }

  // Announces the journal's end to the hub, as the storage gateway does after a commit.
  void announce() {
    caf::anon_send(hub, appended_atom::value, storage.last_sequence());
    drain();
  }

  static std::set<std::string> ids_of(const std::vector<domain::notification>& ns) {
    std::set<std::string> out;
    for (const auto& n : ns) out.insert(n.id);
    return out;
  }
};

}  // namespace ttareungyi::actors::test
