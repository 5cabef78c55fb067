#include "ttareungyi/domain/time.hpp"

#include <charconv>

namespace ttareungyi::domain {

instant system_clock::now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

namespace {
// Writes `value` as exactly `width` decimal digits (0 <= value < 10^width) at `out`.
char* fixed(char* out, long long value, int width) {
  for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
  return out + width;
}
}  // namespace

// By hand rather than with snprintf: answers write two of these per read, on the I/O thread.
std::string to_rfc3339(instant t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  const auto ms = hms.subseconds().count();
  const int y = int(ymd.year());
  char buf[40];
  char* p = buf;
  if (y >= 0 && y <= 9999) {
    p = fixed(p, y, 4);
  } else {
    p = std::to_chars(p, p + 12, y).ptr;
  }
  *p++ = '-';
  p = fixed(p, unsigned(ymd.month()), 2);
  *p++ = '-';
  p = fixed(p, unsigned(ymd.day()), 2);
  *p++ = 'T';
  p = fixed(p, hms.hours().count(), 2);
  *p++ = ':';
  p = fixed(p, hms.minutes().count(), 2);
  *p++ = ':';
  p = fixed(p, hms.seconds().count(), 2);
  if (ms != 0) {
    *p++ = '.';
    p = fixed(p, ms, 3);
  }
  *p++ = 'Z';
  return std::string(buf, p);
}

namespace {
bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  // Digits only: from_chars alone would also take a sign ("T-1:32:00Z" as hour -1).
  for (std::size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + n, out);
  return ec == std::errc{} && p == s.data() + pos + n;
}
}  // namespace

std::optional<instant> parse_rfc3339(std::string_view s) {
  using namespace std::chrono;
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, mo) || !digits(s, 8, 2, d) || !digits(s, 11, 2, h) ||
      !digits(s, 14, 2, mi) || !digits(s, 17, 2, sec))
    return std::nullopt;
  std::size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t start = ++pos, scale = 100;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (scale > 0) ms += (s[pos] - '0') * int(scale), scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos + 1 != s.size() || (s[pos] != 'Z' && s[pos] != 'z')) return std::nullopt;
  const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  return instant{sys_days{ymd}} + hours{h} + minutes{mi} + seconds{sec} + milliseconds{ms};
}

}  // namespace ttareungyi::domain
