#pragma once
// The vocabulary actors speak: atoms, how domain types travel in messages (one inspect for
// every type with a field list, so every message that crosses a context can be serialized to
// another node), and how a domain refusal rides on a caf::error and back.
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/make_message.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>
#include <caf/sec.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "ttareungyi/app/fields.hpp"
#include "ttareungyi/domain/error.hpp"
#include "ttareungyi/domain/fields.hpp"
#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/ids.hpp"
#include "ttareungyi/ports/fields.hpp"
#include "ttareungyi/ports/storage.hpp"

// A changeset only ever travels inside a node (to the storage gateway, or between the two
// contexts of a ride step); it is never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ttareungyi::ports::changeset)

namespace ttareungyi::actors {

using buy_atom = caf::atom_constant<caf::atom("buy")>;
using pay_atom = caf::atom_constant<caf::atom("pay")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using get_atom = caf::atom_constant<caf::atom("get")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using reserve_atom = caf::atom_constant<caf::atom("reserve")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using finish_atom = caf::atom_constant<caf::atom("finish")>;
using charge_atom = caf::atom_constant<caf::atom("charge")>;
using refund_atom = caf::atom_constant<caf::atom("refund")>;
using rent_atom = caf::atom_constant<caf::atom("rent")>;
using return_atom = caf::atom_constant<caf::atom("giveback")>;
using rental_atom = caf::atom_constant<caf::atom("rental")>;
using station_atom = caf::atom_constant<caf::atom("station")>;
using bicycle_atom = caf::atom_constant<caf::atom("bicycle")>;
using alert_atom = caf::atom_constant<caf::atom("alert")>;
using add_atom = caf::atom_constant<caf::atom("add")>;
using remove_atom = caf::atom_constant<caf::atom("remove")>;
using sign_up_atom = caf::atom_constant<caf::atom("signup")>;
using login_atom = caf::atom_constant<caf::atom("login")>;
using commit_atom = caf::atom_constant<caf::atom("commit")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using ok_atom = caf::atom_constant<caf::atom("ok")>;
// Entity lifecycle: an entity's idle tick, and its request to its registry to stop.
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
// The read side (journal wake-ups, consumers, views, notifications).
using appended_atom = caf::atom_constant<caf::atom("appended")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using pull_atom = caf::atom_constant<caf::atom("pull")>;
using current_atom = caf::atom_constant<caf::atom("current")>;
using notice_atom = caf::atom_constant<caf::atom("notice")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using unwatch_atom = caf::atom_constant<caf::atom("unwatch")>;
using published_atom = caf::atom_constant<caf::atom("published")>;
using started_atom = caf::atom_constant<caf::atom("started")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using child_atom = caf::atom_constant<caf::atom("child")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using delivered_atom = caf::atom_constant<caf::atom("delivered")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
// Between nodes (remote/): a peer's greeting at a node's door.
using hello_atom = caf::atom_constant<caf::atom("hello")>;
// Notifier replicas and the core's partition coordinator (read_side/partitions.hpp).
using join_atom = caf::atom_constant<caf::atom("join")>;
using assign_atom = caf::atom_constant<caf::atom("assign")>;
using journal_atom = caf::atom_constant<caf::atom("journal")>;
using partition_atom = caf::atom_constant<caf::atom("partition")>;
// -- gateways (docs/nodes.md)
using token_atom = caf::atom_constant<caf::atom("token")>;
using operator_atom = caf::atom_constant<caf::atom("operator")>;
using answer_atom = caf::atom_constant<caf::atom("answer")>;

// The wire's own version: bump it when a message's meaning changes without its types changing
// (a new atom, a reply of another type). Type and field changes show in the fingerprint anyway.
constexpr std::uint32_t wire_protocol = 3;

// Registers every type that crosses a context with an actor system's configuration.
void register_message_types(caf::actor_system_config& cfg);
// This build's wire: a digest of wire_protocol, every registered type (its name, and each
// member's name and type in wire order) and the typed interfaces other nodes call. Two nodes
// talk only when theirs are equal.
std::uint64_t wire_fingerprint();

// A domain refusal travels as a caf::error of this category; its context carries the details.
constexpr caf::atom_value domain_error_category = caf::atom("ttareungyi");
caf::error to_caf(const domain::error& e);
domain::error from_caf(const caf::error& e);

// std::optional is not inspectable in CAF 0.17: it travels as a flag and a value.
template <class T>
struct optional_field {
  std::optional<T>& ref;
};

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, optional_field<T>& x) {
  bool present = x.ref.has_value();
  T value = present ? *x.ref : T{};
  auto store = caf::meta::load_callback([&]() -> caf::error {
    x.ref = present ? std::optional<T>{std::move(value)} : std::nullopt;
    return caf::none;
  });
  return f(present, value, store);
}

