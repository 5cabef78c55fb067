#pragma once
// The typed interfaces of each context's entry actor. Callers in other contexts see only
// these, so a whole context can move to another node without touching its callers.
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "ttareungyi/app/services.hpp"
#include "wire.hpp"

namespace ttareungyi::actors {

// A ticket's purchase commits twice: its intent before the provider is called, and the verdict
// after. The ticket prepares what it will record for either verdict, and the payment context
// commits the matching one with its own record of the verdict.
struct ticket_verdicts {
  ports::changeset approved;
  ports::changeset declined;
};

// The verdict, and whether the ticket's changes were committed with it: not when the verdict
// was recorded already (a charge approved after the purchase stopped waiting), when another
// call for the same payment brought newer changes, or when payment runs on another node.
struct charge_receipt {
  domain::charge_verdict verdict = domain::charge_verdict::declined;
  bool recorded = false;
};

}  // namespace ttareungyi::actors

// Both stay inside the node that keeps the tickets: never serialized.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ttareungyi::actors::ticket_verdicts)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(ttareungyi::actors::charge_receipt)

namespace ttareungyi::actors {

// Payment context: charges and refunds, answered within the call timeout or refused. A refund
// of a payment id whose charge was never approved (unknown, declined) is declined with
// `payment_not_refundable`, and one whose charge is still in flight is `payment_unavailable`.
// A payment's record as the payment context keeps it: 404 `payment_not_found` when it has none.
using payment_actor = caf::typed_actor<
    caf::replies_to<charge_atom, ports::charge_request>::with<domain::charge_verdict>,
    // A ticket's charge, within the node: commits the ticket's changes for the verdict with it.
    caf::replies_to<charge_atom, ports::charge_request, ticket_verdicts>::with<charge_receipt>,
    caf::replies_to<refund_atom, ports::refund_request>::with<ok_atom>,
    // A return's overtime fee: the payment context picks the attempt from its own records (a new
    // one after a decline) and charges it; approved at once when one was approved already.
    caf::replies_to<charge_atom, domain::overtime_charge>::with<domain::charge_verdict>,
    caf::replies_to<get_atom, std::string /*payment id*/>::with<domain::payment>>;

// Identity context.
using identity_actor = caf::typed_actor<
    caf::replies_to<sign_up_atom, domain::sign_up_request>::with<app::customer_profile>,
    caf::replies_to<login_atom, std::string /*phone*/, std::string /*password*/>::with<app::customer_profile>>;

// A ride's step crosses the ticket and the rental contexts and commits once: the context asked
// first decides its part and hands its changes to the other, which decides its own and commits
// both in one write batch (each context still writes only its own records and events). The
// first waits for the answer before it handles anything else, so its next decision starts from
// what was committed. These are the second halves, as each context sees the other's:
// - renting: the ticket is put in use, then the bicycle is rented with the ticket's changes;
// - returning: the bicycle is returned, then the ticket is marked used with the bicycle's.
// The waits cannot close a cycle: a ticket waits for a bicycle only while it is not in use, and
// a bicycle waits for a ticket only when that ticket is in use with its rental.
using bicycle_rent_actor = caf::typed_actor<caf::replies_to<rent_atom, domain::ids::bicycle_id, domain::rent_request,
                                                            ports::changeset /*the ticket's*/>::with<domain::rental>>;
using ticket_finish_actor = caf::typed_actor<caf::replies_to<finish_atom, domain::ids::ticket_id, domain::ids::rental_id,
                                                             ports::changeset /*the bicycle's*/>::with<domain::ticket>>;

// Ticket context: the desk that routes to one actor per ticket. Customer ids come first
// wherever a customer may only touch their own tickets.
using ticket_desk_actor = caf::typed_actor<
    caf::replies_to<buy_atom, domain::ids::customer_id, domain::ticket_type>::with<domain::ticket>,
    caf::replies_to<pay_atom, domain::ids::customer_id, domain::ids::ticket_id>::with<domain::ticket>,
    caf::replies_to<cancel_atom, domain::ids::customer_id, domain::ids::ticket_id>::with<domain::ticket>,
    caf::replies_to<get_atom, domain::ids::customer_id, domain::ids::ticket_id>::with<domain::ticket>,
    // Puts the paid ticket in use for the rental and rents the bicycle in the same commit.
    caf::replies_to<reserve_atom, domain::ids::customer_id, domain::ids::ticket_id, domain::ids::rental_id,
                    domain::ids::bicycle_id, bicycle_rent_actor>::with<domain::rental>,
    // Recovery's, for a ticket left in use by a rental that never started (a store written
    // before rents committed once).
    caf::replies_to<release_atom, domain::ids::ticket_id, domain::ids::rental_id>::with<domain::ticket>,
    // Marks the ticket used, committing the bicycle's return with it (recovery's: no changes).
    caf::replies_to<finish_atom, domain::ids::ticket_id, domain::ids::rental_id, ports::changeset>::with<domain::ticket>,
    // Internal to the context: an idle ticket actor asks whether it may stop (registry.hpp).
    caf::replies_to<passivate_atom, domain::ids::ticket_id, std::uint64_t /*handled*/>::with<bool>>;

// Rental context: stations, and the registry that routes to one actor per bicycle.
using fleet_actor = caf::typed_actor<
    // An id left out is chosen by the fleet.
    caf::replies_to<station_atom, add_atom, app::new_station>::with<app::station_view>,
    // 404 station_not_found when the alert names a station the fleet does not know.
    caf::replies_to<alert_atom, add_atom, domain::alert_request>::with<domain::alert>,
    caf::replies_to<bicycle_atom, add_atom, app::new_bicycle>::with<domain::bicycle>,
    caf::replies_to<bicycle_atom, remove_atom, domain::ids::bicycle_id>::with<ok_atom>,
    // Rents the bicycle, committing the ticket's changes with it.
    caf::replies_to<rent_atom, domain::ids::bicycle_id, domain::rent_request, ports::changeset>::with<domain::rental>,
    // Returns the bicycle and has the ticket marked used in the same commit.
    caf::replies_to<return_atom, domain::ids::customer_id, domain::ids::rental_id, domain::ids::station_id,
                    ticket_finish_actor>::with<domain::rental>,
    caf::replies_to<rental_atom, domain::ids::rental_id>::with<domain::rental>,
    // Internal to the context: an idle bicycle actor asks whether it may stop (registry.hpp).
    caf::replies_to<passivate_atom, domain::ids::bicycle_id, std::uint64_t /*handled*/>::with<bool>>;

// The listings, read-only, each from its own context's store and off that context's entity
// path: no listing passes the ticket desk, the fleet or an entity actor, so a long one never
// queues a purchase, a rent or a return behind it (listings.hpp). Pages as app::page answers
// them; a cursor the store cannot read is refused with invalid_cursor.
using ticket_listings_actor = caf::typed_actor<
    caf::replies_to<list_atom, domain::ids::customer_id, app::page_request>::with<app::page<domain::ticket>>>;
using rental_listings_actor = caf::typed_actor<
    caf::replies_to<station_atom, list_atom, app::page_request>::with<app::page<domain::station>>,
    caf::replies_to<bicycle_atom, list_atom, app::bicycle_query, app::page_request>::with<app::page<domain::bicycle>>,
    caf::replies_to<alert_atom, list_atom>::with<std::vector<domain::alert>>>;

// A ride's answer to another node: the rental, and the journal's end once its step was
// committed, which the gateway's copy of the remaining-time view waits for before it answers
// (read-your-writes without a remote hop per read).
struct ride_receipt {
  domain::rental rental;
  std::uint64_t sequence = 0;
};

template <domain::either<ride_receipt> X, class F>
decltype(auto) fields(X& x, F&& f) {
  return f("ride_receipt", domain::field{"rental", x.rental}, domain::field{"sequence", x.sequence});
}

// The core as another node sees it (a gateway, docs/nodes.md): what customers and operators
// ask of its contexts, the rides (their steps run on the core), the read side's queries (the
// bound is raised to the core's own journal end: read-your-writes), the journal feed, sign-in
// (the core checks the credentials and signs; its key set lets gateways verify), the answers
// kept for Idempotency-Keys, and a
// customer's live notices, sent to a relay actor on the gateway (answered with the actor that
// keeps the watch, to monitor; the watch ends when the relay does).
using core_actor = caf::typed_actor<
    caf::replies_to<sign_up_atom, domain::sign_up_request>::with<app::customer_profile>,
    caf::replies_to<login_atom, std::string /*phone*/, std::string /*password*/>::with<app::customer_profile>,
    caf::replies_to<buy_atom, domain::ids::customer_id, domain::ticket_type>::with<domain::ticket>,
    caf::replies_to<pay_atom, domain::ids::customer_id, domain::ids::ticket_id>::with<domain::ticket>,
    caf::replies_to<cancel_atom, domain::ids::customer_id, domain::ids::ticket_id>::with<domain::ticket>,
    caf::replies_to<get_atom, domain::ids::customer_id, domain::ids::ticket_id>::with<domain::ticket>,
    caf::replies_to<list_atom, domain::ids::customer_id, app::page_request>::with<app::page<domain::ticket>>,
    caf::replies_to<station_atom, add_atom, app::new_station>::with<app::station_view>,
    caf::replies_to<alert_atom, add_atom, domain::alert_request>::with<domain::alert>,
    caf::replies_to<bicycle_atom, add_atom, app::new_bicycle>::with<domain::bicycle>,
    caf::replies_to<bicycle_atom, remove_atom, domain::ids::bicycle_id>::with<ok_atom>,
    caf::replies_to<bicycle_atom, list_atom, app::bicycle_query, app::page_request>::with<app::page<domain::bicycle>>,
    caf::replies_to<alert_atom, list_atom>::with<std::vector<domain::alert>>,
    caf::replies_to<rent_atom, domain::ids::customer_id, domain::ids::bicycle_id, domain::ids::ticket_id>::with<ride_receipt>,
    caf::replies_to<return_atom, domain::ids::customer_id, domain::ids::rental_id, domain::ids::station_id>::with<ride_receipt>,
    caf::replies_to<current_atom, domain::ids::customer_id, std::uint64_t /*min*/>::with<domain::current_rental>,
    caf::replies_to<station_atom, list_atom, app::page_request, std::uint64_t /*min*/>::with<app::page<app::station_view>>,
    caf::replies_to<notice_atom, list_atom, domain::ids::customer_id, app::page_request, std::uint64_t /*min*/>::with<
        app::page<domain::notification>>,
    caf::replies_to<journal_atom, std::uint64_t /*after*/, std::uint64_t /*max*/>::with<std::vector<ports::recorded_event>>,
    // The same, but waiting while there is nothing after `after`: answered as soon as the
    // journal grows, or with nothing after a second (a long poll).
    caf::replies_to<journal_atom, pull_atom, std::uint64_t /*after*/, std::uint64_t /*max*/>::with<
        std::vector<ports::recorded_event>>,
    caf::replies_to<token_atom, login_atom, std::string /*phone*/, std::string /*password*/>::with<ports::issued_token>,
    caf::replies_to<token_atom, operator_atom, std::string /*client id*/, std::string /*secret*/>::with<ports::issued_token>,
    caf::replies_to<token_atom, get_atom>::with<std::string /*JWK set*/>,
    // Idempotency-Key answers, kept in the core's store for every gateway: the customer's key's
    // answer (none or one), and keeping one (answered once it is durable).
    caf::replies_to<answer_atom, get_atom, std::string /*customer*/, std::string /*key*/>::with<
        std::vector<ports::kept_answer>>,
    caf::replies_to<answer_atom, add_atom, std::string /*customer*/, std::string /*key*/, ports::kept_answer>::with<ok_atom>,
    caf::replies_to<watch_atom, domain::ids::customer_id, std::uint64_t /*after*/, caf::actor /*relay*/>::with<caf::actor>>;

}  // namespace ttareungyi::actors
