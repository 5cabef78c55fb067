#pragma once
// The node's metrics for Prometheus (docs/operations.md has the catalogue): what the adapters
// count as it happens (requests, commits), and what the node is doing, read at each scrape
// (journal and consumers, entities, breaker, peers, streams, health, disk, the process).
// prometheus-cpp's core builds the families and writes the text format; our own HTTP server
// serves it on GET /metrics. No prometheus type appears here.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ttareungyi/app/services.hpp"
#include "ttareungyi/ports/meters.hpp"

namespace ttareungyi::metrics {

// What the node is doing right now; the composition root reads it at each scrape.
struct node_figures {
  struct consumer {
    std::string name;           // "rentals", "stations", "notifier", "overtime"
    std::uint64_t position = 0;  // the last journal sequence it applied
  };
  struct heartbeat {
    std::string path;     // "scheduler", "writer"
    double age_seconds = 0;
  };
  struct disk {
    std::uint64_t free_bytes = 0;
    std::uint64_t capacity_bytes = 0;
  };
  bool ready = false;
  bool draining = false;
  bool live = true;
  std::optional<std::uint64_t> journal_head;  // on nodes that keep the journal
  std::vector<consumer> consumers;
  std::size_t live_tickets = 0;
  std::size_t live_bicycles = 0;
  std::optional<app::payment_health> payment;  // on nodes with the payment role
  std::vector<app::peer_health> peers;
  std::size_t sse_watchers = 0;
  std::vector<heartbeat> heartbeats;
  std::optional<disk> data_dir;
};

struct build {
  std::string version;
  std::uint32_t wire_protocol = 0;
  std::vector<std::string> roles;
};

class registry final : public ports::request_meter, public ports::commit_meter {
 public:
  static constexpr std::string_view content_type = "text/plain; version=0.0.4; charset=utf-8";

  explicit registry(build about);
  ~registry() override;
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  // Set once, before the first scrape; called on the scraping thread.
  void read_at_scrape(std::function<node_figures()> figures);

  void answered(std::string_view method, std::string_view route, int status,
                std::chrono::nanoseconds took) noexcept override;
  void committed(std::size_t changesets, bool ok, bool synced, std::chrono::nanoseconds took) noexcept override;

  // Every family, in the text exposition format 0.0.4.
  std::string scrape() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ttareungyi::metrics
