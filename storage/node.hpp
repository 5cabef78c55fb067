#pragma once
// Internal: the node storage on RocksDB, ports::storage and ports::idempotency_store. Reads go
// straight to the database (reader); writes go through the one group-committing writer. Its
// members are defined by port: aggregate_reads.cpp (identity, payment, rental), ticket_reads.cpp,
// read_side.cpp (journal, positions, views, notifications), rocksdb_storage.cpp (idempotency,
// commits, opening).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "database.hpp"
#include "reader.hpp"
#include "ttareungyi/storage/rocksdb_storage.hpp"
#include "writer.hpp"

namespace ttareungyi::storage {

class rocksdb_storage final : public node_storage {
 public:
  rocksdb_storage(std::unique_ptr<database> db, std::uint64_t last_sequence, const storage_options& options);

  // identity
  stored<std::optional<domain::customer>> find_customer(const domain::ids::customer_id& id) const override;
  stored<std::optional<domain::customer>> find_customer_by_phone(std::string_view phone) const override;
  // ticket
  stored<std::optional<domain::ticket>> find_ticket(const domain::ids::ticket_id& id) const override;
  stored<std::vector<domain::ticket>> tickets_in_use() const override;
  stored<ports::page<domain::ticket>> tickets_of(const domain::ids::customer_id& customer_id,
                                                 const ports::page_request& request) const override;
  // payment
  stored<std::optional<domain::payment>> find_payment(std::string_view id) const override;
  // rental
  stored<std::optional<domain::station>> find_station(const domain::ids::station_id& id) const override;
  stored<std::vector<domain::station>> stations() const override;
  stored<std::vector<domain::alert>> alerts() const override;
  stored<ports::page<domain::station>> stations(const ports::page_request& request) const override;
  stored<std::optional<domain::bicycle>> find_bicycle(const domain::ids::bicycle_id& id) const override;
  stored<std::optional<domain::rental>> find_rental(const domain::ids::rental_id& id) const override;
  stored<ports::page<domain::bicycle>> bicycles(const ports::bicycle_filter& filter, const ports::page_request& request,
                                                std::size_t scan_limit = 10000) const override;
  // journal
  stored<std::vector<ports::recorded_event>> events_after(std::uint64_t after, std::size_t max) const override;
  std::uint64_t last_sequence() const override { return writer_.last_sequence(); }
  // positions and views (read side)
  stored<std::uint64_t> position(std::string_view consumer) const override;
  stored<std::optional<domain::current_rental>> current_rental(const domain::ids::customer_id& customer_id) const override;
  stored<std::vector<domain::current_rental>> current_rentals() const override;
  stored<std::vector<domain::station_count>> station_counts() const override;
  // notifications
  stored<std::vector<domain::notification>> notifications_of(const domain::ids::customer_id& customer_id, std::uint64_t after,
                                                             std::size_t max) const override;
  stored<std::vector<domain::notification>> notifications_after(std::uint64_t after, std::size_t max) const override;
  stored<ports::page<domain::notification>> notifications_page(const domain::ids::customer_id& customer_id,
                                                               const ports::page_request& request) const override;
  // idempotency
  void find_answer(std::string customer_id, std::string key, on_found done) override;
  void keep_answer(std::string customer_id, std::string key, ports::kept_answer answer, on_kept done) override;
  stored<void> forget_expired_answers() override;
  // committer
  void commit(ports::changeset changes, on_committed done) override;

 private:
  // The kept answer, read on the caller's thread (find_answer answers with it at once).
  stored<std::optional<ports::kept_answer>> kept_answer_of(std::string_view customer_id, std::string_view key) const;
  struct owner_entry {  // of the "o:" index
    std::int64_t purchased_ms = 0;
    std::string ticket_id;
  };
  // The customer's owner entries from key `start` on (empty: the first), in order, at most max.
  stored<std::vector<owner_entry>> owner_entries(std::string_view customer_id, std::string_view start,
                                                 std::size_t max, const rocksdb::ReadOptions& ro) const;
  // The tickets the entries name that are still the customer's, bought at the entry's time.
  stored<std::vector<domain::ticket>> owned_tickets(std::string_view customer_id,
                                                    const std::vector<owner_entry>& entries,
                                                    const rocksdb::ReadOptions& ro) const;
  // The tickets an index names, in its order: `current(i, ticket)` says whether the ticket
  // still matches entry i; entries it no longer matches are stale and skipped.
  stored<std::vector<domain::ticket>> indexed_tickets(
      const std::vector<std::string>& ids, const rocksdb::ReadOptions& ro,
      const std::function<bool(std::size_t, const domain::ticket&)>& current) const;

  // Notifications with keys in [lower, upper) of the notification family, last key first, at most max.
  stored<std::vector<domain::notification>> newest_notices(std::string_view lower, std::string_view upper,
                                                           std::size_t max) const;

  rocksdb::DB* db() const { return read_.db(); }
  rocksdb::ColumnFamilyHandle* cf(family f) const { return read_.cf(f); }

  std::unique_ptr<database> db_;
  reader read_;
  const domain::clock& clock_;
  const std::chrono::milliseconds retention_;
  group_writer writer_;  // destroyed first: pending commits finish while the database is open
};

}  // namespace ttareungyi::storage
