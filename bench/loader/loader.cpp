// ttareungyi-bench-loader: fills a server data dir with a large data set, fast, before the
// server starts. It writes through the product's own storage adapter (storage::open_rocksdb and
// ports::changeset, so keys, indexes and encodings are exactly the server's) in large
// changesets without fsync, then closes the database cleanly (flushed, no WAL to replay).
//
//   ttareungyi-bench-loader --data-dir DIR [--bicycles 1000000] [--tickets 1000000]
//       [--customers 1000] [--stations 1000] [--manifest FILE] [--manifest-tickets 50]
//       [--manifest-full FILE]
//
// What it writes: stations (capacity 2000), available bicycles spread over them, customers who
// all share one password (hashed once, PBKDF2 as the server does) and paid 1h tickets dealt
// round-robin over the customers. No journal events and no payment records are written: the
// server neither reads them at start-up nor to answer the benchmarked requests.
// The manifest is a ttareungyi-load setup file (--load-setup): customers with their phone and
// password (the load generator signs them in), up to --manifest-tickets ticket ids per customer,
// every station and the first 4096 bicycles. --manifest-full writes the same with every ticket
// id (reads spread over all tickets).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <future>
#include <iostream>
#include <string>
#include <vector>

#include "../common/clock.hpp"
#include "../common/command_line.hpp"
#include "ttareungyi/security/password.hpp"
#include "ttareungyi/storage/rocksdb_storage.hpp"

namespace {

using namespace ttareungyi;
using bench::seconds_since;
using bench::steady;

std::string numbered(const char* prefix, long n, int width) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%0*ld", prefix, width, n);
  return buf;
}

std::string phone_of(long i) {
  return "010" + std::to_string(20'000'000 + i % 70'000'000);
}

// Commits changesets with a few in flight; the storage's writer groups them.
class writer {
 public:
  explicit writer(ports::storage& s) : storage_(s) {}

  template <class T>
  void save(T item) {
    current_.save(std::move(item));
    if (++items_ == per_changeset) flush();
  }

  void flush() {
    if (items_ == 0) return;
    auto done = std::make_shared<std::promise<ports::stored<void>>>();
    in_flight_.push_back(done->get_future());
    storage_.commit(std::move(current_), [done](ports::stored<void> r) { done->set_value(std::move(r)); });
    current_ = {};
    items_ = 0;
    while (in_flight_.size() > max_in_flight) wait_one();
  }

  void finish() {
    flush();
    while (!in_flight_.empty()) wait_one();
  }

 private:
  void wait_one() {
    auto r = in_flight_.front().get();
    in_flight_.pop_front();
    if (!r) throw std::runtime_error("commit failed: " + r.error().message);
  }

