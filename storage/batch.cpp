#include "batch.hpp"

#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "codec.hpp"
#include "errors.hpp"
#include "layout.hpp"

namespace ttareungyi::storage {
namespace {

stored<void> check(const rocksdb::Status& s) {
  if (!s.ok()) return std::unexpected(failed("commit", s));
  return {};
}

template <class T>
stored<std::string> encoded(const T& x, std::string_view what, std::string_view id) {
  auto bytes = codec::encode(x);
  if (!bytes) return std::unexpected(storage_error{"cannot encode " + std::string{what} + " " + printable(id) + ": " + bytes.error()});
  return std::move(*bytes);
}

}  // namespace

stored<void> group_batch::add(const ports::changeset& changes, const kept* answer) {
  batch_.SetSavePoint();
  const auto before = sequence_;
  mine_ = {};
  auto added = guarded("commit", [&]() -> stored<void> {
    if (answer)
      if (auto r = add_answer(*answer); !r) return r;
    return add_changes(changes);
  });
  if (added) {
    batch_.PopSavePoint();
    group_.merge(std::move(mine_));
  } else {
    batch_.RollbackToSavePoint();
    sequence_ = before;
  }
  return added;
}

void group_batch::overlay::merge(overlay&& newer) {
  for (auto& [k, v] : newer.phones) phones.insert_or_assign(k, std::move(v));
}

// The customer's indexed phone as it stands before this save.
group_batch::prior<std::string> group_batch::phone_before(const std::string& id) const {
  for (const auto* o : {&mine_, &group_})
    if (auto it = o->phones.find(id); it != o->phones.end()) return {prior<std::string>::known, it->second};
  auto c = read_.get<domain::customer>(f_identity, layout::key(layout::customer_prefix, id));
  if (!c) return {prior<std::string>::unreadable, {}};
  if (!*c) return {};
  return {prior<std::string>::known, (*c)->phone};
}

template <class T>
stored<void> group_batch::put(family f, std::string_view prefix, const T& x, std::string_view what) {
  auto bytes = encoded(x, what, x.id);
  if (!bytes) return std::unexpected(bytes.error());
  return check(batch_.Put(read_.cf(f), layout::key(prefix, x.id), *bytes));
}

stored<void> group_batch::add_answer(const kept& k) {
  auto json = codec::encode(k.answer);
  if (!json) return std::unexpected(storage_error{"cannot encode the answer kept for " + printable(k.key) + ": " + json.error()});
  std::string value = layout::be64(layout::ordered(k.answer.kept_at.time_since_epoch().count()));
  value += *json;
  return check(batch_.Put(read_.cf(f_idempotency), layout::kept_answer_key(k.customer_id, k.key), value));
}

stored<void> group_batch::add_changes(const ports::changeset& changes) {
  for (const auto& item : changes.items()) {
    auto r = std::visit([&](const auto& x) { return add_item(x); }, item);
    if (!r) return r;
  }
  for (const auto& e : changes.events()) {
    auto bytes = encoded(e, "event", e.id);
    if (!bytes) return std::unexpected(bytes.error());
    if (auto r = check(batch_.Put(read_.cf(f_journal), layout::journal_key(sequence_ + 1), *bytes)); !r) return r;
    ++sequence_;
  }
  return {};
}

stored<void> group_batch::add_item(const domain::customer& c) {
  auto before = phone_before(c.id.str());
  if (auto r = put(f_identity, layout::customer_prefix, c, "customer"); !r) return r;
  const bool same = before.kind == prior<std::string>::known && before.value == c.phone;
  if (before.kind == prior<std::string>::known && !same)
    if (auto r = check(batch_.Delete(read_.cf(f_identity), layout::key(layout::phone_prefix, before.value))); !r) return r;
  if (!same)
    if (auto r = check(batch_.Put(read_.cf(f_identity), layout::key(layout::phone_prefix, c.phone), c.id.str())); !r) return r;
  mine_.phones.insert_or_assign(c.id.str(), c.phone);
  return {};
}

// The ticket's index entries are written without reading its previous record: its owner and
// purchase time never change, so the owner entry is the same key each time, and the in-use entry
// is put or deleted as the status says (deleting one that is not there costs a tombstone).
stored<void> group_batch::add_item(const domain::ticket& t) {
  if (auto r = put(f_ticket, layout::ticket_prefix, t, "ticket"); !r) return r;
  const auto owner = layout::owner_key(t.customer_id.str(), t.purchased_at.time_since_epoch().count(), t.id);
  if (auto r = check(batch_.Put(read_.cf(f_ticket), owner, "")); !r) return r;
  const auto in_use_key = layout::key(layout::in_use_prefix, t.id);
  if (t.status == domain::ticket_status::in_use) return check(batch_.Put(read_.cf(f_ticket), in_use_key, ""));
  if (t.status == domain::ticket_status::payment_pending) return {};  // never in use yet
  return check(batch_.Delete(read_.cf(f_ticket), in_use_key));
}

stored<void> group_batch::add_item(const domain::payment& x) {
  return put(f_payment, layout::payment_prefix, x, "payment");
}

stored<void> group_batch::add_item(const domain::station& x) {
  return put(f_rental, layout::station_prefix, x, "station");
}

stored<void> group_batch::add_item(const domain::bicycle& x) {
  return put(f_rental, layout::bicycle_prefix, x, "bicycle");
}

stored<void> group_batch::add_item(const ports::removed_bicycle& x) {
  return check(batch_.Delete(read_.cf(f_rental), layout::key(layout::bicycle_prefix, x.id)));
}

stored<void> group_batch::add_item(const domain::rental& x) {
  return put(f_rental, layout::rental_prefix, x, "rental");
}

stored<void> group_batch::add_item(const domain::alert& x) {
  return put(f_rental, layout::alert_prefix, x, "alert");
}

stored<void> group_batch::add_item(const domain::notification& n) {
  auto bytes = encoded(n, "notification", n.id);
  if (!bytes) return std::unexpected(bytes.error());
  if (auto r = check(batch_.Put(read_.cf(f_notification), layout::notification_key(n.sequence, n.id), *bytes)); !r) return r;
  return check(batch_.Put(read_.cf(f_notification), layout::customer_notice_key(n.customer_id, n.sequence, n.id), *bytes));
}

stored<void> group_batch::add_item(const domain::current_rental& x) {
  auto bytes = encoded(x, "current rental of", x.customer_id);
  if (!bytes) return std::unexpected(bytes.error());
  return check(batch_.Put(read_.cf(f_view_rental), layout::key(layout::rental_view_prefix, x.customer_id), *bytes));
}

stored<void> group_batch::add_item(const ports::ended_rental_view& x) {
  return check(batch_.Delete(read_.cf(f_view_rental), layout::key(layout::rental_view_prefix, x.customer_id)));
}

stored<void> group_batch::add_item(const domain::station_count& x) {
  auto bytes = encoded(x, "station count", x.station_id);
  if (!bytes) return std::unexpected(bytes.error());
  return check(batch_.Put(read_.cf(f_view_station), layout::key(layout::station_view_prefix, x.station_id), *bytes));
}

stored<void> group_batch::add_item(const ports::consumer_position& x) {
  return check(batch_.Put(read_.cf(f_position), x.consumer, layout::be64(x.sequence)));
}

stored<void> group_batch::add_item(const ports::dropped_view& x) {
  // Every key of a view family is under one of its prefixes. Later writes of the same
  // changeset (or group) are newer than the range tombstone, so a rebuild may follow it.
  auto drop = [&](family f, std::string_view prefix) {
    return check(batch_.DeleteRange(read_.cf(f), prefix, layout::prefix_end(prefix)));
  };
  auto rewind = [&](std::string_view consumer) { return check(batch_.Delete(read_.cf(f_position), consumer)); };
  switch (x.which) {
    case ports::view::rentals:
      if (auto r = drop(f_view_rental, layout::rental_view_prefix); !r) return r;
      return rewind(layout::rentals_consumer);
    case ports::view::stations:
      if (auto r = drop(f_view_station, layout::station_view_prefix); !r) return r;
      return rewind(layout::stations_consumer);
    case ports::view::notifications:
      if (auto r = drop(f_notification, layout::notification_prefix); !r) return r;
      if (auto r = drop(f_notification, layout::customer_notice_prefix); !r) return r;
      return rewind(layout::notifications_consumer);
  }
  return std::unexpected(storage_error{"cannot drop an unknown view"});
}

}  // namespace ttareungyi::storage
