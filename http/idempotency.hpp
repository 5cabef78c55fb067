#pragma once
// Idempotency-Key (POST /v1/tickets, POST /v1/rentals): the first final answer to a customer's
// request with a key is kept (ports::idempotency_store) before it is sent, and a retry with the
// same key gets it again instead of doing the work twice.
//
// * Same key, same request (method, path and body, byte for byte: their SHA-256): the kept
//   answer, same status, headers and body, plus `Idempotent-Replayed: true`.
// * Same key, another request: 422 idempotency_key_reused.
// * The kept answers are the store's: a node's own RocksDB, or on a gateway the core's, which it
//   asks (the store answers through a callback, maybe later, on another thread).
// * Same key while its first request is still being answered (in this process): 409
//   idempotency_key_in_progress with Retry-After: 1, at once (rather than holding the second
//   request open for as long as a payment may take); a later retry finds the kept answer.
// * Transient answers are not kept, so that a retry can succeed: 5xx (503 payment unavailable:
//   its ticket stays payment_pending and POST /v1/tickets/{id}/payment pays it), 408 and 429.
//   Every other answer is final (201, 400-level refusals such as 402 declined or
//   409 bicycle_unavailable).
// * Keys are 1 to 255 visible ASCII characters; anything else is 400.
//
// Limit, stated plainly: the answer is kept after the work was committed, in a second commit;
// if the process dies between the two (a millisecond window), the answer was never sent and a
// retry does the work again.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

#include "message.hpp"
#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/idempotency.hpp"

namespace ttareungyi::http {

// Keys being answered now: customer and key, length-prefixed.
struct idempotency_in_flight {
  std::mutex mutex;
  std::unordered_set<std::string> keys;
};

inline constexpr std::string_view idempotency_header = "Idempotency-Key";
inline constexpr std::string_view replayed_header = "Idempotent-Replayed";

class idempotency {
 public:
  // `store` and `clock` must outlive every reply still owed to a request it wraps.
  idempotency(ports::idempotency_store& store, const domain::clock& clock);

  // Answers `req` of `customer` that carries `key`: from what was kept, with a refusal, or by
  // calling `execute` with a responder that keeps a final answer before it passes it on to
  // `respond`. `execute` may run after run() returned, on another thread (when the store
  // answers later): it must hold what it needs.
  void run(const std::string& customer, std::string_view key, const request& req, const responder& respond,
           std::function<void(responder)> execute);

  // Whether an answer with this status is final, and so kept.
  static bool keeps(int status) noexcept;
  // The fingerprint of a request: SHA-256 of method, path and body.
  static std::string fingerprint(const request& req);

 private:
  ports::idempotency_store& store_;
  const domain::clock& clock_;
  std::shared_ptr<idempotency_in_flight> busy_ = std::make_shared<idempotency_in_flight>();
};

}  // namespace ttareungyi::http
