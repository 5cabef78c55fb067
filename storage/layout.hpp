#pragma once
// Internal: the column families and key layout of the node database. Plain bytes, no RocksDB.
//
//   family    key                                                   value
//   default   "m:format"                                            "1"
//   identity  "c:" customer id                                      customer (JSON)
//             "p:" phone                                            customer id
//   ticket    "t:" ticket id                                        ticket (JSON)
//             "o:" be32(len) customer id, be64(purchased ms) id    ""   (tickets_of, in order)
//             "u:" ticket id                                        ""   (tickets_in_use)
//   payment   "p:" payment id                                       payment (JSON)
//   rental    "s:" station id                                       station (JSON)
//             "b:" bicycle id                                       bicycle (JSON)
//             "r:" rental id                                        rental (JSON)
//   journal   be64(sequence)                                        event (JSON)
//   idempotency "k:" be32(len) customer id, key                     be64(kept at ms) answer (JSON)
//             (the time first, so that the compaction filter dropping expired answers reads
//             no JSON)
//
// Read side (what the journal's consumers keep; each view can be emptied with one range
// delete over its prefixes and rebuilt from the journal):
//   position      consumer name                                     be64(sequence of the last event applied)
//   view_rental   "r:" customer id                                  current_rental (JSON)
//   view_station  "s:" station id                                   station_count (JSON)
//   notification  "n:" be64(sequence) notification id               notification (JSON)  (all, oldest first)
//                 "c:" be32(len) customer id, be64(sequence) id     notification (JSON)  (a customer's,
//                                                                     newest first by reverse scan)
//
// be64 is 8 bytes big endian; signed millisecond times have their sign bit flipped first, so
// byte order is time order. be32(len) before a variable id keeps one id's entries apart from
// those of an id it is a prefix of ("cust-1" / "cust-10").
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ttareungyi::storage::layout {

inline constexpr std::string_view cf_default = "default";
inline constexpr std::string_view cf_identity = "identity";
inline constexpr std::string_view cf_ticket = "ticket";
inline constexpr std::string_view cf_payment = "payment";
inline constexpr std::string_view cf_rental = "rental";
inline constexpr std::string_view cf_journal = "journal";
inline constexpr std::string_view cf_position = "position";
inline constexpr std::string_view cf_view_rental = "view_rental";
inline constexpr std::string_view cf_view_station = "view_station";
inline constexpr std::string_view cf_notification = "notification";
inline constexpr std::string_view cf_idempotency = "idempotency";
// Order matters (rocksdb_storage's family enum). New families go at the end; opening a database
// created before them creates them.
inline constexpr std::array<std::string_view, 11> families{cf_default,  cf_identity,     cf_ticket,       cf_payment,
                                                           cf_rental,   cf_journal,      cf_position,     cf_view_rental,
                                                           cf_view_station, cf_notification, cf_idempotency};

inline constexpr std::string_view format_key = "m:format";
inline constexpr std::string_view format_version = "1";

inline constexpr std::string_view customer_prefix = "c:";
inline constexpr std::string_view phone_prefix = "p:";
inline constexpr std::string_view ticket_prefix = "t:";
inline constexpr std::string_view owner_prefix = "o:";
inline constexpr std::string_view in_use_prefix = "u:";
inline constexpr std::string_view payment_prefix = "p:";
inline constexpr std::string_view station_prefix = "s:";
inline constexpr std::string_view bicycle_prefix = "b:";
inline constexpr std::string_view alert_prefix = "a:";
inline constexpr std::string_view rental_prefix = "r:";
inline constexpr std::string_view rental_view_prefix = "r:";        // view_rental
inline constexpr std::string_view station_view_prefix = "s:";       // view_station
inline constexpr std::string_view notification_prefix = "n:";       // notification, global order
inline constexpr std::string_view customer_notice_prefix = "c:";    // notification, per customer
inline constexpr std::string_view kept_answer_prefix = "k:";        // idempotency

// The consumer whose position rewinds when its view is dropped (ports::dropped_view).
inline constexpr std::string_view rentals_consumer = "rentals";         // view_rental
inline constexpr std::string_view stations_consumer = "stations";       // view_station
inline constexpr std::string_view notifications_consumer = "notifier";  // notification

inline void append_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline std::string be64(std::uint64_t v) {
  std::string out;
  append_be(out, v, 8);
  return out;
}

inline std::optional<std::uint64_t> read_be64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  std::uint64_t v = 0;
  for (unsigned char c : bytes) v = (v << 8) | c;
  return v;
}

// Order-preserving encoding of a signed time.
inline std::uint64_t ordered(std::int64_t ms) { return static_cast<std::uint64_t>(ms) ^ (std::uint64_t{1} << 63); }

inline std::string key(std::string_view prefix, std::string_view id) {
  std::string k;
  k.reserve(prefix.size() + id.size());
  k.append(prefix).append(id);
  return k;
}

// `prefix`, then `id` preceded by its length: no id is a prefix of another's keys.
inline std::string length_prefixed(std::string_view prefix, std::string_view id) {
  std::string k{prefix};
  append_be(k, id.size(), 4);
  k.append(id);
  return k;
}

// All of one customer's ticket index entries start with this.
inline std::string owner_key_prefix(std::string_view customer_id) { return length_prefixed(owner_prefix, customer_id); }

inline std::string owner_key(std::string_view customer_id, std::int64_t purchased_ms, std::string_view ticket_id) {
  std::string k = owner_key_prefix(customer_id);
  append_be(k, ordered(purchased_ms), 8);
  k.append(ticket_id);
  return k;
}

// idempotency: the answer kept for one customer's key.
inline std::string kept_answer_key(std::string_view customer_id, std::string_view idempotency_key) {
  std::string k = length_prefixed(kept_answer_prefix, customer_id);
  k.append(idempotency_key);
  return k;
}

inline std::string journal_key(std::uint64_t sequence) { return be64(sequence); }

// notification: every customer's notices in sequence order.
inline std::string notification_key(std::uint64_t sequence, std::string_view id) {
  std::string k{notification_prefix};
  append_be(k, sequence, 8);
  k.append(id);
  return k;
}

// notification: all of one customer's notices start with this, then be64(sequence) id.
inline std::string customer_notice_key_prefix(std::string_view customer_id) {
  return length_prefixed(customer_notice_prefix, customer_id);
}

inline std::string customer_notice_key(std::string_view customer_id, std::uint64_t sequence, std::string_view id) {
  std::string k = customer_notice_key_prefix(customer_id);
  append_be(k, sequence, 8);
  k.append(id);
  return k;
}

// The smallest key greater than every key starting with `prefix`; empty if there is none.
inline std::string prefix_end(std::string_view prefix) {
  std::string end{prefix};
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace ttareungyi::storage::layout
