// The overtime collector: its own position ("overtime") over the journal. It charges the
// overtime fee of each return, one at a time and in journal order, through the payment
// supervisor, and commits its position once the charge is approved. A charge that gets no
// verdict (payment down, slow, breaker open) is retried with back-off under the same payment
// id, so the provider charges it at most once; a declined charge is retried, after the same
// back-off, as a new attempt. Returns never wait for any of this: a payment outage only delays
// the collection. The charge's record (and its payment_approved fact) is the payment
// context's own commit, and the payment context picks the attempt from its records: the
// collector's effect is idempotent, so after a crash between the two commits the retry finds
// the approved payment and charges nothing again. It reads no payment record itself, so the
// payment context may run on another node.
#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>

#include "read_side.hpp"
#include "timer.hpp"

namespace ttareungyi::actors {
namespace {

struct owed_fee {
  std::uint64_t sequence = 0;  // the return's place in the journal
  domain::overtime_charge charge;
};

struct collector_state {
  std::uint64_t position = 0;  // every fee up to here is collected (committed)
  std::uint64_t scanned = 0;   // the journal is read up to here
  std::deque<owed_fee> ahead;  // owed, oldest first
  std::uint64_t call = 0;      // the current call, to drop stale answers
  bool busy = false;           // a charge, a retry wait or a commit is under way
  std::optional<backoff> delays;
  static inline const char* name = "overtime-collector";
};

using collector_self = caf::stateful_actor<collector_state>*;

constexpr const char* collector_consumer = "overtime";

caf::behavior collector(collector_self self, environment env, journal_reader reader, caf::actor hub, payment_actor payment, overtime_settings settings) {
  auto& st = self->state;
  st.delays.emplace(settings.retry_first, settings.retry_ceiling);
  auto position = load_position(self, *reader.positions, collector_consumer);
  if (!position) return {};
  st.position = st.scanned = *position;
  const auto stop = [self](const caf::error& e) { self->quit(e); };
  // Commits `to` as the collector's position, then goes on.
  auto settle = [self, env, stop](std::uint64_t to) {
    self->state.busy = true;
    ports::changeset changes;
    changes.save(ports::consumer_position{collector_consumer, to}).mark_derived();
    persist(
        self, env, std::move(changes),
        [self, to] {
          auto& s = self->state;
          s.position = to;
          s.busy = false;
          self->send(self, wake_atom::value);
        },
        stop);
  };
  auto charge_front = [self, payment, settings] {
    auto& s = self->state;
    s.busy = true;
    const auto call = ++s.call;
    self->request(payment, settings.answer_timeout, charge_atom::value, s.ahead.front().charge)
        .then([self, call](domain::charge_verdict verdict) {
                self->send(self, charge_atom::value, call, verdict == domain::charge_verdict::approved);
              },
              [self, call](caf::error&) { self->send(self, charge_atom::value, call, false); });
  };
  // Collects the next fee, reading on in the journal when none is known.
  auto show = [self, progress = settings.progress] {
    auto& s = self->state;
    if (progress) progress->store(s.ahead.empty() ? s.scanned : s.ahead.front().sequence - 1);
  };
  auto next = [self, reader, settings, stop, settle, charge_front, show] {
    auto& s = self->state;
    show();
    if (s.busy) return;
    if (s.ahead.empty()) {
      auto batch = reader.journal->events_after(s.scanned, settings.read_ahead);
      if (!batch) return stop(to_caf(domain::internal("cannot read the journal: " + batch.error().message)));
      for (const auto& r : *batch)
        if (auto owed = domain::overtime_owed(r.event().payload)) s.ahead.push_back({r.sequence, std::move(*owed)});
      if (!batch->empty()) s.scanned = batch->back().sequence;
      show();
      if (s.ahead.empty()) {
        // Nothing owed in what was read. The position moves with the next fee collected, or
        // here once it lags far enough behind that a restart would re-read much.
        if (s.scanned - s.position >= settings.checkpoint_every)
          settle(s.scanned);
        else if (batch->size() >= settings.read_ahead)
          self->send(self, wake_atom::value);
        return;
      }
    }
    charge_front();
  };
  subscribe(self, hub);
  return {
      [next](appended_atom, std::uint64_t) { next(); },
      [next](wake_atom) { next(); },
      // The charge's verdict. Approved settles the fee. Otherwise, after the back-off, the fee is
      // charged again: the same attempt when there was no verdict, a new one after a decline
      // (the payment context keeps the attempts).
      [self, settle](charge_atom, std::uint64_t call, bool approved) {
        auto& s = self->state;
        if (call != s.call) return;
        ++s.call;  // any later answer for this call is stale
        if (!approved) return send_later(self, s.delays->next(), done_atom::value);
        s.delays->reset();
        const auto sequence = s.ahead.front().sequence;
        s.ahead.pop_front();
        settle(sequence);
      },
      [self](done_atom) {
        self->state.busy = false;
        self->send(self, wake_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_overtime_collector(caf::event_based_actor* parent, const environment& env, journal_reader reader,
                                    const caf::actor& hub, payment_actor payment, overtime_settings settings) {
  return parent->spawn(collector, env, reader, hub, std::move(payment), settings);
}

}  // namespace ttareungyi::actors
