#include "partitions.hpp"

#include <algorithm>
#include <map>

namespace ttareungyi::actors {

std::uint32_t partition_of(std::string_view correlation_id, std::uint32_t partitions) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : correlation_id) h = (h ^ c) * 0x100000001b3ULL;
  return partitions == 0 ? 0 : static_cast<std::uint32_t>(h % partitions);
}

std::vector<std::string> rebalance(const std::vector<std::string>& owners, std::vector<std::string> members) {
  std::vector<std::string> out(owners.size());
  if (members.empty()) return out;
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  // Shares: n / m each, and one more for the first n % m members (by name, so every run agrees).
  const auto n = owners.size(), m = members.size();
  std::map<std::string, std::size_t> share, held;
  for (std::size_t i = 0; i < m; ++i) share[members[i]] = n / m + (i < n % m ? 1 : 0);
  for (std::size_t p = 0; p < n; ++p) {
    auto s = share.find(owners[p]);
    if (s == share.end() || held[owners[p]] >= s->second) continue;
    out[p] = owners[p];
    ++held[owners[p]];
  }
  for (std::size_t p = 0; p < n; ++p) {
    if (!out[p].empty()) continue;
    auto next = std::find_if(members.begin(), members.end(), [&](const auto& x) { return held[x] < share[x]; });
    out[p] = *next;
    ++held[*next];
  }
  return out;
}

}  // namespace ttareungyi::actors