  static constexpr std::size_t per_changeset = 5000;
  static constexpr std::size_t max_in_flight = 8;
  ports::storage& storage_;
  ports::changeset current_;
  std::size_t items_ = 0;
  std::deque<std::future<ports::stored<void>>> in_flight_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, manifest, manifest_full;
  long bicycles = 1'000'000, tickets = 1'000'000, customers = 1000, stations = 1000, manifest_tickets = 50;
  bench::command_line args{"ttareungyi-bench-loader", argc, argv};
  while (args.next()) {
    const auto& flag = args.flag();
    if (flag == "--data-dir") data_dir = args.value();
    else if (flag == "--manifest") manifest = args.value();
    else if (flag == "--manifest-full") manifest_full = args.value();
    else if (flag == "--bicycles") bicycles = args.number<long>(1, 100'000'000);
    else if (flag == "--tickets") tickets = args.number<long>(0, 100'000'000);
    else if (flag == "--customers") customers = args.number<long>(1, 1'000'000);
    else if (flag == "--stations") stations = args.number<long>(1, 100'000);
    else if (flag == "--manifest-tickets") manifest_tickets = args.number<long>(1, 100'000);
    else {
      std::cerr << "usage: ttareungyi-bench-loader --data-dir DIR [--bicycles N] [--tickets N] [--customers N]"
                   " [--stations N] [--manifest FILE] [--manifest-tickets N] [--manifest-full FILE]\n";
      return 2;
    }
  }
  if (data_dir.empty()) {
    std::cerr << "ttareungyi-bench-loader: --data-dir is required\n";
    return 2;
  }
  if (tickets > 0 && tickets < customers) customers = tickets;

  auto started = steady::now();
  auto opened = storage::open_rocksdb({std::filesystem::path{data_dir} / "db", false});
  if (!opened) {
    std::cerr << "ttareungyi-bench-loader: " << opened.error().message << "\n";
    return 1;
  }
  const std::string password = "bench-pass-large1";
  const std::string hash = security::hash_password(password);
  const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());

  nlohmann::json m{{"version", 1}, {"runTag", "large"}, {"stations", nlohmann::json::array()},
                   {"bicycles", nlohmann::json::array()}, {"customers", nlohmann::json::array()}};
  try {
    writer w{**opened};
    for (long i = 0; i < stations; ++i) {
      auto id = numbered("BS-", i, 5);
      w.save(domain::station{domain::ids::station_id{id}, "bench station " + std::to_string(i), 37.4 + 0.0003 * static_cast<double>(i % 1000),
                             126.8 + 0.0003 * static_cast<double>(i / 1000), 2000});
      m["stations"].push_back(id);
    }
    for (long i = 0; i < bicycles; ++i) {
      auto id = numbered("BK-", i, 8);
      w.save(domain::bicycle{domain::ids::bicycle_id{id}, domain::bicycle_status::available,
                             domain::ids::station_id{numbered("BS-", i % stations, 5)}, std::nullopt});
      if (i < 4096) m["bicycles"].push_back(id);
    }
    std::vector<nlohmann::json> people;
    std::vector<std::vector<std::string>> all_tickets(manifest_full.empty() ? 0 : static_cast<std::size_t>(customers));
    for (long i = 0; i < customers; ++i) {
      auto id = numbered("bc_", i, 7);
      w.save(domain::customer{domain::ids::customer_id{id}, phone_of(i), "Bench " + std::to_string(i), hash});
      people.push_back({{"id", id}, {"phone", phone_of(i)}, {"password", password}, {"tickets", nlohmann::json::array()}});
    }
    for (long k = 0; k < tickets; ++k) {
      domain::ticket t;
      t.id = domain::ids::ticket_id{numbered("bt_", k, 9)};
      t.customer_id = domain::ids::customer_id{numbered("bc_", k % customers, 7)};
      t.type = domain::ticket_type::one_hour;
      t.status = domain::ticket_status::paid;
      t.purchased_at = now - std::chrono::milliseconds{tickets - k};
      t.paid_at = t.purchased_at;
      auto& mine = people[static_cast<std::size_t>(k % customers)]["tickets"];
      if (static_cast<long>(mine.size()) < manifest_tickets) mine.push_back(t.id.str());
      if (!all_tickets.empty()) all_tickets[static_cast<std::size_t>(k % customers)].push_back(t.id.str());
      w.save(std::move(t));
      if ((k + 1) % 200'000 == 0)
        std::fprintf(stderr, "loader: %ld tickets (%.1f s)\n", k + 1, seconds_since(started));
    }
    w.finish();
    if (!manifest_full.empty()) {
      auto full = m;
      full["customers"] = people;
      for (std::size_t i = 0; i < all_tickets.size(); ++i) full["customers"][i]["tickets"] = std::move(all_tickets[i]);
      std::ofstream out{manifest_full};
      out << full.dump() << '\n';
      if (!out) throw std::runtime_error("cannot write " + manifest_full);
    }
    m["customers"] = std::move(people);
  } catch (const std::exception& ex) {
    std::cerr << "ttareungyi-bench-loader: " << ex.what() << "\n";
    return 1;
  }
  opened->reset();  // flushes and closes
  if (!manifest.empty()) {
    std::ofstream out{manifest};
    out << m.dump() << '\n';
    if (!out) {
      std::cerr << "ttareungyi-bench-loader: cannot write " << manifest << "\n";
      return 1;
    }
  }
  std::fprintf(stderr, "loader: %ld stations, %ld bicycles, %ld customers, %ld tickets in %.1f s\n", stations, bicycles,
               customers, tickets, seconds_since(started));
  return 0;
}
