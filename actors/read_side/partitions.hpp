#pragma once
// The notifier's journal, split into partitions that notifier replicas share (docs/nodes.md).
//
// A fixed number of partitions, chosen when a data dir is created, by the correlation id of each
// event: every notice of one rental, or of one ticket's payments, falls in one partition and is
// stored in journal order. The core's coordinator (coordinator.cpp) hands each partition to one
// live replica; a replica reads the journal from its partition's position, turns its events
// into notices and hands the coordinator a commit: the notices and the new position, in one
// WriteBatch. Correctness never rests on the assignment being right everywhere at once: a
// commit is applied only when its generation is the current one, its sender owns the partition
// and its start is the stored position (compare-and-set). A replica that lost a partition can
// not commit for it any more; a commit lost in a crash is made again from the stored position.
//
// Messages (the coordinator is reached through the core's read side, which passes them on):
//   replica -> (join_atom, name)                    -> caf::actor: the coordinator, to monitor
//   coordinator -> (assign_atom, partition_assignment)   to every member, after every change
//   replica -> (journal_atom, after, max)           -> std::vector<ports::recorded_event>
//   replica -> (commit_atom, partition_commit)      -> std::uint64_t: the partition's new position,
//                                                      or 409 partition_fenced
//   coordinator -> (appended_atom, up_to)               to every member: the journal grew
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ttareungyi/domain/fields.hpp"
#include "ttareungyi/domain/views.hpp"

namespace ttareungyi::actors {

// Used when a data dir is created without a count of its own; fixed from then on.
constexpr std::uint32_t default_partitions = 12;

// The partition of an event, by its correlation id (FNV-1a: the same on every node and build).
std::uint32_t partition_of(std::string_view correlation_id, std::uint32_t partitions);

// The owners of the partitions after a member joined or left: each partition keeps its owner
// while that owner is still a member and under its share, the rest go to the members with the
// fewest, so that no member owns more than one partition above another and as few as possible
// move. `owners[p]` is a member's name (empty: nobody); `members` are the live ones. Pure.
std::vector<std::string> rebalance(const std::vector<std::string>& owners, std::vector<std::string> members);

// One partition handed to a replica: where its notices stand.
struct partition_claim {
  std::uint32_t partition = 0;
  std::uint64_t position = 0;  // the journal sequence its last commit reached
};

struct partition_assignment {
  std::uint64_t generation = 0;  // bumped by every change of members
  std::uint32_t partitions = 0;  // the count, the same for the data dir's life
  std::vector<partition_claim> owned;
};

// A replica's commit for one partition: the notices of the journal's events (from, to] that fall
// in it.
struct partition_commit {
  std::uint32_t partition = 0;
  std::uint64_t generation = 0;
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  std::vector<domain::notification> notices;
};

template <domain::either<partition_claim> X, class F>
decltype(auto) fields(X& x, F&& f) {
  using domain::field;
  return f("partition_claim", field{"partition", x.partition}, field{"position", x.position});
}

template <domain::either<partition_assignment> X, class F>
decltype(auto) fields(X& x, F&& f) {
  using domain::field;
  return f("partition_assignment", field{"generation", x.generation}, field{"partitions", x.partitions},
           field{"owned", x.owned});
}

template <domain::either<partition_commit> X, class F>
decltype(auto) fields(X& x, F&& f) {
  using domain::field;
  return f("partition_commit", field{"partition", x.partition}, field{"generation", x.generation},
           field{"from", x.from}, field{"to", x.to}, field{"notices", x.notices});
}

}  // namespace ttareungyi::actors
