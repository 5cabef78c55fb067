#pragma once
// Test doubles for the actor tests. Everything here runs on the test's single thread, under
// CAF's deterministic scheduler, so none of it locks.
//  - memory_storage, locked_storage: ports::storage in maps (tests/support/memory_storage.hpp).
//  - simulated_clock (tests/support): the one simulated clock of every suite, from suite_start().
//  - scripted_provider: a payment provider that records every call and approves, declines,
//    fails, throws, or holds the callback until the test releases it.
//  - plain_hasher: "hash:" + password.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ttareungyi/domain/events.hpp"
#include "ttareungyi/domain/time.hpp"
#include "ttareungyi/ports/notification_gateway.hpp"
#include "ttareungyi/ports/password_hasher.hpp"
#include "ttareungyi/ports/payment_provider.hpp"
#include "ttareungyi/ports/storage.hpp"

#include "../support/memory_storage.hpp"
#include "../support/simulated_clock.hpp"

namespace ttareungyi::actors::test {

// A notification gateway that records every delivery and acknowledges, fails or holds it.
class scripted_gateway final : public ports::notification_gateway {
 public:
  enum class answer { ack, fail, hold };
  answer mode = answer::ack;
  std::vector<domain::notification> attempts;   // every delivery started, in order
  std::vector<domain::notification> delivered;  // the acknowledged ones, in order
  std::vector<std::pair<domain::notification, std::function<void(bool)>>> held;

  void deliver(const domain::notification& n, std::function<void(bool)> done) override {
    attempts.push_back(n);
    switch (mode) {
      case answer::ack:
        delivered.push_back(n);
        return done(true);
      case answer::fail: return done(false);
      case answer::hold: held.emplace_back(n, std::move(done)); return;
    }
  }

  // Answers every held delivery.
  void release(bool ok) {
    auto waiting = std::move(held);
    held.clear();
    for (auto& [n, done] : waiting) {
      if (ok) delivered.push_back(n);
      done(ok);
    }
  }
};

// The actor suites' simulated clock starts on 1 May 2026 at 09:00 UTC.
inline domain::instant suite_start() {
  return domain::instant{std::chrono::sys_days{std::chrono::year{2026} / 5 / 1} + std::chrono::hours{9}};
}
using ttareungyi::test::simulated_clock;

class scripted_provider final : public ports::payment_provider {
 public:
  enum class answer { approve, decline, fail, hold, raise };
  answer on_charge = answer::approve;
  answer on_refund = answer::approve;  // approve means the refund succeeds; decline is not used
  std::vector<ports::charge_request> charges;
  std::vector<ports::refund_request> refunds;
  std::vector<on_charged> held_charges;
  std::vector<on_refunded> held_refunds;

  void charge(const ports::charge_request& request, on_charged done) override {
    charges.push_back(request);
    switch (on_charge) {
      case answer::approve: return done(domain::charge_verdict::approved);
      case answer::decline: return done(domain::charge_verdict::declined);
      case answer::fail: return done(std::unexpected(ports::provider_failure{"provider is down"}));
      case answer::hold: return held_charges.push_back(std::move(done));
      case answer::raise: throw std::runtime_error("provider client crashed");
    }
  }

  void refund(const ports::refund_request& request, on_refunded done) override {
    refunds.push_back(request);
    switch (on_refund) {
      case answer::approve:
      case answer::decline: return done({});
      case answer::fail: return done(std::unexpected(ports::provider_failure{"provider is down"}));
      case answer::hold: return held_refunds.push_back(std::move(done));
      case answer::raise: throw std::runtime_error("provider client crashed");
    }
  }

  // Answers every held charge with `verdict`.
  void release_charges(domain::charge_verdict verdict) {
    auto held = std::move(held_charges);
    held_charges.clear();
    for (auto& done : held) done(verdict);
  }

  // Answers every held call with a failure, as a provider does once its client times out.
  void fail_held() {
    auto charges_held = std::move(held_charges);
    auto refunds_held = std::move(held_refunds);
    held_charges.clear();
    held_refunds.clear();
    for (auto& done : charges_held) done(std::unexpected(ports::provider_failure{"timed out"}));
    for (auto& done : refunds_held) done(std::unexpected(ports::provider_failure{"timed out"}));
  }
};

class plain_hasher final : public ports::password_hasher {
 public:
  std::string hash(std::string_view password) const override { return "hash:" + std::string{password}; }
  bool verify(std::string_view password, std::string_view hash) const override { return hash == this->hash(password); }
};

}  // namespace ttareungyi::actors::test
