#pragma once
// Helpers shared by the HTTP adapter's tests: a token service on a controllable clock and a
// way to call api::handle and collect what it answers.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "message.hpp"
#include "simulated_clock.hpp"
#include "ttareungyi/security/tokens.hpp"

namespace ttareungyi::http::test {

using json = nlohmann::json;

using ttareungyi::test::simulated_clock;

inline constexpr std::string_view test_issuer = "http://issuer.test";

struct token_fixture {
  simulated_clock clock;
  security::token_service tokens{security::signing_key::generate(), std::string{test_issuer}, std::chrono::seconds{3600},
                                 clock.seconds()};

  std::string bearer(std::string_view subject, std::string_view scope) const {
    return "Bearer " + tokens.issue(subject, scope);
  }
};

// Collects the answers given through a responder, from any thread.
class answers {
 public:
  responder responder_fn() {
    return [this](response r) {
      std::lock_guard lock{mutex_};
      got_.push_back(std::move(r));
      cv_.notify_all();
    };
  }

  std::size_t count() {
    std::lock_guard lock{mutex_};
    return got_.size();
  }

  bool wait(std::size_t n, std::chrono::milliseconds timeout = std::chrono::milliseconds{5000}) {
    std::unique_lock lock{mutex_};
    return cv_.wait_for(lock, timeout, [&] { return got_.size() >= n; });
  }

  response at(std::size_t i) {
    std::lock_guard lock{mutex_};
    return got_.at(i);
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<response> got_;
};

inline json body_of(const response& r) { return json::parse(r.body); }

inline request make_request(std::string method, std::string target, std::string body = {},
                            header_list headers = {}) {
  return request{std::move(method), std::move(target), std::move(headers), std::move(body)};
}

}  // namespace ttareungyi::http::test
