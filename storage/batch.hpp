#pragma once
// Internal: one write batch for a group of changesets. Each changeset goes in whole or not at
// all (a save point each), with its events numbered after the group's earlier ones and the
// secondary indexes (phone, the tickets' owner and in-use entries) kept in step with its saves.
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "reader.hpp"
#include "ttareungyi/ports/idempotency.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::storage {

// An answer kept for a customer's idempotency key.
struct kept {
  std::string customer_id;
  std::string key;
  ports::kept_answer answer;
};

class group_batch {
 public:
  // `last_sequence`: the journal's last before this group.
  group_batch(const reader& read, std::uint64_t last_sequence) : read_(read), sequence_(last_sequence) {}

  // Adds the changeset and the answer kept with it, or (on failure) nothing.
  stored<void> add(const ports::changeset& changes, const kept* answer);

  rocksdb::WriteBatch& batch() { return batch_; }
  // The journal's last sequence once the batch is written.
  std::uint64_t last_sequence() const { return sequence_; }

 private:
  // Index state of records saved earlier in the group (the database does not have it yet).
  struct overlay {
    std::unordered_map<std::string, std::string> phones;  // customer id -> phone
    void merge(overlay&& newer);
  };
  // What is known of a record's indexed fields before a save.
  template <class T>
  struct prior {
    enum { none, known, unreadable } kind = none;
    T value{};
  };

  prior<std::string> phone_before(const std::string& customer_id) const;

  stored<void> add_changes(const ports::changeset& changes);
  stored<void> add_answer(const kept& k);
  template <class T>
  stored<void> put(family f, std::string_view prefix, const T& x, std::string_view what);

  stored<void> add_item(const domain::customer& c);
  stored<void> add_item(const domain::ticket& t);
  stored<void> add_item(const domain::payment& x);
  stored<void> add_item(const domain::station& x);
  stored<void> add_item(const domain::bicycle& x);
  stored<void> add_item(const ports::removed_bicycle& x);
  stored<void> add_item(const domain::rental& x);
  stored<void> add_item(const domain::alert& x);
  // The read side: views and consumer positions, in the same batch as everything else.
  stored<void> add_item(const domain::notification& n);
  stored<void> add_item(const domain::current_rental& x);
  stored<void> add_item(const ports::ended_rental_view& x);
  stored<void> add_item(const domain::station_count& x);
  stored<void> add_item(const ports::consumer_position& x);
  stored<void> add_item(const ports::dropped_view& x);

  const reader& read_;
  rocksdb::WriteBatch batch_;
  std::uint64_t sequence_;
  overlay group_;  // of the changesets already in the batch
  overlay mine_;   // of the changeset being added
};

}  // namespace ttareungyi::storage
