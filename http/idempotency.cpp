#include "idempotency.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <utility>

#include "problem.hpp"
#include "ttareungyi/security/digest.hpp"

namespace ttareungyi::http {

namespace {

bool valid_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > 255) return false;
  for (unsigned char c : key)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

std::string slot_of(std::string_view customer, std::string_view key) {
  std::string slot = std::to_string(customer.size());
  slot.push_back(':');
  slot.append(customer).append(key);
  return slot;
}

// A key being answered. Released explicitly once the answer is passed on, or when the last copy
// of the reply goes without an answer (the facade dropped it).
class claim {
 public:
  claim(std::shared_ptr<idempotency_in_flight> busy, std::string slot) : busy_(std::move(busy)), slot_(std::move(slot)) {}
  claim(const claim&) = delete;
  claim& operator=(const claim&) = delete;
  ~claim() { release(); }
  void release() {
    if (released_.exchange(true)) return;
    std::lock_guard lock{busy_->mutex};
    busy_->keys.erase(slot_);
  }

 private:
  std::shared_ptr<idempotency_in_flight> busy_;
  std::string slot_;
  std::atomic<bool> released_{false};
};

response replay(const ports::kept_answer& kept) {
  response r{kept.status, kept.headers, kept.body};
  r.headers.emplace_back(std::string{replayed_header}, "true");
  return r;
}

}  // namespace

idempotency::idempotency(ports::idempotency_store& store, const domain::clock& clock) : store_(store), clock_(clock) {}

bool idempotency::keeps(int status) noexcept { return status < 500 && status != 408 && status != 429; }

std::string idempotency::fingerprint(const request& req) {
  std::string text = req.method;
  text.push_back('\n');
  text.append(split(req.target).path);
  text.push_back('\n');
  text.append(req.body);
  return security::sha256_hex(text);
}

void idempotency::run(const std::string& customer, std::string_view key, const request& req, const responder& respond,
                      std::function<void(responder)> execute) {
  if (!valid_key(key))
    return respond(to_response(bad_request("Idempotency-Key must be 1 to 255 visible ASCII characters")));

  // Claim the key for this process; the claim ends when the answer was kept (or not kept) and
  // passed on, or when the reply is dropped without an answer.
  auto slot = slot_of(customer, key);
  {
    std::lock_guard lock{busy_->mutex};
    if (!busy_->keys.insert(slot).second) {
      problem p{409, "idempotency_key_in_progress",
                "a request with this Idempotency-Key is still being answered; retry shortly"};
      p.headers.emplace_back("Retry-After", "1");
      return respond(to_response(p));
    }
  }
  auto held = std::make_shared<claim>(busy_, std::move(slot));

  // The store may answer on another thread, later (a gateway's asks the core): everything the
  // answer needs is captured by value, and `execute` holds its request itself.
  auto* store = &store_;
  const auto* clock = &clock_;
  store_.find_answer(
      customer, std::string{key},
      [store, clock, held, respond, execute = std::move(execute), customer, key = std::string{key},
       print = fingerprint(req)](ports::stored<std::optional<ports::kept_answer>> kept) {
        if (!kept) {
          if (kept.error().retry_after_seconds > 0)  // the store is away for now: nothing was done
            return respond(to_response(service_unavailable(kept.error().message, kept.error().retry_after_seconds)));
          spdlog::warn("http: cannot read the answer kept for an idempotency key: {}", kept.error().message);
          return respond(to_response(internal_problem()));
        }
        if (*kept) {
          if ((*kept)->fingerprint != print) {
            return respond(to_response(problem{422, "idempotency_key_reused",
                                               "this Idempotency-Key was used for a different request"}));
          }
          return respond(replay(**kept));
        }
        execute([store, clock, held, respond, customer, key, print](response answer) {
          if (!keeps(answer.status)) {
            held->release();
            return respond(std::move(answer));
          }
          ports::kept_answer kept{print, answer.status, answer.headers, answer.body, clock->now()};
          store->keep_answer(customer, key, std::move(kept),
                             [held, respond, answer = std::move(answer)](ports::stored<void> done) mutable {
                               // The work is done either way: its answer goes out; only a retry
                               // would repeat the work.
                               if (!done)
                                 spdlog::warn("http: could not keep the answer of an idempotent request: {}",
                                              done.error().message);
                               held->release();
                               respond(std::move(answer));
                             });
        });
      });
}

}  // namespace ttareungyi::http