// How one member goes to the inspector: as itself, or an optional as its flag and value.
template <class T>
T& on_wire(T& member) {
  return member;
}
template <class T>
optional_field<T> on_wire(std::optional<T>& member) {
  return {member};
}

// An id travels as its text.
template <class Inspector, class Tag>
typename Inspector::result_type inspect(Inspector& f, domain::identifier<Tag>& x) {
  std::string text = x.str();
  auto store = caf::meta::load_callback([&]() -> caf::error {
    x = domain::identifier<Tag>{std::move(text)};
    return caf::none;
  });
  return f(text, store);
}

// A type with a field list (domain/fields.hpp and its kin in ports/ and app/).
template <class T>
concept described = requires(T& x) { fields(x, [](const char*, auto...) {}); };

// Every described type travels as its members in the order of its list, named by the list
// for to_string. The list is the wire format: reordering or adding a member changes it, which
// is fine while every node runs the same build (nothing stores this format).
template <class Inspector, described T>
  requires(!std::is_const_v<T>)
typename Inspector::result_type inspect(Inspector& f, T& x) {
  return fields(x, [&f](const char* name, auto... members) -> typename Inspector::result_type {
    return f(caf::meta::type_name(name), on_wire(members.value)...);
  });
}

// An event's payload travels as its alternative's index, then that alternative's members; an
// index this build does not know is refused (the fingerprint keeps such peers apart anyway).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, domain::event_payload& x) {
  auto index = static_cast<std::uint8_t>(x.index());
  if constexpr (Inspector::reads_state) {
    return std::visit([&](auto& alternative) { return f(caf::meta::type_name("event_payload"), index, alternative); }, x);
  } else {
    if (auto e = f(index)) return e;
    if (index >= std::variant_size_v<domain::event_payload>) return caf::make_error(caf::sec::invalid_argument);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((index == I ? (void)x.template emplace<I>() : void()), ...);
    }(std::make_index_sequence<std::variant_size_v<domain::event_payload>>{});
    return std::visit([&](auto& alternative) { return f(alternative); }, x);
  }
}

// The envelope, and a journal record (for the journal feed of a notifier replica).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, domain::event& x) {
  return f(caf::meta::type_name("event"), x.id, x.correlation_id, x.causation_id, x.at, x.version, x.payload);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ports::recorded_event& x) {
  domain::event event = x.fact ? *x.fact : domain::event{};
  auto store = caf::meta::load_callback([&]() -> caf::error {
    x.fact = std::make_shared<const domain::event>(std::move(event));
    return caf::none;
  });
  return f(caf::meta::type_name("recorded_event"), x.sequence, event, store);
}

}  // namespace ttareungyi::actors

// The generic inspect joins each namespace that holds described types, where CAF's
// argument-dependent lookup of `inspect` finds it.
namespace ttareungyi::domain {
using actors::inspect;
}  // namespace ttareungyi::domain

namespace ttareungyi::ports {
using actors::inspect;
}  // namespace ttareungyi::ports

namespace ttareungyi::app {
using actors::inspect;
}  // namespace ttareungyi::app
