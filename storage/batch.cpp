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
  for (auto& [k, v] : newer.tickets) tickets.insert_or_assign(k, std::move(v));
  for (auto& [k, v] : newer.phones) phones.insert_or_assign(k, std::move(v));
}

group_batch::ticket_indexed group_batch::indexed(const domain::ticket& t) {
  return {t.customer_id.str(), t.purchased_at.time_since_epoch().count(), t.status == domain::ticket_status::in_use};
}

// The indexed fields of a customer / ticket as they stand before this save.
group_batch::prior<std::string> group_batch::phone_before(const std::string& id) const {
  for (const auto* o : {&mine_, &group_})
    if (auto it = o->phones.find(id); it != o->phones.end()) return {prior<std::string>::known, it->second};
  auto c = read_.get<domain::customer>(f_identity, layout::key(layout::customer_prefix, id));
  if (!c) return {prior<std::string>::unreadable, {}};
  if (!*c) return {};
  return {prior<std::string>::known, (*c)->phone};
}

stored<group_batch::prior<group_batch::ticket_indexed>> group_batch::ticket_before(const std::string& id) const {
  using p = prior<ticket_indexed>;
  for (const auto* o : {&mine_, &group_})
    if (auto it = o->tickets.find(id); it != o->tickets.end()) return p{p::known, it->second};
  rocksdb::PinnableSlice value;
  auto key = layout::key(layout::ticket_prefix, id);
  auto s = read_.db()->Get(rocksdb::ReadOptions{}, read_.cf(f_ticket), key, &value);
  if (s.IsNotFound()) return p{};
  if (!s.ok()) return std::unexpected(failed("read ticket/" + printable(key), s));
  auto t = codec::decode<domain::ticket>(value.ToStringView());
  if (!t) return p{p::unreadable, {}};  // overwritten now; its old index entries cannot be found
  return p{p::known, indexed(*t)};
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

stored<void> group_batch::add_item(const domain::ticket& t) {
  using p = prior<ticket_indexed>;
  auto before = ticket_before(t.id.str());
  if (!before) return std::unexpected(before.error());
  if (auto r = put(f_ticket, layout::ticket_prefix, t, "ticket"); !r) return r;
  const auto now = indexed(t);
  const bool known = before->kind == p::known;
  // tickets_of: one entry per ticket, under its customer and purchase time.
  const bool same_owner = known && before->value.customer_id == now.customer_id &&
                          before->value.purchased_ms == now.purchased_ms;
  if (known && !same_owner)
    if (auto r = check(batch_.Delete(read_.cf(f_ticket), layout::owner_key(before->value.customer_id, before->value.purchased_ms, t.id))); !r)
      return r;
  if (!same_owner)
    if (auto r = check(batch_.Put(read_.cf(f_ticket), layout::owner_key(now.customer_id, now.purchased_ms, t.id), "")); !r) return r;
  // tickets_in_use: an entry exactly while the status is in_use.
  const auto in_use_key = layout::key(layout::in_use_prefix, t.id);
  if (now.in_use && !(known && before->value.in_use))
    if (auto r = check(batch_.Put(read_.cf(f_ticket), in_use_key, "")); !r) return r;
  if (!now.in_use && (before->kind == p::unreadable || (known && before->value.in_use)))
    if (auto r = check(batch_.Delete(read_.cf(f_ticket), in_use_key)); !r) return r;
  mine_.tickets.insert_or_assign(t.id.str(), now);
  return {};
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
