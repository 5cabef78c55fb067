#include "ttareungyi/payment/sandbox.hpp"

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

namespace ttareungyi::payment {

struct sandbox_provider::impl {
  sandbox_settings settings;
  std::mutex mutex;
  std::condition_variable wake;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> due;  // delayed answers
  std::unordered_map<std::string, domain::charge_verdict> verdicts;
  std::mt19937_64 random{std::random_device{}()};
  bool stopping = false;
  std::thread timer;

  explicit impl(sandbox_settings s) : settings(s) {
    if (settings.latency.count() > 0) timer = std::thread([this] { run(); });
  }

  ~impl() {
    {
      std::lock_guard lock{mutex};
      stopping = true;
    }
    wake.notify_all();
    if (timer.joinable()) timer.join();
  }

  // Answers after the configured latency, from the timer thread (or at once without latency).
  void answer(std::function<void()> f) {
    if (settings.latency.count() == 0) return f();
    {
      std::lock_guard lock{mutex};
      due.emplace(std::chrono::steady_clock::now() + settings.latency, std::move(f));
    }
    wake.notify_all();
  }

  void run() {
    std::unique_lock lock{mutex};
    while (!stopping) {
      if (due.empty()) {
        wake.wait(lock);
        continue;
      }
      auto first = due.begin();
      if (wake.wait_until(lock, first->first) != std::cv_status::timeout) continue;
      auto f = std::move(first->second);
      due.erase(first);
      lock.unlock();
      f();
      lock.lock();
    }
  }

  bool chance(double rate) {
    std::lock_guard lock{mutex};
    return std::uniform_real_distribution<double>{0, 1}(random) < rate;
  }
};

sandbox_provider::sandbox_provider(sandbox_settings settings) : impl_(std::make_unique<impl>(settings)) {}
sandbox_provider::~sandbox_provider() = default;

void sandbox_provider::charge(const ports::charge_request& request, on_charged done) {
  if (impl_->chance(impl_->settings.failure_rate))
    return impl_->answer([done] { done(std::unexpected(ports::provider_failure{"sandbox: simulated failure"})); });
  domain::charge_verdict verdict;
  {
    std::lock_guard lock{impl_->mutex};
    auto [it, fresh] = impl_->verdicts.try_emplace(request.payment_id, domain::charge_verdict::approved);
    if (fresh && std::uniform_real_distribution<double>{0, 1}(impl_->random) < impl_->settings.decline_rate)
      it->second = domain::charge_verdict::declined;
    verdict = it->second;
  }
  impl_->answer([done, verdict] { done(verdict); });
}

void sandbox_provider::refund(const ports::refund_request&, on_refunded done) {
  if (impl_->chance(impl_->settings.failure_rate))
    return impl_->answer([done] { done(std::unexpected(ports::provider_failure{"sandbox: simulated failure"})); });
  impl_->answer([done] { done({}); });
}

}  // namespace ttareungyi::payment
