#pragma once
// What the adapters count for an operator's metrics (docs/operations.md): each call is cheap,
// never throws, and may come from any thread. The metrics adapter implements them; a node
// without metrics passes none (nullptr).
#include <chrono>
#include <cstddef>
#include <string_view>

namespace ttareungyi::ports {

// An HTTP request answered: `route` is the route's template ("/v1/tickets/{id}"), never the raw
// path, so that the labels stay bounded.
class request_meter {
 public:
  virtual ~request_meter() = default;
  virtual void answered(std::string_view method, std::string_view route, int status,
                        std::chrono::nanoseconds took) noexcept = 0;
};

// One write batch of the group commit: `changesets` in it, written (and fsync'd when `synced`)
// in `took`, or failed.
class commit_meter {
 public:
  virtual ~commit_meter() = default;
  virtual void committed(std::size_t changesets, bool ok, bool synced, std::chrono::nanoseconds took) noexcept = 0;
};

}  // namespace ttareungyi::ports
