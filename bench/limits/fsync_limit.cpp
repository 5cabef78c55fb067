// ttareungyi-fsync-limit: the durable-write limit of this machine. Many writer threads each put
// one small record at a time into a fresh RocksDB database with WriteOptions::sync, so every
// acknowledged put is fsync'd; RocksDB's write groups let concurrent writers share one WAL
// write and one fsync (group commit). Reports acknowledged puts per second, the put latency,
// and how many WAL syncs there were (puts per sync = the group size reached).
//
//   ttareungyi-fsync-limit [--dir DIR] [--threads 64] [--duration 5] [--warmup 1]
//                          [--value-bytes 300] [--keys-per-write 1] [--json]
// Without --dir, a temporary folder in $TMPDIR (or /tmp) is used and removed afterwards: give a
// folder on the file system the server keeps its data on.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/write_batch.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../common/clock.hpp"
#include "../common/command_line.hpp"
#include "../common/histogram.hpp"

namespace {

using namespace ttareungyi::bench;

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int threads = 64, value_bytes = 300, keys_per_write = 1;
  double duration = 5, warmup = 1;
  bool as_json = false;
  command_line args{"ttareungyi-fsync-limit", argc, argv};
  while (args.next()) {
    const auto& flag = args.flag();
    if (flag == "--dir") dir = args.value();
    else if (flag == "--threads") threads = args.number(1, 1024);
    else if (flag == "--duration") duration = args.number(0.1, 600.0);
    else if (flag == "--warmup") warmup = args.number(0.0, 120.0);
    else if (flag == "--value-bytes") value_bytes = args.number(1, 1 << 20);
    else if (flag == "--keys-per-write") keys_per_write = args.number(1, 1000);
    else if (flag == "--json") as_json = true;
    else {
      std::cerr << "usage: ttareungyi-fsync-limit [--dir DIR] [--threads 64] [--duration 5] [--warmup 1]"
                   " [--value-bytes 300] [--keys-per-write 1] [--json]\n";
      return 2;
    }
  }

  bool temporary = dir.empty();
  if (temporary) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string{base && *base ? base : "/tmp"} + "/ttareungyi-fsync-XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = pattern;
  }
  const auto db_dir = std::filesystem::path{dir} / "fsync-limit-db";
  std::filesystem::remove_all(db_dir);

  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_background_jobs = 2;
  options.statistics = rocksdb::CreateDBStatistics();
  rocksdb::DB* raw = nullptr;
  auto status = rocksdb::DB::Open(options, db_dir.string(), &raw);
  if (!status.ok()) {
    std::cerr << "ttareungyi-fsync-limit: cannot open " << db_dir << ": " << status.ToString() << "\n";
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db{raw};

  const auto start = steady::now();
  const auto measure_from = start + seconds_as_duration(warmup);
  const auto end = measure_from + seconds_as_duration(duration);
  std::atomic<bool> failed{false};
  std::vector<histogram> latencies(threads);
  std::atomic<std::uint64_t> syncs_at_start{0}, syncs_at_end{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&, t] {
      rocksdb::WriteOptions wo;
      wo.sync = true;
      std::string value(static_cast<std::size_t>(value_bytes), 'v');
      char key[48];
      for (std::uint64_t n = 0;; ++n) {
        auto sent = steady::now();
        if (sent >= end || failed) break;
        rocksdb::WriteBatch batch;
        for (int k = 0; k < keys_per_write; ++k) {
          int len = std::snprintf(key, sizeof key, "k%04d-%012llu-%03d", t, static_cast<unsigned long long>(n), k);
          batch.Put(rocksdb::Slice{key, static_cast<std::size_t>(len)}, value);
        }
        auto s = db->Write(wo, &batch);
        if (!s.ok()) {
          std::cerr << "ttareungyi-fsync-limit: write failed: " << s.ToString() << "\n";
          failed = true;
          break;
        }
        if (sent >= measure_from)
          latencies[t].record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - sent).count()));
      }
    });
  }
  // The WAL sync counter at the window's edges.
  std::this_thread::sleep_until(measure_from);
  syncs_at_start = options.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  std::this_thread::sleep_until(end);
  syncs_at_end = options.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  for (auto& w : writers) w.join();
  db.reset();
  if (temporary) std::filesystem::remove_all(dir);
  else std::filesystem::remove_all(db_dir);
  if (failed) return 1;

  histogram all;
  for (auto& h : latencies) all.merge(h);
  const double puts = static_cast<double>(all.count());
  const double syncs = static_cast<double>(syncs_at_end - syncs_at_start);
  nlohmann::json j{
      {"tool", "fsync-limit"},
      {"threads", threads},
      {"valueBytes", value_bytes},
      {"keysPerWrite", keys_per_write},
      {"durationSeconds", duration},
      {"warmupSeconds", warmup},
      {"writes", all.count()},
      {"writesPerSecond", puts / duration},
      {"walSyncs", syncs},
      {"walSyncsPerSecond", syncs / duration},
      {"writesPerSync", syncs > 0 ? puts / syncs : 0},
      {"latencyMs",
       {{"min", ms(all.min())},
        {"p50", ms(all.quantile(0.5))},
        {"p90", ms(all.quantile(0.9))},
        {"p99", ms(all.quantile(0.99))},
        {"p999", ms(all.quantile(0.999))},
        {"max", ms(all.max())}}},
  };
  if (as_json) {
    std::cout << j.dump(2) << '\n';
  } else {
    std::printf("fsync'd puts: %.0f puts/s with %d writer threads (%d-byte values, %d key(s) per write), %.1f s measured\n",
                puts / duration, threads, value_bytes, keys_per_write, duration);
    std::printf("  WAL syncs: %.0f/s, %.1f puts per sync (group commit)\n", syncs / duration, syncs > 0 ? puts / syncs : 0);
    std::printf("  put latency ms: min %.3f p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f\n", ms(all.min()),
                ms(all.quantile(0.5)), ms(all.quantile(0.9)), ms(all.quantile(0.99)), ms(all.quantile(0.999)),
                ms(all.max()));
  }
  return 0;
}
