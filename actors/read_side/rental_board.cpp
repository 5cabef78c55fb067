#include "rental_board.hpp"

#include <functional>
#include <map>
#include <mutex>

namespace ttareungyi::actors {

std::size_t rental_board::slot(const domain::ids::customer_id& customer) {
  return std::hash<domain::ids::customer_id>{}(customer) % shard_count;
}

std::optional<domain::current_rental> rental_board::get(const domain::ids::customer_id& customer) const {
  const auto& s = shards_[slot(customer)];
  std::shared_lock lock{s.mutex};
  auto i = s.rentals.find(customer);
  if (i == s.rentals.end()) return std::nullopt;
  return i->second;
}

std::optional<std::optional<domain::current_rental>> rental_board::find(const domain::ids::customer_id& customer,
                                                                       std::uint64_t min) const {
  // The position is read first: whatever was published up to it is in the shards by now.
  auto at = position();
  if (!at || *at < min) return std::nullopt;
  return get(customer);
}

void rental_board::publish(const std::vector<change>& changes, std::uint64_t position) {
  for (const auto& [customer, entry] : changes) {
    auto& s = shards_[slot(customer)];
    std::unique_lock lock{s.mutex};
    if (entry)
      s.rentals.insert_or_assign(customer, *entry);
    else
      s.rentals.erase(customer);
  }
  published_.store(position + 1, std::memory_order_release);
}

std::optional<std::uint64_t> rental_board::position() const {
  auto p = published_.load(std::memory_order_acquire);
  if (p == 0) return std::nullopt;
  return p - 1;
}

void rental_board::replace(std::vector<domain::current_rental> all) {
  std::array<std::unordered_map<domain::ids::customer_id, domain::current_rental>, shard_count> fresh;
  for (auto& r : all) {
    auto customer = r.customer_id;
    fresh[slot(customer)].insert_or_assign(std::move(customer), std::move(r));
  }
  for (std::size_t i = 0; i < shard_count; ++i) {
    std::unique_lock lock{shards_[i].mutex};
    shards_[i].rentals.swap(fresh[i]);
  }
}

std::vector<rental_board::change> rental_changes(const std::vector<ports::recorded_event>& batch,
                                                 const rental_board& board) {
  std::map<domain::ids::customer_id, std::optional<domain::current_rental>> touched;
  for (const auto& r : batch) {
    auto change = domain::project_rental(r.event());
    if (!change) continue;
    auto i = touched.find(change->customer_id);
    auto held = i != touched.end() ? i->second : board.get(change->customer_id);
    if (!change->applies_to(held)) continue;
    touched.insert_or_assign(change->customer_id, change->put);
  }
  return {std::make_move_iterator(touched.begin()), std::make_move_iterator(touched.end())};
}

}  // namespace ttareungyi::actors
