#pragma once
// Idempotent requests: the first answer given to a customer's request that carried an
// idempotency key is kept, so that a retry of the same request (a lost answer, a client that
// timed out) gets that answer again instead of buying or renting a second time.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/storage.hpp"

namespace ttareungyi::ports {

struct kept_answer {
  std::string fingerprint;  // of the request it answered, to tell a retry from a different request
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  domain::instant kept_at{};

  bool operator==(const kept_answer&) const = default;
};

// Answers are kept per customer and key for at least the store's retention (24 hours by
// default), across restarts; older ones are no longer found and are dropped in the background.
class idempotency_store {
 public:
  using on_kept = std::function<void(stored<void>)>;
  using on_found = std::function<void(stored<std::optional<kept_answer>>)>;
  virtual ~idempotency_store() = default;

  // The answer kept for the customer's key, unless there is none or it is past the retention,
  // to `done`, once: at once from a local store, later from another node's (a gateway asks the
  // core's).
  virtual void find_answer(std::string customer_id, std::string key, on_found done) = 0;
  // Keeps `answer` under the customer's key (replacing what was there). `done` runs once it is
  // durable or has failed, on the storage's own writer thread: keep it short.
  virtual void keep_answer(std::string customer_id, std::string key, kept_answer answer, on_kept done) = 0;
  // Drops every answer past the retention now, instead of when the storage gets to it.
  virtual stored<void> forget_expired_answers() = 0;
};

}  // namespace ttareungyi::ports
