#include "process.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ttareungyi::metrics {
namespace {

// Seconds since the epoch at which the machine booted (/proc/stat's btime).
std::optional<double> boot_time() {
  std::ifstream in{"/proc/stat"};
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime" && in >> value) return value;
    in.ignore(1 << 20, '\n');
  }
  return std::nullopt;
}

}  // namespace

std::optional<process_figures> read_process() {
  std::ifstream in{"/proc/self/stat"};
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) may hold spaces: the fields that follow start after its ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields{line.substr(close + 2)};
  std::string field;
  // Fields 3.. of proc(5): utime is the 14th, stime the 15th, starttime the 22nd, vsize the
  // 23rd, rss (pages) the 24th.
  double utime = 0, stime = 0, start = 0, vsize = 0, rss = 0;
  for (int n = 3; n <= 24 && fields >> field; ++n) {
    if (n == 14) utime = std::stod(field);
    if (n == 15) stime = std::stod(field);
    if (n == 22) start = std::stod(field);
    if (n == 23) vsize = std::stod(field);
    if (n == 24) rss = std::stod(field);
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  process_figures f;
  f.cpu_seconds = (utime + stime) / ticks;
  f.virtual_bytes = vsize;
  f.resident_bytes = rss * static_cast<double>(sysconf(_SC_PAGESIZE));
  if (auto booted = boot_time()) f.start_time_seconds = *booted + start / ticks;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator{"/proc/self/fd", ec}; !ec && it != std::filesystem::directory_iterator{};
       it.increment(ec))
    f.open_fds += 1;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) f.max_fds = static_cast<double>(files.rlim_cur);
  return f;
}

}  // namespace ttareungyi::metrics
