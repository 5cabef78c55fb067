#include "identity.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <set>

namespace ttareungyi::actors {
namespace {

using namespace domain;

struct identity_state {
  std::set<std::string> phones_being_registered;
  static inline const char* name = "identity";
};

app::customer_profile profile_of(const customer& c) { return {c.id, display_phone(c.phone), c.name}; }

error invalid_credentials() {
  return {error_kind::invalid, error_code::invalid_credentials, "unknown phone number or wrong password"};
}

identity_actor::behavior_type identity(identity_actor::stateful_pointer<identity_state> self, environment env,
                                       const ports::identity_store* customers, const ports::password_hasher* hasher) {
  return {
      [=](sign_up_atom, const sign_up_request& request) {
        auto rp = self->make_response_promise<app::customer_profile>();
        auto phone = check_sign_up(request);
        if (refused(phone, rp)) return rp;
        auto existing = customers->find_customer_by_phone(*phone);
        if (!existing) return rp.deliver(to_caf(internal(existing.error().message))), rp;
        if (*existing || self->state.phones_being_registered.contains(*phone))
          return rp.deliver(to_caf(conflict(error_code::phone_taken, "this phone number is registered already"))), rp;
        auto d = register_customer(ids::customer_id{new_id("c_")}, *phone, request.name, hasher->hash(request.password));
        ports::changeset changes;
        record(changes, d.events, d.state.id, d.state.id, env.now());
        changes.save(d.state);
        self->state.phones_being_registered.insert(*phone);
        self->request(env.committer, caf::infinite, commit_atom::value, std::move(changes))
            .then(
                [=, c = d.state](ok_atom) mutable {
                  self->state.phones_being_registered.erase(c.phone);
                  rp.deliver(profile_of(c));
                },
                [=, phone = *phone](caf::error& e) mutable {
                  self->state.phones_being_registered.erase(phone);
                  rp.deliver(e);
                });
        return rp;
      },
      [=](login_atom, const std::string& phone, const std::string& password) -> caf::result<app::customer_profile> {
        auto normal = normalize_phone(phone);
        if (!normal) return to_caf(invalid_credentials());
        auto found = customers->find_customer_by_phone(*normal);
        if (!found) return to_caf(internal(found.error().message));
        if (!*found || !hasher->verify(password, (*found)->password_hash)) return to_caf(invalid_credentials());
        return profile_of(**found);
      },
  };
}

}  // namespace

identity_actor spawn_identity(caf::actor_system& system, environment env, const ports::identity_store& customers,
                              const ports::password_hasher& hasher) {
  return system.spawn(identity, std::move(env), &customers, &hasher);
}

}  // namespace ttareungyi::actors
