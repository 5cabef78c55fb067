#pragma once
// The remaining-time view as other threads read it. The rentals view (views.cpp) is its only
// writer: it publishes each batch once the batch is committed, then the journal position the
// board now reflects. A reader whose journal sequence the board has reached gets its answer
// right here, on its own thread, with no message to any actor; a reader ahead of the board
// (its own write not applied yet) takes the view actor's path, which waits for it.
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ttareungyi/domain/views.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::actors {

class rental_board {
 public:
  // A customer's entry after a batch: the rental now current, or none.
  using change = std::pair<domain::ids::customer_id, std::optional<domain::current_rental>>;

  // The customer's current rental as of a position >= min; nullopt when the board is behind.
  std::optional<std::optional<domain::current_rental>> find(const domain::ids::customer_id& customer, std::uint64_t min) const;
  // The committed entry, whatever the position (for the writer and the view actor).
  std::optional<domain::current_rental> get(const domain::ids::customer_id& customer) const;
  // The position published last; nullopt after reset, before the first publish.
  std::optional<std::uint64_t> position() const;

  // Writer side. `publish` applies committed changes, then announces `position`.
  void publish(const std::vector<change>& changes, std::uint64_t position);
  // Replaces every entry with `all` (a state at least as recent as the position published),
  // shard by shard, so a reader sees either the old or the new state, never an empty board.
  void replace(std::vector<domain::current_rental> all);

 private:
  struct shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<domain::ids::customer_id, domain::current_rental> rentals;
  };
  static constexpr std::size_t shard_count = 16;
  static std::size_t slot(const domain::ids::customer_id& customer);

  std::array<shard, shard_count> shards_;
  std::atomic<std::uint64_t> published_{0};  // the position + 1; 0: nothing published
};

// What a batch of journal events does to the board: each touched customer's final entry, put
// or dropped (domain::project_rental; a customer riding on two tickets at once keeps the other
// rental when one is returned). For the core's rentals view and a gateway's copy of it.
std::vector<rental_board::change> rental_changes(const std::vector<ports::recorded_event>& batch,
                                                 const rental_board& board);

}  // namespace ttareungyi::actors
