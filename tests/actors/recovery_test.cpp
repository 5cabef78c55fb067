// Recovery after a crash: tickets left in use are finished, released or left alone according
// to their rental, as storage shows it.
#include "fixture.hpp"

namespace ttareungyi::actors::test {
namespace {

using domain::bicycle_status;
using domain::rental;
using domain::rental_status;
using domain::ticket;
using domain::ticket_status;

class RecoveryTest : public actor_test {
 protected:
  domain::ticket in_use(const domain::ids::ticket_id& id, const domain::ids::customer_id& customer,
                        const domain::ids::rental_id& rental_id) {
    ticket t{.id = id, .customer_id = customer, .status = ticket_status::in_use, .purchased_at = clock.now(),
             .paid_at = clock.now(), .rental_id = rental_id};
    storage.rows.tickets[id] = t;
    return t;
  }
  rental trip(const domain::ids::rental_id& id, const domain::ids::bicycle_id& bicycle, const domain::ids::ticket_id& ticket_id,
              const domain::ids::customer_id& customer) {
    return rental{.id = id, .bicycle_id = bicycle, .ticket_id = ticket_id, .customer_id = customer,
                  .from_station_id = "st_a", .rented_at = clock.now(), .due_at = clock.now() + 60min};
  }

  slot<std::size_t> recover() {
    auto found = storage.tickets_in_use();
    auto out = std::make_shared<std::optional<domain::result<std::size_t>>>();
    sys->spawn(recover_rides, ride_contexts{desk, fleet}, *found,
               [out](domain::result<std::size_t> r) { *out = std::move(r); });
    drain();
    return out;
  }

  // As a crash leaves it: one ticket held for a rental that never started, one whose rental
  // was returned before the ticket was marked used, one riding now.
  void crash_leftovers() {
    seed_station("st_a", 10);
    seed_station("st_b", 10);
    in_use("t_orphan", "c_alice", "r_never");

    in_use("t_done", "c_bob", "r_done");
    auto done = trip("r_done", "SPB-2", "t_done", "c_bob");
    done.status = rental_status::returned;
    done.returned_at = clock.now() + 30min;
    done.to_station_id = "st_b";
    storage.rows.rentals[done.id] = done;
    seed_bicycle("SPB-2", "st_b");

    in_use("t_riding", "c_carol", "r_riding");
    storage.rows.rentals["r_riding"] = trip("r_riding", "SPB-3", "t_riding", "c_carol");
    storage.rows.bicycles["SPB-3"] = {.id = "SPB-3", .status = bicycle_status::rented, .rental_id = "r_riding"};

    // An ordinary paid ticket is none of recovery's business.
    storage.rows.tickets["t_paid"] = ticket{.id = "t_paid", .customer_id = "c_dave", .status = ticket_status::paid};
  }
};

TEST_F(RecoveryTest, RepairsInterruptedRides) {
  crash_leftovers();
  start();
  EXPECT_EQ(ok(recover()), 2u);

  EXPECT_EQ(storage.rows.tickets["t_orphan"].status, ticket_status::paid);
  EXPECT_EQ(storage.rows.tickets["t_orphan"].rental_id, std::nullopt);
  EXPECT_EQ(storage.rows.tickets["t_done"].status, ticket_status::used);
  EXPECT_EQ(storage.rows.tickets["t_done"].rental_id, "r_done");
  EXPECT_EQ(storage.rows.tickets["t_riding"].status, ticket_status::in_use);
  EXPECT_EQ(storage.rows.tickets["t_riding"].rental_id, "r_riding");
  EXPECT_EQ(storage.rows.tickets["t_paid"].status, ticket_status::paid);
  EXPECT_EQ(storage.rows.rentals["r_riding"].status, rental_status::active);

  EXPECT_EQ(storage.events_of("t_orphan"), (std::vector<std::string>{"ticket_released"}));
  EXPECT_EQ(storage.events_of("t_done"), (std::vector<std::string>{"ticket_used"}));
  EXPECT_TRUE(storage.events_of("t_riding").empty());

  // The released ticket rents again; the active rental still returns and uses its ticket.
  EXPECT_EQ(ok(rent("c_alice", "SPB-2", "t_orphan")).ticket_id, "t_orphan");
  EXPECT_EQ(ok(give_back("c_carol", "r_riding", "st_a")).status, rental_status::returned);
  EXPECT_EQ(storage.rows.tickets["t_riding"].status, ticket_status::used);
}

TEST_F(RecoveryTest, RecoveringTwiceRepairsNothingMore) {
  crash_leftovers();
  start();
  EXPECT_EQ(ok(recover()), 2u);
  EXPECT_EQ(ok(recover()), 0u);
  EXPECT_EQ(storage.rows.tickets["t_riding"].status, ticket_status::in_use);
}

TEST_F(RecoveryTest, NothingToRecover) {
  start();
  EXPECT_EQ(ok(recover()), 0u);
  EXPECT_TRUE(storage.journal_rows.empty());
}

TEST_F(RecoveryTest, RepairThatCannotBeStoredIsReported) {
  seed_station("st_a", 10);
  in_use("t_orphan", "c_alice", "r_never");
  start();
  storage.fail_commits(1);
  auto e = refusal(recover());
  EXPECT_EQ(e.kind, domain::error_kind::internal);
  EXPECT_EQ(storage.rows.tickets["t_orphan"].status, ticket_status::in_use);

  // A later start repairs it.
  EXPECT_EQ(ok(recover()), 1u);
  EXPECT_EQ(storage.rows.tickets["t_orphan"].status, ticket_status::paid);
}

}  // namespace
}  // namespace ttareungyi::actors::test
